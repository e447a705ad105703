// Users, groups, roles and role bindings (docs/api.md "Users and access"); all need `admin`,
// except a user changing their own password. Every change is audited by the store with the
// acting principal; no answer ever carries a password or a hash.
//   GET  /api/v1/users                      POST /api/v1/users {name, password}
//   PUT  /api/v1/users/{name}/password      POST /api/v1/users/{name}/disable | /enable
//   GET  /api/v1/groups                     PUT/DELETE /api/v1/groups/{name} {members}
//   GET  /api/v1/roles                      PUT/DELETE /api/v1/roles/{name} {permissions}
//   GET  /api/v1/role-bindings              POST /api/v1/role-bindings, DELETE .../{id}
#include "api/request_input.h"
#include "api/router.h"
#include "common/password_hash.h"
#include "common/strings.h"
#include "common/time.h"

namespace ferry::api {
namespace {

constexpr size_t kMaxAccessBody = 256 * 1024;

Json AccountJson(const store::Account& a) {
  Json out = {{"name", a.name},
              {"kind", std::string(store::AccountKindName(a.kind))},
              {"disabled", a.disabled},
              {"hasPassword", a.has_password},
              {"createdBy", a.created_by},
              {"createdAt", FormatRfc3339(a.created_at)}};
  out["passwordChangedAt"] =
      a.password_changed_at ? Json(FormatRfc3339(*a.password_changed_at)) : Json();
  return out;
}

Json BindingJson(const store::RoleBinding& b) {
  Json out = {{"id", b.id},
              {"role", b.role},
              {"applications", b.applications},
              {"environmentTypes", b.environment_types},
              {"createdBy", b.created_by},
              {"createdAt", FormatRfc3339(b.created_at)}};
  out["user"] = b.account.empty() ? Json() : Json(b.account);
  out["group"] = b.group.empty() ? Json() : Json(b.group);
  return out;
}

// A list of names in field `field` (absent: empty).
Result<std::vector<std::string>> NameList(const Json& body, std::string_view field) {
  std::vector<std::string> out;
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array()) {
    return InvalidArgument(StrCat({"field '", field, "' must be a list of names"}));
  }
  if (it->size() > 64) return InvalidArgument(StrCat({"field '", field, "' holds at most 64"}));
  for (const Json& item : *it) {
    if (!item.is_string()) {
      return InvalidArgument(StrCat({"field '", field, "' must be a list of names"}));
    }
    FERRY_RETURN_IF_ERROR(CheckName(StrCat({"an item of '", field, "'"}), item.get<std::string>()));
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::string> NewPassword(const Json& body) {
  FERRY_ASSIGN_OR_RETURN(std::string password, RequiredString(body, "password"));
  FERRY_RETURN_IF_ERROR(CheckPasswordPolicy(password));
  return HashPassword(password);
}

Result<ApiResponse> ListUsers(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_ASSIGN_OR_RETURN(auto accounts, ctx.store.access().ListAccounts());
  Json items = Json::array();
  for (const auto& a : accounts) items.push_back(AccountJson(a));
  return JsonReply(200, {{"items", std::move(items)}});
}

Result<ApiResponse> CreateUser(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, kMaxAccessBody));
  FERRY_RETURN_IF_ERROR(RejectUnknownFields(body, {"name", "password"}));
  FERRY_ASSIGN_OR_RETURN(std::string name, RequiredString(body, "name"));
  FERRY_RETURN_IF_ERROR(CheckName("field 'name'", name));
  FERRY_ASSIGN_OR_RETURN(std::string hash, NewPassword(body));
  FERRY_ASSIGN_OR_RETURN(auto account, ctx.store.access().CreateAccount(
                                           {.name = name, .password_hash = hash}, request.actor));
  return JsonReply(201, AccountJson(account));
}

Result<ApiResponse> SetPassword(RouteContext& ctx, const ApiRequest& request,
                                const std::string& name) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  const Principal& p = request.principal;
  const bool self = p.kind == PrincipalKind::kUser && p.account == name;
  if (!self) FERRY_RETURN_IF_ERROR(Require(p, Permission::kAdmin, "", std::nullopt));
  FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, kMaxAccessBody));
  FERRY_RETURN_IF_ERROR(RejectUnknownFields(body, {"password"}));
  FERRY_ASSIGN_OR_RETURN(std::string hash, NewPassword(body));
  FERRY_ASSIGN_OR_RETURN(auto account,
                         ctx.store.access().SetPasswordHash(name, hash, request.actor));
  return JsonReply(200, AccountJson(account));
}

