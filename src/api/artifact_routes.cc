// POST /api/v1/artifacts (record a build), GET /api/v1/artifacts (page), GET
// /api/v1/artifacts/{id}.
#include "api/access_check.h"
#include "api/json_views.h"
#include "api/request_actor.h"
#include "api/request_input.h"
#include "api/router.h"
#include "common/strings.h"

namespace ferry::api {
namespace {

constexpr size_t kMaxS3KeyBytes = 1024;
// An artifact's metadata (build info: commit, branch, pipeline) is small; bounded so that a
// list page of artifacts stays small too (issue 18: 60 artifacts with 1 MiB each made one
// 62 MB page).
constexpr size_t kMaxMetadataBytes = size_t{16} * 1024;
// A list page stops growing past this many bytes (at least one artifact is always sent); its
// `next` then continues after the last one sent. Bounds pages of artifacts recorded before the
// metadata limit.
constexpr size_t kMaxListPageBytes = size_t{1} << 20;

Result<std::string> NameField(const Json& body, std::string_view field, bool required) {
  FERRY_ASSIGN_OR_RETURN(auto value, OptionalString(body, field));
  if (!value) {
    if (required) return InvalidArgument(StrCat({"field '", field, "' is required"}));
    return std::string();
  }
  FERRY_RETURN_IF_ERROR(CheckName(StrCat({"field '", field, "'"}), *value));
  return *value;
}

Result<ArtifactLocation> Location(const Json& body) {
  auto it = body.find("location");
  if (it == body.end() || it->is_null()) {
    return InvalidArgument(
        "field 'location' is required: {\"s3Bucket\", \"s3Key\", \"s3ObjectVersion\"?}");
  }
  return ParseArtifactLocation(*it, "location");
}

Result<ApiResponse> RecordArtifact(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, ctx.max_body_bytes));
  FERRY_RETURN_IF_ERROR(RejectUnknownFields(
      body, {"source", "key", "version", "location", "codeSha256", "sizeBytes", "metadata"}));
  store::NewArtifact artifact;
  FERRY_ASSIGN_OR_RETURN(artifact.source, NameField(body, "source", true));
  FERRY_ASSIGN_OR_RETURN(artifact.key, RequiredString(body, "key"));
  if (artifact.key.empty() || artifact.key.size() > kMaxS3KeyBytes || !IsValidUtf8(artifact.key)) {
    return InvalidArgument("field 'key' must be 1 to 1024 bytes of UTF-8");
  }
  FERRY_ASSIGN_OR_RETURN(artifact.version, NameField(body, "version", true));
  FERRY_ASSIGN_OR_RETURN(ArtifactLocation location, Location(body));
  artifact.location_json = EncodeArtifactLocation(location);
  FERRY_ASSIGN_OR_RETURN(auto sha, OptionalString(body, "codeSha256"));
  if (sha) {
    // Lambda's CodeSha256: base64 of 32 bytes.
    if (sha->size() != 44 ||
        sha->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                               "qrstuvwxyz0123456789+/=") != std::string::npos) {
      return InvalidArgument(
          "field 'codeSha256' must be the base64 SHA-256 of the zip (44 "
          "characters, as Lambda reports CodeSha256)");
    }
    artifact.code_sha256 = *sha;
  }
  FERRY_ASSIGN_OR_RETURN(auto size, OptionalInt(body, "sizeBytes"));
  if (size && *size < 0) return InvalidArgument("field 'sizeBytes' must not be negative");
  artifact.size_bytes = size.value_or(0);
  if (auto it = body.find("metadata"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return InvalidArgument("field 'metadata' must be a JSON object");
    artifact.metadata_json = DumpJson(*it);
    if (artifact.metadata_json.size() > kMaxMetadataBytes) {
      return Error{ErrorCode::kPayloadTooLarge,
                   "field 'metadata' is " + std::to_string(artifact.metadata_json.size()) +
                       " bytes of JSON; the limit is " + std::to_string(kMaxMetadataBytes) +
                       " (keep build information there, not files)",
                   {}};
    }
  }
  FERRY_ASSIGN_OR_RETURN(auto recorded, ctx.store.artifacts().Record(artifact, ActorOf(request)));
  ApiResponse reply = JsonReply(recorded.created ? 201 : 200, ArtifactJson(recorded.artifact));
  reply.headers.emplace_back("Location", "/api/v1/artifacts/" + recorded.artifact.id);
  return reply;
}

