#include "aws/rate_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace ferry::aws {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

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

// The most admissions in any closed window [t, t + 1 s] that starts at an admission.
size_t MostInAnySecond(const std::vector<SteadyTime>& admitted) {
  size_t most = 0;
  for (size_t i = 0; i < admitted.size(); ++i) {
    size_t in_window = 0;
    for (size_t j = i; j < admitted.size() && admitted[j] - admitted[i] <= seconds(1); ++j) {
      ++in_window;
    }
    most = std::max(most, in_window);
  }
  return most;
}

// The limiters Ferry ships for Lambda's 15 requests/s classes (DefaultRateLimit, through the
// registry as the clients get them), with bursts after idle periods of several lengths: no window
// of one second ever admits more than rate + burst = 30 requests, and the burst of 15 is there
// (an idle limiter admits 15 at once, and some window reaches 29 or 30).
TEST(RateLimiterTest, NeverExceedsRateInAnyWindow) {
  for (ApiClass api_class : {ApiClass::kLambdaControlPlane, ApiClass::kLambdaGetPolicy}) {
    FakeClock clock(TimePoint(std::chrono::seconds(1'800'000'000)), /*auto_advance=*/true);
    RateLimiterRegistry registry(clock);
    AdaptiveRateLimiter& limiter = registry.For("111122223333", "us-east-1", api_class);
    const RateLimit shipped = DefaultRateLimit(api_class);
    ASSERT_EQ(shipped.requests_per_second, 15) << ApiClassName(api_class);
    ASSERT_EQ(shipped.burst, 15) << ApiClassName(api_class);
    const size_t bound = static_cast<size_t>(shipped.requests_per_second + shipped.burst);

    std::vector<SteadyTime> admitted;
    // (idle time before the group, requests in it): a cold start, then groups after gaps shorter
    // than, as long as and longer than it takes to refill the burst.
    const std::vector<std::pair<milliseconds, int>> groups = {
        {milliseconds(0), 100},    {milliseconds(300), 40}, {milliseconds(1'000), 40},
        {milliseconds(5'000), 20}, {milliseconds(650), 60}, {milliseconds(2'000), 45}};
    for (const auto& [idle, requests] : groups) {
      clock.Advance(idle);
      const SteadyTime group_start = clock.SteadyNow();
      for (int i = 0; i < requests; ++i) {
        auto at = limiter.Acquire();
        ASSERT_TRUE(at.has_value());
        EXPECT_GE(*at, group_start) << "admitted before it asked";
        admitted.push_back(*at);
      }
    }
    ASSERT_TRUE(std::is_sorted(admitted.begin(), admitted.end()));
    EXPECT_LE(MostInAnySecond(admitted), bound) << ApiClassName(api_class);
    EXPECT_GE(MostInAnySecond(admitted), bound - 1) << "the burst is not " << shipped.burst;
    // A cold limiter lets the whole burst go at once, and no more.
    const auto at_start = std::count(admitted.begin(), admitted.end(), admitted.front());
    EXPECT_EQ(at_start, 15) << ApiClassName(api_class);
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

// Waits (yielding, no sleep) until `condition` holds or 10 s of real time pass.
bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// 300 callers of the shipped control-plane limiter (15/s, burst 15) arrive one after another:
// each starts once the previous one holds its slot (the first 15 pass at once, the rest wait on
// the clock). Admission is FIFO: no caller is admitted before an earlier arrival, none before its
// admission time, and after the burst each one's time is a full interval after the previous.
TEST(RateLimiterTest, HundredsOfConcurrentCallersAllProgressInOrder) {
  FakeClock clock;  // manual: the test moves time
  RateLimiterRegistry registry(clock);
  AdaptiveRateLimiter& limiter =
      registry.For("111122223333", "us-east-1", ApiClass::kLambdaControlPlane);
  constexpr int kCallers = 300;
  constexpr int kBurst = 15;
  std::vector<std::optional<SteadyTime>> slots(kCallers);
  std::vector<SteadyTime> returned_at(kCallers);
  std::vector<std::atomic<bool>> through(kCallers);
  std::vector<std::jthread> threads;
  // However the test ends, no caller is left waiting on the clock (the threads are joined).
  struct ReleaseAll {
    FakeClock& clock;
    ~ReleaseAll() { clock.Advance(std::chrono::hours(1)); }
  } release_all{clock};
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([&, i] {
      slots[i] = limiter.Acquire();
      returned_at[i] = clock.SteadyNow();
      through[i] = true;
    });
    // Caller i has arrived once it is through (within the burst) or asleep on the clock.
    ASSERT_TRUE(Eventually([&] {
      return i < kBurst ? through[i].load() : clock.sleepers() == i - kBurst + 1;
    })) << "caller "
        << i << " neither passed nor waits";
  }
  for (int i = kBurst; i < kCallers; ++i) EXPECT_FALSE(through[i]) << "caller " << i;

  // Move simulated time until everyone is through; bounded so a bug fails, not hangs.
  auto all_through = [&] {
    return std::all_of(through.begin(), through.end(), [](const auto& t) { return t.load(); });
  };
  for (int step = 0; step < 100'000 && !all_through(); ++step) {
    clock.Advance(milliseconds(10));
    std::this_thread::yield();
  }
  ASSERT_TRUE(all_through());
  threads.clear();

  const auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(1.0 / 15));
  for (int i = 0; i < kCallers; ++i) {
    ASSERT_TRUE(slots[i].has_value()) << i;
    EXPECT_GE(returned_at[i], *slots[i]) << "caller " << i << " went before its time";
    if (i == 0) continue;
    if (i < kBurst) {
      EXPECT_EQ(*slots[i], *slots[0]) << "burst caller " << i;
    } else {
      EXPECT_GE(*slots[i] - *slots[i - 1], interval - std::chrono::microseconds(1))
          << "caller " << i << " admitted less than 1/15 s after caller " << i - 1;
    }
  }
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
