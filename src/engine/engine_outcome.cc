// How executions end: cancelling the active step on abort (waiting until its delegate stopped),
// rolling back (the undo steps each kind offers), and the terminal moves with their closing log
// line. See engine.h.
#include <functional>
#include <set>

#include "engine/engine.h"
#include "engine/task_keys.h"

namespace ferry::engine {

using store::ExecutionStatus;
using store::StepStatus;

Status Engine::Move(store::ExecutionRecord& e, store::ExecutionTransition t) {
  if (store::IsTerminal(t.to) && t.log.empty()) {
    store::LogLevel level = store::LogLevel::kError;
    std::string text;
    switch (t.to) {
      case ExecutionStatus::kSucceeded:
        level = store::LogLevel::kInfo;
        text = "execution succeeded";
        break;
      case ExecutionStatus::kRolledBack:
        level = store::LogLevel::kInfo;
        text = "rolled back";
        break;
      case ExecutionStatus::kAborted:
        level = store::LogLevel::kWarn;
        text = "aborted by " + e.abort_requested_by.value_or("a user");
        break;
      case ExecutionStatus::kRollbackFailed:
        text = t.error.value_or("rollback failed");
        break;
      default:
        text = "execution " + std::string(store::ExecutionStatusName(t.to)) +
               (t.error ? ": " + *t.error : "");
        break;
    }
    t.log.push_back(store::NewLogLine{std::nullopt, level, "engine", std::move(text)});
  }
  FERRY_ASSIGN_OR_RETURN(e, store_.executions().Transition(t));
  if (store::IsTerminal(e.status) && options_.on_ended) options_.on_ended(e);
  if (options_.on_execution_changed && store::IsTerminal(e.status)) {
    options_.on_execution_changed(e);
  }
  return Ok();
}

Result<bool> Engine::CancelActive(const store::ExecutionRecord& e,
                                  const std::vector<store::StepRecord>& steps,
                                  std::optional<TimePoint>* wake) {
  const std::string by = e.abort_requested_by.value_or("engine");
  const TimePoint now = clock_.Now();
  // First every running task is cancelled, and nothing more happens until each has stopped.
  bool stopped = true;
  for (const auto& step : steps) {
    if (step.undo_of || step.status != StepStatus::kRunning) continue;
    auto task = store_.tasks().GetByKey(TaskKey(step, step.state));
    if (!task.ok()) {
      if (task.error().code == ErrorCode::kNotFound) continue;
      return task.error();
    }
    if (!store::IsTerminal(task->status)) {
      auto cancelled = store_.tasks().Cancel(task->id, by);
      if (!cancelled.ok() && cancelled.error().code != ErrorCode::kFailedPrecondition) {
        return cancelled.error();
      }
      FERRY_ASSIGN_OR_RETURN(task, store_.tasks().Get(task->id));
    }
    if (!store::HasStopped(*task, now)) {
      stopped = false;
      if (task->lease_expires_at && (!*wake || *task->lease_expires_at < **wake)) {
        *wake = task->lease_expires_at;
      }
    }
  }
  if (!stopped) return false;
  // Then each unfinished step ends cancelled, with what its kind makes of its task's end (the
  // outputs record what the task did, for the undo).
  for (const auto& step : steps) {
    if (step.undo_of || store::IsTerminal(step.status)) continue;
    std::optional<std::string> outputs;
    if (step.status == StepStatus::kRunning) {
      auto task = store_.tasks().GetByKey(TaskKey(step, step.state));
      StepKind* kind = registry_.Find(step.kind);
      if (task.ok() && kind != nullptr) {
        const StepContext ctx{e, steps, step, store_, clock_, TimeoutOf(step)};
        FERRY_ASSIGN_OR_RETURN(StepMove move, kind->OnTaskEnded(ctx, *task));
        outputs = std::move(move.outputs_json);
      }
    }
    store::StepTransition t;
    t.execution_id = e.id;
    t.index = step.index;
    t.from_status = step.status;
    t.from_state = step.state;
    t.expected_revision = step.revision;
    t.to_status = StepStatus::kCancelled;
    t.to_state = "cancelled";
    t.lease_owner = options_.owner;
    t.outputs_json = std::move(outputs);
    t.error = "aborted by " + e.abort_requested_by.value_or("a user");
    FERRY_RETURN_IF_ERROR(store_.executions().TransitionStep(t));
  }
  return true;
}

namespace {

// The undo steps of every step that started, newest first, named uniquely.
Result<std::vector<store::NewStep>> UndoSteps(const StepRegistry& registry,
                                              const store::ExecutionRecord& e,
                                              const std::vector<store::StepRecord>& steps,
                                              store::Store& store, Clock& clock,
                                              const std::function<Duration(const store::StepRecord&)>& timeout_of) {
  std::set<std::string> names;
  for (const auto& step : steps) names.insert(step.name);
  std::vector<store::NewStep> out;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    const store::StepRecord& step = *it;
    if (step.undo_of || step.status == StepStatus::kPending) continue;
    StepKind* kind = registry.Find(step.kind);
    if (kind == nullptr) continue;
    const StepContext ctx{e, steps, step, store, clock, timeout_of(step)};
    FERRY_ASSIGN_OR_RETURN(auto undo, kind->Undo(ctx));
    for (auto& u : undo) {
      if (names.count(u.name)) u.name += "-" + step.name;
      for (int n = 2; names.count(u.name); ++n) u.name += "-" + std::to_string(n);
      names.insert(u.name);
      u.undo_of = step.index;
      out.push_back(std::move(u));
    }
  }
  return out;
}

}  // namespace

Status Engine::BeginRollback(store::ExecutionRecord& e,
                             const std::vector<store::StepRecord>& steps, ExecutionStatus from) {
  FERRY_ASSIGN_OR_RETURN(auto undo, UndoSteps(registry_, e, steps, store_, clock_,
                                              [this](const auto& s) { return TimeoutOf(s); }));
  ExecutionStatus to = ExecutionStatus::kRollingBack;
  if (undo.empty()) {
    to = from == ExecutionStatus::kAborting ? ExecutionStatus::kAborted : ExecutionStatus::kFailed;
  }
  store::ExecutionTransition t{e.id, from, to, options_.owner};
  for (const auto& step : steps) {
    if (!step.undo_of && step.status == StepStatus::kFailed && step.error) {
      t.error = step.name + ": " + *step.error;
    }
  }
  return Move(e, std::move(t));
}

Status Engine::AppendUndoSteps(const store::ExecutionRecord& e,
                               const std::vector<store::StepRecord>& steps) {
  FERRY_ASSIGN_OR_RETURN(auto undo, UndoSteps(registry_, e, steps, store_, clock_,
                                              [this](const auto& s) { return TimeoutOf(s); }));
  if (undo.empty()) {
    // The kinds no longer offer what they offered when the rollback began (an older server?):
    // nothing can be undone.
    return Error{ErrorCode::kInternal, "execution " + e.id + " rolls back with nothing to undo"};
  }
  FERRY_RETURN_IF_ERROR(store_.executions().AppendSteps(e.id, undo));
  return Ok();
}

}  // namespace ferry::engine
