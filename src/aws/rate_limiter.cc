#include "aws/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "common/strings.h"

namespace ferry::aws {
namespace {

using Seconds = std::chrono::duration<double>;

std::chrono::steady_clock::duration FromSeconds(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(Seconds(s));
}

}  // namespace

std::string_view ApiClassName(ApiClass api_class) {
  switch (api_class) {
    case ApiClass::kLambdaControlPlane:
      return "lambda-control-plane";
    case ApiClass::kLambdaGetFunction:
      return "lambda-get-function";
    case ApiClass::kLambdaGetPolicy:
      return "lambda-get-policy";
    case ApiClass::kLambdaInvoke:
      return "lambda-invoke";
    case ApiClass::kS3Read:
      return "s3-read";
    case ApiClass::kS3Write:
      return "s3-write";
    case ApiClass::kCloudWatchGetMetricData:
      return "cloudwatch-get-metric-data";
    case ApiClass::kCloudWatchGetMetricStatistics:
      return "cloudwatch-get-metric-statistics";
    case ApiClass::kCloudWatchDescribeAlarms:
      return "cloudwatch-describe-alarms";
    case ApiClass::kCloudWatchPutMetricData:
      return "cloudwatch-put-metric-data";
    case ApiClass::kSecretsManagerGetSecretValue:
      return "secretsmanager-get-secret-value";
    case ApiClass::kSsmGetParameter:
      return "ssm-get-parameter";
  }
  return "unknown";
}

ApiClass LambdaApiClass(std::string_view operation) {
  if (operation == "GetFunction") return ApiClass::kLambdaGetFunction;
  if (operation == "GetPolicy") return ApiClass::kLambdaGetPolicy;
  if (operation == "Invoke") return ApiClass::kLambdaInvoke;
  return ApiClass::kLambdaControlPlane;
}

RateLimit DefaultRateLimit(ApiClass api_class) {
  switch (api_class) {
    case ApiClass::kLambdaControlPlane:
      return {15, 15};
    case ApiClass::kLambdaGetFunction:
      return {100, 10};
    case ApiClass::kLambdaGetPolicy:
      return {15, 15};
    case ApiClass::kLambdaInvoke:
      return {100, 10};
    case ApiClass::kS3Read:
      return {5'500, 100};
    case ApiClass::kS3Write:
      return {3'500, 100};
    case ApiClass::kCloudWatchGetMetricData:
      return {50, 5};
    case ApiClass::kCloudWatchGetMetricStatistics:
      return {400, 20};
    case ApiClass::kCloudWatchDescribeAlarms:
      return {9, 2};
    case ApiClass::kCloudWatchPutMetricData:
      return {500, 20};
    // Secrets Manager: 10,000/s for GetSecretValue; SSM: 40/s for GetParameter (standard
    // throughput, the account's default).
    case ApiClass::kSecretsManagerGetSecretValue:
      return {10'000, 100};
    case ApiClass::kSsmGetParameter:
      return {40, 10};
  }
  return {15, 1};
}

AdaptiveRateLimiter::AdaptiveRateLimiter(Clock& clock, RateLimit limit)
    : clock_(clock),
      limit_{std::max(limit.requests_per_second, kMinRate), std::max(limit.burst, 1.0)},
      rate_(limit_.requests_per_second),
      tat_(clock.SteadyNow()) {}

std::optional<SteadyTime> AdaptiveRateLimiter::Acquire(std::stop_token stop) {
  SteadyTime slot;
  {
    std::lock_guard lock(mu_);
    const SteadyTime now = clock_.SteadyNow();
    const auto interval = FromSeconds(1.0 / rate_);
    // GCRA: up to `burst` requests may be admitted ahead of the steady schedule.
    const auto tolerance = FromSeconds((limit_.burst - 1.0) / rate_);
    slot = std::max(now, tat_ - tolerance);
    tat_ = std::max(tat_, now) + interval;
  }
  // Sleeping outside the lock: later callers reserve later slots meanwhile, which keeps FIFO.
  for (;;) {
    const SteadyTime now = clock_.SteadyNow();
    if (now >= slot) return slot;
    if (stop.stop_requested()) return std::nullopt;
    const auto wait = std::chrono::ceil<Duration>(slot - now);
    if (!clock_.SleepFor(wait, stop)) return std::nullopt;
  }
}

double AdaptiveRateLimiter::CubicRate(SteadyTime now) const {
  const double k = std::cbrt(w_max_ * (1.0 - kBeta) / kScaleConstant);
  const double t = Seconds(now - last_decrease_).count();
  return kScaleConstant * std::pow(t - k, 3.0) + w_max_;
}

void AdaptiveRateLimiter::OnThrottled(SteadyTime admitted) {
  std::lock_guard lock(mu_);
  // Requests admitted before the last decrease were sent at the old rate; their throttles say
  // nothing about the new one.
  if (throttled_ && admitted < last_decrease_) return;
  const SteadyTime now = clock_.SteadyNow();
  w_max_ = rate_;
  rate_ = std::max(kMinRate, rate_ * kBeta);
  last_decrease_ = now;
  throttled_ = true;
}

void AdaptiveRateLimiter::OnSuccess() {
  std::lock_guard lock(mu_);
  if (!throttled_) return;
  const double next = CubicRate(clock_.SteadyNow());
  rate_ = std::clamp(next, kMinRate, limit_.requests_per_second);
  if (rate_ >= limit_.requests_per_second) throttled_ = false;
}

double AdaptiveRateLimiter::current_rate() const {
  std::lock_guard lock(mu_);
  return rate_;
}

RateLimiterRegistry::RateLimiterRegistry(Clock& clock) : clock_(clock) {}

RateLimiterRegistry& RateLimiterRegistry::Global() {
  static RateLimiterRegistry registry(SystemClock::Instance());
  return registry;
}

AdaptiveRateLimiter& RateLimiterRegistry::For(std::string_view account, std::string_view region,
                                              ApiClass api_class) {
  std::string key = StrCat({account, "|", region, "|", ApiClassName(api_class)});
  std::lock_guard lock(mu_);
  auto it = limiters_.find(key);
  if (it == limiters_.end()) {
    auto override_it = overrides_.find(api_class);
    const RateLimit limit =
        override_it != overrides_.end() ? override_it->second : DefaultRateLimit(api_class);
    it = limiters_.emplace(std::move(key), std::make_unique<AdaptiveRateLimiter>(clock_, limit))
             .first;
  }
  return *it->second;
}

void RateLimiterRegistry::SetLimit(ApiClass api_class, RateLimit limit) {
  std::lock_guard lock(mu_);
  overrides_[api_class] = limit;
}

}  // namespace ferry::aws
