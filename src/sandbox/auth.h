// SigV4 verification of incoming requests, header form (Authorization: AWS4-HMAC-SHA256 ...) and
// pre-signed query form (X-Amz-Algorithm=AWS4-HMAC-SHA256&...). Parsing and the expected signature
// come from src/aws's signer (ferry_aws_sigv4); this adds the clock checks, the key lookup and the
// mapping to AWS's failure kinds.
//
// Thread-safe (reads the CredentialStore, which is thread-safe).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <variant>

#include "aws/sigv4.h"
#include "common/clock.h"
#include "sandbox/credentials.h"
#include "sandbox/service.h"

namespace ferry::sandbox {

enum class AuthFailureKind {
  kMissing,            // no Authorization header and no pre-signed query
  kMalformed,          // an Authorization header or query that does not parse
  kUnknownKey,         // access key not known
  kInvalidToken,       // session token missing or wrong for a temporary key
  kExpiredToken,       // temporary credentials expired
  kBadSignature,       // the recomputed signature differs
  kRequestTimeSkewed,  // X-Amz-Date too far from now (header form)
  kPresignedExpired,   // X-Amz-Expires elapsed (query form)
};

struct AuthFailure {
  AuthFailureKind kind;
  std::string detail;  // for the error message; never contains secrets
};

// The signature a request carries (aws::SignatureParts), or nothing (monostate), or why it does
// not parse (kMalformed).
std::variant<std::monostate, aws::SignatureParts, AuthFailure> ParseSignature(
    const Request& request);

// The AWS error a service returns for an authentication failure: code, status and message
// differ between Lambda (rest-json), S3 (rest-xml) and the query/JSON services.
WireError AuthErrorFor(std::string_view signing_name, const AuthFailure& failure);

class Authenticator {
 public:
  Authenticator(const CredentialStore& credentials, const Clock& clock)
      : credentials_(credentials), clock_(clock) {}

  std::variant<Caller, AuthFailure> Verify(const Request& request,
                                           const aws::SignatureParts& parts) const;

 private:
  const CredentialStore& credentials_;
  const Clock& clock_;
};

}  // namespace ferry::sandbox
