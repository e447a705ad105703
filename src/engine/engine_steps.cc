// One step's life (step_kind.h): the engine asks the step's kind for its next move and commits
// it. See engine.h.
#include "common/strings.h"
#include "engine/engine.h"
#include "engine/task_keys.h"

namespace ferry::engine {
namespace {

using store::StepStatus;

store::StepStatus StatusAfter(StepMove::Kind kind) {
  switch (kind) {
    case StepMove::Kind::kRunTask:
      return StepStatus::kRunning;
    case StepMove::Kind::kWait:
      return StepStatus::kWaiting;
    case StepMove::Kind::kSucceed:
      return StepStatus::kSucceeded;
    case StepMove::Kind::kFail:
      break;
  }
  return StepStatus::kFailed;
}

std::optional<TimePoint> Earliest(std::optional<TimePoint> a, std::optional<TimePoint> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace

// StepMove's constructors and StepKind's defaults.

StepMove StepMove::RunTask(std::string state, TaskRequest task, std::optional<std::string> outputs,
                           std::string log) {
  StepMove m;
  m.kind = Kind::kRunTask;
  m.state = std::move(state);
  m.task = std::move(task);
  m.outputs_json = std::move(outputs);
  m.log = std::move(log);
  return m;
}

StepMove StepMove::Wait(std::string state, TimePoint until, std::optional<std::string> outputs,
                        std::string log) {
  StepMove m;
  m.kind = Kind::kWait;
  m.state = std::move(state);
  m.wake_at = until;
  m.outputs_json = std::move(outputs);
  m.log = std::move(log);
  return m;
}

StepMove StepMove::Succeed(std::optional<std::string> outputs, std::string log) {
  StepMove m;
  m.kind = Kind::kSucceed;
  m.state = "done";
  m.outputs_json = std::move(outputs);
  m.log = std::move(log);
  return m;
}

StepMove StepMove::Fail(std::string error, std::optional<std::string> outputs) {
  StepMove m;
  m.kind = Kind::kFail;
  m.state = "failed";
  m.error = std::move(error);
  m.outputs_json = std::move(outputs);
  return m;
}

void StepContext::Log(store::LogLevel level, const std::string& text) const {
  (void)store.logs().Append(execution.id, {store::NewLogLine{step.index, level, "engine", text}});
}

Result<StepMove> StepKind::OnTaskEnded(const StepContext& ctx, const store::TaskRecord&) {
  return Error{ErrorCode::kInternal, "step kind " + ctx.step.kind + " runs no task"};
}

Result<StepMove> StepKind::OnWake(const StepContext& ctx) {
  return Error{ErrorCode::kInternal, "step kind " + ctx.step.kind + " never waits"};
}

Result<StepMove> StepKind::OnTimeout(const StepContext& ctx, const store::TaskRecord* task) {
  return StepMove::Fail("timed out after " + Engine::DescribeTimeout(ctx.timeout) +
                        " (the step's timeout)" + (task != nullptr ? "; the task was cancelled" : ""));
}

Result<std::vector<store::NewStep>> StepKind::Undo(const StepContext&) {
  return std::vector<store::NewStep>{};
}

// The engine's side.

Duration Engine::TimeoutOf(const store::StepRecord& step) const {
  if (step.timeout > Duration::zero()) return step.timeout;
  const StepKind* kind = registry_.Find(step.kind);
  return kind != nullptr ? kind->DefaultTimeout() : kDefaultStepTimeout;
}

Result<Engine::Advanced> Engine::AdvanceStep(const store::ExecutionRecord& e,
                                             const std::vector<store::StepRecord>& steps,
                                             const store::StepRecord& step) {
  const Duration timeout = TimeoutOf(step);
  const TimePoint now = clock_.Now();
  std::optional<TimePoint> deadline =
      step.started_at ? std::optional(*step.started_at + timeout) : std::nullopt;
  StepKind* kind = registry_.Find(step.kind);
  if (kind == nullptr) {
    return Apply(e, step,
                 StepMove::Fail("this Ferry server cannot run steps of kind " +
                                QuoteForMessage(step.kind) + " (is it an older version?)"),
                 deadline);
  }
  const StepContext ctx{e, steps, step, store_, clock_, timeout};
  switch (step.status) {
    case StepStatus::kPending: {
      FERRY_ASSIGN_OR_RETURN(StepMove move, kind->Start(ctx));
      return Apply(e, step, std::move(move), now + timeout);
    }
    case StepStatus::kRunning: {
      auto task = store_.tasks().GetByKey(TaskKey(step, step.state));
      if (!task.ok()) {
        if (task.error().code != ErrorCode::kNotFound) return task.error();
        return Apply(e, step, StepMove::Fail("the step lost its " + step.state + " task"),
                     deadline);
      }
      const bool timed_out = deadline && now >= *deadline;
      if (!store::IsTerminal(task->status)) {
        if (!timed_out) return Advanced{StepOutcome::kWait, deadline, false};
        // Past the deadline: stop the task; the kind decides once its delegate has stopped. A
        // task that ended meanwhile is judged as it ended.
        auto cancelled = store_.tasks().Cancel(task->id, "engine");
        if (!cancelled.ok() && cancelled.error().code != ErrorCode::kFailedPrecondition) {
          return cancelled.error();
        }
        FERRY_ASSIGN_OR_RETURN(task, store_.tasks().Get(task->id));
      }
      if (!store::HasStopped(*task, now)) {
        // Cancelled, but its delegate may still be making calls: wait until it reports or its
        // lease runs out, so that nothing is decided on a half-known state.
        return Advanced{StepOutcome::kWait, task->lease_expires_at, false};
      }
      Result<StepMove> move = timed_out && task->status == store::TaskStatus::kCancelled
                                  ? kind->OnTimeout(ctx, &*task)
                                  : kind->OnTaskEnded(ctx, *task);
      if (!move.ok()) return move.error();
      return Apply(e, step, std::move(move).value(), deadline);
    }
    case StepStatus::kWaiting: {
      const bool timed_out = deadline && now >= *deadline;
      FERRY_ASSIGN_OR_RETURN(StepMove move,
                             timed_out ? kind->OnTimeout(ctx, nullptr) : kind->OnWake(ctx));
      return Apply(e, step, std::move(move), deadline);
    }
    default:
      return Advanced{};
  }
}

Result<Engine::Advanced> Engine::Apply(const store::ExecutionRecord& e,
                                       const store::StepRecord& step, StepMove move,
                                       std::optional<TimePoint> deadline) {
  if (move.kind == StepMove::Kind::kWait && step.status == StepStatus::kWaiting &&
      move.state == step.state && !move.outputs_json && move.wake_at) {
    // Still waiting as before: nothing to commit.
    return Advanced{StepOutcome::kWait, Earliest(move.wake_at, deadline), true};
  }
  store::StepTransition t;
  t.execution_id = e.id;
  t.index = step.index;
  t.from_status = step.status;
  t.from_state = step.state;
  t.to_status = StatusAfter(move.kind);
  t.to_state = move.state;
  t.expected_revision = step.revision;
  t.lease_owner = options_.owner;
  t.outputs_json = std::move(move.outputs_json);
  std::string line = move.log;
  switch (move.kind) {
    case StepMove::Kind::kRunTask: {
      if (!move.task || move.state.empty()) {
        return Error{ErrorCode::kInternal,
                     "step kind " + step.kind + " asked for a task without a kind or a state"};
      }
      store::NewTask task;
      task.kind = move.task->kind;
      task.payload_json = std::move(move.task->payload_json);
      task.selectors = std::move(move.task->selectors);
      task.idempotency_key = TaskKey(step, move.state);
      task.execution_id = e.id;
      task.step_index = step.index;
      task.max_attempts = options_.task_attempts;
      t.enqueue = std::move(task);
      if (line.empty()) line = "step " + step.name + ": " + move.state + " task queued";
      break;
    }
    case StepMove::Kind::kWait:
      if (!move.wake_at) {
        return Error{ErrorCode::kInternal, "step kind " + step.kind + " waits without a time"};
      }
      if (line.empty()) line = "step " + step.name + ": waiting";
      break;
    case StepMove::Kind::kSucceed:
      if (line.empty()) line = "step " + step.name + " succeeded";
      break;
    case StepMove::Kind::kFail:
      t.error = move.error;
      line = "step " + step.name + " failed: " + move.error;
      break;
  }
  FERRY_RETURN_IF_ERROR(store_.executions().TransitionStep(t));
  // Logged after the commit: a line never claims a move that did not happen.
  LogLine(e.id, step.index,
          move.kind == StepMove::Kind::kFail ? store::LogLevel::kError : store::LogLevel::kInfo,
          line);
  switch (move.kind) {
    case StepMove::Kind::kRunTask:
      // The task's completion wakes the execution; the deadline bounds the wait.
      return Advanced{StepOutcome::kWait, deadline, false};
    case StepMove::Kind::kWait:
      return Advanced{StepOutcome::kWait, Earliest(move.wake_at, deadline), true};
    case StepMove::Kind::kSucceed:
      return Advanced{StepOutcome::kProgress, std::nullopt, false};
    case StepMove::Kind::kFail:
      break;
  }
  return Advanced{StepOutcome::kFailed, std::nullopt, false};
}

}  // namespace ferry::engine
