// Alias operations (with weighted routing under AWS's constraints) and tags.
#include "common/strings.h"
#include "sandbox/lambda/state.h"

namespace ferry::sandbox::lambda {
namespace {

std::string Str(const Json& input, const char* name) {
  auto it = input.find(name);
  return it != input.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Error Invalid(const std::string& message) {
  return ApiError(400, "InvalidParameterValueException", message);
}

// Checks a primary version and an optional RoutingConfig the way Lambda does.
Status CheckTargets(LambdaService::State& s, FunctionRecord& fn, const std::string& version,
                    const Json* routing) {
  if (version != "$LATEST") FERRY_RETURN_IF_ERROR(FindVersion(s, fn, version));
  if (routing == nullptr) return Ok();
  Json weights = routing->value("AdditionalVersionWeights", Json::object());
  if (weights.empty()) return Ok();
  if (weights.size() > 1) {
    return Invalid("Number of items in AdditionalVersionWeights cannot be greater than 1");
  }
  if (version == "$LATEST") {
    return Invalid("$LATEST is not supported for an alias pointing to more than 1 version");
  }
  for (const auto& [extra, weight] : weights.items()) {
    if (extra == "$LATEST") {
      return Invalid("$LATEST is not supported for an alias pointing to more than 1 version");
    }
    if (extra == version) {
      return Invalid("Primary and additional version cannot be the same: " + version);
    }
    FERRY_RETURN_IF_ERROR(FindVersion(s, fn, extra));
    double w = weight.get<double>();
    if (w < 0.0 || w > 1.0) return Invalid("Weight must be between 0.0 and 1.0");
  }
  return Ok();
}

Result<FunctionRecord*> FunctionFor(LambdaService::State& s, const OpContext& ctx) {
  FERRY_ASSIGN_OR_RETURN(FunctionRef ref,
                         ResolveFunctionRef(ctx, Str(ctx.input, "FunctionName"), ""));
  if (!ref.qualifier.empty()) return Invalid("Alias operations take an unqualified function name");
  return FindFunction(s, ref);
}

Error AliasNotFound(LambdaService::State& s, const FunctionRecord& fn, const std::string& name) {
  return ApiError(404, "ResourceNotFoundException",
                  "Alias not found: " + s.Arn(fn.account_id, fn.region, fn.name) + ":" + name);
}

// Resolves a tagging Resource ARN to its function (tags live on the unqualified function).
Result<FunctionRecord*> TaggedFunction(LambdaService::State& s, const OpContext& ctx) {
  std::string arn = Str(ctx.input, "Resource");
  std::vector<std::string> parts = Split(arn, ':');
  if (parts.size() < 7 || parts[0] != "arn" || parts[5] != "function") {
    return Invalid("The resource " + arn + " is not a Lambda function ARN");
  }
  if (parts.size() > 7) return Invalid("Tags are not supported on qualified function ARNs: " + arn);
  FERRY_ASSIGN_OR_RETURN(FunctionRef ref, ResolveFunctionRef(ctx, arn, ""));
  return FindFunction(s, ref);
}

}  // namespace

OpResult CreateAlias(LambdaService::State& s, const OpContext& ctx) {
  FERRY_ASSIGN_OR_RETURN(FunctionRecord * fn, FunctionFor(s, ctx));
  std::string name = Str(ctx.input, "Name");
  if (fn->aliases.count(name) != 0) {
    return ApiError(
        409, "ResourceConflictException",
        "Alias already exists: " + s.Arn(fn->account_id, fn->region, fn->name) + ":" + name);
  }
  std::string version = Str(ctx.input, "FunctionVersion");
  const Json* routing = ctx.input.contains("RoutingConfig") ? &ctx.input["RoutingConfig"] : nullptr;
  FERRY_RETURN_IF_ERROR(CheckTargets(s, *fn, version, routing));
  Json alias = {{"AliasArn", s.Arn(fn->account_id, fn->region, fn->name) + ":" + name},
                {"Name", name},
                {"FunctionVersion", version},
                {"Description", Str(ctx.input, "Description")},
                {"RevisionId", s.NewRevisionId()}};
  if (routing != nullptr && !routing->value("AdditionalVersionWeights", Json::object()).empty()) {
    alias["RoutingConfig"] = *routing;
  }
  fn->aliases[name] = alias;
  FERRY_RETURN_IF_ERROR(s.Persist());
  return JsonResponse(201, alias, ctx.request_id);
}

OpResult GetAlias(LambdaService::State& s, const OpContext& ctx) {
  FERRY_ASSIGN_OR_RETURN(FunctionRecord * fn, FunctionFor(s, ctx));
  auto it = fn->aliases.find(Str(ctx.input, "Name"));
  if (it == fn->aliases.end()) return AliasNotFound(s, *fn, Str(ctx.input, "Name"));
  return JsonResponse(200, it->second, ctx.request_id);
}

OpResult UpdateAlias(LambdaService::State& s, const OpContext& ctx) {
  FERRY_ASSIGN_OR_RETURN(FunctionRecord * fn, FunctionFor(s, ctx));
  std::string name = Str(ctx.input, "Name");
  auto it = fn->aliases.find(name);
  if (it == fn->aliases.end()) return AliasNotFound(s, *fn, name);
  Json alias = it->second;
  std::string revision = Str(ctx.input, "RevisionId");
  if (!revision.empty() && revision != alias.value("RevisionId", "")) {
    return ApiError(412, "PreconditionFailedException",
                    "The Revision Id provided does not match the latest Revision Id. Call the "
                    "GetFunction/GetAlias API to retrieve the latest Revision Id");
  }
  if (ctx.input.contains("FunctionVersion"))
    alias["FunctionVersion"] = ctx.input["FunctionVersion"];
  if (ctx.input.contains("Description")) alias["Description"] = ctx.input["Description"];
  if (ctx.input.contains("RoutingConfig")) {
    const Json& routing = ctx.input["RoutingConfig"];
    if (routing.value("AdditionalVersionWeights", Json::object()).empty()) {
      alias.erase("RoutingConfig");
    } else {
      alias["RoutingConfig"] = routing;
    }
  }
  const Json* routing = alias.contains("RoutingConfig") ? &alias["RoutingConfig"] : nullptr;
  FERRY_RETURN_IF_ERROR(CheckTargets(s, *fn, alias["FunctionVersion"].get<std::string>(), routing));
  alias["RevisionId"] = s.NewRevisionId();
  it->second = alias;
  FERRY_RETURN_IF_ERROR(s.Persist());
  return JsonResponse(200, alias, ctx.request_id);
}

OpResult DeleteAlias(LambdaService::State& s, const OpContext& ctx) {
  FERRY_ASSIGN_OR_RETURN(FunctionRecord * fn, FunctionFor(s, ctx));
  // AWS answers 204 for an alias that does not exist, too.
  fn->aliases.erase(Str(ctx.input, "Name"));
  FERRY_RETURN_IF_ERROR(s.Persist());
  Response r;
  r.status = 204;
  r.headers = {{"x-amzn-RequestId", ctx.request_id}};
  return r;
}

OpResult ListAliases(LambdaService::State& s, const OpContext& ctx) {
  FERRY_ASSIGN_OR_RETURN(FunctionRecord * fn, FunctionFor(s, ctx));
  std::string version = Str(ctx.input, "FunctionVersion");
  std::vector<const Json*> items;
  for (const auto& [name, alias] : fn->aliases) {
    if (version.empty() || alias.value("FunctionVersion", "") == version) items.push_back(&alias);
  }
  FERRY_ASSIGN_OR_RETURN(auto bounds, PageBounds(ctx.input, items.size()));
  Json page = Json::array();
  for (size_t i = bounds.first; i < bounds.second; ++i) page.push_back(*items[i]);
  Json body = {{"Aliases", page}};
  if (bounds.second < items.size()) body["NextMarker"] = std::to_string(bounds.second);
  return JsonResponse(200, body, ctx.request_id);
}

OpResult TagResource(LambdaService::State& s, const OpContext& ctx) {
  FERRY_ASSIGN_OR_RETURN(FunctionRecord * fn, TaggedFunction(s, ctx));
  auto tags = fn->tags;
  for (const auto& [key, value] : ctx.input["Tags"].items()) tags[key] = value.get<std::string>();
  if (tags.size() > 50) return Invalid("A resource can have at most 50 tags");
  fn->tags = std::move(tags);
  FERRY_RETURN_IF_ERROR(s.Persist());
  Response r;
  r.status = 204;
  r.headers = {{"x-amzn-RequestId", ctx.request_id}};
  return r;
}

OpResult UntagResource(LambdaService::State& s, const OpContext& ctx) {
  FERRY_ASSIGN_OR_RETURN(FunctionRecord * fn, TaggedFunction(s, ctx));
  for (const auto& key : ctx.input.value("TagKeys", Json::array())) {
    fn->tags.erase(key.get<std::string>());
  }
  FERRY_RETURN_IF_ERROR(s.Persist());
  Response r;
  r.status = 204;
  r.headers = {{"x-amzn-RequestId", ctx.request_id}};
  return r;
}

OpResult ListTags(LambdaService::State& s, const OpContext& ctx) {
  FERRY_ASSIGN_OR_RETURN(FunctionRecord * fn, TaggedFunction(s, ctx));
  return JsonResponse(200, Json{{"Tags", fn->tags}}, ctx.request_id);
}

}  // namespace ferry::sandbox::lambda
