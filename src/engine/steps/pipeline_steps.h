// The step kinds of pipelines and approvals (F-PIPELINE), for those who start executions.
//
//   pipeline.stages — one step of a pipeline execution: the stages of one parallel group (or a
//                     single stage) that run workflows. Its StageLauncher starts one workflow
//                     execution per stage (the pipeline execution's children; a stage whose
//                     skipWhen renders "true" is skipped), then the step waits until every child
//                     ended: all succeeded → the step succeeds; otherwise it fails once the last
//                     child ended (each child's own failure strategy ran). Outputs:
//                     {"stages": [{"name", "execution"?, "status"?, "skipped"?}]}. No undo.
//   approval        — waits in the engine for a person's decision (store::ApprovalStore): opens
//                     the approval of its step (once; a restarted engine finds it), then wakes
//                     when the decision arrives (ExecutionStore::Wake) or at its expiry, which
//                     applies the timeout outcome (reject by default) as a decision "timeout".
//                     Approved → succeeds with outputs {"approval", "decidedBy", "values"};
//                     rejected → fails naming who and why. No undo.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace ferry::engine {

namespace steps {
inline constexpr char kPipelineStages[] = "pipeline.stages";
inline constexpr char kApproval[] = "approval";
}  // namespace steps

// What became of one stage when its step started.
struct StageStart {
  std::string stage;
  std::optional<std::string> execution_id;  // the workflow execution started
  std::string skipped;                      // non-empty: skipped, and why
  std::string error;  // non-empty: the stage could not start (fails the step), and why
};

// Starts the workflow executions of a pipeline.stages step (api::PipelineService implements it:
// it resolves configuration and renders templates, which the engine may not). Called again for
// the same step after a crash, so it must be idempotent: the same stage of the same step of the
// same execution starts one execution however often it is asked. Thread-safe.
class StageLauncher {
 public:
  virtual ~StageLauncher() = default;
  // A stage that cannot start (its workflow is missing, a freeze window refuses it, ...) is
  // reported in its StageStart's error; an error returned (a store that is unavailable) makes
  // the engine try the step again.
  virtual Result<std::vector<StageStart>> StartStages(const StepContext& ctx) = 0;
};

std::unique_ptr<StepKind> NewPipelineStagesStep(StageLauncher& launcher);
std::unique_ptr<StepKind> NewApprovalStep();

// How long an approval without its own timeout waits.
inline constexpr Duration kDefaultApprovalTimeout = std::chrono::hours(24);
inline constexpr Duration kMaxApprovalTimeout = std::chrono::hours(24 * 30);
// A stage's step waits for its children at most this long (their own timeouts bound them).
inline constexpr Duration kPipelineStageTimeout = std::chrono::hours(24 * 31);

// The inputs of an approval step (one codec for who writes and who reads them).
struct ApprovalStepInputs {
  std::string message;  // rendered
  std::vector<std::string> user_groups;
  Duration timeout = kDefaultApprovalTimeout;
  bool approve_on_timeout = false;
  // The input variables the approver fills: [{"name", "description"?, "required"?,
  // "default"?, "allowed"?}].
  std::string inputs_json = "[]";
};
std::string EncodeApprovalStepInputs(const ApprovalStepInputs& inputs);
Result<ApprovalStepInputs> DecodeApprovalStepInputs(std::string_view json);

namespace steps {
// The step's engine timeout is the approval's plus a minute (the expiry decides, not the
// engine's deadline).
StepSpec ApprovalStep(const ApprovalStepInputs& inputs, std::string name);
}  // namespace steps

}  // namespace ferry::engine
