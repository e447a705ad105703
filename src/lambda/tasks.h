// The Lambda tasks the engine enqueues and a delegate runs: one payload and one result type per
// kind, each with one codec (task_codec.cc). The engine writes payloads and reads results, the
// delegate does the opposite, and neither touches the JSON: a key of these payloads appears only
// in the codec.
//
//   kind             payload        result
//   lambda.snapshot  SnapshotTask   SnapshotResult   read functions (the rollback targets)
//   lambda.deploy    DeployTask     DeployResult     F-DEPLOY 2–6 for each function
//   lambda.rollback  RollbackTask   RollbackResult   restore aliases to snapshots (F-DEPLOY 7)
//   lambda.prune     PruneTask      PruneResult      delete old versions (F-DEPLOY 8)
//   lambda.plan      PlanTask       PlanResult       what a deploy would do, changing nothing
//   lambda.shift     ShiftTask      ShiftResult      set aliases' traffic split (F-PROGRESSIVE)
//
// Payloads never hold a secret value: environment values that use secrets travel as references
// (DesiredFunction::secret_environment) and a keys connection names its secret (target.h).
// Results are also sent when a task fails: what was done, for rollback and for the record.
//
// Decoders are strict and never throw: a wrong type, a missing required member or a hostile value
// is kInvalidArgument naming the member (never echoing a value). Pure; thread-safe.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "lambda/deployment.h"
#include "lambda/drift.h"
#include "lambda/function_state.h"
#include "lambda/target.h"
#include "lambda/traffic.h"

namespace ferry::lambda {

inline constexpr char kSnapshotTask[] = "lambda.snapshot";
inline constexpr char kDeployTask[] = "lambda.deploy";
inline constexpr char kRollbackTask[] = "lambda.rollback";
inline constexpr char kPruneTask[] = "lambda.prune";
inline constexpr char kPlanTask[] = "lambda.plan";
inline constexpr char kShiftTask[] = "lambda.shift";

// Where a deployment's rollback target came from.
enum class SnapshotSource {
  // Read from Lambda just before the deployment (a lambda.snapshot task): exact.
  kRead,
  // What Ferry last left the function as (its own record, records.h): exact unless something
  // changed the function outside Ferry since. The deployer confirms it before it moves an alias
  // (a RevisionId-guarded write, or a read) and reports a stale one instead of acting on it
  // (FunctionDeployment::drifted).
  kRecorded,
};

// One function's rollback target.
struct Snapshot {
  ObservedFunction function;  // environment values redacted
  SnapshotSource source = SnapshotSource::kRead;
};

// lambda.snapshot: GetFunction + ListVersionsByFunction + ListAliases of each function.
struct SnapshotTask {
  LambdaTarget target;
  std::vector<std::string> function_names;
};
struct SnapshotResult {
  std::vector<ObservedFunction> snapshots;  // environment values redacted
};

// lambda.deploy. Each function's secret_environment is rendered with the delegate's
// SecretResolver first; a secret that cannot be read fails the task before anything changes.
struct DeployTask {
  LambdaTarget target;
  int concurrency = 0;  // functions at once; 0 = the delegate's default
  std::vector<DesiredFunction> functions;
  // The rollback target of each function that has one (by function name).
  std::vector<Snapshot> snapshots;
  // Take the versions and aliases from the snapshots instead of listing them again (GetFunction
  // only): off when the task follows a deployment that may have changed them since.
  bool reuse_snapshot_lists = true;
};
struct DeployResult {
  std::vector<FunctionDeployment> deployments;  // one per function, in payload order
};

// What the rollback of one function restores.
struct RollbackTarget {
  // The aliases to restore (version and weights), or exists == false: the deployment created
  // the function.
  ObservedFunction snapshot;
  // The aliases the deployment manages: only these are restored, and those absent from the
  // snapshot are deleted. Aliases of others are never touched.
  std::set<std::string> aliases;
  // The snapshot is Ferry's record, never confirmed by a read, and what the deployment moved is
  // not known (its task's result was lost): an alias is restored only when it points at (or
  // weights) a version newer than every version the snapshot knows — one the deployment
  // published. Any other difference was made outside Ferry and is left alone.
  bool unconfirmed = false;
};

// lambda.rollback.
struct RollbackTask {
  LambdaTarget target;
  bool keep_created_functions = false;
  std::vector<RollbackTarget> functions;
};
struct RollbackResult {
  std::vector<RollbackReport> rollbacks;
};

struct PruneFunction {
  std::string function_name;
  std::set<std::string> protected_versions;  // kept whatever their age
};

// lambda.prune.
struct PruneTask {
  LambdaTarget target;
  int keep = 10;  // newest numbered versions kept
  std::vector<PruneFunction> functions;
};
struct PruneResult {
  std::vector<PruneReport> pruned;
};

// lambda.plan: reads each function (all of it) and learns the package's CodeSha256
// (UpdateFunctionCode DryRun), then plans the deploy; changes nothing.
// `recorded`: what Ferry last left each function as (its known state), when it has one; the plan
// then also reports what changed outside Ferry since (FunctionPlan::drift).
struct PlanTask {
  LambdaTarget target;
  std::vector<DesiredFunction> functions;
  std::vector<RecordedFunction> recorded;
  // What the plan is of, so that reading it can be checked against the reader's grants ("" in
  // plans queued before they were recorded).
  std::string application;
  std::string environment;
};

// What a deploy would do to one function (PlanFunction in plan_summary.h).
struct AliasMove {
  std::string alias;
  std::string from;  // "" when the alias does not exist yet
  std::string to;    // a version, or "<new version>" when the deploy publishes it
  bool operator==(const AliasMove&) const = default;
};
struct FunctionPlan {
  std::string function_name;
  std::optional<Error> error;  // the function could not be read or planned
  bool create = false;
  bool update_code = false;
  std::string code_sha256_from;  // $LATEST's, "" when it does not exist
  std::string code_sha256_to;    // the package's ("" when Lambda could not tell before creating)
  std::vector<std::string> configuration_changes;  // AWS member names: MemorySize, Environment…
  bool publish = false;
  std::vector<AliasMove> alias_moves;
  std::vector<std::string> tags_set;      // keys
  std::vector<std::string> tags_removed;  // keys
  std::vector<CallRecord> calls;          // every call a deploy would make, in order
  // Whether Ferry had a record of the function to compare with, and what changed outside Ferry
  // since it last left the function (drift.h) — what a deploy would overwrite.
  bool drift_checked = false;
  std::vector<DriftItem> drift;

