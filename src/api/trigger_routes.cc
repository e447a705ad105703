// GET /api/v1/triggers (the triggers with their state: view permission, only applications the
// caller may view; the webhook URL only to callers who may manage the trigger's configuration)
// and POST /hooks/{id} (a webhook: no token, the signature is the authentication; see
// triggers/webhook.h).
#include "api/json_views.h"
#include "api/request_input.h"
#include "api/router.h"
#include "common/secret_mask.h"
#include "common/strings.h"
#include "common/time.h"
#include "model/enums.h"
#include "model/json_codec.h"
#include "triggers/trigger_engine.h"

namespace ferry::api {
namespace {

Json OptionalTime(const std::optional<TimePoint>& t) {
  return t ? Json(FormatRfc3339(*t)) : Json(nullptr);
}

std::string TypeOf(const model::Trigger& t) {
  if (t.new_artifact) return "newArtifact";
  if (t.schedule) return "schedule";
  if (t.webhook) {
    return t.webhook->type == model::WebhookType::kGithubPush ? "webhook/github-push"
                                                              : "webhook/generic";
  }
  if (t.pipeline_completed) return "pipelineCompleted";
  return "unknown";
}

Result<ApiResponse> ListTriggers(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {"application"}));
  FERRY_ASSIGN_OR_RETURN(auto app, QueryName(request, "application"));
  FERRY_ASSIGN_OR_RETURN(
      auto records, ctx.store.entities().List(model::StoreKindName(model::Kind::kTrigger), app));
  std::map<std::pair<std::string, std::string>, store::TriggerState> states;
  FERRY_ASSIGN_OR_RETURN(auto rows, ctx.store.triggers().List(app.value_or("")));
  for (auto& s : rows) states[{s.application, s.name}] = std::move(s);
  Json items = Json::array();
  for (const store::EntityRecord& r : records) {
    if (!Covers(request.principal, Permission::kView, r.key.application, std::nullopt)) continue;
    auto entity = model::EntityFromJson(r.spec_json);
    if (!entity.ok()) continue;
    const auto* t = std::get_if<model::Trigger>(&*entity);
    if (t == nullptr) continue;
    Json item{{"application", t->application},
              {"name", t->name},
              {"type", TypeOf(*t)},
              {"target",
               t->pipeline ? "pipeline " + *t->pipeline : "workflow " + t->workflow.value_or("?")},
              {"enabled", t->enabled},
              {"lastFireAt", nullptr},
              {"lastExecution", nullptr},
              {"nextRunAt", nullptr},
              {"lastError", nullptr},
              {"lastErrorAt", nullptr}};
    if (auto it = states.find({t->application, t->name}); it != states.end()) {
      const store::TriggerState& s = it->second;
      item["lastFireAt"] = OptionalTime(s.last_fire_at);
      if (!s.last_execution.empty()) item["lastExecution"] = s.last_execution;
      if (t->schedule) item["nextRunAt"] = OptionalTime(s.next_run_at);
      // The poller saves its listing point after every poll.
      if (t->new_artifact) item["lastPollAt"] = FormatRfc3339(s.updated_at);
      if (!s.last_error.empty()) item["lastError"] = MaskSecrets(s.last_error);
      item["lastErrorAt"] = OptionalTime(s.last_error_at);
    }
    if (t->webhook && ctx.triggers != nullptr &&
        Covers(request.principal, Permission::kManageConfig, t->application, std::nullopt)) {
      auto id = ctx.triggers->HookIdOf(t->application, t->name);
      if (id.ok()) item["webhookPath"] = "/hooks/" + *id;
    }
    items.push_back(std::move(item));
  }
  return JsonReply(200, {{"items", std::move(items)}});
}

Result<ApiResponse> ReceiveWebhook(RouteContext& ctx, const ApiRequest& request,
                                   const std::string& id) {
  if (ctx.triggers == nullptr) {
    return Error{ErrorCode::kUnimplemented, "this server runs no triggers", {}};
  }
  triggers::WebhookRequest in;
  in.headers = request.headers;
  in.body = request.body;
  FERRY_ASSIGN_OR_RETURN(auto outcome, ctx.triggers->HandleWebhook(id, in));
  Json body{{"message", outcome.message}};
  if (!outcome.execution_id.empty()) body["execution"] = outcome.execution_id;
  return JsonReply(outcome.status, body);
}

}  // namespace

void AddTriggerRoutes(Router& router, RouteContext& ctx) {
  router.Add("GET", "/api/v1/triggers", Permission::kView,
             [&ctx](const ApiRequest& r, const PathParams&) { return ListTriggers(ctx, r); });
  router.AddWebhook("POST", "/hooks/{id}", [&ctx](const ApiRequest& r, const PathParams& p) {
    return ReceiveWebhook(ctx, r, p.at("id"));
  });
}

}  // namespace ferry::api
