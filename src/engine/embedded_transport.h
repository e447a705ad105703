// EmbeddedTransport: the delegate TaskTransport of `ferry server` / `ferry up`, calling the
// store directly (no network). Log lines of a task that belongs to an execution go to that
// execution's log, attributed to the task's step and delegate.
// Thread-safe (the store is).
#pragma once

#include "delegate/protocol/task_protocol.h"
#include "store/store.h"

namespace ferry::engine {

class EmbeddedTransport final : public delegate::TaskTransport {
 public:
  explicit EmbeddedTransport(store::Store& store) : store_(store) {}

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
};

}  // namespace ferry::engine
