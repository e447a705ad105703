// The sandbox's clock: the system clock plus an offset that only grows. The admin endpoint
// (POST /_ferry/clock {"advance_seconds": N}) moves it forward so tests can reach what takes
// real time in AWS — STS credentials expiring, alarm periods passing, pending updates settling —
// without waiting. Every service of one sandbox reads the same SandboxClock.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>

#include "common/clock.h"

namespace ferry::sandbox {

class SandboxClock final : public Clock {
 public:
  explicit SandboxClock(Clock& base) : base_(base) {}

  TimePoint Now() const override { return base_.Now() + offset(); }
  std::chrono::steady_clock::time_point SteadyNow() const override {
    return base_.SteadyNow() + offset();
  }
  bool SleepFor(Duration d, std::stop_token stop = {}) override {
    return base_.SleepFor(d, std::move(stop));
  }

  // Moves the clock forward by d (negative values are ignored: time never runs backwards).
  void Advance(std::chrono::milliseconds d) {
    if (d.count() > 0) offset_ms_.fetch_add(d.count());
  }
  std::chrono::milliseconds offset() const { return std::chrono::milliseconds(offset_ms_.load()); }

 private:
  Clock& base_;
  std::atomic<int64_t> offset_ms_{0};
};

}  // namespace ferry::sandbox
