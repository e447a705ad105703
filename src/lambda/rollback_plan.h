// Rollback and pruning planning (FEATURES.md F-DEPLOY 7–8), pure.
//
// Rollback restores aliases to a recorded state — the snapshot a deployment took before changing
// anything, or the aliases an earlier successful deployment recorded — exactly (version and
// weights), with one guarded call per alias that differs: nothing is republished. A function the
// deployment created is deleted unless the caller keeps it. $LATEST is left as it is: no alias
// points at it, so it serves no traffic.
//
// Pruning keeps the newest N versions by numeric order ("10" is newer than "9"), every version an
// alias references (its version and its additional weights) and every version a running
// deployment references; it deletes the rest, oldest first.
//
// Pure functions; thread-safe.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "lambda/function_state.h"

namespace ferry::lambda {

enum class RollbackActionKind {
  kUpdateAlias,     // alias, version, weights, revision_id (the alias's current revision)
  kCreateAlias,     // alias, version, weights: the alias was deleted since the snapshot
  kDeleteAlias,     // alias: created by the deployment, absent from the snapshot
  kDeleteFunction,  // the deployment created the function
};

std::string_view RollbackActionName(RollbackActionKind kind);

struct RollbackAction {
  RollbackActionKind kind = RollbackActionKind::kUpdateAlias;
  std::string function_name;
  std::string alias;
  std::string version;
  RoutingWeights weights;
  std::string revision_id;
  std::string reason;
};

struct RollbackOptions {
  // Keep a function the deployment created (its aliases are still deleted, so it serves no
  // traffic) instead of deleting it.
  bool keep_created_function = false;
  // Aliases the deployment manages: only these are restored, and those absent from the target
  // are deleted. Other aliases are never touched.
  std::set<std::string> deployed_aliases;
  // Restore an alias only when it points at (or weights) a version newer than every version
  // the target knows (see RollbackTarget::unconfirmed in tasks.h); others are left as they are.
  bool only_newer_versions = false;
};

// The calls that bring `current`'s managed aliases back to `target`'s. target.exists == false
// means the function did not exist before the deployment. Errors (checked before any call, so
// nothing is half-restored): kFailedPrecondition when a version the target needs no longer
// exists, or when the function itself no longer exists although the target does (deleted outside
// Ferry: its aliases cannot be restored, and "nothing to do" would hide that). An empty plan
// means the function is already restored.
Result<std::vector<RollbackAction>> PlanRollback(const ObservedFunction& target,
                                                 const ObservedFunction& current,
                                                 const RollbackOptions& options);

std::string DescribeRollbackAction(const RollbackAction& action);

// True when `current`'s alias `alias` points at (or weights) a version newer than every version
// `target` knows (its versions and its aliases'): one published after `target` was recorded.
bool CarriesNewerVersion(const ObservedFunction& target, const ObservedFunction& current,
                         const std::string& alias);

struct PruneOptions {
  size_t keep = 10;
  std::set<std::string> protected_versions;  // referenced by running deployments
};

// The versions to delete, oldest first. Versions that are not numbers are never deleted.
std::vector<std::string> PlanPrune(const ObservedFunction& current, const PruneOptions& options);

}  // namespace ferry::lambda
