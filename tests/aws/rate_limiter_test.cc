#include "aws/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace ferry::aws {
namespace {

using std::chrono::milliseconds;

TEST(RateLimiterTest, DefaultsFollowDocumentedLambdaQuotas) {
  EXPECT_EQ(DefaultRateLimit(ApiClass::kLambdaControlPlane).requests_per_second, 15);
  EXPECT_EQ(DefaultRateLimit(ApiClass::kLambdaControlPlane).burst, 15) << "one second's worth";
  EXPECT_EQ(DefaultRateLimit(ApiClass::kLambdaGetFunction).requests_per_second, 100);
  EXPECT_EQ(LambdaApiClass("GetFunction"), ApiClass::kLambdaGetFunction);
  EXPECT_EQ(LambdaApiClass("GetFunctionConfiguration"), ApiClass::kLambdaControlPlane);
  EXPECT_EQ(LambdaApiClass("PublishVersion"), ApiClass::kLambdaControlPlane);
  EXPECT_EQ(LambdaApiClass("Invoke"), ApiClass::kLambdaInvoke);
}

TEST(RateLimiterTest, PacesAtTheConfiguredRateAfterTheBurst) {
  FakeClock clock(TimePoint(std::chrono::seconds(1'800'000'000)), /*auto_advance=*/true);
  AdaptiveRateLimiter limiter(clock, {10, 3});
  const SteadyTime start = clock.SteadyNow();
  for (int i = 0; i < 33; ++i) ASSERT_TRUE(limiter.Acquire().has_value());
  // 3 go at once, the next 30 are spaced 100 ms apart.
  EXPECT_EQ(clock.SteadyNow() - start, milliseconds(3'000));
}

TEST(RateLimiterTest, NeverExceedsRateInAnyWindow) {
  FakeClock clock(TimePoint(std::chrono::seconds(1'800'000'000)), /*auto_advance=*/true);
  AdaptiveRateLimiter limiter(clock, {15, 1});
  std::vector<SteadyTime> admitted;
  for (int i = 0; i < 150; ++i) admitted.push_back(*limiter.Acquire());
  // Any 15 consecutive admissions span at least 14 intervals of 1/15 s.
  for (size_t i = 14; i < admitted.size(); ++i) {
    EXPECT_GE(admitted[i] - admitted[i - 14], milliseconds(933)) << i;
  }
}

TEST(RateLimiterTest, ThrottlingDecreasesOncePerRoundThenRecoversToCeiling) {
  FakeClock clock(TimePoint(std::chrono::seconds(1'800'000'000)), /*auto_advance=*/true);
  AdaptiveRateLimiter limiter(clock, {10, 1});
  const SteadyTime first = *limiter.Acquire();
  const SteadyTime second = *limiter.Acquire();
  limiter.OnThrottled(second);
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 7.0);
  // Both were admitted before the decrease: the second throttle of the same round is ignored.
  limiter.OnThrottled(first);
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 7.0);
  // A request admitted after the decrease and throttled again lowers the rate further.
  clock.Advance(milliseconds(10));
  limiter.OnThrottled(*limiter.Acquire());
  EXPECT_NEAR(limiter.current_rate(), 4.9, 1e-9);
  // Repeated throttling never goes below the floor.
  for (int i = 0; i < 50; ++i) {
    clock.Advance(milliseconds(10));
    limiter.OnThrottled(*limiter.Acquire());
  }
  EXPECT_DOUBLE_EQ(limiter.current_rate(), AdaptiveRateLimiter::kMinRate);
  // Recovery is gradual (CUBIC), then reaches and stays at the ceiling.
  limiter.OnSuccess();
  const double just_after = limiter.current_rate();
  EXPECT_LT(just_after, 1.0);
  clock.Advance(milliseconds(1'000));
  limiter.OnSuccess();
  EXPECT_GT(limiter.current_rate(), AdaptiveRateLimiter::kMinRate - 1e-9);
  EXPECT_LT(limiter.current_rate(), 10.0);
  clock.Advance(milliseconds(60'000));
  limiter.OnSuccess();
  EXPECT_DOUBLE_EQ(limiter.current_rate(), 10.0);
}

TEST(RateLimiterTest, HundredsOfConcurrentCallersAllProgressInOrder) {
  FakeClock clock;  // manual: the test moves time
  AdaptiveRateLimiter limiter(clock, {15, 1});
  constexpr int kCallers = 300;
  std::atomic<int> done{0};
  std::vector<std::jthread> threads;
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([&] {
      ASSERT_TRUE(limiter.Acquire().has_value());
      done++;
    });
  }
  // Move simulated time forward until everyone is through; bounded so a bug fails, not hangs.
  int steps = 0;
  while (done.load() < kCallers && steps < 100'000) {
    clock.Advance(milliseconds(10));
    std::this_thread::yield();
    ++steps;
  }
  EXPECT_EQ(done.load(), kCallers);
  // 300 requests at 15/s need at least ~20 s of simulated time.
  EXPECT_GE(steps * 10, 19'900);
}

TEST(RateLimiterTest, StopRequestedWhileWaitingReturnsNullopt) {
  FakeClock clock;
  AdaptiveRateLimiter limiter(clock, {1, 1});
  ASSERT_TRUE(limiter.Acquire().has_value());
  std::stop_source stop;
  std::optional<SteadyTime> result = SteadyTime{};
  std::jthread waiter([&] { result = limiter.Acquire(stop.get_token()); });
  while (clock.sleepers() == 0) std::this_thread::yield();
  stop.request_stop();
  waiter.join();
  EXPECT_FALSE(result.has_value());
}

TEST(RateLimiterRegistryTest, OneLimiterPerAccountRegionAndClass) {
  FakeClock clock;
  RateLimiterRegistry registry(clock);
  AdaptiveRateLimiter& a = registry.For("111122223333", "us-east-1", ApiClass::kLambdaControlPlane);
  EXPECT_EQ(&a, &registry.For("111122223333", "us-east-1", ApiClass::kLambdaControlPlane));
  EXPECT_NE(&a, &registry.For("111122223333", "eu-west-1", ApiClass::kLambdaControlPlane));
  EXPECT_NE(&a, &registry.For("444455556666", "us-east-1", ApiClass::kLambdaControlPlane));
  EXPECT_NE(&a, &registry.For("111122223333", "us-east-1", ApiClass::kLambdaGetFunction));
  EXPECT_EQ(registry.For("1", "r", ApiClass::kLambdaGetFunction).ceiling(), 100);
  registry.SetLimit(ApiClass::kLambdaControlPlane, {40, 1});
  EXPECT_EQ(registry.For("2", "r", ApiClass::kLambdaControlPlane).ceiling(), 40);
}

}  // namespace
}  // namespace ferry::aws
