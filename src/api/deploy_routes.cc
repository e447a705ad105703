// POST /api/v1/deployments and POST /api/v1/rollbacks: start executions through DeployService,
// once per Idempotency-Key.
#include "api/json_views.h"
#include "api/request_input.h"
#include "api/router.h"
#include "common/strings.h"
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

Result<ArtifactLocation> ParseLocation(const Json& location) {
  if (!location.is_object()) return InvalidArgument("field 'artifact' must be a JSON object");
  FERRY_RETURN_IF_ERROR(
      RejectUnknownFields(location, {"s3Bucket", "s3Key", "s3ObjectVersion"}, "artifact."));
  ArtifactLocation out;
  auto bucket = RequiredString(location, "s3Bucket");
  if (!bucket.ok()) return bucket.error().WithContext("artifact");
  out.s3_bucket = *bucket;
  auto key = RequiredString(location, "s3Key");
  if (!key.ok()) return key.error().WithContext("artifact");
  out.s3_key = *key;
  auto version = OptionalString(location, "s3ObjectVersion");
  if (!version.ok()) return version.error().WithContext("artifact");
  out.s3_object_version = version->value_or("");
  FERRY_RETURN_IF_ERROR(CheckName("artifact.s3Bucket", out.s3_bucket));
  if (out.s3_key.empty() || out.s3_key.size() > 1024 || !IsValidUtf8(out.s3_key)) {
    return InvalidArgument("artifact.s3Key must be 1 to 1024 bytes of UTF-8");
  }
  if (!out.s3_object_version.empty()) {
    FERRY_RETURN_IF_ERROR(CheckName("artifact.s3ObjectVersion", out.s3_object_version));
  }
  return out;
}

// An execution created by this request (201) or an earlier one with the same key (200): the
// store's insert decides, so of two concurrent first requests with one key exactly one is 201.
ApiResponse Started(RouteContext& ctx, const store::ExecutionRecord& execution, bool created) {
  auto steps = ctx.store.executions().Steps(execution.id);
  TimePoint now = ctx.clock.Now();
  Json body = steps.ok() ? ExecutionJson(execution, *steps, now) : ExecutionJson(execution, now);
  ApiResponse reply = JsonReply(created ? 201 : 200, body);
  reply.headers.emplace_back("Location", "/api/v1/executions/" + execution.id);
  return reply;
}

Result<ApiResponse> StartDeployment(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, ctx.max_body_bytes));
  FERRY_RETURN_IF_ERROR(RejectUnknownFields(
      body, {"application", "service", "environment", "workflow", "artifactId", "artifact"}));
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
    FERRY_ASSIGN_OR_RETURN(input.artifact, ParseLocation(*it));
  }
  FERRY_ASSIGN_OR_RETURN(input.idempotency_key, IdempotencyKey(request));
  input.actor = request.actor;
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
  FERRY_ASSIGN_OR_RETURN(input.idempotency_key, IdempotencyKey(request));
  input.actor = request.actor;
  bool created = true;
  FERRY_ASSIGN_OR_RETURN(auto execution, ctx.deploys.Rollback(input, &created));
  return Started(ctx, execution, created);
}

}  // namespace

void AddDeployRoutes(Router& router, RouteContext& ctx) {
  router.Add("POST", "/api/v1/deployments", Scope::kDeploy,
             [&ctx](const ApiRequest& r, const PathParams&) { return StartDeployment(ctx, r); });
  router.Add("POST", "/api/v1/rollbacks", Scope::kDeploy,
             [&ctx](const ApiRequest& r, const PathParams&) { return StartRollback(ctx, r); });
}

}  // namespace ferry::api
