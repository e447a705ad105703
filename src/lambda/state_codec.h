// JSON encodings of the Lambda domain's state types: the building blocks of the task, step and
// record codecs (tasks.h, steps.h, records.h). Field names are camelCase.
//
// Decoding never throws: wrong types, missing required members and hostile values give
// kInvalidArgument naming the member. A DesiredFunction's secrets are references
// ("secretEnvironment"); its plain environment values are encoded as given (payloads stay
// between the engine and the delegate). Everything that is shown or recorded — an
// ObservedFunction in a snapshot, a deployment's record — is encoded with environment values
// redacted: keys kept, values "".
// Pure functions; thread-safe.
#pragma once

#include "common/json_fwd.h"
#include "common/result.h"
#include "lambda/deployment.h"

namespace ferry::lambda {

Json ToJson(const DesiredFunction& desired);
Result<DesiredFunction> DesiredFromJson(const Json& json);

// Environment values are encoded as given: redact first (RedactEnvironment) when the function
// holds some and the JSON leaves the delegate.
Json ToJson(const ObservedFunction& function);
Result<ObservedFunction> ObservedFromJson(const Json& json);

// The function with every environment value replaced by "" (keys kept): what may be shown.
ObservedFunction RedactEnvironment(ObservedFunction function);

Json ToJson(const AliasState& alias);
Result<AliasState> AliasFromJson(const Json& json);

// The record of a function's deployment, environment values redacted (snapshot and after).
Json ToJson(const FunctionDeployment& deployment);
Result<FunctionDeployment> DeploymentFromJson(const Json& json);

namespace codec {
// Throwing forms for the other codecs of this module, used inside codec::Guard.
Json ConfigJson(const FunctionConfig& config);
FunctionConfig ConfigFrom(const Json& json);
Json WeightsJson(const RoutingWeights& weights);
RoutingWeights WeightsFrom(const Json& json);
DesiredFunction DesiredFrom(const Json& json);
ObservedFunction ObservedFrom(const Json& json);
AliasState AliasFrom(const Json& json);
FunctionDeployment DeploymentFrom(const Json& json);
Json CallsJson(const std::vector<CallRecord>& calls);
std::vector<CallRecord> CallsFrom(const Json& json);
Json ErrorJson(const Error& error);
Error ErrorFrom(const Json& json);
}  // namespace codec

}  // namespace ferry::lambda
