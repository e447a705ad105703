// SigV4 on both sides: the parsing of a received signature and the canonical request of
// src/aws's signer (ParseAuthorization, ExpectedSignature), and the sandbox's verification of an
// incoming request (sandbox/auth.h: ParseSignature, Authenticator::Verify).
//
// Input: a raw request as in AWS's SigV4 test suite ("METHOD TARGET HTTP/1.1", "Name:value"
// header lines, an empty line, the body); tests/data/aws/sigv4-test-suite seeds it.
// Invariants: a request that src/aws signs (header form, S3 and Lambda rules) parses back and
// recomputes to the same signature, and the sandbox accepts it as signed by its key; the same
// for a pre-signed URL.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "aws/sigv4.h"
#include "common/clock.h"
#include "fuzz_check.h"
#include "sandbox/auth.h"
#include "sandbox/credentials.h"
#include "sandbox/http_server.h"

namespace ferry::aws::internal {
// src/aws's query decoding (sigv4.cc), which sigv4.h does not export.
std::vector<std::pair<std::string, std::string>> DecodedQueryOf(std::string_view url);
}  // namespace ferry::aws::internal

namespace {

using namespace ferry;

constexpr std::string_view kAccessKey = "AKIDEXAMPLE";
constexpr std::string_view kSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kHost = "localhost:4566";

struct RawRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

RawRequest ParseRaw(std::string_view text) {
  RawRequest raw;
  size_t end = text.find('\n');
  std::string_view line = text.substr(0, end);
  text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  size_t space = line.find(' ');
  raw.method = std::string(line.substr(0, space));
  if (space != std::string_view::npos) {
    std::string_view rest = line.substr(space + 1);
    raw.target = std::string(rest.substr(0, rest.rfind(" HTTP/")));
  }
  while (!text.empty()) {
    end = text.find('\n');
    line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty() || line == "\r") break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    raw.headers.emplace_back(std::string(line.substr(0, colon)),
                             std::string(line.substr(colon + 1)));
  }
  raw.body = std::string(text);
  return raw;
}

// What can arrive over HTTP/1.1 at all: a token method, a target of visible ASCII, header names
// of token characters and values without control characters.
bool Visible(std::string_view text, bool allow_space) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e) {
      if (!(allow_space && c == ' ')) return false;
    }
  }
  return true;
}

bool Transmissible(const RawRequest& raw) {
  if (raw.method.empty() || !Visible(raw.method, false)) return false;
  if (raw.target.empty() || raw.target[0] != '/' || !Visible(raw.target, false) ||
      raw.target.find('#') != std::string::npos) {
    return false;
  }
  for (const auto& [name, value] : raw.headers) {
    // The header names AWS clients send (and aws::ParseAuthorization accepts in SignedHeaders):
    // letters, digits, '-', '_' and '.'. HTTP allows more ('!', '\'', '*', ...), which the signer
    // would sign and the verifier refuse.
    if (name.empty()) return false;
    for (char c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
        return false;
      }
    }
    if (!Visible(value, true)) return false;
  }
  return true;
}

// The sandbox's view of a request, built as sandbox/http_server.cc builds it.
sandbox::Request ToSandbox(const aws::HttpRequest& request, std::string_view target) {
  sandbox::Request out;
  out.method = request.method;
  size_t q = target.find('?');
  out.raw_path = std::string(target.substr(0, q));
  out.raw_query = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
  out.path = sandbox::PercentDecode(out.raw_path);
  out.query = sandbox::ParseQueryString(out.raw_query);
  for (const auto& [name, value] : request.headers) {
    std::string lower;
    for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view v = value;
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    out.headers.emplace(lower, std::string(v));
  }
  out.host = out.Header("host");
  out.body = request.body;
  return out;
}

