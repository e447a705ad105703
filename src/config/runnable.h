// What Ferry can run today: the configuration that validates and is stored but that nothing
// executes yet, and what to tell the user about it.
//
// One source of truth for two places:
// - `ferry validate` and `ferry apply` print a warning for each part of the configuration that
//   cannot run yet (LoadConfig fills LoadedConfig::warnings from CheckRunnable) and still exit 0;
// - the deploy path refuses the same parts with kUnimplemented (HTTP 501) using the same
//   functions: api/deploy_config.cc (CheckExecutable: WorkflowNotRunnable; ResolveSecret:
//   SecretNotRunnable) and api/deploy_service.cc (PackageNotRunnable). So a configuration that
//   validates without warnings never gets a 501, and every 501 was a warning first.
//
// The table is in runnable.cc: one line per strategy, failure strategy, step type, secret
// source, package type and entity kind, each either kRuns or the feature that is not yet
// implemented, plus kMaxDeploySteps. When the engine learns to run something, making Ferry accept
// it is a one-line change there: e.g. `{WorkflowStrategy::kCanary, "canary traffic shifting"}`
// becomes `{WorkflowStrategy::kCanary, kRuns}`; the warning disappears and deploys stop refusing
// it, together.
//
// Messages name entities, steps, functions and enum values only: never a secret's `ref`, a step's
// `with` parameters or any other free text of the configuration. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "model/entities.h"

namespace ferry::config {

// One part of an entity that Ferry cannot run yet.
struct NotRunnable {
  std::string path;     // JSON pointer into the entity ("/steps/1/type"); "" for the whole entity
  std::string message;  // what cannot run, e.g. "workflow canary-prod: step verify is of type
                        // verify, which Ferry cannot run yet (not yet implemented: ...)"
  std::string effect;   // what that means meanwhile, e.g. "a deployment with this workflow is
                        // refused (HTTP 501) until it runs"

  // "MESSAGE; EFFECT": the text `ferry validate` prints.
  std::string Warning() const;
  // kUnimplemented with MESSAGE: the refusal of the deploy path.
  Error ToError() const;
};

// Everything in `workflow` Ferry cannot run yet, in field order (strategy, failure strategy,
// steps); empty when it runs.
std::vector<NotRunnable> WorkflowNotRunnable(const model::Workflow& workflow);

// Set when Ferry cannot read the secret's source yet.
std::optional<NotRunnable> SecretNotRunnable(const model::SecretRef& secret);

// Set when Ferry cannot deploy functions of `type` yet. `subject` names what sets the type
// ("function api"), `path` is where ("/functions/0/packageType").
std::optional<NotRunnable> PackageNotRunnable(model::PackageType type, std::string_view subject,
                                              std::string path = "");

// Everything in `entity` Ferry cannot run yet (any kind; workflows as above, secrets, image
// functions in services and environment overrides, pipelines and triggers).
// A trigger's parts that do not run: a pipeline target or pipelineCompleted condition (until
// pipelines run), artifactSelection last-deployed.
std::vector<NotRunnable> TriggerNotRunnable(const model::Trigger& trigger);
std::vector<NotRunnable> EntityNotRunnable(const model::Entity& entity);

struct RunnableWarning {
  size_t entity = 0;  // index into the checked entities
  NotRunnable part;
};

// The warnings for the first `checked_count` entities, in entity order.
std::vector<RunnableWarning> CheckRunnable(const std::vector<model::Entity>& entities,
                                           size_t checked_count = SIZE_MAX);

}  // namespace ferry::config
