// The values of `source: ferry` secrets (docs/api.md "Secret values"): set, describe (never the
// value), delete, and re-seal them all under the current key.
//   PUT    /api/v1/secrets/{name}/value   {"value": "..."}  admin
//   GET    /api/v1/secrets/{name}/value   → metadata         read
//   DELETE /api/v1/secrets/{name}/value                      admin
//   POST   /api/v1/secret-key/rotate                         admin
#include "api/access_check.h"
#include "api/deploy_config.h"
#include "api/request_input.h"
#include "api/request_actor.h"
#include "api/router.h"
#include "common/secret_mask.h"
#include "common/strings.h"
#include "common/time.h"
#include "model/enums.h"

namespace ferry::api {
namespace {

constexpr size_t kMaxValueBytes = 64 * 1024;

Json MetadataJson(const store::SealedSecret& s) {
  return Json{{"name", s.name},
              {"version", s.version},
              {"keyId", s.key_id},
              {"updatedAt", FormatRfc3339(s.updated_at)},
              {"updatedBy", s.updated_by}};
}

Status RequireKeys(const RouteContext& ctx) {
  if (ctx.secret_keys == nullptr || !ctx.secret_keys->configured()) {
    return FailedPrecondition(
        "this server has no secret key, so it cannot store `source: ferry` values: start it "
        "with --secret-key-file FILE or FERRY_SECRET_KEY (openssl rand -base64 32)");
  }
  return Ok();
}

// The Secret entity `name`, which must be of source ferry; the name its value is stored under.
Result<std::string> StoredName(RouteContext& ctx, const std::string& name) {
  FERRY_RETURN_IF_ERROR(CheckName("secret name", name));
  auto entity = ctx.store.entities().Get(
      store::EntityKey{std::string(model::StoreKindName(model::Kind::kSecret)), "", name});
  if (!entity.ok()) {
    if (entity.error().code == ErrorCode::kNotFound) {
      return NotFound("no Secret " + QuoteForMessage(name) +
                      "; declare it (kind: Secret, source: ferry) before storing its value");
    }
    return entity.error();
  }
  auto spec = ParseJson(entity->spec_json);
  const std::string source = spec.ok() ? spec->value("source", std::string("ferry")) : "";
  if (source != "ferry") {
    return FailedPrecondition("secret " + QuoteForMessage(name) + " has source " +
                              QuoteForMessage(source) +
                              ": Ferry stores values only for source ferry (the others live "
                              "where their source says)");
  }
  return spec->value("ref", name);
}

Result<ApiResponse> SetValue(RouteContext& ctx, const ApiRequest& request,
                             const std::string& name) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_RETURN_IF_ERROR(RequireKeys(ctx));
  FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, ctx.max_body_bytes));
  auto value_it = body.find("value");
  if (value_it != body.end() && value_it->is_string()) {
    // Masked from here on, whatever happens next.
    SecretMasker::Global().Register(value_it->get<std::string>());
  }
  FERRY_RETURN_IF_ERROR(RejectUnknownFields(body, {"value"}));
  if (value_it == body.end() || !value_it->is_string()) {
    return InvalidArgument("field 'value' is required and must be a string");
  }
  const std::string& value = value_it->get_ref<const std::string&>();
  if (value.empty() || value.size() > kMaxValueBytes || !IsValidUtf8(value)) {
    return InvalidArgument("field 'value' must be 1 to 65536 bytes of UTF-8");
  }
  FERRY_ASSIGN_OR_RETURN(std::string stored_name, StoredName(ctx, name));
  FERRY_ASSIGN_OR_RETURN(std::string sealed, ctx.secret_keys->Seal(stored_name, value));
  FERRY_ASSIGN_OR_RETURN(auto stored, ctx.store.secret_values().Put(
                                          stored_name, sealed, ctx.secret_keys->current_id(),
                                          ActorOf(request)));
  return JsonReply(200, MetadataJson(stored));
}

