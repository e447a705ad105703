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
  // stay references (ResolvedFunction::secret_environment). Unset: any secret reference fails.
  std::function<Result<std::string>(std::string_view name)> secret;
};

struct ResolvedFunction {
  std::string spec_name;      // FunctionSpec::name
  std::string function_name;  // rendered, valid for Lambda
  std::string region;
  model::PackageType package_type = model::PackageType::kZip;
  std::optional<std::string> runtime;  // Zip only
  std::optional<std::string> handler;  // Zip only
  int64_t memory = 128;
  int64_t timeout = 3;
  std::string architecture = "x86_64";
  int64_t ephemeral_storage = 512;
  std::vector<std::string> layers;
  std::string description;
  // Environment variables: those without secrets here; those that use a secret (`${secrets.X}`
  // or a secret config variable) by reference, for the delegate to render. Secrets are allowed
  // only in environment values.
  std::map<std::string, std::string> environment;
  std::map<std::string, SecretText> secret_environment;
  model::TracingMode tracing = model::TracingMode::kPassThrough;
  std::optional<std::string> dead_letter_target;
  std::optional<std::string> kms_key;
  std::map<std::string, std::string> tags;
  std::vector<std::string> aliases;  // default: {environment name}
  std::string execution_role;
  std::vector<std::string> subnets;
  std::vector<std::string> security_groups;
};

// kInvalidArgument naming the function and field for a template that cannot be rendered or a
// rendered value Lambda would reject; kFailedPrecondition when the infrastructure is scoped to
// other services or lacks what a deploy needs (execution role, region).
Result<std::vector<ResolvedFunction>> ResolveFunctionSpecs(const ResolveInput& input);

// The layering alone (no rendering): `base` with every field `layer` sets replacing it.
model::FunctionSpec MergeFunctionSpec(const model::FunctionSpec& base,
                                      const model::FunctionSpec& layer);

}  // namespace ferry::config
