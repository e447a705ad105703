// `ferry plan`'s answer for one function: what a deploy would do to it, from the function as read
// now — create it, update its code (CodeSha256 from → to), update its configuration (the fields
// that differ), publish a version, move aliases (from → to), set or remove tags — or nothing.
// Derived from PlanDeploy (deploy_plan.h): the same decisions the deployer makes, simulated.
//
// Pure; thread-safe. Never holds an environment value (only field names and keys).
#pragma once

#include "common/result.h"
#include "lambda/function_state.h"
#include "lambda/tasks.h"

namespace ferry::lambda {

// `desired.code.code_sha256` should be known (the plan task learns it with UpdateFunctionCode
// DryRun when the function exists); when empty the plan assumes the code changes. The error of
// ValidateDesired / NextDeployAction (a Failed function, a package type change) is returned.
Result<FunctionPlan> PlanFunction(const DesiredFunction& desired, const ObservedFunction& current);

}  // namespace ferry::lambda
