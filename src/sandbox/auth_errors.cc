// The error each AWS service returns for an authentication failure. The codes, statuses and
// messages are the services' own (they differ: Lambda's are *Exception names, S3's are its own
// vocabulary, STS and CloudWatch use the query-protocol names).
#include "sandbox/auth.h"

namespace ferry::sandbox {
namespace {

constexpr char kSignatureMismatch[] =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";
constexpr char kInvalidToken[] = "The security token included in the request is invalid.";
constexpr char kExpiredToken[] = "The security token included in the request is expired";

WireError Make(int status, std::string code, std::string message) {
  WireError e;
  e.status = status;
  e.code = std::move(code);
  e.message = std::move(message);
  return e;
}

WireError LambdaError(const AuthFailure& f) {
  switch (f.kind) {
    case AuthFailureKind::kMissing:
      return Make(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
    case AuthFailureKind::kMalformed:
      return Make(403, "IncompleteSignatureException", f.detail);
    case AuthFailureKind::kUnknownKey:
    case AuthFailureKind::kInvalidToken:
      return Make(403, "UnrecognizedClientException", kInvalidToken);
    case AuthFailureKind::kExpiredToken:
      return Make(403, "ExpiredTokenException", kExpiredToken);
    case AuthFailureKind::kBadSignature:
      return Make(403, "InvalidSignatureException", kSignatureMismatch);
    case AuthFailureKind::kRequestTimeSkewed:
    case AuthFailureKind::kPresignedExpired:
      return Make(403, "InvalidSignatureException", f.detail);
  }
  return Make(403, "AccessDeniedException", "Access denied");
}

WireError S3Error(const AuthFailure& f) {
  switch (f.kind) {
    case AuthFailureKind::kMissing:
      return Make(403, "AccessDenied", "Access Denied");
    case AuthFailureKind::kMalformed:
      return Make(400, "AuthorizationHeaderMalformed", f.detail);
    case AuthFailureKind::kUnknownKey:
      return Make(403, "InvalidAccessKeyId",
                  "The AWS Access Key Id you provided does not exist in our records.");
    case AuthFailureKind::kInvalidToken:
      return Make(400, "InvalidToken", "The provided token is malformed or otherwise invalid.");
    case AuthFailureKind::kExpiredToken:
      return Make(400, "ExpiredToken", "The provided token has expired.");
    case AuthFailureKind::kBadSignature:
      return Make(403, "SignatureDoesNotMatch",
                  "The request signature we calculated does not match the signature you "
                  "provided. Check your key and signing method.");
    case AuthFailureKind::kRequestTimeSkewed:
      return Make(403, "RequestTimeTooSkewed",
                  "The difference between the request time and the current time is too large.");
    case AuthFailureKind::kPresignedExpired:
      return Make(403, "AccessDenied", "Request has expired");
  }
  return Make(403, "AccessDenied", "Access Denied");
}

// STS and CloudWatch (query and awsJson protocols) share the IAM-style vocabulary.
WireError QueryServiceError(const AuthFailure& f) {
  switch (f.kind) {
    case AuthFailureKind::kMissing:
      return Make(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
    case AuthFailureKind::kMalformed:
      return Make(400, "IncompleteSignature", f.detail);
    case AuthFailureKind::kUnknownKey:
    case AuthFailureKind::kInvalidToken:
      return Make(403, "InvalidClientTokenId", kInvalidToken);
    case AuthFailureKind::kExpiredToken:
      return Make(400, "ExpiredToken", kExpiredToken);
    case AuthFailureKind::kBadSignature:
      return Make(403, "SignatureDoesNotMatch", kSignatureMismatch);
    case AuthFailureKind::kRequestTimeSkewed:
    case AuthFailureKind::kPresignedExpired:
      return Make(403, "SignatureDoesNotMatch", f.detail);
  }
  return Make(403, "AccessDenied", "Access denied");
}

}  // namespace

WireError AuthErrorFor(std::string_view signing_name, const AuthFailure& failure) {
  if (signing_name == "lambda") return LambdaError(failure);
  if (signing_name == "s3") return S3Error(failure);
  return QueryServiceError(failure);
}

}  // namespace ferry::sandbox
