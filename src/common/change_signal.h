// ChangeSignal: a generation counter that threads wait on. The side that changes something
// (the engine's Runner after a round that advanced executions) calls Notify(); a reader that
// holds a request open until something changes (a long-poll of an execution, a log stream)
// remembers generation() before it reads the store and then waits for a different one, so a
// change between its read and its wait is never missed.
//
// Waits use real time (std::condition_variable), not the injected Clock: they bound how long a
// request is held, which a test drives by calling Notify(). Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace ferry {

class ChangeSignal {
 public:
  // Bumps the generation and wakes every waiter.
  void Notify();
  uint64_t generation() const;
  // Returns once generation() != seen or after `timeout`, whichever is first; returns the
  // generation then (== seen on a timeout).
  uint64_t WaitFor(uint64_t seen, std::chrono::milliseconds timeout) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  uint64_t generation_ = 0;  // Guarded by mu_.
};

}  // namespace ferry
