// POST /api/v1/deployments and POST /api/v1/rollbacks: start executions through DeployService,
// once per Idempotency-Key; POST /api/v1/plans and GET /api/v1/plans/{id}: plans; GET
// /api/v1/freezes: the freeze windows' state now.
#include "api/access_check.h"
#include "api/deploy_freeze.h"
#include "api/json_views.h"
#include "api/request_input.h"
#include "api/request_actor.h"
#include "api/router.h"
#include "common/strings.h"
#include "common/time.h"
#include "lambda/tasks.h"
#include "model/enums.h"
#include "store/limits.h"

namespace ferry::api {
namespace {

Result<std::optional<std::string>> IdempotencyKey(const ApiRequest& request) {
  auto it = request.headers.find("idempotency-key");
  if (it == request.headers.end()) return std::optional<std::string>();
  const std::string& key = it->second;
  if (key.empty() || key.size() > store::kMaxNameBytes) {
    return InvalidArgument("Idempotency-Key must be 1 to " + std::to_string(store::kMaxNameBytes) +
                           " characters");
  }
  for (char c : key) {
    if (c < 0x21 || c > 0x7e) {
      return InvalidArgument("Idempotency-Key must be printable ASCII without spaces");
    }
  }
  return std::optional<std::string>(key);
}

Result<std::string> RequiredName(const Json& body, std::string_view field) {
  FERRY_ASSIGN_OR_RETURN(std::string value, RequiredString(body, field));
  FERRY_RETURN_IF_ERROR(CheckName(StrCat({"field '", field, "'"}), value));
  return value;
}

Result<std::optional<std::string>> OptionalName(const Json& body, std::string_view field) {
  FERRY_ASSIGN_OR_RETURN(auto value, OptionalString(body, field));
  if (value) FERRY_RETURN_IF_ERROR(CheckName(StrCat({"field '", field, "'"}), *value));
  return value;
}

// An execution created by this request (201) or an earlier one with the same key (200): the
// store's insert decides, so of two concurrent first requests with one key exactly one is 201.
ApiResponse Started(RouteContext& ctx, const store::ExecutionRecord& execution, bool created,
                    Json extra = Json::object()) {
  auto steps = ctx.store.executions().Steps(execution.id);
  TimePoint now = ctx.clock.Now();
  Json body = steps.ok() ? ExecutionJson(execution, *steps, now) : ExecutionJson(execution, now);
  for (auto& [key, value] : extra.items()) body[key] = std::move(value);
  ApiResponse reply = JsonReply(created ? 201 : 200, body);
  reply.headers.emplace_back("Location", "/api/v1/executions/" + execution.id);
  return reply;
}

bool ValidFreezeOverrideReason(std::string_view text) {
  if (!IsValidUtf8(text)) return false;
  size_t characters = 0;
  bool visible = false;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return false;
    if ((c & 0xC0) != 0x80) ++characters;
    if (c != ' ') visible = true;
  }
  return visible && characters <= 500;
}

// "freezeOverride": {"reason": "…"}: 1-500 characters of text, no control characters.
Result<std::string> ParseFreezeOverride(const Json& value) {
  if (!value.is_object()) {
    return InvalidArgument("'freezeOverride' must be an object {\"reason\": \"…\"}");
  }
  for (const auto& [key, member] : value.items()) {
    if (key != "reason") {
      return InvalidArgument("'freezeOverride' has an unknown field " + QuoteForMessage(key, 60) +
                             "; it takes only 'reason'");
    }
  }
  auto reason = value.find("reason");
  if (reason == value.end() || !reason->is_string()) {
    return InvalidArgument("'freezeOverride.reason' must be a string saying why");
  }
  const std::string text = reason->get<std::string>();
  if (!ValidFreezeOverrideReason(text)) {
    return InvalidArgument(
        "'freezeOverride.reason' must be 1-500 characters of UTF-8 text without control "
        "characters, and not only spaces");
  }
  return text;
}

// The body of POST /deployments and POST /plans: what to deploy where.
Result<DeploymentInput> ParseDeploymentBody(RouteContext& ctx, const ApiRequest& request) {
  const size_t max_body_bytes = ctx.max_body_bytes;
  FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, max_body_bytes));
  FERRY_RETURN_IF_ERROR(
      RejectUnknownFields(body, {"application", "service", "environment", "workflow", "artifactId",
                                 "artifact", "allowOutsideArtifactSource", "freezeOverride"}));
  DeploymentInput input;
  FERRY_ASSIGN_OR_RETURN(input.application, RequiredName(body, "application"));
  FERRY_ASSIGN_OR_RETURN(input.service, RequiredName(body, "service"));
  FERRY_ASSIGN_OR_RETURN(input.environment, RequiredName(body, "environment"));
  FERRY_ASSIGN_OR_RETURN(input.workflow, OptionalName(body, "workflow"));
  FERRY_ASSIGN_OR_RETURN(input.artifact_id, OptionalName(body, "artifactId"));
  if (auto it = body.find("artifact"); it != body.end() && !it->is_null()) {
    if (input.artifact_id) {
      return InvalidArgument("give either 'artifactId' or 'artifact', not both");
    }
    FERRY_ASSIGN_OR_RETURN(input.artifact, ParseArtifactLocation(*it, "artifact"));
  }
  if (auto it = body.find("allowOutsideArtifactSource"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) return InvalidArgument("'allowOutsideArtifactSource' must be a boolean");
    input.allow_outside_artifact_source = it->get<bool>();
  }
  FERRY_RETURN_IF_ERROR(
      RequireOn(ctx.store, request, Permission::kDeploy, input.application, input.environment));
  if (input.allow_outside_artifact_source &&
      !RequireOn(ctx.store, request, Permission::kAdmin, input.application, input.environment)
           .ok()) {
    return Error{ErrorCode::kPermissionDenied,
                 "only an admin may deploy an artifact from outside the service's "
                 "artifact source ('allowOutsideArtifactSource')",
                 {}};
  }
  if (auto it = body.find("freezeOverride"); it != body.end() && !it->is_null()) {
    FERRY_ASSIGN_OR_RETURN(input.freeze_override_reason, ParseFreezeOverride(*it));
    if (!RequireOn(ctx.store, request, Permission::kAdmin, input.application, input.environment)
             .ok()) {
      return Error{ErrorCode::kPermissionDenied,
                   "only an admin token may deploy through a freeze window ('freezeOverride')",
                   {}};
    }
  }
  store::Actor actor = ActorOf(request);
  input.actor = std::move(actor.name);
  input.actor_source = std::move(actor.source);
  return input;
}