Result<ApiResponse> DescribeValue(RouteContext& ctx, const ApiRequest& request,
                                  const std::string& name) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_ASSIGN_OR_RETURN(std::string stored_name, StoredName(ctx, name));
  FERRY_ASSIGN_OR_RETURN(auto stored, ctx.store.secret_values().Get(stored_name));
  return JsonReply(200, MetadataJson(stored));
}

Result<ApiResponse> DeleteValue(RouteContext& ctx, const ApiRequest& request,
                                const std::string& name) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_ASSIGN_OR_RETURN(std::string stored_name, StoredName(ctx, name));
  FERRY_RETURN_IF_ERROR(ctx.store.secret_values().Delete(stored_name, ActorOf(request)));
  ApiResponse reply;
  reply.status = 204;
  return reply;
}

// Re-seals every value not under the current key; values changed meanwhile are left to the
// next run (they were sealed with the current key by that change).
Result<ApiResponse> RotateKey(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_RETURN_IF_ERROR(RequireKeys(ctx));
  if (!request.body.empty()) {
    FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, ctx.max_body_bytes));
    FERRY_RETURN_IF_ERROR(RejectUnknownFields(body, {}));
  }
  FERRY_ASSIGN_OR_RETURN(auto all, ctx.store.secret_values().List());
  int resealed = 0, current = 0;
  for (const auto& s : all) {
    if (s.key_id == ctx.secret_keys->current_id()) {
      ++current;
      continue;
    }
    FERRY_ASSIGN_OR_RETURN(std::string value, ctx.secret_keys->Open(s));
    SecretMasker::Global().Register(value);
    FERRY_ASSIGN_OR_RETURN(std::string sealed, ctx.secret_keys->Seal(s.name, value));
    auto done = ctx.store.secret_values().Reseal(s.name, s.version, sealed,
                                                 ctx.secret_keys->current_id(), ActorOf(request));
    if (!done.ok() && done.error().code != ErrorCode::kConflict &&
        done.error().code != ErrorCode::kNotFound) {
      return done.error();
    }
    if (done.ok()) ++resealed;
  }
  FERRY_RETURN_IF_ERROR(RecordAction(
      ctx.store.audit(), request,
      {.action = "secret_key.rotate",
       .subject_type = "secret_key",
       .subject_id = ctx.secret_keys->current_id(),
       .details_json = DumpJson(Json{{"resealed", resealed}, {"alreadyCurrent", current}})}));
  return JsonReply(200, Json{{"keyId", ctx.secret_keys->current_id()},
                             {"resealed", resealed},
                             {"alreadyCurrent", current}});
}

}  // namespace

void AddSecretRoutes(Router& router, RouteContext& ctx) {
  // Secret values are of no application: writing them needs manage-secrets for every
  // application (a binding limited to some applications does not cover them).
  auto require = [](const ApiRequest& r) {
    return Require(r.principal, Permission::kManageSecrets, "", std::nullopt);
  };
  const std::string path = "/api/v1/secrets/{name}/value";
  router.Add("PUT", path, Permission::kManageSecrets,
             [&ctx, require](const ApiRequest& r, const PathParams& p) -> Result<ApiResponse> {
               FERRY_RETURN_IF_ERROR(require(r));
               return SetValue(ctx, r, p.at("name"));
             });
  router.Add("GET", path, Permission::kView,
             [&ctx](const ApiRequest& r, const PathParams& p) -> Result<ApiResponse> {
               // Secrets belong to no application: a grant for every application.
               FERRY_RETURN_IF_ERROR(ReadScope(ctx.store, r.principal).Require("", ""));
               return DescribeValue(ctx, r, p.at("name"));
             });
  router.Add("DELETE", path, Permission::kManageSecrets,
             [&ctx, require](const ApiRequest& r, const PathParams& p) -> Result<ApiResponse> {
               FERRY_RETURN_IF_ERROR(require(r));
               return DeleteValue(ctx, r, p.at("name"));
             });
  router.Add("POST", "/api/v1/secret-key/rotate", Permission::kManageSecrets,
             [&ctx, require](const ApiRequest& r, const PathParams&) -> Result<ApiResponse> {
               FERRY_RETURN_IF_ERROR(require(r));
               return RotateKey(ctx, r);
             });
}

}  // namespace ferry::api
