// What Lambda tasks did: the record of one function's deployment (F-DEPLOY 6), of its rollback
// and of its pruning, with every call made. Produced by the delegate's executor, carried in task
// results (task_codec.h), read by the engine to record deployments and to roll back.
//
// Plain values; thread-compatible. Snapshots and configurations may hold environment values
// until they are encoded: the codecs redact them.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "lambda/function_state.h"

namespace ferry::lambda {

struct CallRecord {
  std::string operation;    // "GetFunction+ListVersions+ListAliases", "UpdateAlias", ...
  std::string description;  // DescribeDeployAction / DescribeRollbackAction
  bool mutating = false;
  std::vector<std::string> request_ids;
  std::string error;  // "" on success, else "<code>: <message>"
  bool operator==(const CallRecord&) const = default;
};

// What one function's deployment did and what rollback needs.
struct FunctionDeployment {
  std::string function_name;
  bool started = false;  // false: skipped because another function failed first
  std::optional<Error> error;
  // The function before any change (valid when snapshot_taken); exists == false when this
  // deployment created it. The rollback target.
  bool snapshot_taken = false;
  ObservedFunction snapshot;
  // The snapshot the deployment was given turned out to be stale (an alias moved or vanished
  // outside Ferry since Ferry last left it) before the deployment changed that alias. `snapshot`
  // holds the corrected one (read from Lambda) and the deployment stopped before moving any alias
  // whose state was not yet recorded: the engine records the corrected snapshot, then deploys the
  // function again. Not an error.
  bool drifted = false;
  std::string drift;  // what moved, for the log: "alias dev: version 3 → 5 outside Ferry"
  // Whether `snapshot` is known to be exact: it was read from Lambda (source kRead, or a read
  // during this deployment matched it). When not, only `moved_aliases` (whose recorded state
  // their RevisionId guards confirmed) may be restored from it.
  bool snapshot_confirmed = false;
  std::set<std::string> moved_aliases;  // aliases this deployment created or moved
  std::string function_arn;
  std::string version;  // the version the aliases now point at
  std::string code_sha256;
  // How many numbered versions the function has after the deployment (-1: not deployed). The
  // engine leaves a function out of pruning when this is within the number to keep.
  int version_count = -1;
  std::vector<AliasState> aliases;            // the deployment's aliases after it (with their ARNs)
  std::set<std::string> deployed_aliases;     // the alias names the deployment manages
  std::set<std::string> managed_tags;         // declared tag keys: the next deployment's
  std::set<std::string> managed_environment;  // previously_managed_* inputs
  // The function as the deployment left it (when it ended without error): $LATEST's revision and
  // code, every numbered version it knows of (code sha only) and every alias with its RevisionId.
  // What Ferry records as "what it last left", so that the next deployment needs no lists.
  std::optional<ObservedFunction> after;
  std::vector<CallRecord> calls;

  bool ok() const { return started && !error.has_value() && !drifted; }
  int MutatingCalls() const;
};

struct RollbackReport {
  std::string function_name;
  std::optional<Error> error;
  // The function as the rollback left it (when it succeeded and the function still exists).
  std::optional<ObservedFunction> after;
  std::vector<CallRecord> calls;
};

struct PruneReport {
  std::string function_name;
  std::vector<std::string> deleted;
  std::optional<Error> error;
  std::vector<CallRecord> calls;
};

}  // namespace ferry::lambda
