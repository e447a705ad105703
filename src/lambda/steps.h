// The inputs and outputs of the Lambda step kinds (engine/steps/): what the api writes when it
// starts an execution, what the engine's step kinds read and record, and what the API shows as a
// step's inputs and outputs. One type and one codec (step_codec.cc) each, like the tasks'.
//
//   step kind        inputs               outputs
//   lambda.deploy    DeployStepInputs     DeployStepOutputs
//   lambda.prune     PruneStepInputs      PruneResult (tasks.h)
//   lambda.restore   RestoreStepInputs    RestoreStepOutputs
//   lambda.rollback  RollbackStepInputs   RollbackResult (tasks.h)
//   lambda.shift     ShiftStepInputs      ShiftStepOutputs
//
// Decoders are strict and never throw (kInvalidArgument naming the member). Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "lambda/alarm_gate.h"
#include "lambda/tasks.h"

namespace ferry::lambda {

// Deploys the service's functions (lambda.snapshot where Ferry has no record of a function,
// then lambda.deploy).
struct DeployStepInputs {
  LambdaTarget target;
  std::vector<std::string> selectors;  // delegate selectors the tasks require
  int concurrency = 8;
  // Resolved function specs; secrets stay references (DesiredFunction::secret_environment). An
  // empty version_description becomes "ferry execution <id>" when the deploy task is written.
  std::vector<DesiredFunction> functions;
  // Rolling back keeps a function the deployment created (its aliases are still deleted).
  bool keep_created_functions = false;
};

struct DeployStepOutputs {
  // The rollback target of every function, recorded before anything changes (and corrected,
  // before the alias moves, when a recorded one turned out stale).
  std::vector<Snapshot> snapshots;
  // What each function's deployment did (the last task's record of each function).
  std::vector<FunctionDeployment> deployments;
  // A deploy task was enqueued: functions may have changed, even those whose record was lost.
  bool deploying = false;
};

// Deletes old versions of the functions a deploy step deployed.
struct PruneStepInputs {
  LambdaTarget target;
  std::vector<std::string> selectors;
  int keep = 10;
  std::vector<std::string> function_names;
};

// One function's aliases as an earlier execution recorded them (or as they were before a
// deployment, for an undo).
struct RestoreFunction {
  std::string function_name;
  std::vector<AliasState> aliases;  // name, version, weights
};

// Restores aliases to what an earlier execution recorded: checks that every version still
// exists (lambda.snapshot), then one guarded call per alias that differs (lambda.rollback).
struct RestoreStepInputs {
  LambdaTarget target;
  std::vector<std::string> selectors;
  // The execution whose state is restored: the one whose recorded aliases these are ("to"), or
  // the one being undone (its snapshot; `undo` true).
  std::string execution;
  bool undo = false;
  std::vector<RestoreFunction> functions;
};

struct RestoreStepOutputs {
  std::vector<ObservedFunction> snapshots;  // the functions before the restore (its undo target)
  std::vector<RollbackReport> rollbacks;
};

// Undoes a deploy or restore step: restores each function to its snapshot.
struct RollbackStepInputs {
  std::vector<std::string> selectors;
  RollbackTask task;
};

// Shifts the traffic of the aliases a deploy step (of the same execution) deployed with
// TrafficPolicy::kNone: each managed alias that served another version before the deployment
// (its stable version) gets `percent` of its traffic on the new version, then the step holds for
// `bake`. Undone by the deploy step's rollback, which restores every alias to its snapshot.
struct ShiftStepInputs {
  LambdaTarget target;
  std::vector<std::string> selectors;
  std::string deploy_step;  // the name of the lambda.deploy step whose version it shifts to
  int percent = 100;        // 1..100; 100 promotes
  Duration bake{0};         // held after the shift before the step succeeds
  // CloudWatch alarms gating the shift (alarm_gate.h): checked before it (an alarm missing or in
  // ALARM fails the step before traffic moves) and watched through the bake.
  AlarmSelector alarms;
};

// One alias of a shift.
struct ShiftedAlias {
  std::string function_name;
  std::string stable;  // the version it served before the deployment
  std::string next;    // the deployment's version
  AliasState alias;    // as the shift left it (version, weights, RevisionId)
};

struct ShiftStepOutputs {
  int percent = 0;
  std::vector<ShiftedAlias> aliases;  // every alias the step shifted (or found shifted already)
  std::optional<TimePoint> shifted_at;  // when the last alias was set
  std::optional<TimePoint> bake_until;  // the bake's end: a restarted engine waits only the rest
  std::vector<ShiftReport> reports;     // the calls made, per alias
  std::vector<AlarmObservation> alarms_seen;  // the gate's alarm states, as they changed
  std::optional<AlarmState> alarm_fired;      // the alarm that failed the step
  std::optional<TimePoint> alarm_seen_at;     // when the delegate saw it in ALARM
};

std::string EncodeDeployStepInputs(const DeployStepInputs& inputs);
Result<DeployStepInputs> DecodeDeployStepInputs(std::string_view json);
std::string EncodeDeployStepOutputs(const DeployStepOutputs& outputs);
Result<DeployStepOutputs> DecodeDeployStepOutputs(std::string_view json);

std::string EncodePruneStepInputs(const PruneStepInputs& inputs);
Result<PruneStepInputs> DecodePruneStepInputs(std::string_view json);

std::string EncodeRestoreStepInputs(const RestoreStepInputs& inputs);
Result<RestoreStepInputs> DecodeRestoreStepInputs(std::string_view json);
std::string EncodeRestoreStepOutputs(const RestoreStepOutputs& outputs);
Result<RestoreStepOutputs> DecodeRestoreStepOutputs(std::string_view json);

std::string EncodeRollbackStepInputs(const RollbackStepInputs& inputs);
Result<RollbackStepInputs> DecodeRollbackStepInputs(std::string_view json);

std::string EncodeShiftStepInputs(const ShiftStepInputs& inputs);
Result<ShiftStepInputs> DecodeShiftStepInputs(std::string_view json);
std::string EncodeShiftStepOutputs(const ShiftStepOutputs& outputs);
Result<ShiftStepOutputs> DecodeShiftStepOutputs(std::string_view json);

}  // namespace ferry::lambda