// The target without X-Amz-* query parameters: a client signs a request that is not yet signed
// (pre-signing a pre-signed URL repeats the parameters, which no verifier accepts).
std::string WithoutSignatureQuery(std::string_view target) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, q + 1));
  std::string_view query = target.substr(q + 1);
  bool first = true;
  while (true) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    // The name as the verifier reads it: "X%2DAmz-Date" is X-Amz-Date too.
    auto decoded = aws::internal::DecodedQueryOf("/?" + std::string(pair));
    std::string lower;
    for (char c : decoded.empty() ? std::string() : decoded.front().first.substr(0, 6)) {
      lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (lower != "x-amz-") {
      if (!first) out += '&';
      out += pair;
      first = false;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

void ExpectSandboxAccepts(const sandbox::Request& request, const Clock& clock,
                          const sandbox::CredentialStore& credentials) {
  auto parsed = sandbox::ParseSignature(request);
  auto* parts = std::get_if<aws::SignatureParts>(&parsed);
  if (parts == nullptr) {
    auto* failure = std::get_if<sandbox::AuthFailure>(&parsed);
    std::fprintf(stderr, "sandbox did not parse: %s\n", failure ? failure->detail.c_str() : "-");
  }
  FUZZ_CHECK(parts != nullptr);
  auto verified = sandbox::Authenticator(credentials, clock).Verify(request, *parts);
  if (auto* failure = std::get_if<sandbox::AuthFailure>(&verified)) {
    std::fprintf(stderr, "sandbox refused (kind %d): %s\n", static_cast<int>(failure->kind),
                 failure->detail.c_str());
  }
  FUZZ_CHECK(std::holds_alternative<sandbox::Caller>(verified));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  RawRequest raw = ParseRaw(std::string_view(reinterpret_cast<const char*>(data), size));
  TimePoint signed_at = *aws::ParseAmzDate("20150830T123600Z");
  FakeClock clock(signed_at);
  sandbox::CredentialStore credentials(clock);
  FUZZ_CHECK(
      credentials.AddLongTermKey("000000000000", std::string(kAccessKey), std::string(kSecretKey))
          .ok());

  // Whatever the input carries, parsed and verified as received.
  aws::HttpRequest received;
  received.method = raw.method;
  received.url = "http://" + std::string(kHost) + raw.target;
  received.headers = raw.headers;
  received.body = raw.body;
  if (auto parts = aws::ParseAuthorization(received); parts.ok()) {
    FUZZ_CHECK(parts->signature.size() == 64);
    (void)aws::ExpectedSignature(received, *parts, kSecretKey, parts->service == "s3");
  }
  sandbox::Request as_received = ToSandbox(received, raw.target);
  auto parsed = sandbox::ParseSignature(as_received);
  if (auto* parts = std::get_if<aws::SignatureParts>(&parsed)) {
    (void)sandbox::Authenticator(credentials, clock).Verify(as_received, *parts);
  }

  if (!Transmissible(raw)) return 0;
  // Signed by src/aws, then verified by src/aws and by the sandbox.
  raw.target = WithoutSignatureQuery(raw.target);
  aws::HttpRequest unsigned_request = received;
  unsigned_request.url = "http://" + std::string(kHost) + raw.target;
  std::erase_if(unsigned_request.headers, [](const auto& header) {
    std::string lower;
    for (char c : header.first) {
      lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    // The headers the signer sets, and duplicates (the sandbox's HTTP server keeps the first).
    return lower == "authorization" || lower == "host" || lower.starts_with("x-amz-");
  });
  std::vector<std::string> seen;
  std::erase_if(unsigned_request.headers, [&seen](const auto& header) {
    std::string lower;
    for (char c : header.first) {
      lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (std::find(seen.begin(), seen.end(), lower) != seen.end()) return true;
    seen.push_back(lower);
    return false;
  });
  unsigned_request.headers.emplace_back("Host", std::string(kHost));
  aws::Credentials creds{std::string(kAccessKey), std::string(kSecretKey), "", std::nullopt, ""};
  for (bool s3 : {false, true}) {
    aws::SigningParams params;
    params.region = "us-east-1";
    params.service = s3 ? "s3" : "lambda";
    params.time = signed_at;
    params.s3_rules = s3;

    aws::HttpRequest signed_request = unsigned_request;
    aws::SignRequest(signed_request, creds, params);
    auto parts = aws::ParseAuthorization(signed_request);
    FUZZ_CHECK(parts.ok());
    FUZZ_CHECK(aws::ExpectedSignature(signed_request, *parts, kSecretKey, s3).signature ==
               parts->signature);
    ExpectSandboxAccepts(ToSandbox(signed_request, raw.target), clock, credentials);

    aws::HttpRequest presigned = unsigned_request;
    presigned.url = aws::PresignUrl(unsigned_request, creds, params, std::chrono::seconds(300));
    auto query_parts = aws::ParseAuthorization(presigned);
    FUZZ_CHECK(query_parts.ok());
    FUZZ_CHECK(query_parts->query_form);
    FUZZ_CHECK(aws::ExpectedSignature(presigned, *query_parts, kSecretKey, s3).signature ==
               query_parts->signature);
    std::string presigned_target = presigned.url.substr(("http://" + std::string(kHost)).size());
    ExpectSandboxAccepts(ToSandbox(presigned, presigned_target), clock, credentials);
  }
  return 0;
}
