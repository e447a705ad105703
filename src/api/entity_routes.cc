// The configuration entities: GET/PUT/DELETE one, GET a list, POST /api/v1/apply. Writes are
// checked exactly like `ferry apply` (config::CheckEntityDocuments against the stored entities)
// and written through WriteEntities.
#include <set>
#include <tuple>

#include "api/access_check.h"
#include "api/config_apply.h"
#include "api/json_views.h"
#include "api/request_input.h"
#include "api/request_actor.h"
#include "api/router.h"
#include "common/strings.h"
#include "config/documents.h"
#include "config/semantics.h"
#include "model/enums.h"

namespace ferry::api {
namespace {

struct KindPath {
  std::string_view segment;
  model::Kind kind;
};
constexpr KindPath kKindPaths[] = {
    {"cloud-providers", model::Kind::kCloudProvider},
    {"secrets", model::Kind::kSecret},
    {"applications", model::Kind::kApplication},
    {"services", model::Kind::kService},
    {"environments", model::Kind::kEnvironment},
    {"workflows", model::Kind::kWorkflow},
    {"pipelines", model::Kind::kPipeline},
    {"triggers", model::Kind::kTrigger},
    {"freeze-windows", model::Kind::kFreezeWindow},
    {"notification-channels", model::Kind::kNotificationChannel},
};
constexpr size_t kMaxApplyEntities = 10000;

// The kind a path segment names; kNotFound (with the right place) when it is unknown or lives
// elsewhere (application-scoped kinds only under /applications/{app}/).
Result<model::Kind> KindFromPath(const std::string& segment, bool under_application) {
  for (const KindPath& k : kKindPaths) {
    if (k.segment != segment) continue;
    bool scoped = model::IsApplicationScoped(k.kind);
    if (scoped && !under_application) {
      return NotFound(segment + " belong to an application: use /api/v1/applications/{app}/" +
                      segment);
    }
    if (!scoped && under_application) {
      return NotFound(segment + " are not scoped to an application: use /api/v1/" + segment);
    }
    return k.kind;
  }
  std::vector<std::string> names;
  for (const KindPath& k : kKindPaths) {
    if (model::IsApplicationScoped(k.kind) == under_application) names.emplace_back(k.segment);
  }
  std::string message = "no API route for " + QuoteForMessage(segment, 60);
  if (auto close = ClosestMatch(segment, names)) {
    message += "; did you mean '" + *close + "'?";
  } else {
    message += "; entity kinds here are " + Join(names, ", ");
  }
  return NotFound(message);
}

std::string Describe(const store::EntityKey& key) {
  std::string kind = key.kind;
  if (auto k = model::KindFromStoreName(key.kind)) kind = model::EnumName(*k);
  return kind + " " + (key.application.empty() ? "" : key.application + "/") + key.name;
}

// The application an entity belongs to: its own for an Application entity, "" for entities of
// no application (cloud providers, secrets, freeze windows).
std::string_view ApplicationOf(const store::EntityKey& key) {
  if (!key.application.empty()) return key.application;
  if (key.kind == "application") return key.name;
  return {};
}

Status RequireApplication(RouteContext& ctx, const std::string& app) {
  auto found = ctx.store.entities().Get({"application", "", app});
  if (found.ok()) return Ok();
  if (found.error().code != ErrorCode::kNotFound) return found.error();
  return NotFound("no application " + QuoteForMessage(app) +
                  "; create it first (PUT "
                  "/api/v1/applications/NAME or `ferry apply`)");
}

Result<std::optional<int64_t>> IfMatch(const ApiRequest& request) {
  std::string value = request.Header("if-match");
  if (value.empty()) return std::optional<int64_t>();
  std::string_view v = value;
  if (v.substr(0, 2) == "W/") v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  std::optional<int64_t> revision = ParseInt(v);
  if (!revision || *revision < 0) {
    return InvalidArgument("If-Match must be an entity revision (a number), not " +
                           QuoteForMessage(value, 40));
  }
  return revision;
}

ApiResponse ProblemsReply(const std::vector<config::DocumentProblem>& problems, bool indexed) {
  Json list = Json::array();
  for (const config::DocumentProblem& p : problems) {
    Json item = {{"path", p.path}, {"message", p.message}};
    if (indexed) item["entity"] = p.document;
    list.push_back(std::move(item));
  }
  std::string message = std::to_string(problems.size()) + " problem(s) in the configuration";
  if (!problems.empty()) {
    const config::DocumentProblem& first = problems.front();
    message += ": ";
    if (indexed) message += "entities[" + std::to_string(first.document) + "]";
    if (!first.path.empty()) message += (indexed ? "." : "") + model::DisplayPath(first.path);
    message += (indexed || !first.path.empty() ? ": " : "") + first.message;
  }
  return ErrorReply(InvalidArgument(message), list);
}

Result<ApiResponse> ListEntities(RouteContext& ctx, const ApiRequest& request,
                                 const std::string& kind_segment,
                                 const std::optional<std::string>& app) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_ASSIGN_OR_RETURN(model::Kind kind, KindFromPath(kind_segment, app.has_value()));
  ReadScope scope(ctx.store, request.principal);
  // Checked before the application is looked up, so a caller learns nothing of the others.
  if (app && !scope.Application(*app)) return JsonReply(200, {{"items", Json::array()}});
  if (app) FERRY_RETURN_IF_ERROR(RequireApplication(ctx, *app));
  FERRY_ASSIGN_OR_RETURN(auto records, ctx.store.entities().List(model::StoreKindName(kind), app));
  Json items = Json::array();
  for (const store::EntityRecord& r : records) {
    if (scope.Application(ApplicationOf(r.key))) items.push_back(EntityJson(r));
  }
  return JsonReply(200, {{"items", std::move(items)}});
}

Result<store::EntityKey> KeyFor(const std::string& kind_segment, const std::string& app,
                                const std::string& name, bool under_application) {
  FERRY_ASSIGN_OR_RETURN(model::Kind kind, KindFromPath(kind_segment, under_application));
  return store::EntityKey{std::string(model::StoreKindName(kind)), app, name};
}

// Writing an entity needs manage-config for its application (an Application entity is its own
// application; entities of no application need a grant for every application), and a Secret
// entity needs manage-secrets as well.
Status RequireConfigWrite(const ApiRequest& request, const store::EntityKey& key) {
  FERRY_RETURN_IF_ERROR(
      Require(request.principal, Permission::kManageConfig, ApplicationOf(key), std::nullopt));
  if (key.kind == "secret") {
    FERRY_RETURN_IF_ERROR(Require(request.principal, Permission::kManageSecrets, "", std::nullopt));
  }
  return Ok();
}

Result<ApiResponse> GetEntity(RouteContext& ctx, const ApiRequest& request,
                              const store::EntityKey& key) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  // Before the lookup: 403 whether or not it exists.
  FERRY_RETURN_IF_ERROR(ReadScope(ctx.store, request.principal).Require(ApplicationOf(key), ""));
  auto record = ctx.store.entities().Get(key);
  if (!record.ok() && record.error().code == ErrorCode::kNotFound) {
    return NotFound("no " + Describe(key));
  }
  if (!record.ok()) return record.error();
  ApiResponse reply = JsonReply(200, EntityJson(*record));
  reply.headers.emplace_back("ETag", "\"" + std::to_string(record->revision) + "\"");
  return reply;
}

