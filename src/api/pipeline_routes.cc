// Pipeline runs and approvals (docs/api.md, "Pipelines and approvals"):
//   POST /api/v1/applications/{app}/pipelines/{name}/executions — start a run (PipelineService)
//   POST /api/v1/executions/{id}/rerun — rerun a failed pipeline execution from its failed stage
//   GET  /api/v1/approvals, GET /api/v1/approvals/{id} — what waits, what was decided
//   POST /api/v1/approvals/{id} — approve or reject: the caller must hold `approve` on the
//        application and, when the approval names user groups, be a member of one of them.
// The store audits runs (execution.create) and decisions (approval.approve/reject) itself.
#include <algorithm>

#include "api/access_check.h"
#include "api/json_views.h"
#include "api/pipeline_service.h"
#include "api/request_actor.h"
#include "api/request_input.h"
#include "api/router.h"
#include "common/strings.h"
#include "model/validate.h"
#include "store/limits.h"

namespace ferry::api {
namespace {

constexpr size_t kMaxVariables = 64;
constexpr size_t kMaxValueBytes = 4096;
constexpr size_t kMaxCommentCharacters = 2000;

Result<PipelineService*> Pipelines(RouteContext& ctx) {
  if (ctx.pipelines == nullptr) {
    return Error{ErrorCode::kUnimplemented, "this server does not run pipelines", {}};
  }
  return ctx.pipelines;
}

// {"NAME": "value", ...}: bounded, names as variable names, values printable text.
Result<std::map<std::string, std::string>> ParseVariables(const Json& value,
                                                          std::string_view field) {
  if (!value.is_object()) return InvalidArgument(StrCat({"'", field, "' must be an object"}));
  if (value.size() > kMaxVariables) {
    return InvalidArgument(
        StrCat({"'", field, "' holds more than ", std::to_string(kMaxVariables), " variables"}));
  }
  std::map<std::string, std::string> out;
  for (const auto& [name, v] : value.items()) {
    if (auto problem = model::CheckVariableName(name); !problem.empty()) {
      return InvalidArgument(StrCat({"'", field, "': ", QuoteForMessage(name, 60), ": ", problem}));
    }
    if (!v.is_string()) {
      return InvalidArgument(StrCat({"'", field, ".", name, "' must be a string"}));
    }
    const std::string text = v.get<std::string>();
    if (text.size() > kMaxValueBytes || !IsValidUtf8(text)) {
      return InvalidArgument(StrCat({"'", field, ".", name, "' must be at most ",
                                     std::to_string(kMaxValueBytes), " bytes of UTF-8"}));
    }
    for (unsigned char c : text) {
      if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
        return InvalidArgument(
            StrCat({"'", field, ".", name, "' must not hold control characters"}));
      }
    }
    out[name] = text;
  }
  return out;
}

// The caller must be allowed to deploy to every environment the pipeline's stages name.
Status RequireDeployOnTargets(RouteContext& ctx, const ApiRequest& request, const std::string& app,
                              const std::string& pipeline) {
  // The application as a whole first (every environment type), so a caller without it learns
  // nothing about the pipeline.
  FERRY_RETURN_IF_ERROR(RequireOn(ctx.store, request, Permission::kDeploy, app, ""));
  FERRY_ASSIGN_OR_RETURN(PipelineService * pipelines, Pipelines(ctx));
  FERRY_ASSIGN_OR_RETURN(auto targets, pipelines->Targets(app, pipeline));
  for (const auto& env : targets.environments) {
    FERRY_RETURN_IF_ERROR(RequireOn(ctx.store, request, Permission::kDeploy, app, env));
  }
  return Ok();
}

ApiResponse Started(RouteContext& ctx, const store::ExecutionRecord& execution, bool created) {
  auto steps = ctx.store.executions().Steps(execution.id);
  const TimePoint now = ctx.clock.Now();
  ApiResponse reply =
      JsonReply(created ? 201 : 200,
                steps.ok() ? ExecutionJson(execution, *steps, now) : ExecutionJson(execution, now));
  reply.headers.emplace_back("Location", "/api/v1/executions/" + execution.id);
  return reply;
}

Result<ApiResponse> StartRun(RouteContext& ctx, const ApiRequest& request,
                             const PathParams& params) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_ASSIGN_OR_RETURN(PipelineService * pipelines, Pipelines(ctx));
  PipelineRunInput in;
  in.application = params.at("app");
  in.pipeline = params.at("name");
  FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, ctx.max_body_bytes));
  FERRY_RETURN_IF_ERROR(
      RejectUnknownFields(body, {"artifactId", "artifact", "variables", "freezeOverride"}));
  if (auto it = body.find("artifactId"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) return InvalidArgument("'artifactId' must be a string");
    FERRY_RETURN_IF_ERROR(CheckName("field 'artifactId'", it->get<std::string>()));
    in.artifact_id = it->get<std::string>();
  }
  if (auto it = body.find("artifact"); it != body.end() && !it->is_null()) {
    if (in.artifact_id) return InvalidArgument("give either 'artifactId' or 'artifact', not both");
    FERRY_ASSIGN_OR_RETURN(in.artifact, ParseArtifactLocation(*it, "artifact"));
  }
  if (auto it = body.find("variables"); it != body.end() && !it->is_null()) {
    FERRY_ASSIGN_OR_RETURN(in.variables, ParseVariables(*it, "variables"));
  }
  FERRY_RETURN_IF_ERROR(RequireDeployOnTargets(ctx, request, in.application, in.pipeline));
  if (auto it = body.find("freezeOverride"); it != body.end() && !it->is_null()) {
    if (!it->is_object() || !it->contains("reason") || !(*it)["reason"].is_string() ||
        it->size() != 1) {
      return InvalidArgument("'freezeOverride' must be {\"reason\": \"…\"}");
    }
    const std::string reason = (*it)["reason"].get<std::string>();
    size_t characters = 0;
    for (unsigned char c : reason) characters += (c & 0xC0) != 0x80;
    if (Trim(reason).empty() || characters > 500 || !IsValidUtf8(reason) ||
        std::any_of(reason.begin(), reason.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
      return InvalidArgument(
          "'freezeOverride.reason' must be 1-500 characters of text without control characters");
    }
    if (!RequireOn(ctx.store, request, Permission::kAdmin, in.application, "").ok()) {
      return Error{ErrorCode::kPermissionDenied,
                   "only an admin may run a pipeline through a freeze window ('freezeOverride')",
                   {}};
    }
    in.freeze_override_reason = reason;
  }
  if (auto key = request.Header("idempotency-key"); !key.empty()) {
    if (key.size() > store::kMaxNameBytes ||
        std::any_of(key.begin(), key.end(), [](char c) { return c < 0x21 || c > 0x7e; })) {
      return InvalidArgument("Idempotency-Key must be 1 to " +
                             std::to_string(store::kMaxNameBytes) +
                             " printable ASCII characters without spaces");
    }
    in.idempotency_key = key;
  }
  store::Actor actor = ActorOf(request);
  in.actor = std::move(actor.name);
  in.actor_source = std::move(actor.source);
  bool created = true;
  FERRY_ASSIGN_OR_RETURN(auto execution, pipelines->Start(in, &created));
  return Started(ctx, execution, created);
}

