#include "aws/lambda_json.h"

#include <cmath>

#include "common/crypto.h"
#include "common/strings.h"

namespace ferry::aws::lambda_json {
namespace {

// Reads members of one JSON object, remembering the first type error. Absent and null members
// leave the target untouched.
class Reader {
 public:
  Reader(const Json& obj, std::string path) : obj_(obj), path_(std::move(path)) {
    if (!obj_.is_object()) Fail("", "an object");
  }

  void Str(const char* key, std::string& out) {
    const Json* v = Find(key);
    if (v == nullptr) return;
    if (!v->is_string()) return Fail(key, "a string");
    out = v->get<std::string>();
  }
  template <typename T>
  void Int(const char* key, T& out) {
    const Json* v = Find(key);
    if (v == nullptr) return;
    if (!v->is_number_integer()) return Fail(key, "an integer");
    const int64_t value = v->get<int64_t>();
    if (value < std::numeric_limits<T>::min() || value > std::numeric_limits<T>::max()) {
      return Fail(key, "an integer in range");
    }
    out = static_cast<T>(value);
  }
  void StrList(const char* key, std::vector<std::string>& out) {
    const Json* v = Find(key);
    if (v == nullptr) return;
    if (!v->is_array()) return Fail(key, "an array of strings");
    out.clear();
    for (const Json& item : *v) {
      if (!item.is_string()) return Fail(key, "an array of strings");
      out.push_back(item.get<std::string>());
    }
  }
  void StrMap(const char* key, std::map<std::string, std::string>& out) {
    const Json* v = Find(key);
    if (v == nullptr) return;
    if (!v->is_object()) return Fail(key, "an object of strings");
    out.clear();
    for (auto it = v->begin(); it != v->end(); ++it) {
      if (!it.value().is_string()) return Fail(key, "an object of strings");
      out[it.key()] = it.value().get<std::string>();
    }
  }
  // A nested object; nullptr when absent (or after an error).
  const Json* Obj(const char* key) {
    const Json* v = Find(key);
    if (v == nullptr) return nullptr;
    if (!v->is_object()) {
      Fail(key, "an object");
      return nullptr;
    }
    return v;
  }
  const Json* Arr(const char* key) {
    const Json* v = Find(key);
    if (v == nullptr) return nullptr;
    if (!v->is_array()) {
      Fail(key, "an array");
      return nullptr;
    }
    return v;
  }
  std::string Path(const char* key) const { return path_.empty() ? key : path_ + "." + key; }
  void Take(const Status& status) {
    if (!status.ok() && !error_) error_ = status.error();
  }
  Status status() const { return error_ ? Status(*error_) : Ok(); }

  void Fail(const char* key, const char* expected) {
    if (error_) return;
    const std::string where = key[0] ? Path(key) : (path_.empty() ? "body" : path_);
    error_ = Error{ErrorCode::kUnavailable,
                   StrCat({"malformed Lambda response: ", where, " is not ", expected})};
  }

