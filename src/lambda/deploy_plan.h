// Lambda deploy planning (FEATURES.md F-DEPLOY 2–5), pure.
//
// The planner is a function of state: NextDeployAction looks at what a deployment wants and what
// AWS holds *now* and returns the one call that moves the function closest to the goal (or kDone).
// The executor loops: read, ask, call, fold the response into its view, ask again. Because the
// decision depends only on observed state, a re-run after a crash picks up where the first run
// stopped, and a re-run after a completed run makes no mutating call at all.
//
// The order is F-DEPLOY's: create (tags included) and wait Active, or wait out an update in
// progress; learn the artifact's CodeSha256 (UpdateFunctionCode DryRun) when unknown; update code
// only when the sha or the architecture differs; update configuration only when a field differs
// (sending only the changed fields); publish guarded by CodeSha256 + RevisionId unless a version
// with this code and configuration exists already; create or move aliases guarded by their
// RevisionId; untag the keys Ferry declared before and no longer declares, then tag.
//
// PlanDeploy runs the same decision against a simulated function to list every call a deploy
// would make (`ferry plan`); values not known before the calls run appear as "<...>" placeholders.
//
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "lambda/function_state.h"

namespace ferry::lambda {

enum class DeployActionKind {
  kCreateFunction,       // config, code, tags
  kWaitUntilActive,      // FunctionActiveV2
  kWaitUntilUpdated,     // FunctionUpdatedV2
  kResolveCodeSha,       // UpdateFunctionCode DryRun: code, config.architectures
  kUpdateCode,           // code, config.architectures, revision_id
  kUpdateConfiguration,  // config, changed_fields, revision_id
  kPublishVersion,       // code_sha256, revision_id, description
  kCreateAlias,          // alias, version, weights
  kUpdateAlias,          // alias, version, weights, revision_id
  kUntagResource,        // tag_keys
  kTagResource,          // tags
  kDone,                 // version: the deployed version
};

std::string_view DeployActionName(DeployActionKind kind);  // "CreateFunction", ...
// True for the kinds that change something in AWS.
bool IsMutating(DeployActionKind kind);

struct DeployAction {
  DeployActionKind kind = DeployActionKind::kDone;
  std::string function_name;
  FunctionConfig config;
  CodeSource code;
  std::vector<std::string> changed_fields;  // kUpdateConfiguration: AWS member names
  std::map<std::string, std::string> tags;  // kCreateFunction, kTagResource
  std::vector<std::string> tag_keys;        // kUntagResource
  std::string alias;
  std::string version;  // alias target; kDone: the deployed version
  RoutingWeights weights;
  std::string code_sha256;  // kPublishVersion guard
  std::string revision_id;  // guard of kUpdateCode, kUpdateConfiguration, kPublishVersion,
                            // kUpdateAlias
  std::string description;  // kPublishVersion
  std::string reason;       // why this call, for logs and plans (never holds a secret)
};

// Checks a desired function before anything is called: a function name, exactly one code source,
// a role, runtime and handler for Zip packages, valid alias names, no "aws:" tag keys.
Status ValidateDesired(const DesiredFunction& desired);

// The next call of a deployment (see the file comment). Errors:
//   kInvalidArgument    — ValidateDesired failed.
//   kFailedPrecondition — the function is in state Failed, or its package type differs from the
//                         desired one (Lambda cannot change it).
Result<DeployAction> NextDeployAction(const DesiredFunction& desired,
                                      const ObservedFunction& current);

// The new state of a function after action succeeded as predicted (used by PlanDeploy; the
// executor folds real responses instead). Unknown values become "<...>" placeholders.
ObservedFunction SimulateDeployAction(const DesiredFunction& desired,
                                      const ObservedFunction& current, const DeployAction& action);

// Every call a deploy would make, the final kDone included. When the artifact's sha is unknown
// the plan assumes the code changed. kInternal if the decisions do not converge (a bug).
Result<std::vector<DeployAction>> PlanDeploy(const DesiredFunction& desired,
                                             const ObservedFunction& current);

// One line per action for logs and `ferry plan`, e.g.
//   "UpdateFunctionConfiguration my-fn [MemorySize, Environment] (RevisionId 3f2c...)".
// Environment values never appear.
std::string DescribeDeployAction(const DeployAction& action);

}  // namespace ferry::lambda
