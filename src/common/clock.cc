#include "common/clock.h"

#include <thread>

namespace ferry {

TimePoint SystemClock::Now() const { return std::chrono::system_clock::now(); }

std::chrono::steady_clock::time_point SystemClock::SteadyNow() const {
  return std::chrono::steady_clock::now();
}

bool SystemClock::SleepFor(Duration d, std::stop_token stop) {
  if (!stop.stop_possible()) {
    std::this_thread::sleep_for(d);
    return true;
  }
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait_for(lock, stop, d, [] { return false; });
  return !stop.stop_requested();
}

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

FakeClock::FakeClock(TimePoint start, bool auto_advance)
    : now_(start), auto_advance_(auto_advance), start_(start) {}

TimePoint FakeClock::Now() const {
  std::lock_guard lock(mu_);
  return now_;
}

std::chrono::steady_clock::time_point FakeClock::SteadyNow() const {
  std::lock_guard lock(mu_);
  return std::chrono::steady_clock::time_point(now_ - start_);
}

bool FakeClock::SleepFor(Duration d, std::stop_token stop) {
  std::unique_lock lock(mu_);
  slept_ += d;
  const TimePoint deadline = now_ + d;
  if (auto_advance_) {
    if (deadline > now_) now_ = deadline;
    cv_.notify_all();
    return true;
  }
  ++sleepers_;
  cv_.notify_all();
  const bool reached = cv_.wait(lock, stop, [&] { return now_ >= deadline; });
  --sleepers_;
  return reached;
}

void FakeClock::Advance(Duration d) {
  {
    std::lock_guard lock(mu_);
    now_ += d;
  }
  cv_.notify_all();
}

Duration FakeClock::TotalSlept() const {
  std::lock_guard lock(mu_);
  return slept_;
}

int FakeClock::sleepers() const {
  std::lock_guard lock(mu_);
  return sleepers_;
}

}  // namespace ferry