Result<ApiResponse> Rerun(RouteContext& ctx, const ApiRequest& request, const std::string& id) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_ASSIGN_OR_RETURN(PipelineService * pipelines, Pipelines(ctx));
  FERRY_RETURN_IF_ERROR(CheckName("execution id", id));
  if (!request.body.empty()) {
    FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, ctx.max_body_bytes));
    FERRY_RETURN_IF_ERROR(RejectUnknownFields(body, {}));
  }
  FERRY_ASSIGN_OR_RETURN(auto previous, ctx.store.executions().Get(id));
  FERRY_RETURN_IF_ERROR(
      RequireOn(ctx.store, request, Permission::kDeploy, previous.application, ""));
  if (!previous.pipeline || previous.workflow != kPipelineWorkflow) {
    return FailedPrecondition("execution " + id + " is not a pipeline execution");
  }
  FERRY_RETURN_IF_ERROR(
      RequireDeployOnTargets(ctx, request, previous.application, *previous.pipeline));
  store::Actor actor = ActorOf(request);
  FERRY_ASSIGN_OR_RETURN(auto execution, pipelines->Rerun(id, actor.name, actor.source));
  return Started(ctx, execution, true);
}

Result<ApiResponse> ListApprovals(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(
      RejectUnknownQuery(request, {"status", "application", "execution", "limit"}));
  store::ApprovalFilter filter;
  FERRY_ASSIGN_OR_RETURN(auto status, QueryName(request, "status"));
  if (!status) status = "waiting";
  if (*status != "all") {
    filter.status = store::ParseApprovalStatus(*status);
    if (!filter.status) {
      return InvalidArgument("status must be waiting, approved, rejected or all");
    }
  }
  FERRY_ASSIGN_OR_RETURN(filter.application, QueryName(request, "application"));
  FERRY_ASSIGN_OR_RETURN(filter.execution_id, QueryName(request, "execution"));
  FERRY_ASSIGN_OR_RETURN(filter.limit, ListLimit(request));
  FERRY_ASSIGN_OR_RETURN(auto approvals, ctx.store.approvals().List(filter));
  Json items = Json::array();
  for (const auto& a : approvals) {
    // Only what the caller may see: approvals of applications it holds `view` on.
    if (!Covers(request.principal, Permission::kView, a.application, std::nullopt)) continue;
    items.push_back(ApprovalJson(a));
  }
  return JsonReply(200, Json{{"items", items}});
}

