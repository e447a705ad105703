// Client-side rate limiting for AWS APIs: one adaptive limiter per (account, region, API class),
// shared by every client and deployment in the process, so hundreds of concurrent deployments stay
// inside the account's API quota instead of throttling each other.
//
// Defaults come from AWS's documented quotas (Lambda quotas page, "Lambda API requests"):
// GetFunction 100 requests/s, GetPolicy 15/s, the rest of the control plane 15/s (per account and
// Region, not adjustable). CloudWatch (CloudWatch service quotas): GetMetricData 50/s,
// GetMetricStatistics 400/s, DescribeAlarms 9/s, PutMetricData 500/s. S3 (per prefix): 3,500
// writes/s, 5,500 reads/s. Invoke has no request-rate quota of its own (it is bounded by
// concurrency); its limiter starts at 100/s and only adapts. The 15/s Lambda classes allow a
// burst of one second's worth (15), as a token bucket refilled at the quota does: a single
// deployment's dozen calls go out unspaced, while sustained load is still held to 15/s (and a
// throttle still lowers the rate).
//
// Admission is FIFO: each Acquire reserves the next free send slot (generic cell rate algorithm)
// and sleeps on the injected clock until it, so every caller progresses in arrival order however
// many wait. The rate adapts like AWS's "adaptive" retry mode: a throttling response multiplies
// the rate by 0.7 (at most once per round: throttles of requests admitted before the last decrease
// are ignored) and the rate then recovers along a CUBIC curve towards and back up to the
// configured ceiling.
//
// Thread-safe. The registry owns its limiters; references stay valid for the registry's lifetime.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace ferry::aws {

enum class ApiClass {
  kLambdaControlPlane,
  kLambdaGetFunction,
  kLambdaGetPolicy,
  kLambdaInvoke,
  kS3Read,
  kS3Write,
  kCloudWatchGetMetricData,
  kCloudWatchGetMetricStatistics,
  kCloudWatchDescribeAlarms,
  kCloudWatchPutMetricData,
  kSecretsManagerGetSecretValue,
  kSsmGetParameter,
};

std::string_view ApiClassName(ApiClass api_class);
// The class a Lambda operation ("GetFunction", "Invoke", ...) counts against.
ApiClass LambdaApiClass(std::string_view operation);

struct RateLimit {
  double requests_per_second = 15;
  double burst = 1;  // requests that may go back to back after an idle period (>= 1)
};
RateLimit DefaultRateLimit(ApiClass api_class);

using SteadyTime = std::chrono::steady_clock::time_point;

class AdaptiveRateLimiter {
 public:
  static constexpr double kBeta = 0.7;           // multiplicative decrease
  static constexpr double kScaleConstant = 0.4;  // CUBIC C
  static constexpr double kMinRate = 0.5;        // requests/s floor

  AdaptiveRateLimiter(Clock& clock, RateLimit limit);

  // Waits until this caller may send. Returns the admission time (pass it to OnThrottled), or
  // nullopt when stop was requested while waiting.
  std::optional<SteadyTime> Acquire(std::stop_token stop = {});
  // A request admitted at `admitted` was throttled by the service.
  void OnThrottled(SteadyTime admitted);
  // A request succeeded (or failed for a reason other than throttling).
  void OnSuccess();

  double current_rate() const;
  double ceiling() const { return limit_.requests_per_second; }

 private:
  double CubicRate(SteadyTime now) const;  // requires mu_

  Clock& clock_;
  const RateLimit limit_;
  mutable std::mutex mu_;
  // Guarded by mu_:
  double rate_;             // current requests/s
  SteadyTime tat_;          // theoretical arrival time of the next request (GCRA)
  bool throttled_ = false;  // in recovery after a decrease
  double w_max_ = 0;        // rate when last throttled
  SteadyTime last_decrease_{};
};

class RateLimiterRegistry {
 public:
  explicit RateLimiterRegistry(Clock& clock);
  // The process-wide registry on the system clock.
  static RateLimiterRegistry& Global();

  // `account` is the AWS account id when known (else the access key id, which identifies it).
  AdaptiveRateLimiter& For(std::string_view account, std::string_view region, ApiClass api_class);
  // Overrides the default for limiters created afterwards (raised quotas, tests).
  void SetLimit(ApiClass api_class, RateLimit limit);

 private:
  Clock& clock_;
  std::mutex mu_;
  // Guarded by mu_:
  std::map<ApiClass, RateLimit> overrides_;
  std::map<std::string, std::unique_ptr<AdaptiveRateLimiter>> limiters_;
};

}  // namespace ferry::aws
