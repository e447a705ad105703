// Rollback-to executions (Engine::StartRollback, the lambda.restore step), prune protection and
// step deadlines. See engine.h.
#include <algorithm>
#include <map>
#include <set>

#include "common/strings.h"
#include "delegate/lambda/state_json.h"
#include "delegate/lambda/target_json.h"
#include "engine/engine.h"
#include "engine/engine_internal.h"
#include "store/limits.h"

namespace ferry::engine {
namespace internal {

Json ParseOr(const std::string& text) {
  auto parsed = ParseJson(text);
  return parsed.ok() && parsed->is_object() ? *parsed : Json::object();
}

std::string DescribeTimeout(Duration d) {
  const int64_t ms = d.count();
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

Duration StepTimeout(const store::StepRecord& step) {
  const Json inputs = ParseOr(step.inputs_json);
  auto it = inputs.find("timeoutMs");
  if (it != inputs.end() && it->is_number_integer() && it->get<int64_t>() > 0) {
    return Duration(it->get<int64_t>());
  }
  return kDefaultStepTimeout;
}

std::optional<TimePoint> StepDeadline(const store::StepRecord& step) {
  if (!step.started_at) return std::nullopt;
  return *step.started_at + StepTimeout(step);
}

Status MarkRolledBackFrom(store::Store& store, const store::ExecutionRecord& restore,
                          const std::string& to_execution) {
  if (to_execution.empty()) return Ok();
  FERRY_ASSIGN_OR_RETURN(auto target, store.executions().Get(to_execution));
  store::DeploymentFilter filter;
  filter.application = restore.application;
  filter.service = restore.service;
  filter.environment = restore.environment;
  filter.state = store::DeploymentState::kSucceeded;
  filter.limit = store::kMaxPageSize;
  FERRY_ASSIGN_OR_RETURN(auto records, store.deployments().List(filter));
  for (const auto& r : records) {
    if (r.execution_id == to_execution || r.execution_id == restore.id) continue;
    auto execution = store.executions().Get(r.execution_id);
    // Newer: created later (ids are time-ordered, so they break ties of the same instant).
    if (!execution.ok() || execution->created_at < target.created_at ||
        (execution->created_at == target.created_at && execution->id <= target.id)) {
      continue;
    }
    FERRY_RETURN_IF_ERROR(
        store.deployments().SetState(r.id, store::DeploymentState::kRolledBack, "engine"));
  }
  return Ok();
}

}  // namespace internal

using internal::kDeployStep;
using internal::kRestoreStep;
using internal::ParseOr;

namespace {
// Pruning keeps the versions of at least this many recent successful deployments per function
// (more when the step keeps more versions), so `ferry rollback` can go back that far.
constexpr int kProtectedDeployments = 5;
}  // namespace

Result<store::ExecutionRecord> Engine::StartRollback(const RollbackRequest& r, bool* created_out) {
  if (r.application.empty() || r.service.empty() || r.environment.empty()) {
    return Error{ErrorCode::kInvalidArgument,
                 "a rollback needs an application, a service and an environment"};
  }
  if (r.to_execution.empty()) {
    return Error{ErrorCode::kInvalidArgument, "a rollback needs the execution to roll back to"};
  }
  if (r.functions.empty()) {
    return Error{ErrorCode::kInvalidArgument,
                 "execution " + r.to_execution + " recorded no function to restore"};
  }
  if (r.target.region.empty()) return Error{ErrorCode::kInvalidArgument, "no region to restore in"};
  if (r.timeout <= Duration::zero()) {
    return Error{ErrorCode::kInvalidArgument, "the rollback timeout must be positive"};
  }
  Json target = delegate::lambda::TargetToJson(r.target);
  Json functions = Json::array();
  for (const auto& f : r.functions) {
    if (f.function_name.empty()) {
      return Error{ErrorCode::kInvalidArgument, "a function to restore has no name"};
    }
    if (f.aliases.empty()) {
      return Error{ErrorCode::kInvalidArgument,
                   "execution " + r.to_execution + " recorded no alias of " + f.function_name};
    }
    Json aliases = Json::array();
    for (const auto& a : f.aliases) {
      if (a.name.empty() || a.version.empty()) {
        return Error{ErrorCode::kInvalidArgument,
                     "an alias of " + f.function_name + " has no name or version"};
      }
      Json alias = delegate::lambda::ToJson(a);
      aliases.push_back(
          Json{{"name", a.name}, {"version", a.version}, {"weights", alias["weights"]}});
    }
    functions.push_back({{"functionName", f.function_name}, {"aliases", aliases}});
  }
  store::NewExecution e;
  e.application = r.application;
  e.service = r.service;
  e.environment = r.environment;
  e.workflow = kRollbackWorkflow;
  e.trigger = r.trigger.empty() ? "rollback" : r.trigger;
  e.actor = r.actor.empty() ? "unknown" : r.actor;
  e.idempotency_key = r.idempotency_key;
  // A failed restore puts the aliases back as they were before it; it never deletes a function.
  e.inputs_json = DumpJson(Json{{"failureStrategy", "rollback"},
                                {"keepCreatedFunctions", true},
                                {"toExecution", r.to_execution}});
  e.steps.push_back(store::NewStep{"restore", kRestoreStep,
                                   DumpJson(Json{{"target", target},
                                                 {"selectors", r.selectors},
                                                 {"timeoutMs", r.timeout.count()},
                                                 {"toExecution", r.to_execution},
                                                 {"functions", functions}})});
  FERRY_ASSIGN_OR_RETURN(auto created, store_.executions().Create(e));
  if (created_out != nullptr) *created_out = created.created;
  return created.execution;
}

// The check phase ended: every version the target needs must exist, else the step fails before
// any change (and without snapshots, so there is nothing to undo).
Result<Engine::StepOutcome> Engine::FinishRestoreCheck(const store::ExecutionRecord& e,
                                                       const store::StepRecord& step,
                                                       const std::string& result) {
  const Json inputs = ParseOr(step.inputs_json);
  const Json snapshots = ParseOr(result).value("snapshots", Json::array());
  std::map<std::string, delegate::lambda::ObservedFunction> current;
  for (const auto& s : snapshots) {
    auto observed = delegate::lambda::ObservedFromJson(s);
    if (observed.ok()) current[observed->function_name] = std::move(observed).value();
  }
  std::vector<std::string> problems;
  Json deployments = Json::array();
  for (const auto& f : inputs.value("functions", Json::array())) {
    const std::string name = f.value("functionName", "");
    auto it = current.find(name);
    if (it == current.end() || !it->second.exists) {
      problems.push_back("function " + name + " no longer exists");
      continue;
    }
    std::set<std::string> missing;
    for (const auto& a : f.value("aliases", Json::array())) {
      auto alias = delegate::lambda::AliasFromJson(a);
      if (!alias.ok()) return alias.error();
      std::vector<std::string> needed{alias->version};
      for (const auto& [version, weight] : alias->weights) needed.push_back(version);
      for (const auto& v : needed) {
        if (v != delegate::lambda::kLatest && it->second.FindVersion(v) == nullptr) {
          missing.insert(v);
        }
      }
    }
    if (!missing.empty()) {
      std::vector<std::string> sorted(missing.begin(), missing.end());
      std::sort(sorted.begin(), sorted.end(), delegate::lambda::VersionLess);
      problems.push_back("version" + std::string(sorted.size() > 1 ? "s " : " ") +
                         Join(sorted, ", ") + " of " + name + " no longer exist" +
                         (sorted.size() > 1 ? "" : "s"));
      continue;
    }
    deployments.push_back({{"functionName", name},
                           {"started", true},
                           {"snapshotTaken", true},
                           {"snapshot",
                            {{"exists", true},
                             {"functionName", name},
                             {"aliases", f.value("aliases", Json::array())}}},
                           {"deployedAliases", Json::array()}});
  }
  store::StepTransition t;
  t.execution_id = e.id;
  t.index = step.index;
  t.from_status = step.status;
  t.from_state = step.state;
  t.expected_revision = step.revision;
  t.lease_owner = options_.owner;
  if (!problems.empty()) {
    t.to_status = store::StepStatus::kFailed;
    t.to_state = "failed";
    t.error = "cannot roll back to execution " + inputs.value("toExecution", std::string()) + ": " +
              Join(problems, "; ") + " (pruned or deleted since); nothing was changed";
    FERRY_RETURN_IF_ERROR(store_.executions().TransitionStep(t));
    LogLine(e.id, step.index, store::LogLevel::kError,
            "step " + step.name + " failed: " + *t.error);
    return StepOutcome::kFailed;
  }
  t.to_status = store::StepStatus::kRunning;
  t.to_state = "restore";
  t.outputs_json = DumpJson(Json{{"snapshots", snapshots}});
  store::NewTask task;
  task.kind = delegate::lambda::kRollbackTask;
  task.payload_json = DumpJson(Json{{"target", inputs.value("target", Json::object())},
                                    {"keepCreatedFunctions", true},
                                    {"deployments", deployments}});
  task.selectors = inputs.value("selectors", std::vector<std::string>{});
  task.idempotency_key = step.execution_id + "/" + std::to_string(step.index) + "/restore/" +
                         std::to_string(step.attempt);
  task.execution_id = e.id;
  task.step_index = step.index;
  task.max_attempts = options_.task_attempts;
  t.enqueue = std::move(task);
  FERRY_RETURN_IF_ERROR(store_.executions().TransitionStep(t));
  LogLine(e.id, step.index, store::LogLevel::kInfo,
          "step " + step.name + ": every version to restore exists, restore task queued");
  return StepOutcome::kProgress;
}

// The prune task's payload: the step's inputs with, per function, the versions that the
// max(keep, kProtectedDeployments) most recent successful deployments recorded (their version and
// every alias version and weight). A function the deploy step left with at most `keep` versions
// has nothing to prune and is left out: no calls for it (the 15/s control-plane quota is the
// bound of a large deployment).
Result<std::string> Engine::PrunePayload(const std::string& execution_id,
                                         const std::string& inputs_json) {
  Json payload = ParseOr(inputs_json);
  const int keep = payload.value("keep", 10);
  std::map<std::string, int> version_counts;
  FERRY_ASSIGN_OR_RETURN(auto steps, store_.executions().Steps(execution_id));
  for (const auto& step : steps) {
    if (step.kind != kDeployStep) continue;
    for (const auto& d : ParseOr(step.outputs_json).value("deployments", Json::array())) {
      if (!d.is_object()) continue;
      auto count = d.find("versionCount");
      if (count != d.end() && count->is_number_integer()) {
        version_counts[d.value("functionName", "")] = count->get<int>();
      }
    }
  }
  Json functions = Json::array();
  const Json names = payload.value("functions", Json::array());
  for (const auto& f : names) {
    const std::string name = f.value("name", "");
    if (auto it = version_counts.find(name);
        it != version_counts.end() && it->second >= 0 && it->second <= keep) {
      continue;
    }
    store::DeploymentFilter filter;
    filter.function = name;
    filter.state = store::DeploymentState::kSucceeded;
    filter.limit = std::clamp(std::max(keep, kProtectedDeployments), 1, store::kMaxPageSize);
    FERRY_ASSIGN_OR_RETURN(auto records, store_.deployments().List(filter));
    std::set<std::string> protect;
    for (const auto& r : records) {
      if (!r.version.empty()) protect.insert(r.version);
      const Json aliases = ParseOr(r.aliases_json);
      for (const auto& [alias, state] : aliases.items()) {
        if (!state.is_object()) continue;
        if (auto v = state.find("version"); v != state.end() && v->is_string()) {
          protect.insert(v->get<std::string>());
        }
        if (auto w = state.find("weights"); w != state.end() && w->is_object()) {
          for (const auto& [version, weight] : w->items()) protect.insert(version);
        }
      }
    }
    functions.push_back({{"name", name}, {"protectedVersions", protect}});
  }
  payload["functions"] = functions;
  return DumpJson(payload);
}

}  // namespace ferry::engine
