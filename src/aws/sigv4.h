// AWS Signature Version 4 (header and pre-signed query forms).
//
// Reproduces every case in shared/aws/sigv4-test-suite. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/http.h"
#include "common/clock.h"

namespace ferry::aws {

struct SigningParams {
  std::string region;
  std::string service;  // signing name: "lambda", "s3", "monitoring", "sts"
  TimePoint time;
  // S3 rules: no double-encoding of the path, no dot-segment normalisation, and an
  // x-amz-content-sha256 header. Other services normalise and double-encode.
  bool s3_rules = false;
  // S3 only: sign with "UNSIGNED-PAYLOAD" instead of the body hash.
  bool unsigned_payload = false;
};

// Adds X-Amz-Date, X-Amz-Security-Token (when a session token is present), x-amz-content-sha256
// (S3) and Authorization to request.headers.
void SignRequest(HttpRequest& request, const Credentials& creds, const SigningParams& params);

// Returns request.url with X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
// X-Amz-SignedHeaders, X-Amz-Security-Token and X-Amz-Signature query parameters.
std::string PresignUrl(const HttpRequest& request, const Credentials& creds,
                       const SigningParams& params, std::chrono::seconds expires);

// Exposed for the test suite and for servers verifying signatures (ferry sandbox).
struct SigningArtifacts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // hex
  std::string signed_headers;  // "host;x-amz-date"
};
SigningArtifacts ComputeSignature(const HttpRequest& request, const Credentials& creds,
                                  const SigningParams& params, bool query_form);

}  // namespace ferry::aws
