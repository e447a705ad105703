#include "api/trigger_target.h"

#include "api/deploy_config.h"
#include "model/enums.h"
#include "model/json_codec.h"

namespace ferry::api {
namespace {

// "x" when `text` is exactly "${workflow.variables.x}".
std::optional<std::string> VariableNamed(const std::string& text) {
  constexpr std::string_view kOpen = "${workflow.variables.";
  if (!text.starts_with(kOpen) || !text.ends_with("}")) return std::nullopt;
  return text.substr(kOpen.size(), text.size() - kOpen.size() - 1);
}

}  // namespace

Result<std::string> WorkflowTriggerTarget::Start(const triggers::TriggerFire& fire) {
  const model::Trigger& t = fire.trigger;
  if (!t.workflow) return InvalidArgument("trigger " + t.name + " targets no workflow");
  FERRY_ASSIGN_OR_RETURN(
      auto record, store_.entities().Get({std::string(model::StoreKindName(model::Kind::kWorkflow)),
                                          t.application, *t.workflow}));
  FERRY_ASSIGN_OR_RETURN(auto entity, model::EntityFromJson(record.spec_json));
  const auto* workflow = std::get_if<model::Workflow>(&entity);
  if (workflow == nullptr) return Internal("stored workflow " + *t.workflow + " does not decode");

  DeploymentInput in;
  in.application = t.application;
  in.service = workflow->service;
  in.environment = workflow->environment;
  if (auto variable = VariableNamed(workflow->environment)) {
    in.environment.clear();
    if (auto it = fire.variables.find(*variable); it != fire.variables.end()) {
      in.environment = it->second;
    } else {
      for (const auto& v : workflow->variables) {
        if (v.name == *variable && v.default_value) in.environment = *v.default_value;
      }
    }
    if (in.environment.empty()) {
      return InvalidArgument("workflow " + workflow->name +
                             " takes its environment from variable " + *variable +
                             "; set it in the trigger's variables");
    }
  }
  in.workflow = workflow->name;
  in.artifact_id = fire.artifact_id;
  in.actor = "trigger:" + t.application + "/" + t.name;
  in.trigger = "trigger";
  in.idempotency_key = fire.idempotency_key;
  in.variables = fire.variables;
  in.cause_json = fire.cause_json;
  FERRY_ASSIGN_OR_RETURN(auto execution, deploys_.Deploy(in));
  return execution.id;
}

triggers::SecretReader WebhookSecretReader(store::Store& store, const SecretPolicy& policy,
                                           const SecretKeyring* keys) {
  return [&store, policy, keys](const std::string& name) -> Result<std::string> {
    FERRY_ASSIGN_OR_RETURN(auto ref, deploy::LoadSecretRef(store.entities(), name));
    if (ref.source == model::SecretSource::kAwsSecretsManager ||
        ref.source == model::SecretSource::kAwsSsmParameter) {
      return Error{ErrorCode::kUnimplemented,
                   "a webhook key from " + std::string(model::EnumName(ref.source)) +
                       " is not yet supported; use source ferry, env or file",
                   {}};
    }
    const deploy::FerrySecrets ferry{&store.secret_values(), keys};
    return deploy::ResolveSecret(store.entities(), name, policy, ferry);
  };
}

}  // namespace ferry::api
