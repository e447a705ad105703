#include "delegate/protocol/agent.h"

#include <algorithm>
#include <thread>

#include "common/log.h"
#include "common/thread_name.h"

namespace ferry::delegate {
namespace {

// A task's log lines on their way to the transport, in batches: one store transaction (or, for a
// remote delegate, one request) per batch instead of per line. A batch goes when kMaxBatch lines
// wait, when the task's companion thread flushes (every log_flush), and before the result.
// Each line keeps the time it was written. Thread-safe; batches arrive in order.
class TaskLog {
 public:
  static constexpr size_t kMaxBatch = 100;

  TaskLog(TaskTransport& transport, const TaskAssignment& assignment)
      : transport_(transport), assignment_(assignment) {}

  void Add(TaskLogLine line) {
    bool full = false;
    {
      std::lock_guard lock(pending_mu_);
      pending_.push_back(std::move(line));
      full = pending_.size() >= kMaxBatch;
    }
    if (full) Flush();
  }

  void Flush() {
    std::lock_guard sending(send_mu_);  // held while sending: batches stay in order
    std::vector<TaskLogLine> batch;
    {
      std::lock_guard lock(pending_mu_);
      batch.swap(pending_);
    }
    // A lost log line must not fail the task: the result is what counts.
    if (!batch.empty()) (void)transport_.AppendLog(assignment_, batch);
  }

 private:
  TaskTransport& transport_;
  const TaskAssignment& assignment_;
  std::mutex send_mu_;
  std::mutex pending_mu_;
  std::vector<TaskLogLine> pending_;  // guarded by pending_mu_
};

class AgentTaskContext final : public TaskContext {
 public:
  AgentTaskContext(TaskLog& log, Clock& clock, std::stop_token stop)
      : log_(log), clock_(clock), stop_(std::move(stop)) {}

  void Log(TaskLogLevel level, const std::string& text) override {
    log_.Add(TaskLogLine{level, text, clock_.Now()});
  }
  std::stop_token stop() const override { return stop_; }

 private:
  TaskLog& log_;
  Clock& clock_;
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
  TaskLog log(transport_, assignment);
  // The task's companion thread: sends its log lines every log_flush and heartbeats every
  // heartbeat; a lost lease stops the handler.
  std::jthread companion([&](std::stop_token companion_stop) {
    SetThreadName("ferry-heartbeat");
    const Duration tick = std::min(options_.log_flush, options_.heartbeat);
    auto last_heartbeat = clock_.SteadyNow();
    while (clock_.SleepFor(tick, companion_stop)) {
      log.Flush();
      if (clock_.SteadyNow() - last_heartbeat < options_.heartbeat) continue;
      Status s = transport_.Heartbeat(assignment, options_.lease);
      if (s.ok()) {
        last_heartbeat = clock_.SteadyNow();
      } else if (s.error().code == ErrorCode::kFailedPrecondition) {
        task_stop.request_stop();
        return;
      }
      // A heartbeat that did not arrive (the server restarting, a network blip) is tried again
      // at the next tick, not a whole heartbeat later: waiting would leave only
      // lease - heartbeat for the outage, and a live delegate would lose its task.
    }
  });
  AgentTaskContext context(log, clock_, task_stop.get_token());
  TaskResult result = it->second->Run(assignment, context);
  companion.request_stop();
  companion.join();
  log.Flush();  // every line is in before the result
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
    workers.emplace_back([&] {
      SetThreadName("ferry-task");
      worker();
    });
  }
  SetThreadName("ferry-task");
  worker();
}

}  // namespace ferry::delegate
