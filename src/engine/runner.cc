#include "engine/runner.h"

#include <algorithm>

#include "common/log.h"
#include "common/thread_name.h"

namespace ferry::engine {

Runner::Runner(Engine& engine, Clock& clock, RunnerOptions options)
    : engine_(engine), clock_(clock), options_(options) {}

Runner::~Runner() { Stop(); }

void Runner::Start() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) {
    SetThreadName("ferry-engine");
    Loop(stop);
  });
}

void Runner::Stop() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (!thread_.joinable()) return;
  thread_.request_stop();
  {
    std::lock_guard lock(mu_);
    if (sleep_stop_) sleep_stop_->request_stop();
  }
  thread_.join();
  thread_ = std::jthread();
}

void Runner::Wake() {
  std::lock_guard lock(mu_);
  woken_ = true;
  if (sleep_stop_) sleep_stop_->request_stop();
}

void Runner::Sleep(Duration d, std::stop_token stop) {
  std::stop_source interrupt;
  {
    std::lock_guard lock(mu_);
    if (woken_ || stop.stop_requested()) {
      woken_ = false;
      return;
    }
    sleep_stop_ = interrupt;
  }
  // Stop() and Wake() request `interrupt`; the thread's own stop token is forwarded to it.
  std::stop_callback forward(stop, [&interrupt] { interrupt.request_stop(); });
  clock_.SleepFor(d, interrupt.get_token());
  std::lock_guard lock(mu_);
  sleep_stop_.reset();
  woken_ = false;
}

void Runner::Loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    {
      std::lock_guard lock(mu_);
      woken_ = false;  // this round sees whatever the wake was for
    }
    auto advanced = engine_.RunOnce();
    rounds_.fetch_add(1);
    if (stop.stop_requested()) break;
    if (!advanced.ok()) {
      log::Warn("engine round failed", {{"error", advanced.error().message}});
      Sleep(options_.error_backoff, stop);
      continue;
    }
    if (*advanced > 0 && options_.on_advanced) options_.on_advanced();
    std::optional<TimePoint> next = engine_.TakeNextWake();
    if (*advanced >= options_.batch) continue;  // more may be runnable right now
    Duration sleep = options_.max_idle;
    if (next) {
      auto until = std::chrono::duration_cast<Duration>(*next - clock_.Now());
      sleep = std::clamp(until, Duration::zero(), options_.max_idle);
    }
    if (sleep > Duration::zero()) Sleep(sleep, stop);
  }
}

}  // namespace ferry::engine
