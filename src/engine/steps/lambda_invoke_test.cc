// lambda.invoke-test (lambda_steps.h): a workflow's invoke-test step. Invokes the functions a
// deploy step of the same execution deployed — the version it published, or each alias it
// manages — `times` times each with the step's payload, and passes when every answer has no
// FunctionError and meets every expectation (lambda/invoke.h; the delegate judges).
//
// States: "" → invoke (task lambda.invoke) → done. Outputs: the task's InvokeResult (what each
// invocation got, its response cut and masked). A failed invocation fails the step with what it
// got; the execution's failure strategy applies. Undo: none (the deploy step's rollback restores
// the aliases).
#include <algorithm>
#include <set>

#include "common/strings.h"
#include "engine/steps/lambda_invoke_support.h"
#include "engine/steps/lambda_steps.h"

namespace ferry::engine {
namespace {

class LambdaInvokeTestStep final : public StepKind {
 public:
  Status Validate(std::string_view inputs_json) const override {
    auto in = lambda::DecodeInvokeTestStepInputs(inputs_json);
    if (!in.ok()) return in.error();
    return Ok();
  }

  Result<StepMove> Start(const StepContext& ctx) override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodeInvokeTestStepInputs(ctx.step.inputs_json));
    FERRY_ASSIGN_OR_RETURN(auto task, TaskOf(ctx, in));
    std::string what;
    for (size_t i = 0; i < task.targets.size() && i < 3; ++i) {
      what += (i > 0 ? ", " : "") + task.targets[i].function_name + ":" + task.targets[i].qualifier;
    }
    if (task.targets.size() > 3) what += " and " + std::to_string(task.targets.size() - 3) + " more";
    return StepMove::RunTask(
        "invoke", TaskRequest{lambda::kInvokeTask, lambda::EncodeInvokeTask(task), in.selectors},
        std::nullopt,
        "step " + ctx.step.name + ": invoking " + what + " " + std::to_string(in.times) +
            " time(s); task queued");
  }

  Result<StepMove> OnTaskEnded(const StepContext& ctx, const store::TaskRecord& task) override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodeInvokeTestStepInputs(ctx.step.inputs_json));
    auto result = lambda::DecodeInvokeResult(task.result_json.value_or("{}"));
    std::optional<std::string> outputs;
    if (result.ok()) outputs = lambda::EncodeInvokeResult(*result);
    if (task.status != store::TaskStatus::kSucceeded) {
      auto planned = TaskOf(ctx, in);
      const size_t total = planned.ok() ? planned->targets.size() * in.times : 0;
      return StepMove::Fail(
          "an invocation failed: " + steps::InvokeError(task, result.ok() ? &*result : nullptr, total),
          outputs);
    }
    if (!result.ok()) {
      return StepMove::Fail("the invocations' result is unreadable (" +
                            result.error().message + ")");
    }
    Duration slowest{0};
    for (const auto& i : result->invocations) slowest = std::max(slowest, i.latency);
    return StepMove::Succeed(outputs, "step " + ctx.step.name + ": " +
                                          std::to_string(result->invocations.size()) +
                                          " invocation(s) passed, the slowest in " +
                                          std::to_string(slowest.count()) + " ms");
  }

 private:
  static Result<lambda::InvokeTask> TaskOf(const StepContext& ctx,
                                           const lambda::InvokeTestStepInputs& in) {
    FERRY_ASSIGN_OR_RETURN(auto deployed, steps::DeployedBefore(ctx, in.deploy_step));
    const std::set<std::string> wanted(in.function_names.begin(), in.function_names.end());
    std::set<std::string> found;
    lambda::InvokeTask task;
    task.target = in.target;
    task.payload = in.payload;
    task.times = in.times;
    task.expect = in.expect;
    for (const auto& d : deployed.deployments) {
      if (!wanted.empty() && !wanted.count(d.function_name)) continue;
      found.insert(d.function_name);
      if (d.version.empty()) {
        return Error{ErrorCode::kFailedPrecondition,
                     "deploy step " + in.deploy_step + " published no version of " +
                         d.function_name};
      }
      if (in.invoke == lambda::InvokeTargetKind::kVersion) {
        task.targets.push_back({d.function_name, d.version});
      } else {
        for (const auto& alias : d.deployed_aliases) task.targets.push_back({d.function_name, alias});
      }
    }
    for (const auto& name : wanted) {
      if (!found.count(name)) {
        return Error{ErrorCode::kFailedPrecondition,
                     "deploy step " + in.deploy_step + " did not deploy " + QuoteForMessage(name)};
      }
    }
    if (task.targets.empty() || task.targets.size() > lambda::kMaxInvokeTargets) {
      return Error{ErrorCode::kFailedPrecondition,
                   task.targets.empty() ? "nothing to invoke: the deploy step deployed no alias"
                                        : "too many functions to invoke in one step"};
    }
    return task;
  }
};

}  // namespace

std::unique_ptr<StepKind> NewLambdaInvokeTestStep() {
  return std::make_unique<LambdaInvokeTestStep>();
}

namespace steps {

StepSpec LambdaInvokeTestStep(const lambda::InvokeTestStepInputs& inputs, std::string name,
                              Duration timeout) {
  return StepSpec{std::move(name), kLambdaInvokeTest, lambda::EncodeInvokeTestStepInputs(inputs),
                  timeout};
}

}  // namespace steps
}  // namespace ferry::engine
