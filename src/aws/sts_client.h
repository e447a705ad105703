// StsClient: the three AWS STS calls Ferry needs — GetCallerIdentity (checking a connection),
// AssumeRole (cross-account, with ExternalId) and AssumeRoleWithWebIdentity (EKS IRSA).
//
// Query protocol (form-encoded POST, XML responses, API version 2011-06-15), SigV4-signed with
// the caller's credentials (AssumeRoleWithWebIdentity is unsigned: the token is the proof).
// Transport failures, HTTP 5xx and throttling are retried up to three attempts with exponential
// backoff on the injected clock; every STS call here is safe to repeat.
//
// Errors carry AWS's code, message, HTTP status and request id: the message reads
//   "sts AssumeRole: AccessDenied: User ... is not authorized ... (HTTP 403, request id 1a2b...)"
// and details hold "service", "operation", "aws_code", "aws_message", "http_status",
// "request_id". Codes: AccessDenied → kPermissionDenied; InvalidClientTokenId,
// SignatureDoesNotMatch, ExpiredToken, InvalidIdentityToken → kUnauthenticated; throttling →
// kTooManyRequests; RegionDisabledException → kFailedPrecondition; validation → kInvalidArgument;
// 5xx and IDPCommunicationError → kUnavailable. Inputs are validated before any call
// (kInvalidArgument). Returned secrets are registered with SecretMasker::Global(); no message
// contains a secret, a token or a signature.
//
// Clock skew: requests are signed with the client's corrected time and a refusal for the
// signing time (SignatureDoesNotMatch "Signature expired", RequestExpired, ...) whose Date header
// shows the local clock off is corrected and resent once (aws/clock_skew.h).
//
// Thread-safe; the transport and clock must outlive the client.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "aws/clock_skew.h"
#include "aws/credentials.h"
#include "aws/http.h"
#include "common/clock.h"
#include "common/result.h"

namespace ferry::aws {

struct StsConfig {
  std::string endpoint;  // "https://sts.us-east-1.amazonaws.com" or an override
  std::string region;    // signing region
  std::chrono::milliseconds timeout{10'000};
  int max_attempts = 3;
};

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
  std::string request_id;  // of the response (x-amzn-RequestId, else the body's RequestId)
};

struct AssumeRoleRequest {
  std::string role_arn;
  std::string session_name;                // 2-64 of [\w+=,.@-]
  std::optional<std::string> external_id;  // 2-1224 of [\w+=,.@:/-]
  std::chrono::seconds duration{3600};     // 900 s to 12 h
};

struct WebIdentityRequest {
  std::string role_arn;
  std::string session_name;
  std::string web_identity_token;  // secret: the OIDC token
  std::chrono::seconds duration{3600};
};

struct AssumedRole {
  Credentials credentials;  // always temporary: expiration set
  std::string assumed_role_arn;
  std::string assumed_role_id;
  std::string request_id;
};

class StsClient {
 public:
  StsClient(HttpTransport& transport, Clock& clock, StsConfig config);

  Result<CallerIdentity> GetCallerIdentity(const Credentials& creds);
  Result<AssumedRole> AssumeRole(const Credentials& source, const AssumeRoleRequest& request);
  Result<AssumedRole> AssumeRoleWithWebIdentity(const WebIdentityRequest& request);
  std::chrono::milliseconds clock_offset() const { return skew_.offset(); }

 private:
  struct Reply;
  Result<Reply> Call(std::string_view action, const std::string& form, const Credentials* creds);

  HttpTransport& transport_;
  Clock& clock_;
  const StsConfig config_;
  ClockSkew skew_;
};

// Validation shared with the credential providers (kInvalidArgument naming the field).
Status ValidateRoleArn(std::string_view arn);
Status ValidateSessionName(std::string_view name);

}  // namespace ferry::aws
