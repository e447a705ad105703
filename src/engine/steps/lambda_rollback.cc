// lambda.rollback (lambda_steps.h): restores functions to snapshots — the undo of a deploy or a
// restore step. One task (lambda.rollback): one RevisionId-guarded call per alias that differs,
// nothing republished; a function the deployment created is deleted unless kept. Afterwards the
// functions' known state is forgotten (their aliases moved: the next deployment reads them) and,
// when it succeeded, the execution's deployment records are rolled_back.
#include "engine/steps/lambda_steps.h"
#include "engine/steps/lambda_support.h"

namespace ferry::engine {
namespace {

class LambdaRollbackStep final : public StepKind {
 public:
  Status Validate(std::string_view inputs_json) const override {
    auto in = lambda::DecodeRollbackStepInputs(inputs_json);
    if (!in.ok()) return in.error();
    return Ok();
  }

  Result<StepMove> Start(const StepContext& ctx) override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodeRollbackStepInputs(ctx.step.inputs_json));
    if (in.task.functions.empty()) {
      FERRY_RETURN_IF_ERROR(steps::MarkRolledBack(ctx.store, ctx.execution.id));
      return StepMove::Succeed(lambda::EncodeRollbackResult({}),
                               "step " + ctx.step.name +
                                   ": nothing to restore (the deployment moved no alias)");
    }
    return StepMove::RunTask("task", TaskRequest{lambda::kRollbackTask,
                                                 lambda::EncodeRollbackTask(in.task), in.selectors});
  }

  Result<StepMove> OnTaskEnded(const StepContext& ctx, const store::TaskRecord& task) override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodeRollbackStepInputs(ctx.step.inputs_json));
    std::vector<std::string> names;
    for (const auto& f : in.task.functions) names.push_back(f.snapshot.function_name);
    FERRY_RETURN_IF_ERROR(steps::ForgetKnownFunctions(ctx.store, in.task.target, names));
    auto result = lambda::DecodeRollbackResult(task.result_json.value_or("{}"));
    std::string outputs = result.ok() ? lambda::EncodeRollbackResult(*result) : "{}";
    if (task.status != store::TaskStatus::kSucceeded) {
      return StepMove::Fail(steps::TaskError(task), std::move(outputs));
    }
    // Before the step's success is committed (idempotent): a crash in between lands here again,
    // so a rolled-back execution never keeps records that claim its versions are live.
    FERRY_RETURN_IF_ERROR(steps::MarkRolledBack(ctx.store, ctx.execution.id));
    return StepMove::Succeed(std::move(outputs));
  }
};

}  // namespace

std::unique_ptr<StepKind> NewLambdaRollbackStep() {
  return std::make_unique<LambdaRollbackStep>();
}

}  // namespace ferry::engine
