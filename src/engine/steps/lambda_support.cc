#include "engine/steps/lambda_support.h"

#include <algorithm>

#include "lambda/records.h"
#include "store/limits.h"

namespace ferry::engine::steps {

std::string TaskError(const store::TaskRecord& task) {
  if (task.error && !task.error->empty()) return *task.error;
  return task.status == store::TaskStatus::kCancelled ? "the task was cancelled"
                                                      : "the task failed";
}

Result<std::map<std::string, lambda::ObservedFunction>> LoadKnownFunctions(
    store::Store& store, const lambda::LambdaTarget& target,
    const std::vector<std::string>& names) {
  std::map<std::string, std::string> name_of;  // key -> function name
  std::vector<std::string> keys;
  for (const auto& name : names) {
    keys.push_back(lambda::KnownStateKey(target, name));
    name_of[keys.back()] = name;
  }
  std::map<std::string, lambda::ObservedFunction> out;
  for (size_t from = 0; from < keys.size(); from += store::kMaxPageSize) {
    std::vector<std::string> chunk(
        keys.begin() + static_cast<std::ptrdiff_t>(from),
        keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), from + store::kMaxPageSize)));
    FERRY_ASSIGN_OR_RETURN(auto found, store.known_states().Get(chunk));
    for (const auto& state : found) {
      auto function = lambda::DecodeKnownFunction(state.state_json);
      // An entry this server cannot read is as good as none: the function is read instead.
      if (!function.ok() || !function->exists) continue;
      out[name_of[state.key]] = std::move(function).value();
    }
  }
  return out;
}

Status SaveKnownFunctions(store::Store& store, const lambda::LambdaTarget& target,
                          const std::string& execution_id,
                          const std::vector<lambda::FunctionDeployment>& deployments,
                          const std::vector<std::string>& names) {
  std::vector<store::KnownState> keep;
  std::set<std::string> kept;
  for (const auto& d : deployments) {
    if (!d.ok() || !d.after) continue;
    keep.push_back(store::KnownState{lambda::KnownStateKey(target, d.function_name),
                                     lambda::EncodeKnownFunction(*d.after), execution_id, {}});
    kept.insert(d.function_name);
  }
  std::vector<std::string> forget;
  for (const auto& name : names) {
    if (!kept.count(name)) forget.push_back(lambda::KnownStateKey(target, name));
  }
  FERRY_RETURN_IF_ERROR(store.known_states().Delete(forget));
  return store.known_states().Put(keep);
}

Status ForgetKnownFunctions(store::Store& store, const lambda::LambdaTarget& target,
                            const std::vector<std::string>& names) {
  std::vector<std::string> keys;
  for (const auto& name : names) keys.push_back(lambda::KnownStateKey(target, name));
  return store.known_states().Delete(keys);
}

namespace {

// Calls `each` for every deployment record of `execution_id`, page by page.
template <typename Each>
Status ForEachDeployment(store::Store& store, const std::string& execution_id, Each each) {
  store::DeploymentFilter filter;
  filter.execution_id = execution_id;
  filter.limit = store::kMaxPageSize;
  for (;;) {
    FERRY_ASSIGN_OR_RETURN(auto records, store.deployments().List(filter));
    for (const auto& r : records) FERRY_RETURN_IF_ERROR(each(r));
    if (records.size() < static_cast<size_t>(filter.limit)) return Ok();
    filter.before_id = records.back().id;
  }
}

void ReplaceAliases(std::vector<lambda::AliasState>& into,
                    const std::vector<lambda::AliasState>& with) {
  for (const auto& a : with) {
    auto it = std::find_if(into.begin(), into.end(),
                           [&](const lambda::AliasState& x) { return x.name == a.name; });
    if (it == into.end()) {
      into.push_back(a);
    } else {
      *it = a;
    }
  }
}

}  // namespace

Status UpdateKnownAliases(store::Store& store, const lambda::LambdaTarget& target,
                          const std::map<std::string, std::vector<lambda::AliasState>>& aliases) {
  std::vector<std::string> names;
  for (const auto& [name, list] : aliases) names.push_back(name);
  if (names.empty()) return Ok();
  FERRY_ASSIGN_OR_RETURN(auto known, LoadKnownFunctions(store, target, names));
  std::vector<store::KnownState> updated;
  for (auto& [name, function] : known) {
    ReplaceAliases(function.aliases, aliases.at(name));
    updated.push_back(store::KnownState{lambda::KnownStateKey(target, name),
                                        lambda::EncodeKnownFunction(function), std::nullopt, {}});
  }
  return store.known_states().Put(updated);
}