Result<ApiResponse> SetDisabled(RouteContext& ctx, const ApiRequest& request,
                                const std::string& name, bool disabled) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  if (disabled && request.principal.account == name) {
    return FailedPrecondition("you cannot disable your own account");
  }
  FERRY_ASSIGN_OR_RETURN(auto account,
                         ctx.store.access().SetDisabled(name, disabled, request.actor));
  return JsonReply(200, AccountJson(account));
}

Result<ApiResponse> ListGroups(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_ASSIGN_OR_RETURN(auto groups, ctx.store.access().ListGroups());
  Json items = Json::array();
  for (const auto& g : groups) {
    items.push_back(
        {{"name", g.name}, {"members", g.members}, {"updatedAt", FormatRfc3339(g.updated_at)}});
  }
  return JsonReply(200, {{"items", std::move(items)}});
}

Result<ApiResponse> PutGroup(RouteContext& ctx, const ApiRequest& request,
                             const std::string& name) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, kMaxAccessBody));
  FERRY_RETURN_IF_ERROR(RejectUnknownFields(body, {"members"}));
  FERRY_ASSIGN_OR_RETURN(auto members, NameList(body, "members"));
  FERRY_ASSIGN_OR_RETURN(auto group, ctx.store.access().PutGroup(name, members, request.actor));
  return JsonReply(200, {{"name", group.name}, {"members", group.members}});
}

Result<ApiResponse> ListRoles(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_ASSIGN_OR_RETURN(auto roles, ctx.store.access().ListRoles());
  Json items = Json::array();
  for (const auto& r : roles) {
    items.push_back({{"name", r.name}, {"permissions", r.permissions}, {"builtin", r.builtin}});
  }
  return JsonReply(200, {{"items", std::move(items)}});
}

Result<ApiResponse> PutRole(RouteContext& ctx, const ApiRequest& request, const std::string& name) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, kMaxAccessBody));
  FERRY_RETURN_IF_ERROR(RejectUnknownFields(body, {"permissions"}));
  if (!body.contains("permissions")) {
    return InvalidArgument(
        "field 'permissions' is required: a list such as [\"view\", "
        "\"deploy\"]");
  }
  FERRY_ASSIGN_OR_RETURN(auto permissions, NameList(body, "permissions"));
  for (const std::string& p : permissions) FERRY_RETURN_IF_ERROR(ParseRolePermission(p));
  FERRY_ASSIGN_OR_RETURN(auto role, ctx.store.access().PutRole(name, permissions, request.actor));
  return JsonReply(200, {{"name", role.name}, {"permissions", role.permissions}});
}

Result<ApiResponse> ListBindings(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_ASSIGN_OR_RETURN(auto bindings, ctx.store.access().ListBindings());
  Json items = Json::array();
  for (const auto& b : bindings) items.push_back(BindingJson(b));
  return JsonReply(200, {{"items", std::move(items)}});
}

Result<ApiResponse> AddBinding(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, kMaxAccessBody));
  FERRY_RETURN_IF_ERROR(
      RejectUnknownFields(body, {"role", "user", "group", "applications", "environmentTypes"}));
  store::NewRoleBinding binding;
  FERRY_ASSIGN_OR_RETURN(binding.role, RequiredString(body, "role"));
  FERRY_RETURN_IF_ERROR(CheckName("field 'role'", binding.role));
  FERRY_ASSIGN_OR_RETURN(auto user, OptionalString(body, "user"));
  FERRY_ASSIGN_OR_RETURN(auto group, OptionalString(body, "group"));
  if (user.has_value() == group.has_value()) {
    return InvalidArgument("give either 'user' (a user or service account) or 'group'");
  }
  binding.account = user.value_or("");
  binding.group = group.value_or("");
  FERRY_RETURN_IF_ERROR(
      CheckName(user ? "field 'user'" : "field 'group'", user ? binding.account : binding.group));
  FERRY_ASSIGN_OR_RETURN(binding.applications, NameList(body, "applications"));
  FERRY_ASSIGN_OR_RETURN(binding.environment_types, NameList(body, "environmentTypes"));
  for (const std::string& type : binding.environment_types) {
    if (type != "production" && type != "non-production") {
      return InvalidArgument("unknown environment type " + QuoteForMessage(type, 40) +
                             " in 'environmentTypes'; use production or non-production");
    }
  }
  FERRY_ASSIGN_OR_RETURN(auto created, ctx.store.access().AddBinding(binding, request.actor));
  ApiResponse reply = JsonReply(201, BindingJson(created));
  reply.headers.emplace_back("Location", "/api/v1/role-bindings/" + created.id);
  return reply;
}

