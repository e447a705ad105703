// AWS "standard" retry mode, as specified for every AWS SDK (botocore retries/standard.py, the
// Smithy reference architecture): which failures are retried, how long to back off, and the
// client-wide retry quota that stops retry storms when a service is down.
//
//   * Retried: transport errors (no response), HTTP 500/502/503/504, the transient error codes
//     RequestTimeout, RequestTimeoutException, PriorRequestNotComplete, and the throttling codes
//     listed in IsThrottlingErrorCode (Throttling, ThrottlingException, TooManyRequestsException,
//     RequestLimitExceeded, ProvisionedThroughputExceededException, SlowDown, ...).
//   * At most max_attempts attempts (3 by default: the first try plus two retries).
//   * Backoff before retry i (1-based): random(0,1) * 2^(i-1) seconds, capped at 20 s (full
//     jitter). A server hint (Retry-After header, Lambda's retryAfterSeconds body field) raises the
//     delay to at least the hint, itself capped at max_retry_after.
//   * RetryQuota: 500 tokens; a retry costs 5 (10 after a timeout); a successful retried request
//     refunds its cost, a success on the first attempt adds 1. With no tokens left, failures are
//     returned at once instead of retried.
//
// Double effects: retrying is safe only for requests whose repetition is harmless. The caller
// says so per request (RetrySafety); see lambda_client.h for which Lambda operations are
// idempotent as sent and how the others are guarded.
//
// Pure functions are thread-safe. RetryQuota is thread-safe and meant to be shared by every
// client that talks to one endpoint.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace ferry::aws {

struct RetryOptions {
  int max_attempts = 3;
  std::chrono::milliseconds base_delay{1'000};
  std::chrono::milliseconds max_backoff{20'000};
  // Upper bound for server hints, so a hostile or broken Retry-After cannot park a caller.
  std::chrono::milliseconds max_retry_after{60'000};
};

enum class FailureKind {
  kNotRetryable,
  kTransient,   // 5xx, transient error codes, connection errors
  kTimeout,     // the transport gave up waiting (kDeadlineExceeded); costs more quota
  kThrottling,  // throttling error codes and HTTP 429
};

// What one attempt produced, for classification. transport_error is set when no response came.
struct AttemptOutcome {
  std::optional<ErrorCode> transport_error;
  int http_status = 0;
  std::string aws_code;  // "" when the response was not an AWS error
};

bool IsThrottlingErrorCode(std::string_view aws_code);
bool IsTransientErrorCode(std::string_view aws_code);
FailureKind Classify(const AttemptOutcome& outcome);

// Full-jitter backoff before retry number `retry` (1 = the first retry), unit in [0, 1).
std::chrono::milliseconds BackoffDelay(int retry, double unit, const RetryOptions& options);

// Parses a Retry-After header (delay-seconds only; HTTP dates are ignored) or Lambda's
// retryAfterSeconds (a decimal string). nullopt for anything malformed, negative or absurd.
std::optional<std::chrono::milliseconds> ParseRetryAfterSeconds(std::string_view text);

class RetryQuota {
 public:
  static constexpr int kInitialCapacity = 500;
  static constexpr int kRetryCost = 5;
  static constexpr int kTimeoutRetryCost = 10;
  static constexpr int kNoRetryIncrement = 1;

  explicit RetryQuota(int capacity = kInitialCapacity);
  // Takes the cost of one retry; false (and nothing taken) when the quota is exhausted.
  // Returns the number of tokens taken through *cost.
  bool Acquire(FailureKind kind, int* cost);
  // Records a successful request; `retry_cost` is what its last retry took (0 if none).
  void OnSuccess(int retry_cost);
  int available() const;

 private:
  mutable std::mutex mu_;
  const int capacity_;
  int available_;  // Guarded by mu_.
};

}  // namespace ferry::aws