// Body fields that repeat the path must agree with it.
Status MatchesPath(const Json& body, std::string_view field, const std::string& expected) {
  auto it = body.find(field);
  if (it == body.end()) return Ok();
  if (!it->is_string() || it->get<std::string>() != expected) {
    return InvalidArgument(StrCat({"field '", field, "' of the body must match the path (",
                                   QuoteForMessage(expected, 60), ") or be left out"}));
  }
  return Ok();
}

Result<ApiResponse> PutEntity(RouteContext& ctx, const ApiRequest& request,
                              const store::EntityKey& key) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_RETURN_IF_ERROR(RequireConfigWrite(request, key));
  FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, ctx.max_body_bytes));
  model::Kind kind = *model::KindFromStoreName(key.kind);
  std::string kind_name(model::EnumName(kind));
  FERRY_RETURN_IF_ERROR(MatchesPath(body, "kind", kind_name));
  FERRY_RETURN_IF_ERROR(MatchesPath(body, "name", key.name));
  if (model::IsApplicationScoped(kind)) {
    FERRY_RETURN_IF_ERROR(MatchesPath(body, "application", key.application));
    body["application"] = key.application;
  }
  body["kind"] = kind_name;
  body["name"] = key.name;
  FERRY_ASSIGN_OR_RETURN(auto expected, IfMatch(request));
  FERRY_ASSIGN_OR_RETURN(auto stored, StoredEntities(ctx.store));
  config::CheckedDocuments checked = config::CheckEntityDocuments({body}, stored);
  if (!checked.ok()) return ProblemsReply(checked.problems, false);
  auto applied = WriteEntities(checked.entities, ctx.store, ActorOf(request), expected);
  if (!applied.ok()) {
    if (applied.error().code == ErrorCode::kFailedPrecondition && expected) {
      return FailedPrecondition(Describe(key) + " is not at revision " + std::to_string(*expected) +
                                " any more; GET it again and retry with the new revision");
    }
    return applied.error();
  }
  FERRY_ASSIGN_OR_RETURN(auto record, ctx.store.entities().Get(key));
  store::PutOutcome outcome = applied->front().outcome;
  ApiResponse reply =
      JsonReply(outcome == store::PutOutcome::kCreated ? 201 : 200,
                {{"outcome", std::string(PutOutcomeName(outcome))}, {"revision", record.revision}});
  reply.headers.emplace_back("ETag", "\"" + std::to_string(record.revision) + "\"");
  return reply;
}

