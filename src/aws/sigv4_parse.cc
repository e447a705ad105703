// Parsing of received SigV4 signatures (Authorization header and pre-signed query), for servers.
// Messages never quote the signature or the security token: they are bearer material.
#include <algorithm>
#include <cctype>
#include <map>

#include "aws/sigv4.h"
#include "common/strings.h"

namespace ferry::aws {
namespace internal {
std::vector<std::pair<std::string, std::string>> DecodedQueryOf(std::string_view url);
}  // namespace internal

namespace {

constexpr size_t kMaxAuthorizationBytes = 8 * 1024;
constexpr int64_t kMaxPresignExpiresSeconds = 7 * 24 * 3600;  // AWS's limit: one week

bool IsLowerHex64(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

// "AKID/20150830/us-east-1/service/aws4_request"
Status ParseCredential(std::string_view credential, SignatureParts& parts) {
  std::vector<std::string> fields = Split(credential, '/');
  if (fields.size() != 5 || fields[4] != "aws4_request") {
    return InvalidArgument("SigV4 credential must be <key>/<date>/<region>/<service>/aws4_request");
  }
  for (size_t i = 0; i < 4; ++i) {
    if (fields[i].empty() || fields[i].size() > 128 ||
        !std::all_of(fields[i].begin(), fields[i].end(), IsTokenChar)) {
      return InvalidArgument("SigV4 credential has an empty or invalid field");
    }
  }
  if (fields[1].size() != 8 || !std::all_of(fields[1].begin(), fields[1].end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      })) {
    return InvalidArgument("SigV4 credential date must be YYYYMMDD");
  }
  parts.access_key_id = fields[0];
  parts.date = fields[1];
  parts.region = fields[2];
  parts.service = fields[3];
  return Ok();
}

Status ParseSignedHeaders(std::string_view text, SignatureParts& parts) {
  parts.signed_headers.clear();
  for (auto& name : Split(text, ';')) {
    if (name.empty() || name != ToLower(name) ||
        !std::all_of(name.begin(), name.end(), [](char c) { return IsTokenChar(c); })) {
      return InvalidArgument(
          "SigV4 SignedHeaders must be lower-case header names separated by ';'");
    }
    parts.signed_headers.push_back(std::move(name));
  }
  return Ok();
}

Status ParseSignature(std::string_view text, SignatureParts& parts) {
  if (!IsLowerHex64(text))
    return InvalidArgument("SigV4 signature must be 64 lower-case hex digits");
  parts.signature = std::string(text);
  return Ok();
}

Status ParseDate(std::string_view text, SignatureParts& parts) {
  auto when = ParseAmzDate(text);
  if (!when) return InvalidArgument("X-Amz-Date must be YYYYMMDDTHHMMSSZ");
  if (std::string(text.substr(0, 8)) != parts.date) {
    return InvalidArgument("X-Amz-Date does not match the credential scope date");
  }
  parts.amz_date = *when;
  return Ok();
}

std::string HeaderValue(const HttpRequest& request, std::string_view lower_name) {
  for (const auto& [name, value] : request.headers) {
    if (EqualsIgnoreCase(name, lower_name)) return value;
  }
  return "";
}

Result<SignatureParts> ParseQueryForm(const HttpRequest& request) {
  SignatureParts parts;
  parts.query_form = true;
  std::map<std::string, std::string> params;
  for (auto& [name, value] : internal::DecodedQueryOf(request.url)) {
    if (name.starts_with("X-Amz-") && !params.emplace(name, value).second) {
      return InvalidArgument("pre-signed URL repeats " + name);
    }
  }
  auto get = [&](const std::string& name) -> Result<std::string> {
    auto it = params.find(name);
    if (it == params.end()) return InvalidArgument("pre-signed URL lacks " + name);
    return it->second;
  };
  FERRY_ASSIGN_OR_RETURN(std::string algorithm, get("X-Amz-Algorithm"));
  if (algorithm != kSigV4Algorithm)
    return InvalidArgument("X-Amz-Algorithm must be AWS4-HMAC-SHA256");
  FERRY_ASSIGN_OR_RETURN(std::string credential, get("X-Amz-Credential"));
  FERRY_RETURN_IF_ERROR(ParseCredential(credential, parts));
  FERRY_ASSIGN_OR_RETURN(std::string date, get("X-Amz-Date"));
  FERRY_RETURN_IF_ERROR(ParseDate(date, parts));
  FERRY_ASSIGN_OR_RETURN(std::string signed_headers, get("X-Amz-SignedHeaders"));
  FERRY_RETURN_IF_ERROR(ParseSignedHeaders(signed_headers, parts));
  FERRY_ASSIGN_OR_RETURN(std::string signature, get("X-Amz-Signature"));
  FERRY_RETURN_IF_ERROR(ParseSignature(signature, parts));
  FERRY_ASSIGN_OR_RETURN(std::string expires, get("X-Amz-Expires"));
  auto seconds = ParseInt(expires);
  if (!seconds || *seconds < 1 || *seconds > kMaxPresignExpiresSeconds) {
    return InvalidArgument("X-Amz-Expires must be between 1 and 604800 seconds");
  }
  parts.expires = std::chrono::seconds(*seconds);
  if (auto it = params.find("X-Amz-Security-Token"); it != params.end()) {
    parts.security_token = it->second;
  }
  return parts;
}

}  // namespace

Result<SignatureParts> ParseAuthorizationHeader(std::string_view authorization,
                                                std::string_view amz_date) {
  if (authorization.size() > kMaxAuthorizationBytes) {
    return InvalidArgument("Authorization header is too long");
  }
  std::string_view text = Trim(authorization);
  if (!text.starts_with(kSigV4Algorithm) || text.size() == kSigV4Algorithm.size() ||
      text[kSigV4Algorithm.size()] != ' ') {
    return InvalidArgument("Authorization must start with \"AWS4-HMAC-SHA256 \"");
  }
  text.remove_prefix(kSigV4Algorithm.size() + 1);
  SignatureParts parts;
  bool have_credential = false, have_signed = false, have_signature = false;
  for (const auto& raw : Split(text, ',')) {
    std::string_view item = Trim(raw);
    auto eq = item.find('=');
    if (eq == std::string_view::npos) return InvalidArgument("Authorization has a malformed field");
    std::string_view key = item.substr(0, eq);
    std::string_view value = item.substr(eq + 1);
    if (key == "Credential" && !have_credential) {
      FERRY_RETURN_IF_ERROR(ParseCredential(value, parts));
      have_credential = true;
    } else if (key == "SignedHeaders" && !have_signed) {
      FERRY_RETURN_IF_ERROR(ParseSignedHeaders(value, parts));
      have_signed = true;
    } else if (key == "Signature" && !have_signature) {
      FERRY_RETURN_IF_ERROR(ParseSignature(value, parts));
      have_signature = true;
    } else {
      return InvalidArgument("Authorization has an unknown or repeated field " +
                             QuoteForMessage(key, 32));
    }
  }
  if (!have_credential || !have_signed || !have_signature) {
    return InvalidArgument("Authorization needs Credential, SignedHeaders and Signature");
  }
  FERRY_RETURN_IF_ERROR(ParseDate(amz_date, parts));
  return parts;
}

Result<SignatureParts> ParseAuthorization(const HttpRequest& request) {
  std::string authorization = HeaderValue(request, "authorization");
  if (!authorization.empty()) {
    FERRY_ASSIGN_OR_RETURN(
        SignatureParts parts,
        ParseAuthorizationHeader(authorization, HeaderValue(request, "x-amz-date")));
    parts.security_token = HeaderValue(request, "x-amz-security-token");
    return parts;
  }
  if (request.url.find("X-Amz-Algorithm=") != std::string::npos ||
      request.url.find("X-Amz-Signature=") != std::string::npos) {
    return ParseQueryForm(request);
  }
  return Error{ErrorCode::kUnauthenticated,
               "request is not signed (no Authorization header or "
               "X-Amz-Signature parameter)",
               {}};
}

}  // namespace ferry::aws