ApiResponse NoContent() {
  ApiResponse reply;
  reply.status = 204;
  return reply;
}

template <typename F>
RouteHandler Handler(F f) {
  return [f](const ApiRequest& r, const PathParams& p) -> Result<ApiResponse> { return f(r, p); };
}

}  // namespace

void AddAccessRoutes(Router& router, RouteContext& ctx) {
  constexpr Permission kAdmin = Permission::kAdmin;
  router.Add("GET", "/api/v1/users", kAdmin,
             Handler([&ctx](const ApiRequest& r, const PathParams&) { return ListUsers(ctx, r); }));
  router.Add(
      "POST", "/api/v1/users", kAdmin,
      Handler([&ctx](const ApiRequest& r, const PathParams&) { return CreateUser(ctx, r); }));
  router.AddAuthenticated("PUT", "/api/v1/users/{name}/password",
                          Handler([&ctx](const ApiRequest& r, const PathParams& p) {
                            return SetPassword(ctx, r, p.at("name"));
                          }));
  router.Add("POST", "/api/v1/users/{name}/disable", kAdmin,
             Handler([&ctx](const ApiRequest& r, const PathParams& p) {
               return SetDisabled(ctx, r, p.at("name"), true);
             }));
  router.Add("POST", "/api/v1/users/{name}/enable", kAdmin,
             Handler([&ctx](const ApiRequest& r, const PathParams& p) {
               return SetDisabled(ctx, r, p.at("name"), false);
             }));
  router.Add(
      "GET", "/api/v1/groups", kAdmin,
      Handler([&ctx](const ApiRequest& r, const PathParams&) { return ListGroups(ctx, r); }));
  router.Add("PUT", "/api/v1/groups/{name}", kAdmin,
             Handler([&ctx](const ApiRequest& r, const PathParams& p) {
               return PutGroup(ctx, r, p.at("name"));
             }));
  router.Add("DELETE", "/api/v1/groups/{name}", kAdmin,
             Handler([&ctx](const ApiRequest& r, const PathParams& p) -> Result<ApiResponse> {
               FERRY_RETURN_IF_ERROR(RejectUnknownQuery(r, {}));
               FERRY_RETURN_IF_ERROR(ctx.store.access().DeleteGroup(p.at("name"), r.actor));
               return NoContent();
             }));
  router.Add("GET", "/api/v1/roles", kAdmin,
             Handler([&ctx](const ApiRequest& r, const PathParams&) { return ListRoles(ctx, r); }));
  router.Add("PUT", "/api/v1/roles/{name}", kAdmin,
             Handler([&ctx](const ApiRequest& r, const PathParams& p) {
               return PutRole(ctx, r, p.at("name"));
             }));
  router.Add("DELETE", "/api/v1/roles/{name}", kAdmin,
             Handler([&ctx](const ApiRequest& r, const PathParams& p) -> Result<ApiResponse> {
               FERRY_RETURN_IF_ERROR(RejectUnknownQuery(r, {}));
               FERRY_RETURN_IF_ERROR(ctx.store.access().DeleteRole(p.at("name"), r.actor));
               return NoContent();
             }));
  router.Add(
      "GET", "/api/v1/role-bindings", kAdmin,
      Handler([&ctx](const ApiRequest& r, const PathParams&) { return ListBindings(ctx, r); }));
  router.Add(
      "POST", "/api/v1/role-bindings", kAdmin,
      Handler([&ctx](const ApiRequest& r, const PathParams&) { return AddBinding(ctx, r); }));
  router.Add("DELETE", "/api/v1/role-bindings/{id}", kAdmin,
             Handler([&ctx](const ApiRequest& r, const PathParams& p) -> Result<ApiResponse> {
               FERRY_RETURN_IF_ERROR(RejectUnknownQuery(r, {}));
               FERRY_RETURN_IF_ERROR(ctx.store.access().DeleteBinding(p.at("id"), r.actor));
               return NoContent();
             }));
}

}  // namespace ferry::api