Result<ApiResponse> StartDeployment(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_ASSIGN_OR_RETURN(DeploymentInput input, ParseDeploymentBody(ctx, request));
  FERRY_ASSIGN_OR_RETURN(input.idempotency_key, IdempotencyKey(request));
  input.trigger = "manual";
  bool created = true;
  FERRY_ASSIGN_OR_RETURN(auto execution, ctx.deploys.Deploy(input, &created));
  return Started(ctx, execution, created);
}

Result<ApiResponse> StartRollback(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, ctx.max_body_bytes));
  FERRY_RETURN_IF_ERROR(
      RejectUnknownFields(body, {"application", "service", "environment", "toExecution"}));
  RollbackInput input;
  FERRY_ASSIGN_OR_RETURN(input.application, RequiredName(body, "application"));
  FERRY_ASSIGN_OR_RETURN(input.service, RequiredName(body, "service"));
  FERRY_ASSIGN_OR_RETURN(input.environment, RequiredName(body, "environment"));
  FERRY_ASSIGN_OR_RETURN(input.to_execution, OptionalName(body, "toExecution"));
  FERRY_RETURN_IF_ERROR(
      RequireOn(ctx.store, request, Permission::kRollback, input.application, input.environment));
  FERRY_ASSIGN_OR_RETURN(input.idempotency_key, IdempotencyKey(request));
  store::Actor actor = ActorOf(request);
  input.actor = std::move(actor.name);
  input.actor_source = std::move(actor.source);
  bool created = true;
  FERRY_ASSIGN_OR_RETURN(auto rollback, ctx.deploys.Rollback(input, &created));
  // What it restores, for the person who asked: which execution it undoes or restores to.
  Json what{{"rollback",
             {{rollback.undo ? "undoes" : "restoresTo", rollback.target},
              {"description", rollback.description}}}};
  return Started(ctx, rollback.execution, created, std::move(what));
}

