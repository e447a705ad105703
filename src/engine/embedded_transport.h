// EmbeddedTransport: the delegate TaskTransport of `ferry server` / `ferry up`, calling the
// store directly (no network). Log lines of a task that belongs to an execution go to that
// execution's log, attributed to the task's step and delegate.
// on_complete (optional) is called after a task's result is recorded: `ferry server` passes
// Runner::Wake so the engine acts on it at once.
// Thread-safe (the store is; on_complete must be).
#pragma once

#include <functional>

#include "delegate/protocol/task_protocol.h"
#include "store/store.h"

namespace ferry::engine {

class EmbeddedTransport final : public delegate::TaskTransport {
 public:
  explicit EmbeddedTransport(store::Store& store, std::function<void()> on_complete = {})
      : store_(store), on_complete_(std::move(on_complete)) {}

  Result<std::optional<delegate::TaskAssignment>> ClaimNext(
      const std::string& delegate_id, const std::vector<std::string>& selectors,
      Duration lease) override;
  Status Heartbeat(const delegate::TaskAssignment& assignment, Duration extension) override;
  Status AppendLog(const delegate::TaskAssignment& assignment,
                   const std::vector<delegate::TaskLogLine>& lines) override;
  Status Complete(const delegate::TaskAssignment& assignment,
                  const delegate::TaskResult& result) override;

 private:
  store::Store& store_;
  const std::function<void()> on_complete_;
};

}  // namespace ferry::engine
