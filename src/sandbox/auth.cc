#include "sandbox/auth.h"

#include "common/crypto.h"
#include "common/strings.h"
#include "sandbox/s3/aws_chunked.h"

namespace ferry::sandbox {
namespace {

// AWS accepts header-signed requests whose X-Amz-Date is within 15 minutes of its clock.
constexpr std::chrono::minutes kMaxSkew{15};

aws::HttpRequest ToAwsRequest(const Request& request) {
  aws::HttpRequest out;
  out.method = request.method;
  out.url = "http://" + request.host + request.raw_path +
            (request.raw_query.empty() ? "" : "?" + request.raw_query);
  for (const auto& [name, value] : request.headers) out.headers.emplace_back(name, value);
  out.body = request.body;
  return out;
}

}  // namespace

std::variant<std::monostate, aws::SignatureParts, AuthFailure> ParseSignature(
    const Request& request) {
  auto parts = aws::ParseAuthorization(ToAwsRequest(request));
  if (parts.ok()) return *parts;
  if (parts.error().code == ErrorCode::kUnauthenticated) return std::monostate{};
  return AuthFailure{AuthFailureKind::kMalformed, parts.error().message};
}

std::variant<Caller, AuthFailure> Authenticator::Verify(const Request& request,
                                                        const aws::SignatureParts& parts) const {
  TimePoint now = clock_.Now();
  if (parts.query_form) {
    if (parts.expires && now > parts.amz_date + *parts.expires) {
      return AuthFailure{AuthFailureKind::kPresignedExpired, "Request has expired"};
    }
  } else if (parts.amz_date > now + kMaxSkew) {
    // Dated in the future: AWS's wording, which clients recognise as clock skew too.
    return AuthFailure{AuthFailureKind::kRequestTimeSkewed,
                       "Signature not yet current: " + aws::FormatAmzDate(parts.amz_date) +
                           " is still later than " + aws::FormatAmzDate(now + kMaxSkew) + " (" +
                           aws::FormatAmzDate(now) + " + 15 min.)"};
  } else if (parts.amz_date < now - kMaxSkew) {
    return AuthFailure{AuthFailureKind::kRequestTimeSkewed,
                       "Signature expired: " + aws::FormatAmzDate(parts.amz_date) +
                           " is now earlier than " + aws::FormatAmzDate(now - kMaxSkew) + " (" +
                           aws::FormatAmzDate(now) + " - 15 min.)"};
  }

  auto looked_up = credentials_.Lookup(parts.access_key_id, parts.security_token);
  if (auto* failure = std::get_if<CredentialFailure>(&looked_up)) {
    switch (*failure) {
      case CredentialFailure::kUnknownKey:
        return AuthFailure{AuthFailureKind::kUnknownKey, ""};
      case CredentialFailure::kInvalidToken:
        return AuthFailure{AuthFailureKind::kInvalidToken, ""};
      case CredentialFailure::kExpired:
        return AuthFailure{AuthFailureKind::kExpiredToken, ""};
    }
  }
  const Principal& principal = std::get<Principal>(looked_up);
  for (const std::string& name : parts.signed_headers) {
    if (name != "host" && request.headers.find(name) == request.headers.end()) {
      return AuthFailure{AuthFailureKind::kBadSignature,
                         "signed header " + QuoteForMessage(name) + " is missing"};
    }
  }
  aws::SigningArtifacts expected = aws::ExpectedSignature(
      ToAwsRequest(request), parts, principal.secret_access_key, parts.service == "s3");
  if (!ConstantTimeEquals(expected.signature, parts.signature)) {
    return AuthFailure{AuthFailureKind::kBadSignature, ""};
  }
  // A signed streaming upload: every chunk signature chains from the seed signature above.
  std::string content_sha256 = request.Header("x-amz-content-sha256");
  bool streaming = content_sha256 == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
  bool streaming_trailer = content_sha256 == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
  if (!parts.query_form && (streaming || streaming_trailer)) {
    // A body that does not parse is left to the service, which rejects its framing.
    auto payload = s3::DecodeAwsChunked(request.body);
    if (payload.ok()) {
      std::string key = HmacSha256("AWS4" + principal.secret_access_key, parts.date);
      key = HmacSha256(key, parts.region);
      key = HmacSha256(key, parts.service);
      key = HmacSha256(key, "aws4_request");
      std::string scope = parts.date + "/" + parts.region + "/" + parts.service + "/aws4_request";
      if (!s3::VerifyChunkSignatures(*payload, key, aws::FormatAmzDate(parts.amz_date), scope,
                                     parts.signature, streaming_trailer)) {
        return AuthFailure{AuthFailureKind::kBadSignature, "a chunk signature does not match"};
      }
    }
  }

  Caller caller;
  caller.account_id = principal.account_id;
  caller.access_key_id = principal.access_key_id;
  caller.region = parts.region;
  caller.arn = principal.arn;
  return caller;
}

}  // namespace ferry::sandbox
