// Runs asynchronous (InvocationType Event) invocations on a few background threads, as Lambda's
// internal queue does. Bounded: Submit refuses work past `max_queued`. Destruction stops the
// threads (pending events are dropped, as when the sandbox stops). Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ferry::sandbox::lambda {

class EventRunner {
 public:
  EventRunner(int threads, size_t max_queued);
  ~EventRunner();
  EventRunner(const EventRunner&) = delete;
  EventRunner& operator=(const EventRunner&) = delete;

  bool Submit(std::function<void()> task);

 private:
  void Loop(std::stop_token stop);

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<std::function<void()>> queue_;  // Guarded by mu_.
  std::vector<std::jthread> threads_;
};

}  // namespace ferry::sandbox::lambda