// Plans: what a deploy would do, from live reads, changing nothing (DeployService::StartPlan: a
// lambda.plan task a delegate runs). POST and GET hold the request until the plan is ready or
// `wait` seconds pass: 200 with the plan when it ended, 202 with its status while it runs (GET
// the Location again).
constexpr int64_t kDefaultPlanWaitSeconds = 60;
constexpr int64_t kMaxPlanWaitSeconds = 300;

std::string_view PlanStatusName(store::TaskStatus status) {
  switch (status) {
    case store::TaskStatus::kQueued:
      return "queued";
    case store::TaskStatus::kLeased:
      return "running";
    case store::TaskStatus::kSucceeded:
      return "succeeded";
    default:
      return "failed";
  }
}

ApiResponse PlanReply(const PlanStatus& plan) {
  const bool ended = store::IsTerminal(plan.status);
  Json body = Json::object();
  if (plan.result) {
    auto encoded = ParseJson(lambda::EncodePlanResult(*plan.result));
    if (encoded.ok()) body = std::move(encoded).value();
    bool changes = false;
    for (const auto& f : plan.result->functions) changes |= f.changes();
    body["changes"] = changes;
  }
  body["id"] = plan.id;
  body["status"] = PlanStatusName(plan.status);
  if (plan.error) body["error"] = *plan.error;
  ApiResponse reply = JsonReply(ended ? 200 : 202, MaskedDocument(DumpJson(body)));
  reply.headers.emplace_back("Location", "/api/v1/plans/" + plan.id);
  return reply;
}

// Re-reads the plan until it ended, `wait_s` passed or the server stops.
Result<ApiResponse> AwaitPlan(RouteContext& ctx, const std::string& id, int64_t wait_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
  bool holding_slot = false;
  struct SlotRelease {
    WaitSlots& slots;
    bool& held;
    ~SlotRelease() {
      if (held) slots.Give();
    }
  } release{ctx.wait_slots, holding_slot};
  while (true) {
    const uint64_t seen = ctx.ChangeGeneration();  // before the read: no change is missed
    FERRY_ASSIGN_OR_RETURN(auto plan, ctx.deploys.GetPlan(id));
    const auto now = std::chrono::steady_clock::now();
    if (store::IsTerminal(plan.status) || now >= deadline || ctx.stop.stopped()) {
      return PlanReply(plan);
    }
    if (!holding_slot && !(holding_slot = ctx.wait_slots.TryTake())) {
      ApiResponse busy = PlanReply(plan);  // too many waiting: poll again later
      busy.headers.emplace_back("Retry-After", "1");
      return busy;
    }
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    if (ctx.WaitForChange(seen, std::min(left, ctx.stream_poll))) {
      FERRY_ASSIGN_OR_RETURN(plan, ctx.deploys.GetPlan(id));
      return PlanReply(plan);
    }
  }
}

Result<ApiResponse> StartPlan(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {"wait"}));
  FERRY_ASSIGN_OR_RETURN(
      int64_t wait_s, QueryInt(request, "wait", kDefaultPlanWaitSeconds, 0, kMaxPlanWaitSeconds));
  FERRY_ASSIGN_OR_RETURN(DeploymentInput input, ParseDeploymentBody(ctx, request));
  FERRY_ASSIGN_OR_RETURN(auto plan, ctx.deploys.StartPlan(input));
  FERRY_RETURN_IF_ERROR(RecordAction(ctx.store.audit(), request,
                                     {.action = "plan.start",
                                      .application = input.application,
                                      .subject_type = "plan",
                                      .subject_id = plan.id,
                                      .details_json = DumpJson(Json{
                                          {"service", input.service},
                                          {"environment", input.environment}})}));
  return AwaitPlan(ctx, plan.id, wait_s);
}

Result<ApiResponse> StartDriftCheck(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {"wait"}));
  FERRY_ASSIGN_OR_RETURN(
      int64_t wait_s, QueryInt(request, "wait", kDefaultPlanWaitSeconds, 0, kMaxPlanWaitSeconds));
  FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, ctx.max_body_bytes));
  FERRY_RETURN_IF_ERROR(RejectUnknownFields(body, {"application", "service", "environment"}));
  FERRY_ASSIGN_OR_RETURN(std::string application, RequiredName(body, "application"));
  FERRY_ASSIGN_OR_RETURN(std::string service, RequiredName(body, "service"));
  FERRY_ASSIGN_OR_RETURN(std::string environment, RequiredName(body, "environment"));
  // Like a plan: reads through a delegate, so the permission to deploy there.
  FERRY_RETURN_IF_ERROR(RequireOn(ctx.store, request, Permission::kDeploy, application, environment));
  FERRY_ASSIGN_OR_RETURN(auto plan,
                         ctx.deploys.StartDriftCheck(application, service, environment,
                                                     request.actor));
  return AwaitPlan(ctx, plan.id, wait_s);
}

