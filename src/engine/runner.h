// Runner: the engine's background loop in `ferry server` / `ferry up`. A thread calls
// Engine::RunOnce, then sleeps until the earliest re-check the engine asked for
// (Engine::TakeNextWake), at most max_idle (which also finds executions created or woken by
// other processes), or until Wake() is called: a new deployment, an abort or a completed
// delegate task is acted on at once, not at the next poll. When RunOnce advanced a full batch
// it runs again without sleeping. Errors of RunOnce are logged and retried after
// error_backoff.
//
// Sleeps through Clock::SleepFor, so tests drive it with a FakeClock. Start/Stop/Wake are
// thread-safe; Stop() returns once the loop has exited (promptly: a sleep is interrupted, a
// RunOnce in progress finishes its batch). The engine and clock must outlive the Runner; the
// destructor stops it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>

#include "common/clock.h"
#include "engine/engine.h"

namespace ferry::engine {

struct RunnerOptions {
  Duration max_idle = std::chrono::seconds(5);  // longest sleep without a Wake()
  Duration error_backoff = std::chrono::seconds(1);
  int batch = 16;  // EngineOptions::batch: a RunOnce that advanced this many runs again at once
  // Called on the runner's thread after every RunOnce that advanced at least one execution
  // (it may have enqueued delegate tasks): `ferry server` wakes its embedded delegate here.
  std::function<void()> on_advanced;
};

class Runner {
 public:
  Runner(Engine& engine, Clock& clock, RunnerOptions options = {});
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Starts the thread (no-op when running).
  void Start();
  // Interrupts the sleep and joins the thread (no-op when not running).
  void Stop();
  // Makes the loop run RunOnce again now (or right after the current one).
  void Wake();

  // Completed RunOnce calls, for tests and metrics.
  int64_t rounds() const { return rounds_.load(); }

 private:
  void Loop(std::stop_token stop);
  // Sleeps up to d unless woken or stopped.
  void Sleep(Duration d, std::stop_token stop);

  Engine& engine_;
  Clock& clock_;
  const RunnerOptions options_;
  std::atomic<int64_t> rounds_{0};
  std::mutex mu_;
  bool woken_ = false;                          // guarded by mu_
  std::optional<std::stop_source> sleep_stop_;  // guarded by mu_: interrupts the current sleep
  std::jthread thread_;                         // guarded by mu_ (Start/Stop)
  std::mutex lifecycle_mu_;                     // serialises Start/Stop
};

}  // namespace ferry::engine
