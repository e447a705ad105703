#include "engine/engine.h"

#include <algorithm>

#include "common/json.h"
#include "common/time.h"
#include "delegate/lambda/state_json.h"
#include "delegate/lambda/target_json.h"
#include "engine/engine_internal.h"

namespace ferry::engine {

using internal::kDeployStep;
using internal::kPruneStep;
using internal::kRestoreStep;
using internal::kRollbackStep;
using internal::MarkRolledBackFrom;
using internal::ParseOr;
using internal::RollbackPayload;
using internal::StepDeadline;
using internal::StepTimeout;
using internal::TaskKey;

namespace {

using delegate::lambda::DesiredFunction;
using store::ExecutionStatus;
using store::StepStatus;

constexpr int kMaxAdvanceRounds = 64;

std::string_view StrategyName(FailureStrategy s) {
  switch (s) {
    case FailureStrategy::kAbort:
      return "abort";
    case FailureStrategy::kIgnore:
      return "ignore";
    case FailureStrategy::kRollback:
      break;
  }
  return "rollback";
}

FailureStrategy StrategyOf(const store::ExecutionRecord& e) {
  auto inputs = ParseJson(e.inputs_json);
  std::string name = inputs.ok() && inputs->is_object() ? inputs->value("failureStrategy", "") : "";
  if (name == "abort") return FailureStrategy::kAbort;
  if (name == "ignore") return FailureStrategy::kIgnore;
  return FailureStrategy::kRollback;
}

}  // namespace

namespace internal {

std::string TaskKey(const store::StepRecord& step, const std::string& phase) {
  return step.execution_id + "/" + std::to_string(step.index) + "/" + phase + "/" +
         std::to_string(step.attempt);
}

}  // namespace internal

Engine::Engine(store::Store& store, Clock& clock, EngineOptions options)
    : store_(store), clock_(clock), options_(std::move(options)) {}

void Engine::LogLine(const std::string& execution_id, std::optional<int> step,
                     store::LogLevel level, const std::string& text) {
  (void)store_.logs().Append(execution_id, {store::NewLogLine{step, level, "engine", text}});
}

Result<store::ExecutionRecord> Engine::StartDeploy(const DeployRequest& r, bool* created_out) {
  if (r.application.empty() || r.service.empty() || r.environment.empty()) {
    return Error{ErrorCode::kInvalidArgument,
                 "a deployment needs an application, a service and "
                 "an environment"};
  }
  if (r.functions.empty()) {
    return Error{ErrorCode::kInvalidArgument, "the service " + r.service + " has no functions"};
  }
  if (r.target.region.empty()) return Error{ErrorCode::kInvalidArgument, "no region to deploy to"};
  Json target = delegate::lambda::TargetToJson(r.target);
  Json functions = Json::array();
  Json names = Json::array();
  for (const auto& f : r.functions) {
    FERRY_RETURN_IF_ERROR(delegate::lambda::ValidateDesired(f));
    functions.push_back(delegate::lambda::ToJson(f));
    names.push_back({{"name", f.function_name}});
  }
  store::NewExecution e;
  e.application = r.application;
  e.service = r.service;
  e.environment = r.environment;
  e.workflow = r.workflow;
  e.trigger = r.trigger;
  e.actor = r.actor.empty() ? "unknown" : r.actor;
  e.artifact_id = r.artifact_id;
  e.idempotency_key = r.idempotency_key;
  e.inputs_json = DumpJson(Json{{"failureStrategy", StrategyName(r.failure_strategy)},
                                {"keepCreatedFunctions", r.keep_created_functions}});
  e.steps.push_back(store::NewStep{"deploy", kDeployStep,
                                   DumpJson(Json{{"target", target},
                                                 {"selectors", r.selectors},
                                                 {"concurrency", r.concurrency},
                                                 {"timeoutMs", r.deploy_timeout.count()},
                                                 {"functions", functions}})});
  if (r.keep_versions > 0) {
    e.steps.push_back(store::NewStep{"prune", kPruneStep,
                                     DumpJson(Json{{"target", target},
                                                   {"selectors", r.selectors},
                                                   {"keep", r.keep_versions},
                                                   {"timeoutMs", kDefaultStepTimeout.count()},
                                                   {"functions", names}})});
  }
  FERRY_ASSIGN_OR_RETURN(auto created, store_.executions().Create(e));
  if (created_out != nullptr) *created_out = created.created;
  return created.execution;
}

Result<int> Engine::RunOnce() {
  FERRY_ASSIGN_OR_RETURN(auto claimed, store_.executions().ClaimRunnable(
                                           options_.owner, options_.lease, options_.batch));
  int advanced = 0;
  for (auto& e : claimed) {
    std::string id = e.id;
    Status s = Advance(std::move(e));
    if (!s.ok()) {
      // Leave it for the next round (or another engine once the lease is released).
      (void)Release(id, std::nullopt);
      continue;
    }
    ++advanced;
  }
  return advanced;
}

Status Engine::Release(const std::string& id, std::optional<TimePoint> deadline) {
  TimePoint wake = clock_.Now() + options_.poll;
  if (deadline && *deadline < wake) wake = *deadline;
  {
    std::lock_guard lock(mu_);
    if (!next_wake_ || wake < *next_wake_) next_wake_ = wake;
  }
  return store_.executions().ReleaseLease(id, options_.owner, wake);
}

std::optional<TimePoint> Engine::TakeNextWake() {
  std::lock_guard lock(mu_);
  return std::exchange(next_wake_, std::nullopt);
}

Result<std::optional<store::TaskRecord>> Engine::FindTask(const std::string& execution_id,
                                                          const std::string& key) {
  store::TaskFilter filter;
  filter.execution_id = execution_id;
  filter.limit = 1000;
  FERRY_ASSIGN_OR_RETURN(auto tasks, store_.tasks().List(filter));
  for (auto& t : tasks) {
    if (t.idempotency_key == key) return std::optional<store::TaskRecord>(std::move(t));
  }
  return std::optional<store::TaskRecord>();
}

Result<Engine::StepOutcome> Engine::AdvanceStep(const store::ExecutionRecord& e,
                                                const store::StepRecord& step) {
  const Json inputs = ParseOr(step.inputs_json);
  auto selectors = inputs.value("selectors", std::vector<std::string>{});
  auto transition = [&](StepStatus to, std::string to_state) {
    store::StepTransition t;
    t.execution_id = e.id;
    t.index = step.index;
    t.from_status = step.status;
    t.from_state = step.state;
    t.to_status = to;
    t.to_state = std::move(to_state);
    t.expected_revision = step.revision;
    t.lease_owner = options_.owner;
    return t;
  };
  auto enqueue = [&](const std::string& kind, const std::string& phase, const Json& payload) {
    store::NewTask task;
    task.kind = kind;
    task.payload_json = DumpJson(payload);
    task.selectors = selectors;
    task.idempotency_key = TaskKey(step, phase);
    task.execution_id = e.id;
    task.step_index = step.index;
    task.max_attempts = options_.task_attempts;
    return task;
  };
  if (step.status == StepStatus::kPending) {
    store::StepTransition t = transition(StepStatus::kRunning, "");
    if (step.kind == kDeployStep || step.kind == kRestoreStep) {
      Json names = Json::array();
      for (const auto& f : inputs.value("functions", Json::array())) {
        names.push_back(f.value("functionName", ""));
      }
      // A restore first reads the functions: the undo snapshot, and the versions that exist.
      t.to_state = step.kind == kDeployStep ? "snapshot" : "check";
      t.enqueue =
          enqueue(delegate::lambda::kSnapshotTask, t.to_state,
                  Json{{"target", inputs.value("target", Json::object())}, {"functions", names}});
    } else if (step.kind == kPruneStep) {
      FERRY_ASSIGN_OR_RETURN(std::string payload, PrunePayload(e.id, step.inputs_json));
      t.to_state = "task";
      t.enqueue = enqueue(step.kind, "task", Json::object());
      t.enqueue->payload_json = std::move(payload);
    } else {
      t.to_state = "task";
      t.enqueue = enqueue(step.kind, "task", inputs);
    }
    FERRY_ASSIGN_OR_RETURN(auto moved, store_.executions().TransitionStep(t));
    LogLine(e.id, step.index, store::LogLevel::kInfo,
            "step " + step.name + ": " + moved.step.state + " task queued");
    return StepOutcome::kProgress;
  }
  if (step.status != StepStatus::kRunning) return StepOutcome::kProgress;

  const std::string phase = step.state;
  FERRY_ASSIGN_OR_RETURN(auto task, FindTask(e.id, TaskKey(step, phase)));
  if (!task) {
    return Error{ErrorCode::kInternal, "step " + step.name + " lost its " + phase + " task"};
  }
  const std::optional<TimePoint> deadline = StepDeadline(step);
  const bool timed_out = deadline && clock_.Now() >= *deadline;
  if (!store::IsTerminal(task->status)) {
    if (!timed_out) return StepOutcome::kWait;
    // Past the step's deadline: stop the task (its delegate sees the cancellation at its next
    // heartbeat) and fail the step below. A task that ended meanwhile is judged as it ended.
    auto cancelled = store_.tasks().Cancel(task->id, "engine");
    if (!cancelled.ok() && cancelled.error().code != ErrorCode::kFailedPrecondition) {
      return cancelled.error();
    }
    FERRY_ASSIGN_OR_RETURN(task, FindTask(e.id, TaskKey(step, phase)));
    if (!task || !store::IsTerminal(task->status)) {
      return Error{ErrorCode::kInternal, "step " + step.name + ": its task did not stop"};
    }
  }
  const bool succeeded = task->status == store::TaskStatus::kSucceeded;
  const std::string result = task->result_json.value_or("{}");

  if (step.kind == kRestoreStep && phase == "check" && succeeded) {
    return FinishRestoreCheck(e, step, result);
  }
  if (step.kind == kDeployStep && phase == "snapshot" && succeeded) {
    Json snapshots = ParseOr(result).value("snapshots", Json::array());
    store::StepTransition t = transition(StepStatus::kRunning, "deploy");
    t.outputs_json = DumpJson(Json{{"snapshots", snapshots}});
    Json payload = inputs;
    payload["snapshots"] = snapshots;
    for (auto& f : payload["functions"]) {
      if (f.value("versionDescription", "").empty()) {
        f["versionDescription"] = "ferry execution " + e.id;
      }
    }
    t.enqueue = enqueue(delegate::lambda::kDeployTask, "deploy", payload);
    FERRY_RETURN_IF_ERROR(store_.executions().TransitionStep(t));
    LogLine(e.id, step.index, store::LogLevel::kInfo,
            "step " + step.name + ": snapshot recorded, deploy task queued");
    return StepOutcome::kProgress;
  }

  store::StepTransition t = transition(succeeded ? StepStatus::kSucceeded : StepStatus::kFailed,
                                       succeeded ? "done" : "failed");
  Json outputs = ParseOr(step.outputs_json);
  const Json result_object = ParseOr(result);
  for (const auto& [key, value] : result_object.items()) outputs[key] = value;
  t.outputs_json = DumpJson(outputs);
  if (!succeeded) {
    if (task->status == store::TaskStatus::kCancelled && timed_out) {
      t.error = "timed out after " + internal::DescribeTimeout(StepTimeout(step)) +
                " (the step's timeout); the task was cancelled";
    } else {
      t.error = task->error.value_or(task->status == store::TaskStatus::kCancelled
                                         ? "the task was cancelled"
                                         : "the task failed");
    }
  }
  if (step.kind == kRestoreStep && succeeded) {
    FERRY_RETURN_IF_ERROR(MarkRolledBackFrom(store_, e, inputs.value("toExecution", "")));
  }
  if (step.kind == kDeployStep) {
    FERRY_RETURN_IF_ERROR(RecordDeployments(
        e, result,
        succeeded ? store::DeploymentState::kSucceeded : store::DeploymentState::kFailed));
  }
  FERRY_RETURN_IF_ERROR(store_.executions().TransitionStep(t));
  LogLine(e.id, step.index, succeeded ? store::LogLevel::kInfo : store::LogLevel::kError,
          "step " + step.name + (succeeded ? " succeeded" : " failed: " + *t.error));
  return succeeded ? StepOutcome::kProgress : StepOutcome::kFailed;
}

Status Engine::Advance(store::ExecutionRecord e) {
  const FailureStrategy strategy = StrategyOf(e);
  for (int round = 0; round < kMaxAdvanceRounds; ++round) {
    if (store::IsTerminal(e.status)) return Ok();
    auto release = [&](const store::StepRecord& waiting) {
      return Release(e.id, StepDeadline(waiting));
    };
    FERRY_ASSIGN_OR_RETURN(auto steps, store_.executions().Steps(e.id));
    switch (e.status) {
      case ExecutionStatus::kQueued:
      case ExecutionStatus::kWaiting: {
        FERRY_ASSIGN_OR_RETURN(e, store_.executions().Transition(
                                      {e.id, e.status, ExecutionStatus::kRunning, options_.owner}));
        LogLine(e.id, std::nullopt, store::LogLevel::kInfo, "execution started");
        continue;
      }
      case ExecutionStatus::kRunning: {
        if (e.abort_requested_by) {
          FERRY_ASSIGN_OR_RETURN(e,
                                 store_.executions().Transition(
                                     {e.id, e.status, ExecutionStatus::kAborting, options_.owner}));
          continue;
        }
        const store::StepRecord* failed = nullptr;
        const store::StepRecord* next = nullptr;
        for (const auto& step : steps) {
          if (step.kind == kRollbackStep) continue;
          if (step.status == StepStatus::kFailed && step.kind != kPruneStep &&
              strategy != FailureStrategy::kIgnore && failed == nullptr) {
            failed = &step;
          }
          if (!store::IsTerminal(step.status) && next == nullptr) next = &step;
        }
        if (failed != nullptr) {
          if (strategy == FailureStrategy::kAbort) {
            store::ExecutionTransition t{e.id, e.status, ExecutionStatus::kFailed, options_.owner};
            t.error = failed->name + ": " + failed->error.value_or("failed");
            return Move(e, std::move(t));
          }
          LogLine(e.id, std::nullopt, store::LogLevel::kWarn, "rolling back");
          FERRY_RETURN_IF_ERROR(BeginRollback(e, steps, ExecutionStatus::kRunning));
          continue;
        }
        if (next == nullptr) {
          Json outputs = Json::object();
          for (const auto& step : steps) outputs[step.name] = ParseOr(step.outputs_json);
          store::ExecutionTransition t{e.id, e.status, ExecutionStatus::kSucceeded, options_.owner};
          t.outputs_json = DumpJson(outputs);
          return Move(e, std::move(t));
        }
        FERRY_ASSIGN_OR_RETURN(auto outcome, AdvanceStep(e, *next));
        if (outcome == StepOutcome::kWait) return release(*next);
        continue;
      }
      case ExecutionStatus::kAborting: {
        FERRY_RETURN_IF_ERROR(CancelActive(e, steps));
        FERRY_ASSIGN_OR_RETURN(steps, store_.executions().Steps(e.id));
        if (strategy == FailureStrategy::kRollback) {
          FERRY_RETURN_IF_ERROR(BeginRollback(e, steps, ExecutionStatus::kAborting));
        } else {
          FERRY_RETURN_IF_ERROR(
              Move(e, {e.id, e.status, ExecutionStatus::kAborted, options_.owner}));
        }
        continue;
      }
      case ExecutionStatus::kRollingBack: {
        const store::StepRecord* rollback = nullptr;
        for (const auto& step : steps) {
          if (step.kind == kRollbackStep) rollback = &step;
        }
        if (rollback == nullptr) {
          // Appended after the transition: a crash in between lands here again.
          FERRY_RETURN_IF_ERROR(store_.executions().AppendSteps(
              e.id,
              {store::NewStep{"rollback", kRollbackStep, DumpJson(RollbackPayload(e, steps))}}));
          continue;
        }
        if (store::IsTerminal(rollback->status)) {
          const bool ok = rollback->status == StepStatus::kSucceeded;
          store::ExecutionTransition t{e.id, e.status,
                                       !ok ? ExecutionStatus::kRollbackFailed
                                           : (e.abort_requested_by ? ExecutionStatus::kAborted
                                                                   : ExecutionStatus::kRolledBack),
                                       options_.owner};
          if (!ok) t.error = "rollback failed: " + rollback->error.value_or("unknown error");
          if (ok) {
            // Before the terminal move (idempotent): a crash in between lands here again, so a
            // rolled-back execution never keeps records that claim its versions are live.
            store::DeploymentFilter filter;
            filter.execution_id = e.id;
            FERRY_ASSIGN_OR_RETURN(auto records, store_.deployments().List(filter));
            for (const auto& r : records) {
              if (r.state == store::DeploymentState::kRolledBack) continue;
              FERRY_RETURN_IF_ERROR(store_.deployments().SetState(
                  r.id, store::DeploymentState::kRolledBack, "engine"));
            }
          }
          return Move(e, std::move(t));
        }
        FERRY_ASSIGN_OR_RETURN(auto outcome, AdvanceStep(e, *rollback));
        if (outcome == StepOutcome::kWait) return release(*rollback);
        continue;
      }
      default:
        return Ok();
    }
  }
  return store_.executions().ReleaseLease(e.id, options_.owner, clock_.Now());
}

}  // namespace ferry::engine
