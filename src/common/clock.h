// Clock: the only source of time in Ferry, injected so waits, leases and retries are testable
// without sleeping.
//
// SystemClock is thread-safe. FakeClock is thread-safe: Advance() wakes every SleepFor/WaitUntil
// whose deadline has passed, so code under test that "sleeps" returns at once in simulated time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stop_token>

namespace ferry {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (UTC).
  virtual TimePoint Now() const = 0;
  // Monotonic time for measuring intervals.
  virtual std::chrono::steady_clock::time_point SteadyNow() const = 0;
  // Sleeps for d, returning early (false) when stop is requested. True when the full time passed.
  virtual bool SleepFor(Duration d, std::stop_token stop = {}) = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override;
  std::chrono::steady_clock::time_point SteadyNow() const override;
  bool SleepFor(Duration d, std::stop_token stop = {}) override;
  // A process-wide instance.
  static SystemClock& Instance();
};

// Time moves only when a test calls Advance (or, with auto_advance, when someone sleeps: the
// clock jumps to the sleeper's deadline, which makes single-threaded retry loops instant).
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint(std::chrono::seconds(1'800'000'000)),
                     bool auto_advance = false);
  TimePoint Now() const override;
  std::chrono::steady_clock::time_point SteadyNow() const override;
  bool SleepFor(Duration d, std::stop_token stop = {}) override;
  void Advance(Duration d);
  // Total time spent in SleepFor by all callers (for asserting backoff schedules).
  Duration TotalSlept() const;
  int sleepers() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  // Guarded by mu_.
  TimePoint now_;
  Duration slept_{0};
  int sleepers_ = 0;
  const bool auto_advance_;
  const TimePoint start_;
};

}  // namespace ferry
