// DeployService internals: reading the configuration entities a deployment needs from the store
// and choosing among them (infrastructure, workflow), and resolving secret references. Every
// error names what the user must fix. Not part of the API module's interface.
// Thread-safe (the store is).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "api/secret_policy.h"
#include "common/clock.h"
#include "common/result.h"
#include "api/secret_box.h"
#include "lambda/aws_secret.h"
#include "model/entities.h"
#include "store/entity_store.h"

namespace ferry::api::deploy {

// The entities of one (application, service, environment).
struct Scope {
  model::Application application;
  model::Service service;
  model::Environment environment;
};

// kNotFound naming the missing entity (with a did-you-mean when one is close).
Result<Scope> LoadScope(store::EntityStore& entities, const std::string& application,
                        const std::string& service, const std::string& environment);

// kNotFound when the cloud provider does not exist.
Result<model::CloudProvider> LoadCloudProvider(store::EntityStore& entities,
                                               const std::string& name);

// The workflow to run: `name` when given (kNotFound; kInvalidArgument when it deploys another
// service or environment), else the application's only workflow whose service and environment
// match (a templatized environment "${workflow.variables.V}" matches when V allows it).
// kNotFound when none matches, kInvalidArgument listing the candidates when several do.
// Fills `variables` with the workflow variables (the environment's, then defaults); a required
// variable without a value is kInvalidArgument.
// `given` (a pipeline stage's values) sets declared variables first; an undeclared name or a
// value outside `allowed` is kInvalidArgument.
Result<model::Workflow> ChooseWorkflow(store::EntityStore& entities, const Scope& scope,
                                       const std::optional<std::string>& name,
                                       std::map<std::string, std::string>* variables,
                                       const std::map<std::string, std::string>& given = {});

// Whether the engine can execute the workflow today, per config/runnable.h (the table `ferry
// validate` warns from): kUnimplemented with the first part it cannot run (a strategy, failure
// strategy or step type not yet implemented, several deploy steps). Returns the deploy step's
// timeout (default kDefaultStepTimeout); kInvalidArgument for an unparsable one.
Result<Duration> CheckExecutable(const model::Workflow& workflow);

// The infrastructure of scope.environment to deploy scope.service to: `name` when given, else
// the only one whose services include the service (or list none). kFailedPrecondition when none
// applies, kInvalidArgument listing them when several do.
Result<model::Infrastructure> ChooseInfrastructure(const Scope& scope,
                                                   const std::optional<std::string>& name);

// The SecretRef of that name: kNotFound (with a did-you-mean) for an unknown secret, and
// kUnimplemented for the sources config/runnable.h marks not yet implemented.
Result<model::SecretRef> LoadSecretRef(store::EntityStore& entities, std::string_view name);

// A secret's value by SecretRef name, registered with SecretMasker. Sources env (a variable of
// the server's environment named with policy.env_prefix) and file (a regular file inside
// policy.file_dir: its content, one trailing newline removed, at most 64 KiB; opened
// non-blocking, so a FIFO or device is refused instead of waited on) are read here; the AWS
// sources are kFailedPrecondition (the delegate reads them, see AwsSecretOf); source ferry is
// opened from `ferry` (kFailedPrecondition when no key is configured or no value is stored: the
// message says how to set one). kNotFound for an unknown secret; kFailedPrecondition when the
// variable or file is missing or outside the policy.
// `source: ferry` values: the store holding them sealed and the keys that open them.
struct FerrySecrets {
  store::SecretValueStore* values = nullptr;
  const SecretKeyring* keys = nullptr;
};
Result<std::string> ResolveSecret(store::EntityStore& entities, std::string_view name,
                                  const SecretPolicy& policy, const FerrySecrets& ferry = {});

// The connection's credentials as the delegate needs them: names and ids, never a secret value.
lambda::TargetCredentials TargetCredentialsOf(const model::CloudProvider& provider);

// Where a secret of source aws-secrets-manager or aws-ssm-parameter is read, for the delegate
// (nullopt for the other sources). The connection is the secret's cloudProvider (its endpoint,
// credentials and region), or the delegate's own credentials without one; the region is the
// ARN's when `ref` is an ARN, else the cloud provider's, else default_region.
// kNotFound for an unknown secret or cloud provider.
Result<std::optional<lambda::AwsSecretRef>> AwsSecretOf(store::EntityStore& entities,
                                                        std::string_view name,
                                                        const std::string& default_region);

}  // namespace ferry::api::deploy
