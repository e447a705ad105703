#include "engine/steps/builtin.h"

#include "engine/steps/lambda_steps.h"

namespace ferry::engine {

// Each defined in its own file of engine/steps/.
std::unique_ptr<StepKind> NewLambdaDeployStep();
std::unique_ptr<StepKind> NewLambdaPruneStep();
std::unique_ptr<StepKind> NewLambdaRestoreStep();
std::unique_ptr<StepKind> NewLambdaRollbackStep();
std::unique_ptr<StepKind> NewLambdaShiftStep();
std::unique_ptr<StepKind> NewWaitStep();
std::unique_ptr<StepKind> NewLambdaInvokeTestStep();
std::unique_ptr<StepKind> NewLambdaHookStep();
std::unique_ptr<StepKind> NewLambdaVerifyStep();
std::unique_ptr<StepKind> NewApprovalStep();

Status RegisterBuiltinSteps(StepRegistry& registry) {
  FERRY_RETURN_IF_ERROR(registry.Register(steps::kLambdaDeploy, NewLambdaDeployStep()));
  FERRY_RETURN_IF_ERROR(registry.Register(steps::kLambdaPrune, NewLambdaPruneStep()));
  FERRY_RETURN_IF_ERROR(registry.Register(steps::kLambdaRestore, NewLambdaRestoreStep()));
  FERRY_RETURN_IF_ERROR(registry.Register(steps::kLambdaRollback, NewLambdaRollbackStep()));
  FERRY_RETURN_IF_ERROR(registry.Register(steps::kLambdaShift, NewLambdaShiftStep()));
  FERRY_RETURN_IF_ERROR(registry.Register(steps::kWait, NewWaitStep()));
  FERRY_RETURN_IF_ERROR(registry.Register(steps::kLambdaInvokeTest, NewLambdaInvokeTestStep()));
  FERRY_RETURN_IF_ERROR(registry.Register(steps::kLambdaHook, NewLambdaHookStep()));
  FERRY_RETURN_IF_ERROR(registry.Register(steps::kLambdaVerify, NewLambdaVerifyStep()));
  FERRY_RETURN_IF_ERROR(registry.Register("approval", NewApprovalStep()));
  return Ok();
}

}  // namespace ferry::engine
