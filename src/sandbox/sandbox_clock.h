// The sandbox's clock: the system clock plus an offset that only grows. The admin endpoint
// (POST /_ferry/clock {"advance_seconds": N}) moves it forward so tests can reach what takes
// real time in AWS — STS credentials expiring, alarm periods passing, pending updates settling —
// without waiting. Every service of one sandbox reads the same SandboxClock, and `ferry up` runs
// its server on it too, so a jump also ends Ferry's bakes and waits (a 10-minute canary in
// seconds).
//
// SleepFor measures its duration on this clock: a sleeper whose end an Advance jumps over wakes
// at once (true), one whose end is still ahead sleeps on for the rest. The base clock must be a
// real one (the sandbox passes SystemClock): sleeps wait on the steady clock in between.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "common/clock.h"

namespace ferry::sandbox {

class SandboxClock final : public Clock {
 public:
  explicit SandboxClock(Clock& base) : base_(base) {}

  TimePoint Now() const override { return base_.Now() + offset(); }
  std::chrono::steady_clock::time_point SteadyNow() const override {
    return base_.SteadyNow() + offset();
  }
  bool SleepFor(Duration d, std::stop_token stop = {}) override;

  // Moves the clock forward by d (negative values are ignored: time never runs backwards) and
  // wakes every sleeper so it measures what is left against the new time.
  void Advance(std::chrono::milliseconds d);
  std::chrono::milliseconds offset() const { return std::chrono::milliseconds(offset_ms_.load()); }
  // How many threads are in SleepFor (for tests that advance only once a sleeper sleeps).
  int sleepers() const;

 private:
  Clock& base_;
  std::atomic<int64_t> offset_ms_{0};
  mutable std::mutex mu_;
  std::condition_variable_any advanced_;
  uint64_t advances_ = 0;  // guarded by mu_
  int sleepers_ = 0;       // guarded by mu_
};

}  // namespace ferry::sandbox
