// JSON encodings of the deploy planner's types, for task payloads and results (the delegate
// protocol) and for deployment records. Field names are camelCase.
//
// Decoding never throws: wrong types, missing required members and hostile values give
// kInvalidArgument naming the member. A DesiredFunction's secrets are references
// ("secretEnvironment"); its plain environment values are encoded as given. Task payloads stay
// between the engine and the delegate and are never logged or returned by the API.
// Pure functions; thread-safe.
#pragma once

#include "common/json_fwd.h"
#include "common/result.h"
#include "delegate/lambda/deployer.h"

namespace ferry::delegate::lambda {

Json ToJson(const DesiredFunction& desired);
Result<DesiredFunction> DesiredFromJson(const Json& json);

Json ToJson(const ObservedFunction& function);
Result<ObservedFunction> ObservedFromJson(const Json& json);

// The function with every environment value replaced by "" (keys kept): what may be shown.
ObservedFunction RedactEnvironment(ObservedFunction function);

Json ToJson(const AliasState& alias);
Result<AliasState> AliasFromJson(const Json& json);

// The record of a function's deployment. Environment values are left out of the snapshot's
// configuration (the record is shown to users): only their keys are kept, with values "".
Json ToJson(const FunctionDeployment& deployment);
Result<FunctionDeployment> DeploymentFromJson(const Json& json);

}  // namespace ferry::delegate::lambda
