// Resolution: a service deployed to one environment's infrastructure becomes the concrete Lambda
// function configurations to deploy. This is what the engine hands to the delegate.
//
// Layers, lowest first: Service::defaults, the function spec, the environment override's
// defaults, the override's function entry. Config variables: the service's, replaced by the
// override's. Then every string field is rendered (config/template.h) and the rendered values
// are checked against Lambda's limits. Secrets never enter the result: environment values that
// use them keep them as references. Pure apart from the `secret` callback; thread-safe.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/secret_text.h"
#include "lambda/function_state.h"
#include "model/entities.h"

namespace ferry::config {

struct ArtifactRef {
  std::string key;      // S3 key, URL, path or image URI
  std::string version;  // S3 version id, build number or image tag
};

struct ResolveInput {
  std::string application;
  const model::Service* service = nullptr;
  const model::Environment* environment = nullptr;
  const model::Infrastructure* infrastructure = nullptr;  // one of environment->infrastructure
  const model::CloudProvider* cloud_provider = nullptr;   // infrastructure->cloud_provider
  std::optional<ArtifactRef> artifact;                    // unset: ${artifact.*} fails to render
  std::map<std::string, std::string> workflow_variables;
  std::map<std::string, std::string> pipeline_variables;
  // Checks that a secret can be read, by SecretRef name: its value is discarded, since secrets
  // stay references (DesiredFunction::secret_environment). Unset: any secret reference fails.
  std::function<Result<std::string>(std::string_view name)> secret;
};

// One function spec resolved for one environment: the function to deploy as the Lambda domain
// describes it, without its code (the caller adds the artifact).
struct ResolvedFunction {
  std::string spec_name;  // FunctionSpec::name
  std::string region;
  model::PackageType package_type = model::PackageType::kZip;
  // Its name (rendered, valid for Lambda), every configuration field written out (memory 128,
  // timeout 3, ... when the spec leaves them), tags and aliases (default: {environment name}).
  // Environment variables that use a secret (`${secrets.X}` or a secret config variable) are in
  // function.secret_environment, by reference, for the delegate to render; secrets are allowed
  // only in environment values.
  lambda::DesiredFunction function;
};

// kInvalidArgument naming the function and field for a template that cannot be rendered or a
// rendered value Lambda would reject; kFailedPrecondition when the infrastructure is scoped to
// other services or lacks what a deploy needs (execution role, region).
Result<std::vector<ResolvedFunction>> ResolveFunctionSpecs(const ResolveInput& input);

// The layering alone (no rendering): `base` with every field `layer` sets replacing it.
model::FunctionSpec MergeFunctionSpec(const model::FunctionSpec& base,
                                      const model::FunctionSpec& layer);

}  // namespace ferry::config