Result<ApiResponse> GetApproval(RouteContext& ctx, const ApiRequest& request,
                                const std::string& id) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_RETURN_IF_ERROR(CheckName("approval id", id));
  FERRY_ASSIGN_OR_RETURN(auto a, ctx.store.approvals().Get(id));
  FERRY_RETURN_IF_ERROR(RequireOn(ctx.store, request, Permission::kView, a.application, ""));
  return JsonReply(200, ApprovalJson(a));
}

// The approver's values, checked against the approval's inputs: names it declares, values it
// allows; on approve, required ones present (defaults filled).
Result<std::map<std::string, std::string>> CheckValues(
    const store::ApprovalRecord& a, const std::map<std::string, std::string>& given, bool approve) {
  auto inputs = ParseJson(a.inputs_json);
  if (!inputs.ok() || !inputs->is_array()) return Internal("stored approval inputs are malformed");
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : given) {
    auto declared = std::find_if(inputs->begin(), inputs->end(), [&name](const Json& i) {
      return i.is_object() && i.value("name", "") == name;
    });
    if (declared == inputs->end()) {
      return InvalidArgument("approval " + a.id + " has no input " + QuoteForMessage(name, 60));
    }
    auto allowed = declared->value("allowed", Json::array());
    if (allowed.is_array() && !allowed.empty() &&
        std::find(allowed.begin(), allowed.end(), Json(value)) == allowed.end()) {
      return InvalidArgument("input " + name + " must be one of " + allowed.dump());
    }
    out[name] = value;
  }
  if (!approve) return out;
  for (const Json& i : *inputs) {
    if (!i.is_object()) continue;
    const std::string name = i.value("name", "");
    if (out.count(name)) continue;
    if (i.contains("default") && i["default"].is_string()) {
      out[name] = i["default"].get<std::string>();
    } else if (i.value("required", false)) {
      return InvalidArgument("approving " + a.id + " needs input " + name + " (--var " + name +
                             "=VALUE)");
    }
  }
  return out;
}

