// Runs every case of AWS's public SigV4 test suite (tests/data/aws/sigv4-test-suite, from
// awslabs/aws-c-auth) through the signer, in header and pre-signed query form, comparing the
// canonical request, string to sign, signature and signed request byte for byte. Each case is also
// verified back through ParseAuthorization + ExpectedSignature, the path ferry sandbox uses.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "aws/sigv4.h"
#include "common/crypto.h"
#include "common/json.h"
#include "common/strings.h"
#include "common/time.h"

namespace ferry::aws {
namespace {

namespace fs = std::filesystem;

// The copy in the repository (FERRY_SOURCE_DIR is set by tests/support/test_main.cc).
fs::path SuiteDir() {
  const char* src = std::getenv("FERRY_SOURCE_DIR");
  return fs::path(src ? src : ".") / "tests" / "data" / "aws" / "sigv4-test-suite";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string StripFinalNewline(std::string text) {
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

struct SuiteCase {
  std::string name;
  HttpRequest request;
  std::string request_line_path;  // raw path (and query) from request.txt
  Credentials creds;
  SigningParams params;
  std::chrono::seconds expires{3600};
};

// request.txt: "METHOD PATH HTTP/1.1", header lines (indented lines continue the previous
// value), a blank line, the body. The path may contain spaces.
HttpRequest ParseRequestTxt(const std::string& text, std::string& raw_target) {
  HttpRequest request;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  auto first_space = line.find(' ');
  auto version = line.rfind(" HTTP/");
  request.method = line.substr(0, first_space);
  raw_target = line.substr(first_space + 1, version - first_space - 1);
  std::string host;
  while (std::getline(in, line)) {
    if (line.empty()) break;
    if (line[0] == ' ' || line[0] == '\t') {
      request.headers.back().second += "\n" + line;
      continue;
    }
    auto colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
    if (EqualsIgnoreCase(request.headers.back().first, "host")) host = line.substr(colon + 1);
  }
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  request.body = body;
  request.url = "https://" + host + raw_target;
  return request;
}

SuiteCase LoadCase(const fs::path& dir) {
  SuiteCase c;
  c.name = dir.filename().string();
  c.request = ParseRequestTxt(ReadFile(dir / "request.txt"), c.request_line_path);
  Json ctx = ParseJson(ReadFile(dir / "context.json")).value();
  c.creds.access_key_id = ctx["credentials"]["access_key_id"];
  c.creds.secret_access_key = ctx["credentials"]["secret_access_key"];
  c.creds.session_token = ctx["credentials"].value("token", "");
  c.params.region = ctx["region"];
  c.params.service = ctx["service"];
  c.params.time = ParseRfc3339(ctx["timestamp"].get<std::string>()).value();
  c.params.normalize_path = ctx["normalize"];
  c.params.content_sha256_header = ctx["sign_body"];
  c.params.omit_session_token = ctx.value("omit_session_token", false);
  c.expires = std::chrono::seconds(ctx["expiration_in_seconds"].get<int>());
  return c;
}

std::string RenderRequest(const std::string& method, const std::string& target,
                          const HttpRequest& request) {
  std::string out = method + " " + target + " HTTP/1.1\n";
  for (const auto& [name, value] : request.headers) out += name + ":" + value + "\n";
  return out + "\n" + request.body;
}

std::string TargetOf(const std::string& url) {
  return url.substr(url.find('/', url.find("://") + 3));
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(SuiteDir(), ec)) {
    if (fs::exists(entry.path() / "context.json")) names.push_back(entry.path().filename());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class SigV4SuiteTest : public testing::TestWithParam<std::string> {};

TEST_P(SigV4SuiteTest, HeaderForm) {
  fs::path dir = SuiteDir() / GetParam();
  SuiteCase c = LoadCase(dir);
  SigningArtifacts a = ComputeSignature(c.request, c.creds, c.params, /*query_form=*/false);
  EXPECT_EQ(a.canonical_request, StripFinalNewline(ReadFile(dir / "header-canonical-request.txt")));
  EXPECT_EQ(a.string_to_sign, StripFinalNewline(ReadFile(dir / "header-string-to-sign.txt")));
  EXPECT_EQ(a.signature, StripFinalNewline(ReadFile(dir / "header-signature.txt")));

  HttpRequest signed_request = c.request;
  SignRequest(signed_request, c.creds, c.params);
  EXPECT_EQ(RenderRequest(c.request.method, c.request_line_path, signed_request),
            ReadFile(dir / "header-signed-request.txt"));

  // A server verifying what we sent reaches the same signature.
  auto parts = ParseAuthorization(signed_request);
  ASSERT_TRUE(parts.ok()) << parts.error().ToString();
  EXPECT_FALSE(parts->query_form);
  EXPECT_EQ(parts->access_key_id, c.creds.access_key_id);
  EXPECT_EQ(parts->region, c.params.region);
  EXPECT_EQ(parts->signature, a.signature);
  if (c.params.normalize_path) {
    EXPECT_EQ(ExpectedSignature(signed_request, *parts, c.creds.secret_access_key, false).signature,
              a.signature);
  }
}

TEST_P(SigV4SuiteTest, QueryForm) {
  fs::path dir = SuiteDir() / GetParam();
  SuiteCase c = LoadCase(dir);
  SigningArtifacts a =
      ComputeSignature(c.request, c.creds, c.params, /*query_form=*/true, c.expires);
  EXPECT_EQ(a.canonical_request, StripFinalNewline(ReadFile(dir / "query-canonical-request.txt")));
  EXPECT_EQ(a.string_to_sign, StripFinalNewline(ReadFile(dir / "query-string-to-sign.txt")));
  EXPECT_EQ(a.signature, StripFinalNewline(ReadFile(dir / "query-signature.txt")));

  std::string url = PresignUrl(c.request, c.creds, c.params, c.expires);
  EXPECT_EQ(RenderRequest(c.request.method, TargetOf(url), c.request),
            ReadFile(dir / "query-signed-request.txt"));

  HttpRequest received = c.request;
  received.url = url;
  auto parts = ParseAuthorization(received);
  ASSERT_TRUE(parts.ok()) << parts.error().ToString();
  EXPECT_TRUE(parts->query_form);
  EXPECT_EQ(parts->expires, c.expires);
  EXPECT_EQ(parts->security_token, c.creds.session_token);
  if (c.params.normalize_path && !c.params.omit_session_token) {
    EXPECT_EQ(ExpectedSignature(received, *parts, c.creds.secret_access_key, false).signature,
              a.signature);
  }
}

INSTANTIATE_TEST_SUITE_P(Suite, SigV4SuiteTest, testing::ValuesIn(CaseNames()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(SigV4SuiteCoverage, EveryCaseIsPresent) {
  // The suite as published has 38 cases; a missing or partial copy must fail, not pass empty.
  EXPECT_EQ(CaseNames().size(), 38u) << SuiteDir();
}

}  // namespace
}  // namespace ferry::aws