// Every freeze window and its state now, by the server's clock (docs/api.md).
Result<ApiResponse> ListFreezes(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  const TimePoint now = ctx.clock.Now();
  FERRY_ASSIGN_OR_RETURN(auto windows, deploy::FreezeStates(ctx.store.entities(), now));
  auto time = [](const std::optional<TimePoint>& t) {
    return t ? Json(FormatRfc3339(*t)) : Json(nullptr);
  };
  auto text = [](const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); };
  // A window shows when it applies to an application the caller may view, with only those of
  // its applications (docs/security.md, "Scoped reads").
  ReadScope scope(ctx.store, request.principal);
  Json items = Json::array();
  for (const auto& [w, state] : windows) {
    std::optional<std::vector<std::string>> applications = w.applications;
    if (applications && !scope.All()) {
      std::erase_if(*applications, [&](const std::string& a) { return !scope.Application(a); });
      if (applications->empty()) continue;
    }
    Json types = Json(nullptr);
    if (w.environment_types) {
      types = Json::array();
      for (auto t : *w.environment_types) types.push_back(std::string(model::EnumName(t)));
    }
    items.push_back({{"name", w.name},
                     {"enabled", w.enabled},
                     {"timeZone", w.time_zone},
                     {"applications", applications ? Json(*applications) : Json(nullptr)},
                     {"environmentTypes", types},
                     {"active", state.active},
                     {"until", time(state.until)},
                     {"untilLocal", text(state.until_text)},
                     {"nextStart", time(state.next_start)},
                     {"nextStartLocal", text(state.next_start_text)},
                     {"nextEnd", time(state.next_end)},
                     {"nextEndLocal", text(state.next_end_text)}});
  }
  return JsonReply(200, Json{{"items", items}, {"now", FormatRfc3339(now)}});
}

Result<ApiResponse> GetPlan(RouteContext& ctx, const ApiRequest& request, const std::string& id) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {"wait"}));
  FERRY_ASSIGN_OR_RETURN(int64_t wait_s, QueryInt(request, "wait", 0, 0, kMaxPlanWaitSeconds));
  // View (or deploy) on the plan's application and environment type.
  FERRY_ASSIGN_OR_RETURN(auto plan, ctx.deploys.GetPlan(id));
  ReadScope view(ctx.store, request.principal);
  ReadScope deploy(ctx.store, request.principal, Permission::kDeploy);
  if (!deploy.Environment(plan.application, plan.environment)) {
    FERRY_RETURN_IF_ERROR(view.Require(plan.application, plan.environment));
  }
  return AwaitPlan(ctx, id, wait_s);
}

}  // namespace

void AddDeployRoutes(Router& router, RouteContext& ctx) {
  router.Add("POST", "/api/v1/deployments", Permission::kDeploy,
             [&ctx](const ApiRequest& r, const PathParams&) { return StartDeployment(ctx, r); });
  router.Add("POST", "/api/v1/rollbacks", Permission::kRollback,
             [&ctx](const ApiRequest& r, const PathParams&) { return StartRollback(ctx, r); });
  router.Add("POST", "/api/v1/plans", Permission::kDeploy,
             [&ctx](const ApiRequest& r, const PathParams&) { return StartPlan(ctx, r); });
  router.Add("POST", "/api/v1/drift", Permission::kDeploy,
             [&ctx](const ApiRequest& r, const PathParams&) { return StartDriftCheck(ctx, r); });
  router.Add("GET", "/api/v1/freezes", Permission::kView,
             [&ctx](const ApiRequest& r, const PathParams&) { return ListFreezes(ctx, r); });
  router.Add(
      "GET", "/api/v1/plans/{id}", Permission::kView,
      [&ctx](const ApiRequest& r, const PathParams& p) { return GetPlan(ctx, r, p.at("id")); });
}

}  // namespace ferry::api
