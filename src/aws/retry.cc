#include "aws/retry.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "common/strings.h"

namespace ferry::aws {
namespace {

// The union of the throttling codes every AWS SDK retries in standard mode.
constexpr std::array<std::string_view, 14> kThrottlingCodes = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};

constexpr std::array<std::string_view, 3> kTransientCodes = {
    "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"};

}  // namespace

bool IsThrottlingErrorCode(std::string_view aws_code) {
  return std::find(kThrottlingCodes.begin(), kThrottlingCodes.end(), aws_code) !=
         kThrottlingCodes.end();
}

bool IsTransientErrorCode(std::string_view aws_code) {
  return std::find(kTransientCodes.begin(), kTransientCodes.end(), aws_code) !=
         kTransientCodes.end();
}

FailureKind Classify(const AttemptOutcome& outcome) {
  if (outcome.transport_error.has_value()) {
    switch (*outcome.transport_error) {
      case ErrorCode::kDeadlineExceeded:
        return FailureKind::kTimeout;
      case ErrorCode::kUnavailable:
        return FailureKind::kTransient;
      default:
        // Anything else from the transport (a malformed URL, a bug) will not heal by retrying.
        return FailureKind::kNotRetryable;
    }
  }
  if (outcome.http_status >= 200 && outcome.http_status < 300) return FailureKind::kNotRetryable;
  if (IsThrottlingErrorCode(outcome.aws_code) || outcome.http_status == 429) {
    return FailureKind::kThrottling;
  }
  if (IsTransientErrorCode(outcome.aws_code)) return FailureKind::kTransient;
  switch (outcome.http_status) {
    case 500:
    case 502:
    case 503:
    case 504:
      return FailureKind::kTransient;
    default:
      return FailureKind::kNotRetryable;
  }
}

std::chrono::milliseconds BackoffDelay(int retry, double unit, const RetryOptions& options) {
  unit = std::clamp(unit, 0.0, 1.0);
  const int exponent = std::clamp(retry - 1, 0, 30);
  const double ms =
      unit * static_cast<double>(options.base_delay.count()) * std::ldexp(1.0, exponent);
  const double capped = std::min(ms, static_cast<double>(options.max_backoff.count()));
  return std::chrono::milliseconds(static_cast<int64_t>(capped));
}

std::optional<std::chrono::milliseconds> ParseRetryAfterSeconds(std::string_view text) {
  text = Trim(text);
  if (text.empty() || text.size() > 16) return std::nullopt;
  const std::optional<double> seconds = ParseDouble(text);
  if (!seconds.has_value() || !std::isfinite(*seconds) || *seconds < 0 || *seconds > 86'400) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(*seconds * 1000.0)));
}

RetryQuota::RetryQuota(int capacity) : capacity_(capacity), available_(capacity) {}

bool RetryQuota::Acquire(FailureKind kind, int* cost) {
  const int needed = kind == FailureKind::kTimeout ? kTimeoutRetryCost : kRetryCost;
  std::lock_guard lock(mu_);
  if (available_ < needed) {
    *cost = 0;
    return false;
  }
  available_ -= needed;
  *cost = needed;
  return true;
}

void RetryQuota::OnSuccess(int retry_cost) {
  std::lock_guard lock(mu_);
  available_ = std::min(capacity_, available_ + (retry_cost > 0 ? retry_cost : kNoRetryIncrement));
}

int RetryQuota::available() const {
  std::lock_guard lock(mu_);
  return available_;
}

}  // namespace ferry::aws
