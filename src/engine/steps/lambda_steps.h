// The Lambda step kinds (F-DEPLOY), for those who start executions: their names and how to write
// a step of each from its typed inputs (lambda/steps.h). The kinds themselves are in
// lambda_deploy.cc, lambda_prune.cc, lambda_restore.cc and lambda_rollback.cc, registered by
// builtin.cc.
//
//   lambda.deploy   — snapshot (Ferry's record of what it last left each function as, read from
//                     Lambda where it has none), then deploy every function; records one
//                     deployment per function and the state it left. Undone by lambda.rollback.
//   lambda.prune    — deletes old versions (its failure does not fail the execution).
//   lambda.restore  — restores aliases to what an earlier execution recorded (or to before one):
//                     checks that every version still exists, then restores. Undone by
//                     lambda.rollback.
//   lambda.rollback — restores functions to snapshots (only as an undo step).
//   lambda.shift    — moves a share of each alias's traffic to a deploy step's new version
//                     (100%: promotes), then holds it for a bake. Undone by the deploy step's
//                     rollback.
//   lambda.invoke-test — invokes a deploy step's new version (or its aliases) and judges every
//                     answer (lambda_invoke_test.cc; lambda/invoke.h). No undo.
//   lambda.hook     — a pre- or post-traffic hook: the user's function, given the deployment's
//                     context, answers Succeeded or fails the step (lambda_hook.cc). No undo.
//   lambda.verify   — waits its window, then compares the new version's CloudWatch metrics with a
//                     baseline's and fails on a regression (lambda_verify.cc; lambda/verify.h).
//                     No undo.
//   wait            — waits a fixed time inside the engine (wait.cc; not Lambda's).
#pragma once

#include <string>

#include "engine/engine.h"
#include "lambda/invoke.h"
#include "lambda/steps.h"
#include "lambda/verify.h"

namespace ferry::engine::steps {

inline constexpr char kLambdaDeploy[] = "lambda.deploy";
inline constexpr char kLambdaPrune[] = "lambda.prune";
inline constexpr char kLambdaRestore[] = "lambda.restore";
inline constexpr char kLambdaRollback[] = "lambda.rollback";
inline constexpr char kLambdaShift[] = "lambda.shift";
inline constexpr char kWait[] = "wait";
inline constexpr char kLambdaInvokeTest[] = "lambda.invoke-test";
inline constexpr char kLambdaHook[] = "lambda.hook";
inline constexpr char kLambdaVerify[] = "lambda.verify";

// timeout zero: the kind's default (kDefaultStepTimeout).
StepSpec LambdaDeployStep(const lambda::DeployStepInputs& inputs, Duration timeout = {},
                          std::string name = "deploy");
StepSpec LambdaPruneStep(const lambda::PruneStepInputs& inputs, std::string name = "prune");
StepSpec LambdaRestoreStep(const lambda::RestoreStepInputs& inputs, Duration timeout = {},
                           std::string name = "restore");

// timeout zero: the kind's default (kDefaultStepTimeout, counted from the step's start: give a
// long bake its own).
StepSpec LambdaShiftStep(const lambda::ShiftStepInputs& inputs, std::string name,
                         Duration timeout = {});
// Waits `duration` (at most 7 days).
StepSpec WaitStep(Duration duration, std::string name, Duration timeout = {});

// timeout zero: the kind's default (kDefaultStepTimeout). A hook's own deadline is
// inputs.timeout (no answer within it fails the step); give the step a little more.
StepSpec LambdaInvokeTestStep(const lambda::InvokeTestStepInputs& inputs, std::string name,
                              Duration timeout = {});
StepSpec LambdaHookStep(const lambda::HookStepInputs& inputs, std::string name,
                        Duration timeout = {});
// timeout zero: the kind's default (kDefaultStepTimeout, counted from the step's start, which
// includes the window: give a window over 25 minutes a longer one).
StepSpec LambdaVerifyStep(const lambda::VerifyStepInputs& inputs, std::string name,
                          Duration timeout = {});

}  // namespace ferry::engine::steps