// Deleting an entity others refer to would leave the configuration broken: 409 naming them.
Result<ApiResponse> DeleteEntity(RouteContext& ctx, const ApiRequest& request,
                                 const store::EntityKey& key) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_RETURN_IF_ERROR(RequireConfigWrite(request, key));
  auto existing = ctx.store.entities().Get(key);
  if (!existing.ok() && existing.error().code == ErrorCode::kNotFound) {
    return NotFound("no " + Describe(key));
  }
  if (!existing.ok()) return existing.error();
  FERRY_ASSIGN_OR_RETURN(auto expected, IfMatch(request));
  if (expected && *expected != existing->revision) {
    return FailedPrecondition(Describe(key) + " is at revision " +
                              std::to_string(existing->revision) + ", not " +
                              std::to_string(*expected));
  }
  FERRY_ASSIGN_OR_RETURN(auto stored, StoredEntities(ctx.store));
  using ProblemKey = std::tuple<store::EntityKey, std::string, std::string>;
  std::set<ProblemKey> before;
  for (const config::EntityProblem& p : config::CheckEntities(stored)) {
    before.emplace(EntityKeyOf(stored[p.entity]), p.problem.path, p.problem.message);
  }
  std::vector<model::Entity> remaining;
  for (model::Entity& e : stored) {
    if (EntityKeyOf(e) != key) remaining.push_back(std::move(e));
  }
  Json problems = Json::array();
  std::string first;
  for (const config::EntityProblem& p : config::CheckEntities(remaining)) {
    store::EntityKey other = EntityKeyOf(remaining[p.entity]);
    if (before.contains({other, p.problem.path, p.problem.message})) continue;
    if (first.empty()) first = Describe(other) + ": " + p.problem.message;
    problems.push_back(
        {{"entity", Describe(other)}, {"path", p.problem.path}, {"message", p.problem.message}});
  }
  if (!problems.empty()) {
    return ErrorReply(Conflict(Describe(key) + " is still referenced (" + first +
                               "); change or delete the entities that refer to it first"),
                      problems);
  }
  FERRY_RETURN_IF_ERROR(ctx.store.entities().Delete(key, ActorOf(request)));
  ApiResponse reply;
  reply.status = 204;
  return reply;
}

