#include "engine/steps/lambda_invoke_support.h"

#include "common/strings.h"
#include "engine/steps/lambda_steps.h"
#include "engine/steps/lambda_support.h"

namespace ferry::engine::steps {

Result<lambda::DeployStepOutputs> DeployedBefore(const StepContext& ctx, const std::string& name) {
  const store::StepRecord* deploy = nullptr;
  for (const auto& s : ctx.steps) {
    if (s.name == name && s.kind == kLambdaDeploy && !s.undo_of) deploy = &s;
  }
  if (deploy == nullptr || deploy->index >= ctx.step.index) {
    return Error{ErrorCode::kFailedPrecondition,
                 "there is no deploy step " + QuoteForMessage(name) + " before this step"};
  }
  if (deploy->status != store::StepStatus::kSucceeded) {
    return Error{ErrorCode::kFailedPrecondition, "deploy step " + deploy->name + " did not succeed"};
  }
  return lambda::DecodeDeployStepOutputs(deploy->outputs_json);
}

std::string InvokeError(const store::TaskRecord& task, const lambda::InvokeResult* result,
                        size_t planned) {
  if (result != nullptr) {
    for (size_t i = 0; i < result->invocations.size(); ++i) {
      if (!result->invocations[i].passed()) {
        return lambda::DescribeFailure(result->invocations[i], i, planned);
      }
    }
  }
  return TaskError(task);
}

}  // namespace ferry::engine::steps
