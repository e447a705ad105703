// lambda.hook (lambda_steps.h): a workflow's pre- or post-traffic hook. Invokes the user's hook
// function once with the deployment's context (lambda::HookContext: the execution, and per alias
// the deploy step moves, its function, old and new version) and lets its answer decide:
// {"status": "Succeeded"} passes; {"status": "Failed", "reason": …}, any other answer, a
// FunctionError, or no answer within the hook's timeout fails the step (fail closed), and the
// execution's failure strategy applies (rollback restores every alias exactly).
//
// States: "" → invoke (task lambda.invoke, its HTTP deadline the hook's timeout) → done.
// Outputs: HookStepOutputs (the context sent, what the hook answered). Undo: none.
#include "common/strings.h"
#include "common/time.h"
#include "engine/steps/lambda_invoke_support.h"
#include "engine/steps/lambda_steps.h"

namespace ferry::engine {
namespace {

class LambdaHookStep final : public StepKind {
 public:
  Status Validate(std::string_view inputs_json) const override {
    auto in = lambda::DecodeHookStepInputs(inputs_json);
    if (!in.ok()) return in.error();
    return Ok();
  }

  Result<StepMove> Start(const StepContext& ctx) override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodeHookStepInputs(ctx.step.inputs_json));
    FERRY_ASSIGN_OR_RETURN(auto deployed, steps::DeployedBefore(ctx, in.deploy_step));
    lambda::HookStepOutputs out;
    out.context.execution_id = ctx.execution.id;
    out.context.application = ctx.execution.application;
    out.context.service = ctx.execution.service;
    out.context.environment = ctx.execution.environment;
    out.context.point = in.point;
    for (const auto& d : deployed.deployments) {
      for (const auto& alias : d.deployed_aliases) {
        const lambda::AliasState* before =
            d.snapshot.exists ? d.snapshot.FindAlias(alias) : nullptr;
        out.context.functions.push_back(
            {d.function_name, alias, before != nullptr ? before->version : "", d.version});
      }
    }
    lambda::InvokeTask task;
    task.target = in.target;
    task.targets.push_back({in.function_name, ""});
    task.payload = lambda::EncodeHookContext(out.context);
    task.times = 1;
    task.timeout = in.timeout;
    task.expect.hook_answer = true;
    return StepMove::RunTask(
        "invoke", TaskRequest{lambda::kInvokeTask, lambda::EncodeInvokeTask(task), in.selectors},
        lambda::EncodeHookStepOutputs(out),
        "step " + ctx.step.name + ": invoking " + std::string(lambda::HookPointName(in.point)) +
            " hook " + in.function_name + " (answer within " + FormatDuration(in.timeout) +
            "); task queued");
  }

  Result<StepMove> OnTaskEnded(const StepContext& ctx, const store::TaskRecord& task) override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodeHookStepInputs(ctx.step.inputs_json));
    FERRY_ASSIGN_OR_RETURN(auto out, lambda::DecodeHookStepOutputs(ctx.step.outputs_json));
    auto result = lambda::DecodeInvokeResult(task.result_json.value_or("{}"));
    if (result.ok()) out.result = *result;
    const std::string hook =
        std::string(lambda::HookPointName(in.point)) + " hook " + in.function_name;
    if (task.status != store::TaskStatus::kSucceeded || !result.ok() ||
        result->invocations.empty()) {
      std::string why = steps::InvokeError(task, result.ok() ? &*result : nullptr, 1);
      if (task.status == store::TaskStatus::kSucceeded) why = "its answer is unreadable";
      return StepMove::Fail(hook + " failed (fail closed): " + why,
                            lambda::EncodeHookStepOutputs(out));
    }
    return StepMove::Succeed(lambda::EncodeHookStepOutputs(out),
                             "step " + ctx.step.name + ": " + hook + " answered Succeeded in " +
                                 std::to_string(result->invocations.back().latency.count()) +
                                 " ms");
  }
};

}  // namespace

std::unique_ptr<StepKind> NewLambdaHookStep() { return std::make_unique<LambdaHookStep>(); }

namespace steps {

StepSpec LambdaHookStep(const lambda::HookStepInputs& inputs, std::string name, Duration timeout) {
  return StepSpec{std::move(name), kLambdaHook, lambda::EncodeHookStepInputs(inputs), timeout};
}

}  // namespace steps
}  // namespace ferry::engine
