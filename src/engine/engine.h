// Engine: advances executions durably (ARCHITECTURE.md, "The path of a deploy").
//
// An execution is a list of steps; each step is a state machine persisted in the store. The
// engine never calls AWS: a step that needs the cloud moves to its next state *and* enqueues the
// delegate task doing the work in one store transaction, then waits; the task's completion wakes
// the execution and the engine moves the step on. Every transition is committed before the side
// effect that follows it, so an engine that dies anywhere is replaced by another (same or other
// process) that claims the execution once its lease expires and continues: tasks are enqueued
// with idempotency keys (never twice) and are themselves idempotent.
//
// The lambda.deploy step: "" → snapshot (task lambda.snapshot: the rollback targets, recorded in
// the step's outputs before anything changes) → deploy (task lambda.deploy with those snapshots)
// → succeeded, recording one deployment per function. A failed step applies the execution's
// failure strategy: rollback (default: a rollback step restores every alias to its snapshot and
// deletes functions the deployment created; the execution ends rolled_back, or rollback_failed),
// abort (ends failed), ignore (continues). An abort request cancels the running task, then rolls
// back like a failure (ending aborted). After a successful deploy a prune step deletes old
// versions (its failure does not fail the execution).
//
// Rollback to an earlier execution (StartRollback) is an execution of its own, one lambda.restore
// step: "" → check (task lambda.snapshot: the aliases now, recorded as the step's snapshots; the
// engine then checks that every version the target needs still exists, failing the execution
// with "cannot roll back ..." naming the missing versions before any change) → restore (task
// lambda.rollback: one RevisionId-guarded UpdateAlias/CreateAlias per alias that differs;
// nothing is republished, no alias or function is deleted). Should the restore fail midway, the
// execution's failure strategy (rollback) puts the aliases back to the recorded snapshots.
//
// Timeouts: every step has a deadline (its inputs' timeoutMs, counted from when it started
// running). A step whose task is still running past it has the task cancelled (the delegate's
// next heartbeat stops it) and fails with "timed out after ...", which applies the failure
// strategy like any other failure. A waiting execution is re-checked at its deadline.
//
// Deploy steps fill an empty version_description with "ferry execution <id>". Prune steps
// protect every version that the 5 (or keep_versions, if more) most recent successful
// deployments of each function recorded (so a rollback to them stays possible) in addition to
// the aliases' versions.
//
// Thread-safe: any number of engines (threads or processes) may call RunOnce on one store.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/ids.h"
#include "common/result.h"
#include "delegate/lambda/function_state.h"
#include "delegate/lambda/lambda_tasks.h"
#include "store/store.h"

namespace ferry::engine {

enum class FailureStrategy { kRollback, kAbort, kIgnore };

inline constexpr Duration kDefaultStepTimeout = std::chrono::minutes(30);
// Execution kinds (ExecutionRecord::workflow of a rollback execution).
inline constexpr char kRollbackWorkflow[] = "rollback";

struct DeployRequest {
  std::string application;
  std::string service;
  std::string environment;
  std::string workflow = "basic";
  std::string trigger = "manual";
  std::string actor;
  std::optional<std::string> artifact_id;
  std::optional<std::string> idempotency_key;  // a retried request starts one execution
  delegate::lambda::LambdaTarget target;
  std::vector<std::string> selectors;  // delegate selectors the tasks require
  // Resolved function specs (config/ resolves service + environment). Secrets stay references
  // (DesiredFunction::secret_environment): the delegate reads them when it deploys.
  std::vector<delegate::lambda::DesiredFunction> functions;
  FailureStrategy failure_strategy = FailureStrategy::kRollback;
  bool keep_created_functions = false;
  int concurrency = 8;
  int keep_versions = 10;  // pruning; 0 = no prune step
  // The deploy step's deadline (workflow step `timeout`); the prune and any rollback step get
  // kDefaultStepTimeout.
  Duration deploy_timeout = kDefaultStepTimeout;
};

// One function's aliases as an earlier execution recorded them.
struct RestoreFunction {
  std::string function_name;
  std::vector<delegate::lambda::AliasState> aliases;  // name, version, weights
};

struct RollbackRequest {
  std::string application;
  std::string service;
  std::string environment;
  std::string to_execution;  // the execution whose recorded aliases are restored
  std::string trigger = "rollback";
  std::string actor;
  std::optional<std::string> idempotency_key;
  delegate::lambda::LambdaTarget target;
  std::vector<std::string> selectors;
  std::vector<RestoreFunction> functions;
  Duration timeout = kDefaultStepTimeout;
};

struct EngineOptions {
  std::string owner = "engine";  // lease owner: unique per engine instance
  Duration lease = std::chrono::seconds(30);
  Duration poll = std::chrono::seconds(5);  // re-check a waiting execution at least this often
  int batch = 16;                           // executions claimed per RunOnce
  int task_attempts = 3;
};

class Engine {
 public:
  Engine(store::Store& store, Clock& clock, EngineOptions options);

  // Creates the execution (queued). kInvalidArgument when the request is incomplete. With an
  // idempotency key that an earlier request used, returns that execution and sets `*created`
  // (when given) to false: nothing new starts.
  Result<store::ExecutionRecord> StartDeploy(const DeployRequest& request, bool* created = nullptr);

  // Creates an execution restoring req.functions' aliases (queued). kInvalidArgument when the
  // request is incomplete (no function, no alias, no region). `created` as for StartDeploy.
  Result<store::ExecutionRecord> StartRollback(const RollbackRequest& request,
                                               bool* created = nullptr);

  // Claims runnable executions and advances each until it must wait. Returns how many it
  // advanced.
  Result<int> RunOnce();

  // The earliest time an execution this engine left waiting asks to be re-checked (its poll or
  // step deadline), cleared by the call; nullopt when there is none since the last call. For
  // the Runner's sleep. Executions created or woken elsewhere are found by polling or Wake().
  std::optional<TimePoint> TakeNextWake();

  // Advances one claimed execution (exposed for tests that stop mid-way).
  Status Advance(store::ExecutionRecord execution);

 private:
  enum class StepOutcome { kProgress, kWait, kFailed };
  Result<StepOutcome> AdvanceStep(const store::ExecutionRecord& e, const store::StepRecord& step);
  Result<std::optional<store::TaskRecord>> FindTask(const std::string& execution_id,
                                                    const std::string& key);
  Status BeginRollback(store::ExecutionRecord& e, const std::vector<store::StepRecord>& steps,
                       store::ExecutionStatus from);
  Result<StepOutcome> FinishRestoreCheck(const store::ExecutionRecord& e,
                                         const store::StepRecord& step, const std::string& result);
  Result<std::string> PrunePayload(const std::string& execution_id, const std::string& inputs_json);
  Status Release(const std::string& id, std::optional<TimePoint> deadline);
  Status RecordDeployments(const store::ExecutionRecord& e, const std::string& result_json,
                           store::DeploymentState state);
  Status CancelActive(const store::ExecutionRecord& e, const std::vector<store::StepRecord>& steps);
  void LogLine(const std::string& execution_id, std::optional<int> step, store::LogLevel level,
               const std::string& text);
  // Commits t and updates e. A move to a terminal status carries the log line that says how the
  // execution ended, in the same transaction, so `logs -f` never stops before that line.
  Status Move(store::ExecutionRecord& e, store::ExecutionTransition t);

  store::Store& store_;
  Clock& clock_;
  const EngineOptions options_;
  std::mutex mu_;
  std::optional<TimePoint> next_wake_;  // guarded by mu_
};

}  // namespace ferry::engine
