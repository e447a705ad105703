// DelegateAgent: the delegate's work loop over a TaskTransport. Claims tasks its selectors
// match, runs each with the handler registered for its kind, heartbeats while it runs (a lost
// lease stops the handler through its stop token and its result is discarded by the server),
// forwards log lines, and reports the result. An unknown kind fails the task with a message.
//
// RunOne runs one task on the calling thread (tests, and the building block of Run); Run keeps
// up to max_concurrent_tasks running until stop is requested.
//
// Thread-safe after the handlers are registered; the transport, clock and handlers must outlive
// the agent.
#pragma once

#include <map>
#include <memory>
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

 private:
  TaskResult Execute(const TaskAssignment& assignment, std::stop_token stop);

  TaskTransport& transport_;
  Clock& clock_;
  const AgentOptions options_;
  std::map<std::string, TaskHandler*> handlers_;
};

}  // namespace ferry::delegate
