// AWS Signature Version 4 (header and pre-signed query forms), and the parsing a server needs to
// verify a signature it received.
//
// Reproduces every case in tests/data/aws/sigv4-test-suite (tests/aws/sigv4_suite_test.cc). Pure
// functions, thread-safe. This file is its own library (ferry_aws_sigv4) so that ferry sandbox can
// verify signatures without linking the rest of the AWS layer.
//
// Paths: HttpRequest::url holds the path as it goes on the wire. Services other than S3 sign that
// path URI-encoded once more ("double encoding") after removing dot segments and empty segments;
// S3 signs the wire path exactly as it is (an object key "a//b/../c" is a key, not a path).
// Query strings are canonicalised by decoding each name and value and re-encoding it with
// RFC 3986 unreserved characters only, then sorting.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "aws/http.h"
#include "common/clock.h"
#include "common/result.h"

namespace ferry::aws {

inline constexpr std::string_view kSigV4Algorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

struct SigningParams {
  std::string region;
  std::string service;  // signing name: "lambda", "s3", "monitoring", "sts"
  TimePoint time;
  // S3 rules: no double-encoding of the path, no dot-segment normalisation, and an
  // x-amz-content-sha256 header. Other services normalise and double-encode.
  bool s3_rules = false;
  // S3 only: sign with "UNSIGNED-PAYLOAD" instead of the body hash.
  bool unsigned_payload = false;
  // Non-S3 only: remove "." / ".." and empty path segments before signing (the test suite's
  // "normalize"). Ignored (treated as false) under s3_rules.
  bool normalize_path = true;
  // Add (and sign) x-amz-content-sha256 for non-S3 services too (the test suite's "sign_body").
  bool content_sha256_header = false;
  // Add the session token to the request after signing instead of signing it (the test suite's
  // "omit_session_token"; some services such as IoT want this). Normally false.
  bool omit_session_token = false;
};

// Adds X-Amz-Date, X-Amz-Security-Token (when a session token is present), x-amz-content-sha256
// (S3) and Authorization to request.headers. Existing headers of those names are replaced.
void SignRequest(HttpRequest& request, const Credentials& creds, const SigningParams& params);

// Returns request.url with X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders,
// X-Amz-Expires, X-Amz-Security-Token and X-Amz-Signature query parameters appended. The result
// is a bearer secret: never log it.
std::string PresignUrl(const HttpRequest& request, const Credentials& creds,
                       const SigningParams& params, std::chrono::seconds expires);

// Exposed for the test suite and for servers verifying signatures (ferry sandbox).
struct SigningArtifacts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;       // hex
  std::string signed_headers;  // "host;x-amz-date"
};
// Computes what SignRequest (query_form = false) or PresignUrl (query_form = true, with
// expires) would sign, without changing the request.
SigningArtifacts ComputeSignature(const HttpRequest& request, const Credentials& creds,
                                  const SigningParams& params, bool query_form,
                                  std::chrono::seconds expires = std::chrono::seconds(3600));

// "20150830T123600Z" and back (nullopt unless exactly that shape and a valid time).
std::string FormatAmzDate(TimePoint t);
std::optional<TimePoint> ParseAmzDate(std::string_view text);

// RFC 3986 percent-encoding of everything except A-Z a-z 0-9 - . _ ~ (and '/' when keep_slash).
std::string UriEncode(std::string_view text, bool keep_slash);

// ---- Verification (servers) ----

// The parts of a received signature, from an Authorization header or a pre-signed query.
struct SignatureParts {
  bool query_form = false;
  std::string access_key_id;
  std::string date;  // credential-scope date, "20150830"
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;      // lower-case, as listed
  std::string signature;                        // lower-case hex, 64 characters
  TimePoint amz_date;                           // X-Amz-Date
  std::optional<std::chrono::seconds> expires;  // query form only
  std::string security_token;                   // X-Amz-Security-Token, if any
};

// Parses "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/svc/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=<hex>" (X-Amz-Date is passed separately).
// kInvalidArgument (message without the signature) on anything malformed.
Result<SignatureParts> ParseAuthorizationHeader(std::string_view authorization,
                                                std::string_view amz_date);

// Parses whichever form the request carries: the Authorization header (with X-Amz-Date or
// Date) or the X-Amz-* query parameters. kUnauthenticated when it carries neither;
// kInvalidArgument when malformed.
Result<SignatureParts> ParseAuthorization(const HttpRequest& request);

// The signature the sender should have produced for `request` as received (the X-Amz-Signature
// parameter is left out of the canonical query), given the secret for parts.access_key_id.
// Compare with ConstantTimeEquals. Under s3_rules the payload hash is taken from the
// x-amz-content-sha256 header (query form: UNSIGNED-PAYLOAD).
SigningArtifacts ExpectedSignature(const HttpRequest& request, const SignatureParts& parts,
                                   std::string_view secret_access_key, bool s3_rules);

}  // namespace ferry::aws