Result<ApiResponse> Apply(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, ctx.max_body_bytes));
  FERRY_RETURN_IF_ERROR(RejectUnknownFields(body, {"entities"}));
  auto it = body.find("entities");
  if (it == body.end() || !it->is_array()) {
    return InvalidArgument(
        "field 'entities' is required: a list of entity documents, each "
        "with a 'kind' (the YAML documents as JSON)");
  }
  if (it->size() > kMaxApplyEntities) {
    return InvalidArgument("at most " + std::to_string(kMaxApplyEntities) + " entities per apply");
  }
  std::vector<Json> documents(it->begin(), it->end());
  FERRY_ASSIGN_OR_RETURN(auto stored, StoredEntities(ctx.store));
  config::CheckedDocuments checked = config::CheckEntityDocuments(documents, stored);
  if (!checked.ok()) return ProblemsReply(checked.problems, true);
  for (const model::Entity& e : checked.entities) {
    FERRY_RETURN_IF_ERROR(RequireConfigWrite(request, EntityKeyOf(e)));
  }
  FERRY_ASSIGN_OR_RETURN(auto applied, WriteEntities(checked.entities, ctx.store, ActorOf(request)));
  Json rows = Json::array();
  for (size_t i = 0; i < applied.size(); ++i) {
    const model::Entity& e = checked.entities[i];
    rows.push_back({{"kind", std::string(model::EnumName(model::KindOf(e)))},
                    {"application", model::ApplicationOf(e)},
                    {"name", model::NameOf(e)},
                    {"outcome", std::string(PutOutcomeName(applied[i].outcome))}});
  }
  return JsonReply(200, {{"entities", std::move(rows)}});
}

}  // namespace

void AddEntityRoutes(Router& router, RouteContext& ctx) {
  router.Add("POST", "/api/v1/apply", Permission::kManageConfig,
             [&ctx](const ApiRequest& r, const PathParams&) { return Apply(ctx, r); });
  router.Add("GET", "/api/v1/{kind}", Permission::kView,
             [&ctx](const ApiRequest& r, const PathParams& p) {
               return ListEntities(ctx, r, p.at("kind"), std::nullopt);
             });
  router.Add("GET", "/api/v1/applications/{app}/{kind}", Permission::kView,
             [&ctx](const ApiRequest& r, const PathParams& p) {
               return ListEntities(ctx, r, p.at("kind"), p.at("app"));
             });
  using Op = Result<ApiResponse> (*)(RouteContext&, const ApiRequest&, const store::EntityKey&);
  struct EntityOp {
    const char* method;
    Permission permission;
    Op op;
  };
  const EntityOp ops[] = {{"GET", Permission::kView, &GetEntity},
                          {"PUT", Permission::kManageConfig, &PutEntity},
                          {"DELETE", Permission::kManageConfig, &DeleteEntity}};
  for (const auto& [method, permission, op] : ops) {
    router.Add(method, "/api/v1/{kind}/{name}", permission,
               [&ctx, op](const ApiRequest& r, const PathParams& p) -> Result<ApiResponse> {
                 FERRY_ASSIGN_OR_RETURN(auto key, KeyFor(p.at("kind"), "", p.at("name"), false));
                 return op(ctx, r, key);
               });
    router.Add(method, "/api/v1/applications/{app}/{kind}/{name}", permission,
               [&ctx, op](const ApiRequest& r, const PathParams& p) -> Result<ApiResponse> {
                 FERRY_ASSIGN_OR_RETURN(auto key,
                                        KeyFor(p.at("kind"), p.at("app"), p.at("name"), true));
                 return op(ctx, r, key);
               });
  }
}

}  // namespace ferry::api
