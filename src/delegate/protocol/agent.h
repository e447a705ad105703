// DelegateAgent: the delegate's work loop over a TaskTransport. Claims tasks its selectors
// match, runs each with the handler registered for its kind, heartbeats while it runs (a lost
// lease stops the handler through its stop token and its result is discarded by the server),
// forwards log lines in batches (every log_flush, and all of them before the result), and
// reports the result. An unknown kind fails the task with a message.
//
// RunOne runs one task on the calling thread (tests, and the building block of Run); Run keeps
// up to max_concurrent_tasks running until stop is requested. A worker that found nothing to
// claim sleeps idle_poll, or until Wake(): a process that just enqueued a task wakes the agent
// so it is claimed at once; the poll remains for tasks enqueued elsewhere.
//
// Thread-safe after the handlers are registered (Wake from any thread, at any time); the transport,
// clock and handlers must outlive the agent.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "delegate/protocol/task_protocol.h"

namespace ferry::delegate {

struct AgentOptions {
  std::string delegate_id = "embedded";
  std::vector<std::string> selectors;
  Duration lease = std::chrono::seconds(30);
  Duration heartbeat = std::chrono::seconds(10);  // < lease
  // How long a task's log line may wait to be sent with others (one transport call per batch).
  Duration log_flush = std::chrono::milliseconds(250);
  Duration idle_poll = std::chrono::seconds(1);
  size_t max_concurrent_tasks = 8;
};

class DelegateAgent {
 public:
  DelegateAgent(TaskTransport& transport, Clock& clock, AgentOptions options);

  // Before any RunOne/Run. The handler must outlive the agent.
  void Register(const std::string& kind, TaskHandler& handler);

  // Claims one task and runs it to completion. False when there was none to claim.
  Result<bool> RunOne(std::stop_token stop = {});

  // Runs tasks until stop is requested, at most max_concurrent_tasks at once.
  void Run(std::stop_token stop);

  // Ends every idle sleep now. A wake that arrives while a worker is claiming or running a task
  // is not lost: that worker's next idle sleep returns at once, so it claims again first.
  void Wake();

 private:
  TaskResult Execute(const TaskAssignment& assignment, std::stop_token stop);
  // Sleeps idle_poll unless stopped or woken since `seen` (a wake_generation_ value).
  void IdleSleep(uint64_t seen, std::stop_token stop);
  uint64_t WakeGeneration();

  TaskTransport& transport_;
  Clock& clock_;
  const AgentOptions options_;
  std::map<std::string, TaskHandler*> handlers_;
  std::mutex wake_mu_;
  uint64_t wake_generation_ = 0;  // guarded by wake_mu_: bumped by every Wake()
  std::stop_source idle_wake_;    // guarded by wake_mu_: requested (then replaced) by Wake()
};

}  // namespace ferry::delegate
