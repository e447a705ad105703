// Function and version operations: CreateFunction, GetFunction(Configuration),
// UpdateFunctionCode, UpdateFunctionConfiguration, PublishVersion, ListVersionsByFunction,
// ListFunctions, DeleteFunction, GetAccountSettings.
#include "common/crypto.h"
#include "common/strings.h"
#include "sandbox/lambda/state.h"
#include "sandbox/runtime/invoker.h"

namespace ferry::sandbox::lambda {
namespace {

// Configuration members a caller may set, with AWS's defaults applied on create.
constexpr const char* kConfigMembers[] = {
    "Runtime",          "Role",          "Handler",       "Description",
    "Timeout",          "MemorySize",    "Environment",   "TracingConfig",
    "EphemeralStorage", "LoggingConfig", "Architectures", "Layers",
    "DeadLetterConfig", "KMSKeyArn",     "VpcConfig",     "SnapStart"};

std::string Str(const Json& input, const char* name) {
  auto it = input.find(name);
  return it != input.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Fields that do not change what runs; left out of the publish fingerprint.
Json StableConfig(const Json& config) {
  Json stable = config;
  for (const char* key : {"RevisionId", "LastModified", "State", "StateReason", "StateReasonCode",
                          "LastUpdateStatus", "LastUpdateStatusReason",
                          "LastUpdateStatusReasonCode", "Version", "FunctionArn", "Description"}) {
    stable.erase(key);
  }
  return stable;
}

std::string Fingerprint(const VersionRecord& v) {
  return Sha256Hex(v.code_hex + DumpJson(StableConfig(v.config)));
}

// Reads the zip from ZipFile (base64) or S3 through the ObjectReader.
Result<std::string> ReadCode(LambdaService::State& s, const OpContext& ctx, const Json& code) {
  std::string zip_b64 = Str(code, "ZipFile");
  std::string bucket = Str(code, "S3Bucket"), key = Str(code, "S3Key");
  if (!zip_b64.empty() && (!bucket.empty() || !key.empty())) {
    return ApiError(400, "InvalidParameterValueException",
                    "Please provide only one source for function code: either ZipFile or "
                    "S3Bucket/S3Key.");
  }
  std::string bytes;
  if (!zip_b64.empty()) {
    auto decoded = Base64Decode(zip_b64);
    if (!decoded.ok()) {
      return ApiError(400, "InvalidParameterValueException",
                      "Could not unzip uploaded file. Please check your file, then try to upload "
                      "again.");
    }
    bytes = std::move(decoded).value();
  } else if (!bucket.empty() && !key.empty()) {
    if (s.objects == nullptr) {
      return ApiError(400, "InvalidParameterValueException",
                      "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error "
                      "Message: The specified bucket does not exist");
    }
    std::optional<std::string> version;
    if (!Str(code, "S3ObjectVersion").empty()) version = Str(code, "S3ObjectVersion");
    auto object = s.objects->ReadObject(ctx.caller.account_id, bucket, key, version);
    if (!object.ok()) {
      return ApiError(400, "InvalidParameterValueException",
                      "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error "
                      "Message: The specified key does not exist.");
    }
    bytes = std::move(object).value();
  } else if (!bucket.empty() || !key.empty()) {
    return ApiError(400, "InvalidParameterValueException",
                    "Please provide both S3Bucket and S3Key for function code.");
  } else {
    return ApiError(400, "InvalidParameterValueException",
                    "Please provide a source for function code.");
  }
  if (bytes.size() > kMaxZippedBytes) {
    return ApiError(413, "RequestEntityTooLargeException",
                    "Request must be smaller than 70167211 bytes for the CreateFunction "
                    "operation");
  }
  Status valid = ValidateZip(bytes);
  if (!valid.ok()) return ApiError(400, "InvalidParameterValueException", valid.error().message);
  return bytes;
}

Status CheckRevision(const Json& input, const Json& config) {
  std::string wanted = Str(input, "RevisionId");
  if (!wanted.empty() && wanted != config.value("RevisionId", "")) {
    return ApiError(412, "PreconditionFailedException",
                    "The Revision Id provided does not match the latest Revision Id. Call the "
                    "GetFunction/GetAlias API to retrieve the latest Revision Id");
  }
  return Ok();
}

// A change to $LATEST while it is being created or updated is refused, as in AWS.
Status CheckNotBusy(LambdaService::State& s, const FunctionRecord& fn) {
  const Json& c = fn.latest.config;
  if (c.value("State", "") == "Pending") {
    return ApiError(409, "ResourceConflictException",
                    "The operation cannot be performed at this time. The function is currently "
                    "in the following state: Pending");
  }
  if (c.value("LastUpdateStatus", "") == "InProgress") {
    return ApiError(409, "ResourceConflictException",
                    "The operation cannot be performed at this time. An update is in progress "
                    "for resource: " +
                        s.Arn(fn.account_id, fn.region, fn.name));
  }
  return Ok();
}

void ApplyConfig(Json& config, const Json& input) {
  for (const char* member : kConfigMembers) {
    auto it = input.find(member);
    if (it == input.end() || it->is_null()) continue;
    if (std::string(member) == "Environment") {
      Json env = {{"Variables", it->value("Variables", Json::object())}};
      config["Environment"] = env;
    } else if (std::string(member) == "Layers") {
      Json layers = Json::array();
      for (const auto& arn : *it) layers.push_back({{"Arn", arn}, {"CodeSize", 0}});
      config["Layers"] = layers;
    } else if (std::string(member) == "SnapStart") {
      config["SnapStart"] = {{"ApplyOn", it->value("ApplyOn", "None")},
                             {"OptimizationStatus", "Off"}};
    } else {
      config[member] = *it;
    }
  }
}

Status CheckRuntimeAndHandler(const Json& config) {
  if (config.value("PackageType", "Zip") == "Zip" &&
      (config.value("Runtime", "").empty() || config.value("Handler", "").empty())) {
    return ApiError(400, "InvalidParameterValueException",
                    "Runtime and Handler are mandatory parameters for functions created with "
                    "deployment packages.");
  }
  return Ok();
}

// An injected "state-failed[:reason]" outcome (faults.h) makes the pending create/update fail.
std::optional<std::string> FailReason(const OpContext& ctx, const char* default_reason) {
  const std::string& outcome = ctx.request.fault_outcome;
  if (outcome.rfind("state-failed", 0) != 0) return std::nullopt;
  auto colon = outcome.find(':');
  return colon == std::string::npos ? std::string(default_reason) : outcome.substr(colon + 1);
}

// Invoke keeps running what $LATEST was before the update until it succeeds.
void KeepServing(FunctionRecord& fn) {
  if (!fn.serving) fn.serving = fn.latest;
}

void MarkUpdating(LambdaService::State& s, FunctionRecord& fn) {
  Json& c = fn.latest.config;
  c["LastModified"] = LambdaTimestamp(s.clock.Now());
  c["LastUpdateStatus"] = "InProgress";
  c["LastUpdateStatusReason"] = "The function is being created.";
  c["LastUpdateStatusReasonCode"] = "Creating";
  c["RevisionId"] = s.NewRevisionId();
  fn.latest.fingerprint = Fingerprint(fn.latest);
  fn.settle_at = s.clock.Now() + s.options.update_delay;
}

Result<Json> Publish(LambdaService::State& s, FunctionRecord& fn, const std::string& description) {
  if (!fn.versions.empty()) {
    const VersionRecord& last = fn.versions.rbegin()->second;
    if (last.fingerprint == fn.latest.fingerprint) return last.config;
  }
  int64_t number = ++fn.last_version;
  VersionRecord v = fn.latest;
  Json& c = v.config;
  c["Version"] = std::to_string(number);
  c["FunctionArn"] = s.Arn(fn.account_id, fn.region, fn.name) + ":" + std::to_string(number);
  c["Description"] = description;
  c["RevisionId"] = s.NewRevisionId();
  c["State"] = "Active";
  c["LastUpdateStatus"] = "Successful";
  for (const char* key :
       {"StateReason", "StateReasonCode", "LastUpdateStatusReason", "LastUpdateStatusReasonCode"}) {
    c.erase(key);
  }
  fn.versions[number] = v;
  return v.config;
}

Json CodeLocation(LambdaService::State& s, const VersionRecord& v) {
  std::lock_guard lock(s.endpoint_mu);
  return {{"RepositoryType", "S3"}, {"Location", s.endpoint_url + "/_ferry/code/" + v.code_hex}};
}

}  // namespace

OpResult CreateFunction(LambdaService::State& s, const OpContext& ctx) {
  FERRY_ASSIGN_OR_RETURN(FunctionRef ref,
                         ResolveFunctionRef(ctx, Str(ctx.input, "FunctionName"), ""));
  if (!ref.qualifier.empty()) {
    return ApiError(400, "InvalidParameterValueException",
                    "Qualifiers are not allowed in the function name of CreateFunction");
  }
  std::string key = FunctionKey(ref.account_id, ref.region, ref.name);
  if (s.functions.count(key) != 0) {
    return ApiError(409, "ResourceConflictException", "Function already exist: " + ref.name);
  }
  if (ctx.input.value("PackageType", "Zip") == "Image") {
    return ApiError(400, "InvalidParameterValueException",
                    "The sandbox runs Zip packages only (PackageType Image is not supported)");
  }
  Json config = {
      {"FunctionName", ref.name},
      {"FunctionArn", s.Arn(ref.account_id, ref.region, ref.name)},
      {"Description", ""},
      {"Timeout", 3},
      {"MemorySize", 128},
      {"Version", "$LATEST"},
      {"TracingConfig", {{"Mode", "PassThrough"}}},
      {"PackageType", "Zip"},
      {"Architectures", Json::array({"x86_64"})},
      {"EphemeralStorage", {{"Size", 512}}},
      {"SnapStart", {{"ApplyOn", "None"}, {"OptimizationStatus", "Off"}}},
      {"LoggingConfig", {{"LogFormat", "Text"}, {"LogGroup", "/aws/lambda/" + ref.name}}}};
  ApplyConfig(config, ctx.input);
  FERRY_RETURN_IF_ERROR(CheckRuntimeAndHandler(config));
  FERRY_ASSIGN_OR_RETURN(std::string zip,
                         ReadCode(s, ctx, ctx.input.value("Code", Json::object())));
  config["CodeSize"] = static_cast<int64_t>(zip.size());
  config["CodeSha256"] = Base64Encode(Sha256(zip));
  FERRY_ASSIGN_OR_RETURN(std::string hex, s.code.Put(std::move(zip)));

  FunctionRecord fn;
  fn.account_id = ref.account_id;
  fn.region = ref.region;
  fn.name = ref.name;
  fn.latest.code_hex = hex;
  config["LastModified"] = LambdaTimestamp(s.clock.Now());
  config["RevisionId"] = s.NewRevisionId();
  config["State"] = "Pending";
  config["StateReason"] = "The function is being created.";
  config["StateReasonCode"] = "Creating";
  fn.latest.config = config;
  fn.latest.fingerprint = Fingerprint(fn.latest);
  fn.settle_at = s.clock.Now() + s.options.update_delay;
  fn.fail_reason = FailReason(ctx, "Injected fault: the function could not be created.");
  if (ctx.input.contains("Tags")) {
    fn.tags = ctx.input["Tags"].get<std::map<std::string, std::string>>();
  }
  Json response = config;
  if (ctx.input.value("Publish", false)) {
    FERRY_ASSIGN_OR_RETURN(response, Publish(s, fn, Str(ctx.input, "Description")));
    response["State"] = "Pending";
  }
  s.functions.emplace(key, std::move(fn));
  FERRY_RETURN_IF_ERROR(s.Persist());
  return JsonResponse(201, response, ctx.request_id);
}

namespace {

// The version a (possibly alias-) qualified reference names.
Result<VersionRecord*> ResolveQualified(LambdaService::State& s, FunctionRecord& fn,
                                        const std::string& qualifier) {
  auto alias = fn.aliases.find(qualifier);
  if (alias != fn.aliases.end()) {
    return FindVersion(s, fn, alias->second["FunctionVersion"].get<std::string>());
  }
  return FindVersion(s, fn, qualifier);
}

}  // namespace

OpResult GetFunction(LambdaService::State& s, const OpContext& ctx) {
  FERRY_ASSIGN_OR_RETURN(FunctionRef ref, ResolveFunctionRef(ctx, Str(ctx.input, "FunctionName"),
                                                             Str(ctx.input, "Qualifier")));
  FERRY_ASSIGN_OR_RETURN(FunctionRecord * fn, FindFunction(s, ref));
  FERRY_ASSIGN_OR_RETURN(VersionRecord * v, ResolveQualified(s, *fn, ref.qualifier));
  Json body = {{"Configuration", v->config}, {"Code", CodeLocation(s, *v)}};
  if (!fn->tags.empty() && ref.qualifier.empty()) body["Tags"] = fn->tags;
  return JsonResponse(200, body, ctx.request_id);
}

OpResult GetFunctionConfiguration(LambdaService::State& s, const OpContext& ctx) {
  FERRY_ASSIGN_OR_RETURN(FunctionRef ref, ResolveFunctionRef(ctx, Str(ctx.input, "FunctionName"),
                                                             Str(ctx.input, "Qualifier")));
  FERRY_ASSIGN_OR_RETURN(FunctionRecord * fn, FindFunction(s, ref));
  FERRY_ASSIGN_OR_RETURN(VersionRecord * v, ResolveQualified(s, *fn, ref.qualifier));
  return JsonResponse(200, v->config, ctx.request_id);
}

OpResult UpdateFunctionCode(LambdaService::State& s, const OpContext& ctx) {
  FERRY_ASSIGN_OR_RETURN(FunctionRef ref,
                         ResolveFunctionRef(ctx, Str(ctx.input, "FunctionName"), ""));
  FERRY_ASSIGN_OR_RETURN(FunctionRecord * fn, FindFunction(s, ref));
  FERRY_RETURN_IF_ERROR(CheckRevision(ctx.input, fn->latest.config));
  FERRY_RETURN_IF_ERROR(CheckNotBusy(s, *fn));
  FERRY_ASSIGN_OR_RETURN(std::string zip, ReadCode(s, ctx, ctx.input));
  Json config = fn->latest.config;
  config["CodeSize"] = static_cast<int64_t>(zip.size());
  config["CodeSha256"] = Base64Encode(Sha256(zip));
  if (ctx.input.value("DryRun", false)) return JsonResponse(200, config, ctx.request_id);
  FERRY_ASSIGN_OR_RETURN(std::string hex, s.code.Put(std::move(zip)));
  KeepServing(*fn);
  fn->latest.config = config;
  fn->latest.code_hex = hex;
  MarkUpdating(s, *fn);
  fn->fail_reason = FailReason(ctx, "Injected fault: the function code update failed.");
  Json response = fn->latest.config;
  if (ctx.input.value("Publish", false)) {
    FERRY_ASSIGN_OR_RETURN(response, Publish(s, *fn, ""));
  }
  FERRY_RETURN_IF_ERROR(s.Persist());
  return JsonResponse(200, response, ctx.request_id);
}

OpResult UpdateFunctionConfiguration(LambdaService::State& s, const OpContext& ctx) {
  FERRY_ASSIGN_OR_RETURN(FunctionRef ref,
                         ResolveFunctionRef(ctx, Str(ctx.input, "FunctionName"), ""));
  FERRY_ASSIGN_OR_RETURN(FunctionRecord * fn, FindFunction(s, ref));
  FERRY_RETURN_IF_ERROR(CheckRevision(ctx.input, fn->latest.config));
  FERRY_RETURN_IF_ERROR(CheckNotBusy(s, *fn));
  Json config = fn->latest.config;
  ApplyConfig(config, ctx.input);
  FERRY_RETURN_IF_ERROR(CheckRuntimeAndHandler(config));
  KeepServing(*fn);
  fn->latest.config = config;
  MarkUpdating(s, *fn);
  fn->fail_reason = FailReason(ctx, "Injected fault: the function configuration update failed.");
  FERRY_RETURN_IF_ERROR(s.Persist());
  return JsonResponse(200, fn->latest.config, ctx.request_id);
}

OpResult PublishVersion(LambdaService::State& s, const OpContext& ctx) {
  FERRY_ASSIGN_OR_RETURN(FunctionRef ref,
                         ResolveFunctionRef(ctx, Str(ctx.input, "FunctionName"), ""));
  FERRY_ASSIGN_OR_RETURN(FunctionRecord * fn, FindFunction(s, ref));
  FERRY_RETURN_IF_ERROR(CheckRevision(ctx.input, fn->latest.config));
  std::string sha = Str(ctx.input, "CodeSha256");
  if (!sha.empty() && sha != fn->latest.config.value("CodeSha256", "")) {
    return ApiError(412, "PreconditionFailedException",
                    "CodeSHA256 (" + sha + ") is different from current CodeSHA256 in $LATEST (" +
                        fn->latest.config.value("CodeSha256", "") +
                        "). Please try again from GetFunction/UpdateFunctionCode.");
  }
  FERRY_RETURN_IF_ERROR(CheckNotBusy(s, *fn));
  FERRY_ASSIGN_OR_RETURN(Json version, Publish(s, *fn, Str(ctx.input, "Description")));
  FERRY_RETURN_IF_ERROR(s.Persist());
  return JsonResponse(201, version, ctx.request_id);
}

OpResult ListVersionsByFunction(LambdaService::State& s, const OpContext& ctx) {
  FERRY_ASSIGN_OR_RETURN(FunctionRef ref,
                         ResolveFunctionRef(ctx, Str(ctx.input, "FunctionName"), ""));
  FERRY_ASSIGN_OR_RETURN(FunctionRecord * fn, FindFunction(s, ref));
  std::vector<const Json*> all;
  Json latest = fn->latest.config;
  latest["FunctionArn"] = s.Arn(fn->account_id, fn->region, fn->name) + ":$LATEST";
  all.push_back(&latest);
  for (const auto& [number, v] : fn->versions) all.push_back(&v.config);
  FERRY_ASSIGN_OR_RETURN(auto bounds, PageBounds(ctx.input, all.size()));
  Json page = Json::array();
  for (size_t i = bounds.first; i < bounds.second; ++i) page.push_back(*all[i]);
  Json body = {{"Versions", page}};
  if (bounds.second < all.size()) body["NextMarker"] = std::to_string(bounds.second);
  return JsonResponse(200, body, ctx.request_id);
}

OpResult ListFunctions(LambdaService::State& s, const OpContext& ctx) {
  std::string prefix = FunctionKey(ctx.caller.account_id, ctx.region, "");
  bool all_versions = Str(ctx.input, "FunctionVersion") == "ALL";
  std::vector<Json> items;
  for (auto& [key, fn] : s.functions) {
    if (key.rfind(prefix, 0) != 0) continue;
    s.Settle(fn);
    items.push_back(fn.latest.config);
    if (all_versions) {
      for (const auto& [n, v] : fn.versions) items.push_back(v.config);
    }
  }
  FERRY_ASSIGN_OR_RETURN(auto bounds, PageBounds(ctx.input, items.size()));
  Json page = Json::array();
  for (size_t i = bounds.first; i < bounds.second; ++i) page.push_back(items[i]);
  Json body = {{"Functions", page}};
  if (bounds.second < items.size()) body["NextMarker"] = std::to_string(bounds.second);
  return JsonResponse(200, body, ctx.request_id);
}

OpResult DeleteFunction(LambdaService::State& s, const OpContext& ctx) {
  FERRY_ASSIGN_OR_RETURN(FunctionRef ref, ResolveFunctionRef(ctx, Str(ctx.input, "FunctionName"),
                                                             Str(ctx.input, "Qualifier")));
  FERRY_ASSIGN_OR_RETURN(FunctionRecord * fn, FindFunction(s, ref));
  Response done;
  done.status = 204;
  done.headers = {{"x-amzn-RequestId", ctx.request_id}};
  if (ref.qualifier.empty()) {
    if (s.invoker != nullptr) s.invoker->Retire(fn->account_id, fn->region, fn->name);
    s.functions.erase(FunctionKey(ref.account_id, ref.region, ref.name));
    FERRY_RETURN_IF_ERROR(s.Persist());
    return done;
  }
  if (ref.qualifier == "$LATEST") {
    return ApiError(400, "InvalidParameterValueException",
                    "$LATEST version cannot be deleted without deleting the function.");
  }
  auto number = ParseInt(ref.qualifier);
  if (!number) {
    return ApiError(400, "InvalidParameterValueException", "Deletion of aliases is not supported.");
  }
  auto it = fn->versions.find(*number);
  if (it == fn->versions.end()) {
    return FunctionNotFound(s.Arn(fn->account_id, fn->region, fn->name) + ":" + ref.qualifier);
  }
  std::vector<std::string> referencing;
  for (const auto& [name, alias] : fn->aliases) {
    bool uses = alias.value("FunctionVersion", "") == ref.qualifier;
    if (alias.contains("RoutingConfig")) {
      uses = uses || alias["RoutingConfig"]
                         .value("AdditionalVersionWeights", Json::object())
                         .contains(ref.qualifier);
    }
    if (uses) referencing.push_back(name);
  }
  if (!referencing.empty()) {
    return ApiError(409, "ResourceConflictException",
                    "Unable to delete version because the following aliases reference it: [" +
                        Join(referencing, ", ") + "]");
  }
  fn->versions.erase(it);
  FERRY_RETURN_IF_ERROR(s.Persist());
  return done;
}

OpResult GetAccountSettings(LambdaService::State& s, const OpContext& ctx) {
  int64_t total = 0, count = 0;
  std::string prefix = FunctionKey(ctx.caller.account_id, ctx.region, "");
  for (const auto& [key, fn] : s.functions) {
    if (key.rfind(prefix, 0) != 0) continue;
    ++count;
    total += fn.latest.config.value("CodeSize", int64_t{0});
    for (const auto& [n, v] : fn.versions) total += v.config.value("CodeSize", int64_t{0});
  }
  Json body = {{"AccountLimit",
                {{"TotalCodeSize", int64_t{80530636800}},
                 {"CodeSizeUnzipped", int64_t{kMaxUnzippedBytes}},
                 {"CodeSizeZipped", int64_t{kMaxZippedBytes}},
                 {"ConcurrentExecutions", 1000},
                 {"UnreservedConcurrentExecutions", 1000}}},
               {"AccountUsage", {{"TotalCodeSize", total}, {"FunctionCount", count}}}};
  return JsonResponse(200, body, ctx.request_id);
}

}  // namespace ferry::sandbox::lambda
