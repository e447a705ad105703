// How executions end: cancelling work on abort, the automatic rollback (its payload and start),
// recording deployments, and the terminal moves with their closing log line. See engine.h.
#include "delegate/lambda/state_json.h"
#include "engine/engine.h"
#include "engine/engine_internal.h"

namespace ferry::engine {

using internal::kDeployStep;
using internal::kRestoreStep;
using internal::kRollbackStep;
using internal::ParseOr;
using internal::TaskKey;
using store::ExecutionStatus;
using store::StepStatus;

namespace internal {

// The rollback step's payload: every deploy step that recorded snapshots, restored to them.
Json RollbackPayload(const store::ExecutionRecord& e, const std::vector<store::StepRecord>& steps) {
  Json deployments = Json::array();
  Json target = Json::object();
  std::vector<std::string> selectors;
  for (const auto& step : steps) {
    if (step.kind != kDeployStep && step.kind != kRestoreStep) continue;
    const Json inputs = ParseOr(step.inputs_json);
    const Json outputs = ParseOr(step.outputs_json);
    target = inputs.value("target", Json::object());
    selectors = inputs.value("selectors", std::vector<std::string>{});
    for (const auto& snapshot : outputs.value("snapshots", Json::array())) {
      std::string name = snapshot.value("functionName", "");
      Json aliases = Json::array();
      for (const auto& f : inputs.value("functions", Json::array())) {
        if (f.value("functionName", "") != name) continue;
        if (step.kind == kDeployStep) {
          aliases = f.value("aliases", Json::array());
        } else {  // a restore: the aliases it set
          for (const auto& a : f.value("aliases", Json::array())) {
            aliases.push_back(a.value("name", ""));
          }
        }
      }
      deployments.push_back({{"functionName", name},
                             {"started", true},
                             {"snapshotTaken", true},
                             {"snapshot", snapshot},
                             {"deployedAliases", aliases}});
    }
  }
  Json inputs = ParseOr(e.inputs_json);
  return Json{{"target", target},
              {"selectors", selectors},
              {"timeoutMs", kDefaultStepTimeout.count()},
              {"keepCreatedFunctions", inputs.value("keepCreatedFunctions", false)},
              {"deployments", deployments}};
}

}  // namespace internal

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
  return Ok();
}

Status Engine::RecordDeployments(const store::ExecutionRecord& e, const std::string& result_json,
                                 store::DeploymentState state) {
  for (const auto& item : ParseOr(result_json).value("deployments", Json::array())) {
    auto d = delegate::lambda::DeploymentFromJson(item);
    if (!d.ok() || !d->snapshot_taken) continue;
    store::NewDeployment n;
    n.execution_id = e.id;
    n.application = e.application;
    n.service = e.service;
    n.environment = e.environment;
    n.function = d->function_name;
    n.function_arn = d->function_arn;
    n.version = d->version;
    n.code_sha256 = d->code_sha256;
    n.created_function = !d->snapshot.exists;
    n.snapshot_json = DumpJson(item.value("snapshot", Json::object()));
    Json aliases = Json::object();
    for (const auto& a : d->aliases) {
      aliases[a.name] = {{"version", a.version},
                         {"weights", delegate::lambda::ToJson(a)["weights"]}};
    }
    n.aliases_json = DumpJson(aliases);
    n.state = d->ok() ? state : store::DeploymentState::kFailed;
    FERRY_RETURN_IF_ERROR(store_.deployments().Record(n, "engine"));
  }
  return Ok();
}

Status Engine::CancelActive(const store::ExecutionRecord& e,
                            const std::vector<store::StepRecord>& steps) {
  for (const auto& step : steps) {
    if (step.kind == kRollbackStep || store::IsTerminal(step.status)) continue;
    if (step.status == StepStatus::kRunning) {
      FERRY_ASSIGN_OR_RETURN(auto task, FindTask(e.id, TaskKey(step, step.state)));
      if (task && !store::IsTerminal(task->status)) {
        auto cancelled = store_.tasks().Cancel(task->id, e.abort_requested_by.value_or("engine"));
        if (!cancelled.ok() && cancelled.error().code != ErrorCode::kFailedPrecondition) {
          return cancelled.error();
        }
      }
    }
    store::StepTransition t;
    t.execution_id = e.id;
    t.index = step.index;
    t.from_status = step.status;
    t.from_state = step.state;
    t.to_status = StepStatus::kCancelled;
    t.to_state = "cancelled";
    t.lease_owner = options_.owner;
    t.error = "aborted by " + e.abort_requested_by.value_or("a user");
    FERRY_RETURN_IF_ERROR(store_.executions().TransitionStep(t));
  }
  return Ok();
}

Status Engine::BeginRollback(store::ExecutionRecord& e, const std::vector<store::StepRecord>& steps,
                             ExecutionStatus from) {
  Json payload = internal::RollbackPayload(e, steps);
  store::ExecutionTransition t{e.id, from,
                               payload["deployments"].empty()
                                   ? (from == ExecutionStatus::kAborting ? ExecutionStatus::kAborted
                                                                         : ExecutionStatus::kFailed)
                                   : ExecutionStatus::kRollingBack,
                               options_.owner};
  for (const auto& step : steps) {
    if (step.status == StepStatus::kFailed && step.error) t.error = step.name + ": " + *step.error;
  }
  return Move(e, std::move(t));
}

}  // namespace ferry::engine
