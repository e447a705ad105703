// What the invoking step kinds (lambda_invoke_test.cc, lambda_hook.cc) share: the deploy step
// whose functions they concern, and the step error of a failed lambda.invoke task. Internal to
// engine/steps/.
#pragma once

#include <string>

#include "common/result.h"
#include "engine/step_kind.h"
#include "lambda/invoke.h"
#include "lambda/steps.h"

namespace ferry::engine::steps {

// The outputs of the succeeded lambda.deploy step `name` that precedes the deciding step;
// kFailedPrecondition when there is none or it did not succeed.
Result<lambda::DeployStepOutputs> DeployedBefore(const StepContext& ctx, const std::string& name);

// "FUNCTION:QUALIFIER (invocation i of n): what is wrong; got status, FunctionError, latency,
// response" of the first failed invocation in `result`, else the task's error.
std::string InvokeError(const store::TaskRecord& task, const lambda::InvokeResult* result,
                        size_t planned);

}  // namespace ferry::engine::steps
