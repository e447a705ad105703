#include "sandbox/sandbox_clock.h"

namespace ferry::sandbox {

bool SandboxClock::SleepFor(Duration d, std::stop_token stop) {
  std::unique_lock lock(mu_);
  const auto deadline = SteadyNow() + d;
  ++sleepers_;
  bool reached = false;
  while (true) {
    const auto now = SteadyNow();
    if (now >= deadline) {
      reached = true;
      break;
    }
    if (stop.stop_requested()) break;
    const uint64_t seen = advances_;
    // Wakes on an Advance (the deadline may have been jumped over) or when the rest has passed.
    advanced_.wait_for(lock, stop, deadline - now, [&] { return advances_ != seen; });
  }
  --sleepers_;
  return reached;
}

int SandboxClock::sleepers() const {
  std::lock_guard lock(mu_);
  return sleepers_;
}

void SandboxClock::Advance(std::chrono::milliseconds d) {
  if (d.count() <= 0) return;
  {
    std::lock_guard lock(mu_);
    offset_ms_.fetch_add(d.count());
    ++advances_;
  }
  advanced_.notify_all();
}

}  // namespace ferry::sandbox