// Whether the caller may decide: `approve` on the application, and membership of one of the
// approval's user groups when it names any.
Status RequireApprover(RouteContext& ctx, const ApiRequest& request,
                       const store::ApprovalRecord& a) {
  FERRY_RETURN_IF_ERROR(RequireOn(ctx.store, request, Permission::kApprove, a.application, ""));
  if (a.user_groups.empty()) return Ok();
  const std::string& account = request.principal.account;
  FERRY_ASSIGN_OR_RETURN(auto groups, ctx.store.access().ListGroups());
  for (const auto& g : groups) {
    if (std::find(a.user_groups.begin(), a.user_groups.end(), g.name) == a.user_groups.end()) {
      continue;
    }
    if (!account.empty() &&
        std::find(g.members.begin(), g.members.end(), account) != g.members.end()) {
      return Ok();
    }
  }
  return Error{ErrorCode::kPermissionDenied,
               "only members of " + Join(a.user_groups, ", ") + " may decide approval " + a.id,
               {}};
}

Result<ApiResponse> Decide(RouteContext& ctx, const ApiRequest& request, const std::string& id) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_RETURN_IF_ERROR(CheckName("approval id", id));
  FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, ctx.max_body_bytes));
  FERRY_RETURN_IF_ERROR(RejectUnknownFields(body, {"decision", "comment", "variables"}));
  auto decision = body.find("decision");
  if (decision == body.end() || !decision->is_string() ||
      (*decision != "approve" && *decision != "reject")) {
    return InvalidArgument("'decision' must be \"approve\" or \"reject\"");
  }
  const bool approve = *decision == "approve";
  store::ApprovalDecision d;
  d.id = id;
  d.approve = approve;
  if (auto it = body.find("comment"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) return InvalidArgument("'comment' must be a string");
    const std::string comment = it->get<std::string>();
    size_t characters = 0;
    for (unsigned char c : comment) characters += (c & 0xC0) != 0x80;
    if (!IsValidUtf8(comment) || characters > kMaxCommentCharacters ||
        std::any_of(comment.begin(), comment.end(), [](char c) {
          const auto u = static_cast<unsigned char>(c);
          return (u < 0x20 && u != '\n' && u != '\t') || u == 0x7f;
        })) {
      return InvalidArgument("'comment' must be at most " + std::to_string(kMaxCommentCharacters) +
                             " characters of UTF-8 text without control characters");
    }
    d.comment = comment;
  }
  std::map<std::string, std::string> given;
  if (auto it = body.find("variables"); it != body.end() && !it->is_null()) {
    FERRY_ASSIGN_OR_RETURN(given, ParseVariables(*it, "variables"));
  }
  FERRY_ASSIGN_OR_RETURN(auto a, ctx.store.approvals().Get(id));
  FERRY_RETURN_IF_ERROR(RequireApprover(ctx, request, a));
  FERRY_ASSIGN_OR_RETURN(auto values, CheckValues(a, given, approve));
  d.values_json = DumpJson(Json(values));
  FERRY_ASSIGN_OR_RETURN(auto decided, ctx.store.approvals().Decide(d, ActorOf(request)));
  // The waiting step re-reads its approval when its execution is woken.
  (void)ctx.store.executions().Wake(decided.execution_id);
  if (ctx.wake_engine) ctx.wake_engine();
  return JsonReply(200, ApprovalJson(decided));
}

}  // namespace

void AddPipelineRoutes(Router& router, RouteContext& ctx) {
  router.Add("POST", "/api/v1/applications/{app}/pipelines/{name}/executions", Permission::kDeploy,
             [&ctx](const ApiRequest& r, const PathParams& p) { return StartRun(ctx, r, p); });
  router.Add(
      "POST", "/api/v1/executions/{id}/rerun", Permission::kDeploy,
      [&ctx](const ApiRequest& r, const PathParams& p) { return Rerun(ctx, r, p.at("id")); });
  router.Add("GET", "/api/v1/approvals", Permission::kView,
             [&ctx](const ApiRequest& r, const PathParams&) { return ListApprovals(ctx, r); });
  router.Add(
      "GET", "/api/v1/approvals/{id}", Permission::kView,
      [&ctx](const ApiRequest& r, const PathParams& p) { return GetApproval(ctx, r, p.at("id")); });
  router.Add(
      "POST", "/api/v1/approvals/{id}", Permission::kApprove,
      [&ctx](const ApiRequest& r, const PathParams& p) { return Decide(ctx, r, p.at("id")); });
}

}  // namespace ferry::api
