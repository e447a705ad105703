#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "common/change_signal.h"
#include "common/clock.h"
#include "common/ids.h"

namespace ferry {
namespace {

using namespace std::chrono_literals;

TEST(ChangeSignalTest, AWaiterSeesANotifyThatCameBeforeItsWait) {
  ChangeSignal signal;
  const uint64_t seen = signal.generation();
  signal.Notify();  // between the reader's read and its wait
  EXPECT_EQ(signal.WaitFor(seen, 1h), seen + 1);
}

TEST(ChangeSignalTest, NotifyWakesEveryWaiterAndATimeoutReturnsTheSameGeneration) {
  ChangeSignal signal;
  EXPECT_EQ(signal.WaitFor(signal.generation(), 1ms), 0u);
  std::atomic<int> woken{0};
  {
    std::vector<std::jthread> waiters;
    for (int i = 0; i < 3; ++i) {
      waiters.emplace_back([&] {
        if (signal.WaitFor(0, 1h) == 1) ++woken;
      });
    }
    signal.Notify();
  }
  EXPECT_EQ(woken.load(), 3);
}

TEST(FakeClockTest, SleepReturnsWhenAdvanced) {
  FakeClock clock;
  const TimePoint start = clock.Now();
  std::jthread sleeper([&] { EXPECT_TRUE(clock.SleepFor(5s)); });
  while (clock.sleepers() == 0) std::this_thread::yield();
  clock.Advance(5s);
  sleeper.join();
  EXPECT_EQ(clock.Now() - start, 5s);
}

TEST(FakeClockTest, StopTokenInterruptsSleep) {
  FakeClock clock;
  std::stop_source stop;
  std::jthread sleeper([&] { EXPECT_FALSE(clock.SleepFor(1h, stop.get_token())); });
  while (clock.sleepers() == 0) std::this_thread::yield();
  stop.request_stop();
  sleeper.join();
}

TEST(FakeClockTest, AutoAdvanceJumpsToDeadline) {
  FakeClock clock(TimePoint{}, /*auto_advance=*/true);
  EXPECT_TRUE(clock.SleepFor(250ms));
  EXPECT_TRUE(clock.SleepFor(750ms));
  EXPECT_EQ(clock.Now(), TimePoint{} + 1s);
  EXPECT_EQ(clock.TotalSlept(), 1s);
}

TEST(SystemClockTest, StopTokenInterruptsSleep) {
  std::stop_source stop;
  stop.request_stop();
  EXPECT_FALSE(SystemClock::Instance().SleepFor(10s, stop.get_token()));
}

TEST(IdGeneratorTest, RandomIdsAreUniqueAndTimeOrdered) {
  FakeClock clock;
  RandomIdGenerator ids(clock);
  std::string first = ids.NewId();
  clock.Advance(1ms);
  std::string second = ids.NewId();
  EXPECT_EQ(first.size(), 26u);
  EXPECT_LT(first, second);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(ids.NewId());
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(ids.RandomBytes(32).size(), 32u);
}

TEST(IdGeneratorTest, SequentialIsDeterministic) {
  SequentialIdGenerator a, b;
  EXPECT_EQ(a.NewId(), "00000000000000000000000001");
  EXPECT_EQ(a.NewId(), "00000000000000000000000002");
  EXPECT_EQ(b.NewId(), "00000000000000000000000001");
  EXPECT_EQ(a.NextUnit(), b.NextUnit());
}

}  // namespace
}  // namespace ferry
