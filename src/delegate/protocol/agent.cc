#include "delegate/protocol/agent.h"

#include <algorithm>
#include <thread>

#include "common/log.h"

namespace ferry::delegate {
namespace {

class AgentTaskContext final : public TaskContext {
 public:
  AgentTaskContext(TaskTransport& transport, const TaskAssignment& assignment, std::stop_token stop)
      : transport_(transport), assignment_(assignment), stop_(std::move(stop)) {}

  void Log(TaskLogLevel level, const std::string& text) override {
    // A lost log line must not fail the task: the result is what counts.
    (void)transport_.AppendLog(assignment_, {TaskLogLine{level, text}});
  }
  std::stop_token stop() const override { return stop_; }

 private:
  TaskTransport& transport_;
  const TaskAssignment& assignment_;
  std::stop_token stop_;
};

}  // namespace

DelegateAgent::DelegateAgent(TaskTransport& transport, Clock& clock, AgentOptions options)
    : transport_(transport), clock_(clock), options_(std::move(options)) {}

void DelegateAgent::Register(const std::string& kind, TaskHandler& handler) {
  handlers_[kind] = &handler;
}

TaskResult DelegateAgent::Execute(const TaskAssignment& assignment, std::stop_token outer) {
  auto it = handlers_.find(assignment.kind);
  if (it == handlers_.end()) {
    return TaskResult{
        false, "{}",
        "delegate " + options_.delegate_id + " cannot run tasks of kind " + assignment.kind};
  }
  std::stop_source task_stop;
  std::stop_callback forward(outer, [&] { task_stop.request_stop(); });
  // Heartbeats on their own thread; a lost lease stops the handler.
  std::jthread heartbeat([&](std::stop_token hb_stop) {
    while (clock_.SleepFor(options_.heartbeat, hb_stop)) {
      Status s = transport_.Heartbeat(assignment, options_.lease);
      if (!s.ok() && s.error().code == ErrorCode::kFailedPrecondition) {
        task_stop.request_stop();
        return;
      }
    }
  });
  AgentTaskContext context(transport_, assignment, task_stop.get_token());
  TaskResult result = it->second->Run(assignment, context);
  heartbeat.request_stop();
  return result;
}

Result<bool> DelegateAgent::RunOne(std::stop_token stop) {
  FERRY_ASSIGN_OR_RETURN(
      auto claimed, transport_.ClaimNext(options_.delegate_id, options_.selectors, options_.lease));
  if (!claimed) return false;
  TaskResult result = Execute(*claimed, stop);
  Status done = transport_.Complete(*claimed, result);
  if (!done.ok()) {
    // Lease lost: another delegate owns the task now and will report it.
    log::Warn("delegate: result of task discarded",
              {{"task", claimed->task_id}, {"reason", done.error().message}});
  }
  return true;
}

void DelegateAgent::Wake() {
  std::lock_guard lock(wake_mu_);
  ++wake_generation_;
  idle_wake_.request_stop();
  idle_wake_ = std::stop_source();
}

uint64_t DelegateAgent::WakeGeneration() {
  std::lock_guard lock(wake_mu_);
  return wake_generation_;
}

void DelegateAgent::IdleSleep(uint64_t seen, std::stop_token stop) {
  std::stop_token woken;
  {
    std::lock_guard lock(wake_mu_);
    if (wake_generation_ != seen) return;  // woken while claiming: claim again first
    woken = idle_wake_.get_token();
  }
  std::stop_source interrupt;
  std::stop_callback on_stop(stop, [&interrupt] { interrupt.request_stop(); });
  std::stop_callback on_wake(woken, [&interrupt] { interrupt.request_stop(); });
  clock_.SleepFor(options_.idle_poll, interrupt.get_token());
}

void DelegateAgent::Run(std::stop_token stop) {
  auto worker = [this, stop] {
    while (!stop.stop_requested()) {
      // Read before claiming: a task enqueued (and woken for) after an empty claim is not slept
      // through.
      const uint64_t seen = WakeGeneration();
      auto ran = RunOne(stop);
      if (!ran.ok() || !*ran) IdleSleep(seen, stop);
    }
  };
  std::vector<std::jthread> workers;
  for (size_t i = 1; i < std::max<size_t>(1, options_.max_concurrent_tasks); ++i) {
    workers.emplace_back(worker);
  }
  worker();
}

}  // namespace ferry::delegate