Result<ApiResponse> ListArtifacts(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {"source", "key", "limit", "before"}));
  store::ArtifactFilter filter;
  FERRY_ASSIGN_OR_RETURN(filter.source, QueryName(request, "source"));
  auto [first, last] = request.query.equal_range("key");
  if (first != last) {
    if (std::next(first) != last) {
      return InvalidArgument("query parameter 'key' is given more than once");
    }
    if (first->second.empty() || first->second.size() > kMaxS3KeyBytes ||
        !IsValidUtf8(first->second)) {
      return InvalidArgument("query parameter 'key' must be 1 to 1024 bytes of UTF-8");
    }
    filter.key = first->second;
  }
  FERRY_ASSIGN_OR_RETURN(filter.before_id, QueryName(request, "before"));
  FERRY_ASSIGN_OR_RETURN(int limit, ListLimit(request));
  // Artifacts are recorded by source, not by application: only grants for every application
  // cover them (docs/security.md, "Scoped reads").
  if (!ReadScope(ctx.store, request.principal).Application("")) {
    return JsonReply(200, {{"items", Json::array()}, {"next", nullptr}});
  }
  filter.limit = limit + 1;
  auto artifacts = ctx.store.artifacts().List(filter);
  if (!artifacts.ok()) return ListError(artifacts.error(), filter.before_id, "artifact");
  bool more = artifacts->size() > static_cast<size_t>(limit);
  if (more) artifacts->resize(limit);
  Json items = Json::array();
  std::string last_id;
  size_t bytes = 0;
  for (const store::ArtifactRecord& a : *artifacts) {
    Json item = ArtifactJson(a);
    bytes += DumpJson(item).size();
    if (!items.empty() && bytes > kMaxListPageBytes) {
      more = true;
      break;
    }
    items.push_back(std::move(item));
    last_id = a.id;
  }
  Json next = more ? Json(last_id) : Json(nullptr);
  return JsonReply(200, {{"items", std::move(items)}, {"next", std::move(next)}});
}

Result<ApiResponse> GetArtifact(RouteContext& ctx, const ApiRequest& request,
                                const std::string& id) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  auto artifact = ctx.store.artifacts().Get(id);
  if (!artifact.ok() && artifact.error().code == ErrorCode::kNotFound) {
    return NotFound("no artifact " + QuoteForMessage(id) +
                    "; list them with GET "
                    "/api/v1/artifacts");
  }
  if (!artifact.ok()) return artifact.error();
  FERRY_RETURN_IF_ERROR(ReadScope(ctx.store, request.principal).Require("", ""));
  return JsonReply(200, ArtifactJson(*artifact));
}

}  // namespace

void AddArtifactRoutes(Router& router, RouteContext& ctx) {
  router.Add("POST", "/api/v1/artifacts", Permission::kDeploy,
             [&ctx](const ApiRequest& r, const PathParams&) { return RecordArtifact(ctx, r); });
  router.Add("GET", "/api/v1/artifacts", Permission::kView,
             [&ctx](const ApiRequest& r, const PathParams&) { return ListArtifacts(ctx, r); });
  router.Add(
      "GET", "/api/v1/artifacts/{id}", Permission::kView,
      [&ctx](const ApiRequest& r, const PathParams& p) { return GetArtifact(ctx, r, p.at("id")); });
}

}  // namespace ferry::api
