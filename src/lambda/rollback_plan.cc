#include "lambda/rollback_plan.h"

#include <algorithm>

#include "common/strings.h"
#include "lambda/config_compare.h"

namespace ferry::lambda {
namespace {

std::string DescribeWeights(const RoutingWeights& weights) {
  std::string out;
  for (const auto& [version, weight] : weights) {
    out += " + " + version + "@" + std::to_string(weight);
  }
  return out;
}

}  // namespace

std::string_view RollbackActionName(RollbackActionKind kind) {
  switch (kind) {
    case RollbackActionKind::kUpdateAlias:
      return "UpdateAlias";
    case RollbackActionKind::kCreateAlias:
      return "CreateAlias";
    case RollbackActionKind::kDeleteAlias:
      return "DeleteAlias";
    case RollbackActionKind::kDeleteFunction:
      return "DeleteFunction";
  }
  return "?";
}

Result<std::vector<RollbackAction>> PlanRollback(const ObservedFunction& target,
                                                 const ObservedFunction& current,
                                                 const RollbackOptions& options) {
  std::vector<RollbackAction> plan;
  const std::string& name =
      current.function_name.empty() ? target.function_name : current.function_name;
  if (!current.exists) {
    if (!target.exists) return plan;  // the deployment created it, and it is gone: done
    return Error{ErrorCode::kFailedPrecondition,
                 "cannot restore the aliases of " + name +
                     ": the function no longer exists (it was deleted outside Ferry since the "
                     "snapshot); nothing was changed"};
  }

  if (!target.exists) {
    if (!options.keep_created_function) {
      RollbackAction a;
      a.kind = RollbackActionKind::kDeleteFunction;
      a.function_name = name;
      a.reason = "the deployment created the function";
      plan.push_back(std::move(a));
      return plan;
    }
    for (const auto& alias : current.aliases) {
      if (!options.deployed_aliases.count(alias.name)) continue;
      RollbackAction a;
      a.kind = RollbackActionKind::kDeleteAlias;
      a.function_name = name;
      a.alias = alias.name;
      a.reason = "the function is kept but did not exist before the deployment";
      plan.push_back(std::move(a));
    }
    return plan;
  }

  // Only the aliases the deployment manages are restored: others may have moved since for
  // reasons of their own. With only_newer_versions, only those the deployment moved.
  auto restorable = [&](const std::string& alias) {
    return options.deployed_aliases.count(alias) &&
           (!options.only_newer_versions || CarriesNewerVersion(target, current, alias));
  };
  std::vector<AliasState> ordered;
  for (const auto& alias : target.aliases) {
    if (restorable(alias.name)) ordered.push_back(alias);
  }
  // Every version the target needs must still exist: check all before planning any call.
  std::vector<std::string> missing;
  for (const auto& alias : ordered) {
    std::vector<std::string> needed{alias.version};
    for (const auto& [version, weight] : alias.weights) needed.push_back(version);
    for (const auto& version : needed) {
      if (version != kLatest && current.FindVersion(version) == nullptr &&
          std::find(missing.begin(), missing.end(), version) == missing.end()) {
        missing.push_back(version);
      }
    }
  }
  if (!missing.empty()) {
    std::sort(missing.begin(), missing.end(), VersionLess);
    return Error{ErrorCode::kFailedPrecondition, "cannot restore the aliases of " + name +
                                                     ": version(s) " + Join(missing, ", ") +
                                                     " no longer exist (pruned or deleted)"};
  }

  std::sort(ordered.begin(), ordered.end(),
            [](const AliasState& a, const AliasState& b) { return a.name < b.name; });
  for (const auto& want : ordered) {
    const AliasState* have = current.FindAlias(want.name);
    RollbackAction a;
    a.function_name = name;
    a.alias = want.name;
    a.version = want.version;
    a.weights = want.weights;
    if (have == nullptr) {
      a.kind = RollbackActionKind::kCreateAlias;
      a.reason = "the alias was deleted since";
    } else if (have->version != want.version || !SameWeights(have->weights, want.weights)) {
      a.kind = RollbackActionKind::kUpdateAlias;
      a.revision_id = have->revision_id;
      a.reason = "the alias points at version " + have->version + DescribeWeights(have->weights);
    } else {
      continue;
    }
    plan.push_back(std::move(a));
  }
  std::vector<AliasState> extra = current.aliases;
  std::sort(extra.begin(), extra.end(),
            [](const AliasState& a, const AliasState& b) { return a.name < b.name; });
  for (const auto& alias : extra) {
    if (target.FindAlias(alias.name) != nullptr || !restorable(alias.name)) continue;
    RollbackAction a;
    a.kind = RollbackActionKind::kDeleteAlias;
    a.function_name = name;
    a.alias = alias.name;
    a.reason = "the deployment created the alias";
    plan.push_back(std::move(a));
  }
  return plan;
}

bool CarriesNewerVersion(const ObservedFunction& target, const ObservedFunction& current,
                         const std::string& alias) {
  uint64_t newest = 0;
  auto note = [&](const std::string& version) {
    newest = std::max(newest, ParseVersionNumber(version).value_or(0));
  };
  for (const auto& v : target.versions) note(v.version);
  for (const auto& a : target.aliases) {
    note(a.version);
    for (const auto& [version, weight] : a.weights) note(version);
  }
  const AliasState* have = current.FindAlias(alias);
  if (have == nullptr) return false;
  if (ParseVersionNumber(have->version).value_or(0) > newest) return true;
  for (const auto& [version, weight] : have->weights) {
    if (ParseVersionNumber(version).value_or(0) > newest) return true;
  }
  return false;
}


std::string DescribeRollbackAction(const RollbackAction& a) {
  std::string out = std::string(RollbackActionName(a.kind)) + " " + a.function_name;
  if (!a.alias.empty()) out += ":" + a.alias;
  if (a.kind == RollbackActionKind::kUpdateAlias || a.kind == RollbackActionKind::kCreateAlias) {
    out += " → version " + a.version + DescribeWeights(a.weights);
  }
  if (!a.revision_id.empty()) out += " (RevisionId " + a.revision_id.substr(0, 12) + ")";
  return out;
}

std::vector<std::string> PlanPrune(const ObservedFunction& current, const PruneOptions& options) {
  std::vector<std::string> numbered;
  for (const auto& v : current.versions) {
    if (ParseVersionNumber(v.version)) numbered.push_back(v.version);
  }
  std::sort(numbered.begin(), numbered.end(), VersionLess);
  numbered.erase(std::unique(numbered.begin(), numbered.end()), numbered.end());

  std::set<std::string> keep = options.protected_versions;
  for (const auto& alias : current.aliases) {
    keep.insert(alias.version);
    for (const auto& [version, weight] : alias.weights) keep.insert(version);
  }
  const size_t newest_from = numbered.size() > options.keep ? numbered.size() - options.keep : 0;
  std::vector<std::string> remove;
  for (size_t i = 0; i < newest_from; ++i) {
    if (!keep.count(numbered[i])) remove.push_back(numbered[i]);
  }
  return remove;
}

}  // namespace ferry::lambda
