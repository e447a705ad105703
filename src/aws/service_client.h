// ServiceClient: the plumbing every typed AWS client (Lambda, S3, CloudWatch) shares. One call
// resolves credentials, waits for the account-wide rate limiter, signs with SigV4, sends, parses
// AWS errors for the service's protocol, and retries per AWS's standard mode (aws/retry.h).
//
// Errors: every failed call returns an Error whose message reads
//   "lambda GetFunction: ResourceNotFoundException: Function not found: ... (HTTP 404, request id
//   7c0f...)"
// and whose details hold "service", "operation", "aws_code", "aws_message", "http_status",
// "request_id" (and "retry_after_ms" for throttling). The ferry code follows the AWS code
// (MapAwsErrorCode). Messages never hold credentials, signatures or request headers.
//
// Clock skew: requests are signed with the client's corrected time (aws/clock_skew.h); a refusal
// for the signing time with a Date header that shows the local clock off by 4 minutes or more
// sets the offset and the request is re-signed and resent once, at once (it counts as no attempt
// and takes no retry quota: the refused request had no effect).
//
// Retries never double a write: a call marked retry_safe = false is retried only when the service
// said it was throttled (the request was rejected, so it had no effect). Every response is bounded
// (max_response_bytes) and every body is parsed defensively: hostile input gives an error, never a
// crash.
//
// Thread-safe: one ServiceClient serves every deployment; its collaborators must outlive it.
#pragma once

#include <cstddef>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/clock_skew.h"
#include "aws/credentials.h"
#include "aws/http.h"
#include "aws/rate_limiter.h"
#include "aws/retry.h"
#include "aws/sigv4.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/result.h"

namespace ferry::aws {

// kJson10 / kJson11: awsJson1_0 (CloudWatch, awsQueryCompatible) and awsJson1_1 (Secrets
// Manager, SSM).
enum class Protocol { kRestJson, kRestXml, kQuery, kJson10, kJson11 };

struct ServiceConfig {
  // Endpoint base URL without a trailing slash, e.g. "https://lambda.us-east-1.amazonaws.com" or
  // a sandbox "http://127.0.0.1:4566".
  std::string endpoint;
  std::string region;
  std::string signing_name;  // "lambda", "s3", "monitoring"
  std::string service_name;  // for messages: "lambda", "s3", "cloudwatch"
  Protocol protocol = Protocol::kRestJson;
  // Rate-limiter key; when empty the access key id of the resolved credentials stands in.
  std::string account;
  RetryOptions retry;
  size_t max_response_bytes = 16 * 1024 * 1024;
  std::chrono::milliseconds timeout{60'000};
};

// Everything a call needs from the process; all references must outlive the client.
struct ServiceDeps {
  HttpTransport& transport;
  CredentialsProvider& credentials;
  Clock& clock;
  IdGenerator& ids;
  RateLimiterRegistry& limiters;
  RetryQuota& retry_quota;
};

struct OperationCall {
  std::string operation;  // "GetFunction", for messages and rate classes
  ApiClass api_class = ApiClass::kLambdaControlPlane;
  std::string method = "GET";
  std::string path_and_query = "/";  // already percent-encoded, starting with '/'
  // Replaces ServiceConfig::endpoint for this call when set (S3 virtual-hosted buckets).
  std::string endpoint;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // True when repeating the request as sent can't have a second effect (reads; writes that set a
  // state; writes guarded by a revision). False: retried only after throttling.
  bool retry_safe = true;
  // Lambda answers ResourceConflictException when another update of the function is still in
  // progress: the request was rejected, so it is retried like throttling.
  bool conflict_is_transient = false;
  bool s3_unsigned_payload = false;
  // Each attempt's whole-request deadline; zero = ServiceConfig::timeout (an Invoke's own bound).
  std::chrono::milliseconds timeout{0};
};

// What a call that returns no data (a delete, a tag write, PutMetricData) reports on success.
struct ResponseMetadata {
  std::string request_id;  // "" when the service sent none
};

// The AWS request id of a response (x-amzn-RequestId, else S3's x-amz-request-id), reduced to
// the characters request ids use and bounded; "" when absent.
std::string RequestIdOf(const HttpResponse& response);

struct CallResult {
  HttpResponse response;
  std::string request_id;  // of `response` (RequestIdOf)
  int attempts = 1;
  // An earlier attempt failed without a definite answer (connection error, timeout, 5xx): it may
  // have taken effect. Clients use this to recognise their own earlier write (e.g. a
  // ResourceConflictException for a CreateFunction whose first response was lost).
  bool earlier_attempt_ambiguous = false;
};

// The parsed AWS error of one response.
struct AwsErrorInfo {
  std::string code;
  std::string message;
  std::string request_id;
  int http_status = 0;
  std::optional<std::chrono::milliseconds> retry_after;
};

ErrorCode MapAwsErrorCode(std::string_view aws_code, int http_status);
// Parses an error response of the given protocol. Never fails: unknown shapes give the status.
AwsErrorInfo ParseAwsError(Protocol protocol, const HttpResponse& response);
// The AWS error details of an Error produced by ServiceClient ("" when absent).
std::string AwsCode(const Error& error);
int AwsHttpStatus(const Error& error);
bool EarlierAttemptAmbiguous(const Error& error);
// True for failures after which the request may have taken effect: no response (connection
// error, timeout) or a 5xx.
bool MayHaveTakenEffect(const Error& error);

class ServiceClient {
 public:
  ServiceClient(ServiceConfig config, ServiceDeps deps);

  // Runs the call with retries. A 2xx response is returned as is; anything else is an Error
  // (kCancelled when stop is requested). A failure after an ambiguous earlier attempt carries
  // details["earlier_attempt_ambiguous"] = "true".
  Result<CallResult> Call(const OperationCall& call, std::stop_token stop = {});

  // Builds the Error for a failed response (also for clients that reconcile errors themselves).
  Error MakeError(std::string_view operation, const AwsErrorInfo& info) const;

  const ServiceConfig& config() const { return config_; }
  const ServiceDeps& deps() const { return deps_; }
  // Server time − local time, as learnt from clock-skew refusals (0 until one happens).
  std::chrono::milliseconds clock_offset() const { return skew_.offset(); }

 private:
  const ServiceConfig config_;
  ServiceDeps deps_;
  ClockSkew skew_;
};

}  // namespace ferry::aws