Status RecordAliases(store::Store& store, const std::string& execution_id,
                     const std::map<std::string, std::vector<lambda::AliasState>>& aliases) {
  if (aliases.empty()) return Ok();
  return ForEachDeployment(store, execution_id, [&](const store::DeploymentRecord& r) -> Status {
    auto it = aliases.find(r.function);
    if (it == aliases.end()) return Ok();
    auto recorded = lambda::DecodeRecordedAliases(r.aliases_json);
    std::vector<lambda::AliasState> list = recorded.ok() ? *recorded : std::vector<lambda::AliasState>{};
    ReplaceAliases(list, it->second);
    store::NewDeployment n;
    n.execution_id = r.execution_id;
    n.application = r.application;
    n.service = r.service;
    n.environment = r.environment;
    n.function = r.function;
    n.function_arn = r.function_arn;
    n.version = r.version;
    n.code_sha256 = r.code_sha256;
    n.created_function = r.created_function;
    n.snapshot_json = r.snapshot_json;
    n.aliases_json = lambda::EncodeRecordedAliases(list);
    n.details_json = r.details_json;
    n.state = r.state;
    auto rerecorded = store.deployments().Record(n, "engine");
    if (!rerecorded.ok()) return rerecorded.error();
    return Ok();
  });
}

Status ForgetVersions(store::Store& store, const lambda::LambdaTarget& target,
                      const std::map<std::string, std::vector<std::string>>& deleted) {
  std::vector<std::string> names;
  for (const auto& [name, versions] : deleted) {
    if (!versions.empty()) names.push_back(name);
  }
  FERRY_ASSIGN_OR_RETURN(auto known, LoadKnownFunctions(store, target, names));
  std::vector<store::KnownState> updated;
  for (auto& [name, function] : known) {
    const auto& gone = deleted.at(name);
    std::erase_if(function.versions, [&](const lambda::VersionInfo& v) {
      return std::find(gone.begin(), gone.end(), v.version) != gone.end();
    });
    updated.push_back(store::KnownState{lambda::KnownStateKey(target, name),
                                        lambda::EncodeKnownFunction(function), std::nullopt, {}});
  }
  return store.known_states().Put(updated);
}

Result<std::map<std::string, ManagedKeys>> PreviouslyManaged(store::Store& store,
                                                             const std::vector<std::string>& names,
                                                             const std::string& execution_id) {
  std::map<std::string, ManagedKeys> out;
  for (const auto& name : names) {
    store::DeploymentFilter filter;
    filter.function = name;
    filter.limit = 2;  // this execution's own record (a resumed step) may be the newest
    FERRY_ASSIGN_OR_RETURN(auto records, store.deployments().List(filter));
    for (const auto& r : records) {
      if (r.execution_id == execution_id) continue;
      auto details = lambda::DecodeDeploymentDetails(r.details_json);
      if (details.ok()) out[name] = ManagedKeys{details->managed_tags, details->managed_environment};
      break;
    }
  }
  return out;
}

Status MarkRolledBack(store::Store& store, const std::string& execution_id) {
  return ForEachDeployment(store, execution_id, [&](const store::DeploymentRecord& r) -> Status {
    if (r.state == store::DeploymentState::kRolledBack) return Ok();
    auto set = store.deployments().SetState(r.id, store::DeploymentState::kRolledBack, "engine");
    if (!set.ok()) return set.error();
    return Ok();
  });
}

Status MarkRolledBackSince(store::Store& store, const store::ExecutionRecord& restore,
                           const std::string& since, bool inclusive) {
  if (since.empty()) return Ok();
  FERRY_ASSIGN_OR_RETURN(auto target, store.executions().Get(since));
  store::DeploymentFilter filter;
  filter.application = restore.application;
  filter.service = restore.service;
  filter.environment = restore.environment;
  filter.state = store::DeploymentState::kSucceeded;
  filter.limit = store::kMaxPageSize;
  FERRY_ASSIGN_OR_RETURN(auto records, store.deployments().List(filter));
  for (const auto& r : records) {
    if (r.execution_id == restore.id) continue;
    if (r.execution_id == since) {
      if (!inclusive) continue;
    } else {
      auto execution = store.executions().Get(r.execution_id);
      // Newer: created later (ids are time-ordered, so they break ties of the same instant).
      if (!execution.ok() || execution->created_at < target.created_at ||
          (execution->created_at == target.created_at && execution->id <= target.id)) {
        continue;
      }
    }
    FERRY_RETURN_IF_ERROR(
        store.deployments().SetState(r.id, store::DeploymentState::kRolledBack, "engine"));
  }
  return Ok();
}

}  // namespace ferry::engine::steps