 private:
  const Json* Find(const char* key) const {
    if (error_ || !obj_.is_object()) return nullptr;
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  const Json& obj_;
  std::string path_;
  std::optional<Error> error_;
};

Status ReadRouting(Reader& r, RoutingWeights& out) {
  const Json* routing = r.Obj("RoutingConfig");
  if (routing == nullptr) return r.status();
  auto weights = routing->find("AdditionalVersionWeights");
  if (weights == routing->end() || weights->is_null()) return r.status();
  if (!weights->is_object()) {
    r.Fail("RoutingConfig", "an object of version weights");
    return r.status();
  }
  for (auto it = weights->begin(); it != weights->end(); ++it) {
    if (!it.value().is_number()) {
      r.Fail("RoutingConfig", "an object of version weights");
      return r.status();
    }
    const double weight = it.value().get<double>();
    if (!std::isfinite(weight) || weight < 0 || weight > 1) {
      r.Fail("RoutingConfig", "an object of weights between 0 and 1");
      return r.status();
    }
    out[it.key()] = weight;
  }
  return r.status();
}

}  // namespace

Result<Json> ParseObject(std::string_view body, std::string_view operation) {
  if (body.empty()) return Json::object();
  auto parsed = ParseJson(body, JsonLimits{16 * 1024 * 1024, 32});
  if (!parsed.ok()) {
    return Error{ErrorCode::kUnavailable,
                 StrCat({"malformed Lambda ", operation, " response: ", parsed.error().message})};
  }
  if (!parsed->is_object()) {
    return Error{ErrorCode::kUnavailable,
                 StrCat({"malformed Lambda ", operation, " response: not a JSON object"})};
  }
  return parsed;
}

Result<FunctionConfiguration> ToFunctionConfiguration(const Json& obj) {
  return ToFunctionConfigurationAt(obj, "");
}

Result<FunctionConfiguration> ToFunctionConfigurationAt(const Json& obj, const std::string& path) {
  FunctionConfiguration c;
  Reader r(obj, path);
  r.Str("FunctionName", c.function_name);
  r.Str("FunctionArn", c.function_arn);
  r.Str("Runtime", c.runtime);
  r.Str("Role", c.role);
  r.Str("Handler", c.handler);
  r.Str("Description", c.description);
  r.Int("CodeSize", c.code_size);
  r.Int("Timeout", c.timeout);
  r.Int("MemorySize", c.memory_size);
  r.Str("LastModified", c.last_modified);
  r.Str("CodeSha256", c.code_sha256);
  r.Str("Version", c.version);
  r.Str("RevisionId", c.revision_id);
  r.Str("State", c.state);
  r.Str("StateReason", c.state_reason);
  r.Str("StateReasonCode", c.state_reason_code);
  r.Str("LastUpdateStatus", c.last_update_status);
  r.Str("LastUpdateStatusReason", c.last_update_status_reason);
  r.Str("LastUpdateStatusReasonCode", c.last_update_status_reason_code);
  r.Str("PackageType", c.package_type);
  r.Str("KMSKeyArn", c.kms_key_arn);
  r.StrList("Architectures", c.architectures);
  if (const Json* env = r.Obj("Environment")) {
    Reader e(*env, r.Path("Environment"));
    e.StrMap("Variables", c.environment);
    r.Take(e.status());
  }
  if (const Json* tracing = r.Obj("TracingConfig")) {
    Reader t(*tracing, r.Path("TracingConfig"));
    t.Str("Mode", c.tracing_mode);
    r.Take(t.status());
  }
  if (const Json* vpc = r.Obj("VpcConfig")) {
    Reader v(*vpc, r.Path("VpcConfig"));
    v.StrList("SubnetIds", c.vpc_config.subnet_ids);
    v.StrList("SecurityGroupIds", c.vpc_config.security_group_ids);
    v.Str("VpcId", c.vpc_id);
    r.Take(v.status());
  }
  if (const Json* dlq = r.Obj("DeadLetterConfig")) {
    Reader d(*dlq, r.Path("DeadLetterConfig"));
    d.Str("TargetArn", c.dead_letter_target_arn);
    r.Take(d.status());
  }
  if (const Json* storage = r.Obj("EphemeralStorage")) {
    Reader s(*storage, r.Path("EphemeralStorage"));
    s.Int("Size", c.ephemeral_storage_mb);
    r.Take(s.status());
  }
  if (const Json* layers = r.Arr("Layers")) {
    for (const Json& layer : *layers) {
      Reader l(layer, r.Path("Layers[]"));
      std::string arn;
      l.Str("Arn", arn);
      r.Take(l.status());
      c.layers.push_back(arn);
    }
  }
  FERRY_RETURN_IF_ERROR(r.status());
  return c;
}

Result<GetFunctionResult> ToGetFunctionResult(const Json& obj) {
  GetFunctionResult result;
  Reader r(obj, "");
  if (const Json* config = r.Obj("Configuration")) {
    FERRY_ASSIGN_OR_RETURN(result.configuration,
                           ToFunctionConfigurationAt(*config, "Configuration"));
  }
  if (const Json* code = r.Obj("Code")) {
    Reader c(*code, "Code");
    c.Str("RepositoryType", result.code.repository_type);
    c.Str("Location", result.code.location);
    c.Str("ImageUri", result.code.image_uri);
    c.Str("ResolvedImageUri", result.code.resolved_image_uri);
    r.Take(c.status());
  }
  r.StrMap("Tags", result.tags);
  if (const Json* concurrency = r.Obj("Concurrency")) {
    Reader c(*concurrency, "Concurrency");
    int reserved = -1;
    c.Int("ReservedConcurrentExecutions", reserved);
    r.Take(c.status());
    if (reserved >= 0) result.reserved_concurrency = reserved;
  }
  FERRY_RETURN_IF_ERROR(r.status());
  return result;
}

Result<AliasConfiguration> ToAliasConfiguration(const Json& obj) {
  AliasConfiguration a;
  Reader r(obj, "");
  r.Str("AliasArn", a.alias_arn);
  r.Str("Name", a.name);
  r.Str("FunctionVersion", a.function_version);
  r.Str("Description", a.description);
  r.Str("RevisionId", a.revision_id);
  FERRY_RETURN_IF_ERROR(ReadRouting(r, a.routing));
  return a;
}

Result<VersionsPage> ToVersionsPage(const Json& obj) {
  VersionsPage page;
  Reader r(obj, "");
  r.Str("NextMarker", page.next_marker);
  if (const Json* versions = r.Arr("Versions")) {
    for (const Json& v : *versions) {
      FERRY_ASSIGN_OR_RETURN(auto config, ToFunctionConfigurationAt(v, "Versions[]"));
      page.versions.push_back(std::move(config));
    }
  }
  FERRY_RETURN_IF_ERROR(r.status());
  return page;
}

Result<AliasesPage> ToAliasesPage(const Json& obj) {
  AliasesPage page;
  Reader r(obj, "");
  r.Str("NextMarker", page.next_marker);
  if (const Json* aliases = r.Arr("Aliases")) {
    for (const Json& a : *aliases) {
      FERRY_ASSIGN_OR_RETURN(auto alias, ToAliasConfiguration(a));  // paths relative to the alias
      page.aliases.push_back(std::move(alias));
    }
  }
  FERRY_RETURN_IF_ERROR(r.status());
  return page;
}

Result<AccountSettings> ToAccountSettings(const Json& obj) {
  AccountSettings s;
  Reader r(obj, "");
  if (const Json* limit = r.Obj("AccountLimit")) {
    Reader l(*limit, "AccountLimit");
    l.Int("TotalCodeSize", s.total_code_size_limit);
    l.Int("CodeSizeUnzipped", s.code_size_unzipped_limit);
    l.Int("CodeSizeZipped", s.code_size_zipped_limit);
    l.Int("ConcurrentExecutions", s.concurrent_executions);
    l.Int("UnreservedConcurrentExecutions", s.unreserved_concurrent_executions);
    r.Take(l.status());
  }
  if (const Json* usage = r.Obj("AccountUsage")) {
    Reader u(*usage, "AccountUsage");
    u.Int("TotalCodeSize", s.total_code_size_used);
    u.Int("FunctionCount", s.function_count);
    r.Take(u.status());
  }
  FERRY_RETURN_IF_ERROR(r.status());
  return s;
}

Result<std::map<std::string, std::string>> ToTags(const Json& obj) {
  std::map<std::string, std::string> tags;
  Reader r(obj, "");
  r.StrMap("Tags", tags);
  FERRY_RETURN_IF_ERROR(r.status());
  return tags;
}

namespace {

void PutCode(Json& out, const FunctionCode& code) {
  if (!code.zip_file.empty()) out["ZipFile"] = Base64Encode(code.zip_file);
  if (!code.s3_bucket.empty()) out["S3Bucket"] = code.s3_bucket;
  if (!code.s3_key.empty()) out["S3Key"] = code.s3_key;
  if (!code.s3_object_version.empty()) out["S3ObjectVersion"] = code.s3_object_version;
  if (!code.image_uri.empty()) out["ImageUri"] = code.image_uri;
}

void PutIfSet(Json& out, const char* key, const std::string& value) {
  if (!value.empty()) out[key] = value;
}

Json ToJson(const VpcConfig& vpc) {
  return {{"SubnetIds", Json(vpc.subnet_ids)}, {"SecurityGroupIds", Json(vpc.security_group_ids)}};
}

}  // namespace

Json FromCreateFunction(const CreateFunctionRequest& request) {
  Json out = Json::object();
  out["FunctionName"] = request.function_name;
  out["Role"] = request.role;
  PutIfSet(out, "Runtime", request.runtime);
  PutIfSet(out, "Handler", request.handler);
  PutIfSet(out, "Description", request.description);
  PutIfSet(out, "PackageType", request.package_type);
  Json code = Json::object();
  PutCode(code, request.code);
  out["Code"] = std::move(code);
  if (request.timeout) out["Timeout"] = *request.timeout;
  if (request.memory_size) out["MemorySize"] = *request.memory_size;
  if (request.publish) out["Publish"] = true;
  if (!request.architectures.empty()) out["Architectures"] = request.architectures;
  if (!request.layers.empty()) out["Layers"] = request.layers;
  if (request.ephemeral_storage_mb) {
    out["EphemeralStorage"] = {{"Size", *request.ephemeral_storage_mb}};
  }
  if (!request.environment.empty()) out["Environment"] = {{"Variables", request.environment}};
  if (!request.tags.empty()) out["Tags"] = request.tags;
  if (request.vpc_config) out["VpcConfig"] = ToJson(*request.vpc_config);
  if (!request.tracing_mode.empty()) out["TracingConfig"] = {{"Mode", request.tracing_mode}};
  PutIfSet(out, "KMSKeyArn", request.kms_key_arn);
  if (!request.dead_letter_target_arn.empty()) {
    out["DeadLetterConfig"] = {{"TargetArn", request.dead_letter_target_arn}};
  }
  return out;
}

Json FromUpdateFunctionCode(const UpdateFunctionCodeRequest& request) {
  Json out = Json::object();
  PutCode(out, request.code);
  if (request.publish) out["Publish"] = true;
  if (request.dry_run) out["DryRun"] = true;
  PutIfSet(out, "RevisionId", request.revision_id);
  if (!request.architectures.empty()) out["Architectures"] = request.architectures;
  return out;
}

Json FromUpdateFunctionConfiguration(const UpdateFunctionConfigurationRequest& request) {
  Json out = Json::object();
  if (request.role) out["Role"] = *request.role;
  if (request.handler) out["Handler"] = *request.handler;
  if (request.description) out["Description"] = *request.description;
  if (request.runtime) out["Runtime"] = *request.runtime;
  if (request.timeout) out["Timeout"] = *request.timeout;
  if (request.memory_size) out["MemorySize"] = *request.memory_size;
  if (request.environment) {
    out["Environment"] = {{"Variables", Json(*request.environment)}};
  }
  if (request.layers) out["Layers"] = Json(*request.layers);
  if (request.ephemeral_storage_mb) {
    out["EphemeralStorage"] = {{"Size", *request.ephemeral_storage_mb}};
  }
  if (request.vpc_config) out["VpcConfig"] = ToJson(*request.vpc_config);
  if (request.tracing_mode) out["TracingConfig"] = {{"Mode", *request.tracing_mode}};
  if (request.kms_key_arn) out["KMSKeyArn"] = *request.kms_key_arn;
  if (request.dead_letter_target_arn) {
    out["DeadLetterConfig"] = {{"TargetArn", *request.dead_letter_target_arn}};
  }
  PutIfSet(out, "RevisionId", request.revision_id);
  return out;
}

Json FromRouting(const RoutingWeights& routing) {
  return {{"AdditionalVersionWeights", Json(routing)}};
}

}  // namespace ferry::aws::lambda_json
