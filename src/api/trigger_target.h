// The trigger engine's way into deployments (triggers/trigger_target.h): a trigger whose
// target is a workflow starts it through DeployService, with the trigger as the actor
// ("trigger:APP/NAME"), trigger "trigger", the fire as the execution's recorded cause, the
// trigger's variables as workflow variables, and an idempotency key per fire. Freeze windows
// refuse it as they refuse any deployment (DeployService::Deploy), and that refusal, naming the
// window, becomes the trigger's last error.
//
// The workflow's service is deployed to its environment; a templatized workflow's environment
// comes from the trigger's variable of that name (`variables: {env: dev}`), else the variable's
// default. Thread-safe as DeployService is.
#pragma once

#include "api/deploy_service.h"
#include "api/secret_policy.h"
#include "triggers/trigger_engine.h"
#include "triggers/trigger_target.h"

namespace ferry::api {

class WorkflowTriggerTarget final : public triggers::TriggerTarget {
 public:
  WorkflowTriggerTarget(store::Store& store, DeployService& deploys)
      : store_(store), deploys_(deploys) {}
  Result<std::string> Start(const triggers::TriggerFire& fire) override;

 private:
  store::Store& store_;
  DeployService& deploys_;
};

// Reads a webhook trigger's key the way deployments read secrets (deploy_config.h's
// ResolveSecret: env, file or Ferry's encrypted store; the AWS sources are read by delegates,
// so a webhook key cannot come from them: kUnimplemented). `keys` may be null.
triggers::SecretReader WebhookSecretReader(store::Store& store, const SecretPolicy& policy,
                                           const SecretKeyring* keys);

}  // namespace ferry::api