  bool changes() const;
};
struct PlanResult {
  std::vector<FunctionPlan> functions;  // in payload order
};

// lambda.shift: one RevisionId-guarded UpdateAlias per alias. An alias whose guard fails, or
// that no longer serves `from` when the guard is unknown (read first), changed outside Ferry: it
// is left alone and reported (the step then fails and its execution rolls back).
struct AliasShift {
  std::string function_name;
  std::string alias;
  AliasRouting from;        // what Ferry last left the alias as
  std::string revision_id;  // its RevisionId then; "" = not known: GetAlias first
  AliasRouting to;
};
struct ShiftTask {
  LambdaTarget target;
  std::vector<AliasShift> shifts;
};
struct ShiftReport {
  std::string function_name;
  std::string alias;
  std::optional<Error> error;
  std::optional<AliasState> after;  // the alias after the call (with its new RevisionId)
  std::vector<CallRecord> calls;
};
struct ShiftResult {
  std::vector<ShiftReport> shifts;  // in payload order; those not tried are absent
};

std::string EncodeSnapshotTask(const SnapshotTask& task);
Result<SnapshotTask> DecodeSnapshotTask(std::string_view json);
std::string EncodeSnapshotResult(const SnapshotResult& result);
Result<SnapshotResult> DecodeSnapshotResult(std::string_view json);

std::string EncodeDeployTask(const DeployTask& task);
Result<DeployTask> DecodeDeployTask(std::string_view json);
std::string EncodeDeployResult(const DeployResult& result);
Result<DeployResult> DecodeDeployResult(std::string_view json);

std::string EncodeRollbackTask(const RollbackTask& task);
Result<RollbackTask> DecodeRollbackTask(std::string_view json);
std::string EncodeRollbackResult(const RollbackResult& result);
Result<RollbackResult> DecodeRollbackResult(std::string_view json);

std::string EncodePruneTask(const PruneTask& task);
Result<PruneTask> DecodePruneTask(std::string_view json);
std::string EncodePruneResult(const PruneResult& result);
Result<PruneResult> DecodePruneResult(std::string_view json);

std::string EncodePlanTask(const PlanTask& task);
Result<PlanTask> DecodePlanTask(std::string_view json);
std::string EncodePlanResult(const PlanResult& result);
Result<PlanResult> DecodePlanResult(std::string_view json);

std::string EncodeShiftTask(const ShiftTask& task);
Result<ShiftTask> DecodeShiftTask(std::string_view json);
std::string EncodeShiftResult(const ShiftResult& result);
Result<ShiftResult> DecodeShiftResult(std::string_view json);

}  // namespace ferry::lambda
