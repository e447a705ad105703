#include "lambda/state_codec.h"

#include <cstdint>

#include "common/crypto.h"
#include "common/json.h"
#include "lambda/codec_internal.h"

namespace ferry::lambda {
namespace codec {
namespace {

// {"KEY": [{"text": "..."} | {"secret": "NAME"}, ...]}: each part exactly one of the two, a
// secret name non-empty.
Json SecretEnvironmentJson(const std::map<std::string, SecretText>& environment) {
  Json out = Json::object();
  for (const auto& [key, text] : environment) {
    Json parts = Json::array();
    for (const SecretTextPart& part : text) {
      parts.push_back(part.secret.empty() ? Json{{"text", part.text}}
                                          : Json{{"secret", part.secret}});
    }
    out[key] = std::move(parts);
  }
  return out;
}

std::map<std::string, SecretText> SecretEnvironmentFrom(const Json& obj) {
  std::map<std::string, SecretText> out;
  auto it = obj.find("secretEnvironment");
  if (it == obj.end() || it->is_null()) return out;
  auto fail = [](const std::string& why) {
    return Json::type_error::create(302, "secretEnvironment" + why, nullptr);
  };
  if (!it->is_object()) throw fail(" must be an object");
  for (const auto& [key, parts] : it->items()) {
    if (!parts.is_array()) throw fail(" values must be arrays of parts");
    SecretText text;
    for (const Json& part : parts) {
      if (!part.is_object() || part.size() != 1) {
        throw fail(" parts must be {\"text\": ...} or {\"secret\": ...}");
      }
      if (auto t = part.find("text"); t != part.end()) {
        text.push_back(SecretTextPart{t->get<std::string>(), ""});
      } else if (auto n = part.find("secret");
                 n != part.end() && n->is_string() && !n->get_ref<const std::string&>().empty()) {
        text.push_back(SecretTextPart{"", n->get<std::string>()});
      } else {
        throw fail(" parts must be {\"text\": ...} or {\"secret\": NAME}");
      }
    }
    out[key] = std::move(text);
  }
  return out;
}

}  // namespace

Json ConfigJson(const FunctionConfig& c) {
  return Json{
      {"packageType", c.package_type},
      {"runtime", c.runtime},
      {"handler", c.handler},
      {"role", c.role},
      {"description", c.description},
      {"memoryMb", c.memory_mb},
      {"timeoutSeconds", c.timeout_seconds},
      {"ephemeralStorageMb", c.ephemeral_storage_mb},
      {"architectures", c.architectures},
      {"layers", c.layers},
      {"environment", c.environment},
      {"vpc", {{"subnetIds", c.vpc.subnet_ids}, {"securityGroupIds", c.vpc.security_group_ids}}},
      {"tracingMode", c.tracing_mode},
      {"kmsKeyArn", c.kms_key_arn},
      {"deadLetterTarget", c.dead_letter_target}};
}

FunctionConfig ConfigFrom(const Json& j) {
  FunctionConfig c;
  if (!j.is_object()) Fail("config must be an object");
  Read(j, "packageType", c.package_type);
  Read(j, "runtime", c.runtime);
  Read(j, "handler", c.handler);
  Read(j, "role", c.role);
  Read(j, "description", c.description);
  ReadInt(j, "memoryMb", c.memory_mb);
  ReadInt(j, "timeoutSeconds", c.timeout_seconds);
  ReadInt(j, "ephemeralStorageMb", c.ephemeral_storage_mb);
  Read(j, "architectures", c.architectures);
  Read(j, "layers", c.layers);
  Read(j, "environment", c.environment);
  if (auto it = j.find("vpc"); it != j.end() && it->is_object()) {
    Read(*it, "subnetIds", c.vpc.subnet_ids);
    Read(*it, "securityGroupIds", c.vpc.security_group_ids);
  }
  Read(j, "tracingMode", c.tracing_mode);
  Read(j, "kmsKeyArn", c.kms_key_arn);
  Read(j, "deadLetterTarget", c.dead_letter_target);
  return c;
}

Json WeightsJson(const RoutingWeights& w) {
  Json out = Json::object();
  for (const auto& [version, weight] : w) out[version] = weight;
  return out;
}

RoutingWeights WeightsFrom(const Json& j) {
  if (!j.is_object()) Fail("weights must be an object");
  RoutingWeights out;
  for (const auto& [version, weight] : j.items()) {
    double w = weight.get<double>();
    if (!(w >= 0.0 && w <= 1.0)) Fail("routing weight outside [0, 1]");
    out[version] = w;
  }
  return out;
}

AliasState AliasFrom(const Json& j) {
  AliasState a;
  a.name = j.at("name").get<std::string>();
  Read(j, "version", a.version);
  Read(j, "revisionId", a.revision_id);
  Read(j, "arn", a.arn);
  if (auto it = j.find("weights"); it != j.end() && !it->is_null()) a.weights = WeightsFrom(*it);
  return a;
}

ObservedFunction ObservedFrom(const Json& j) {
  if (!j.is_object()) Fail("a function must be an object");
  ObservedFunction f;
  Read(j, "exists", f.exists);
  Read(j, "functionName", f.function_name);
  Read(j, "arn", f.arn);
  if (auto it = j.find("config"); it != j.end()) f.config = ConfigFrom(*it);
  Read(j, "codeSha256", f.code_sha256);
  Read(j, "revisionId", f.revision_id);
  Read(j, "state", f.state);
  Read(j, "stateReason", f.state_reason);
  Read(j, "lastUpdateStatus", f.last_update_status);
  Read(j, "lastUpdateStatusReason", f.last_update_status_reason);
  Read(j, "tags", f.tags);
  for (const auto& v : ArrayAt(j, "versions")) {
    VersionInfo info;
    info.version = v.at("version").get<std::string>();
    Read(v, "codeSha256", info.code_sha256);
    if (auto c = v.find("config"); c != v.end()) info.config = ConfigFrom(*c);
    f.versions.push_back(std::move(info));
  }
  for (const auto& a : ArrayAt(j, "aliases")) f.aliases.push_back(AliasFrom(a));
  return f;
}

DesiredFunction DesiredFrom(const Json& j) {
  DesiredFunction d;
  d.function_name = j.at("functionName").get<std::string>();
  d.config = ConfigFrom(j.at("config"));
  const Json& code = ObjectAt(j, "code");
  Read(code, "s3Bucket", d.code.s3_bucket);
  Read(code, "s3Key", d.code.s3_key);
  Read(code, "s3ObjectVersion", d.code.s3_object_version);
  std::string zip_base64;
  Read(code, "zipFileBase64", zip_base64);
  if (!zip_base64.empty()) {
    auto zip = Base64Decode(zip_base64);
    if (!zip.ok()) Fail("zipFileBase64 is not base64");
    d.code.zip_file = std::move(zip).value();
  }
  Read(code, "imageUri", d.code.image_uri);
  Read(code, "codeSha256", d.code.code_sha256);
  Read(j, "tags", d.tags);
  Read(j, "aliases", d.aliases);
  std::string traffic = "allAtOnce";
  Read(j, "traffic", traffic);
  if (traffic != "allAtOnce" && traffic != "none") Fail("traffic must be allAtOnce or none");
  d.traffic = traffic == "none" ? TrafficPolicy::kNone : TrafficPolicy::kAllAtOnce;
  Read(j, "previouslyManagedTags", d.previously_managed_tags);
  Read(j, "previouslyManagedEnvironment", d.previously_managed_environment);
  Read(j, "versionDescription", d.version_description);
  d.secret_environment = SecretEnvironmentFrom(j);
  return d;
}

Json CallsJson(const std::vector<CallRecord>& calls) {
  Json out = Json::array();
  for (const auto& c : calls) {
    out.push_back({{"operation", c.operation},
                   {"description", c.description},
                   {"mutating", c.mutating},
                   {"requestIds", c.request_ids},
                   {"error", c.error}});
  }
  return out;
}

std::vector<CallRecord> CallsFrom(const Json& json) {
  std::vector<CallRecord> out;
  if (!json.is_array()) Fail("calls must be an array");
  for (const auto& c : json) {
    CallRecord call;
    Read(c, "operation", call.operation);
    Read(c, "description", call.description);
    Read(c, "mutating", call.mutating);
    Read(c, "requestIds", call.request_ids);
    Read(c, "error", call.error);
    out.push_back(std::move(call));
  }
  return out;
}

Json ErrorJson(const Error& error) {
  return {{"code", std::string(ErrorCodeName(error.code))}, {"message", error.message}};
}

Error ErrorFrom(const Json& json) {
  if (!json.is_object()) Fail("error must be an object");
  return Error{ErrorCodeFromName(json.value("code", "internal")),
               json.value("message", std::string())};
}

FunctionDeployment DeploymentFrom(const Json& j) {
  FunctionDeployment d;
  d.function_name = j.at("functionName").get<std::string>();
  Read(j, "started", d.started);
  Read(j, "snapshotTaken", d.snapshot_taken);
  if (auto it = j.find("snapshot"); it != j.end()) d.snapshot = ObservedFrom(*it);
  Read(j, "drifted", d.drifted);
  Read(j, "drift", d.drift);
  Read(j, "snapshotConfirmed", d.snapshot_confirmed);
  Read(j, "movedAliases", d.moved_aliases);
  Read(j, "functionArn", d.function_arn);
  Read(j, "version", d.version);
  Read(j, "codeSha256", d.code_sha256);
  ReadInt(j, "versionCount", d.version_count, -1);
  for (const auto& a : ArrayAt(j, "aliases")) d.aliases.push_back(AliasFrom(a));
  Read(j, "deployedAliases", d.deployed_aliases);
  Read(j, "managedTags", d.managed_tags);
  Read(j, "managedEnvironment", d.managed_environment);
  if (auto it = j.find("after"); it != j.end() && !it->is_null()) d.after = ObservedFrom(*it);
  d.calls = CallsFrom(ArrayAt(j, "calls"));
  if (auto it = j.find("error"); it != j.end() && !it->is_null()) d.error = ErrorFrom(*it);
  return d;
}

}  // namespace codec

using codec::Guard;

ObservedFunction RedactEnvironment(ObservedFunction f) {
  for (auto& [key, value] : f.config.environment) value.clear();
  for (auto& v : f.versions) {
    for (auto& [key, value] : v.config.environment) value.clear();
  }
  return f;
}

Json ToJson(const DesiredFunction& d) {
  return Json{{"functionName", d.function_name},
              {"config", codec::ConfigJson(d.config)},
              {"code",
               {{"s3Bucket", d.code.s3_bucket},
                {"s3Key", d.code.s3_key},
                {"s3ObjectVersion", d.code.s3_object_version},
                {"zipFileBase64", Base64Encode(d.code.zip_file)},
                {"imageUri", d.code.image_uri},
                {"codeSha256", d.code.code_sha256}}},
              {"tags", d.tags},
              {"aliases", d.aliases},
              {"traffic", d.traffic == TrafficPolicy::kNone ? "none" : "allAtOnce"},
              {"previouslyManagedTags", d.previously_managed_tags},
              {"previouslyManagedEnvironment", d.previously_managed_environment},
              {"versionDescription", d.version_description},
              {"secretEnvironment", codec::SecretEnvironmentJson(d.secret_environment)}};
}

Result<DesiredFunction> DesiredFromJson(const Json& j) {
  return Guard("desired function", [&] { return codec::DesiredFrom(j); });
}

Json ToJson(const AliasState& a) {
  return Json{{"name", a.name},
              {"version", a.version},
              {"weights", codec::WeightsJson(a.weights)},
              {"revisionId", a.revision_id},
              {"arn", a.arn}};
}

Result<AliasState> AliasFromJson(const Json& j) {
  return Guard("alias", [&] { return codec::AliasFrom(j); });
}

Json ToJson(const ObservedFunction& f) {
  // Versions carry no configuration: every decision that compares one reads it afresh.
  Json versions = Json::array();
  for (const auto& v : f.versions) {
    versions.push_back({{"version", v.version}, {"codeSha256", v.code_sha256}});
  }
  Json aliases = Json::array();
  for (const auto& a : f.aliases) aliases.push_back(ToJson(a));
  return Json{{"exists", f.exists},
              {"functionName", f.function_name},
              {"arn", f.arn},
              {"config", codec::ConfigJson(f.config)},
              {"codeSha256", f.code_sha256},
              {"revisionId", f.revision_id},
              {"state", f.state},
              {"stateReason", f.state_reason},
              {"lastUpdateStatus", f.last_update_status},
              {"lastUpdateStatusReason", f.last_update_status_reason},
              {"tags", f.tags},
              {"versions", versions},
              {"aliases", aliases}};
}

Result<ObservedFunction> ObservedFromJson(const Json& j) {
  return Guard("function snapshot", [&] { return codec::ObservedFrom(j); });
}

Json ToJson(const FunctionDeployment& d) {
  Json aliases = Json::array();
  for (const auto& a : d.aliases) aliases.push_back(ToJson(a));
  Json out{{"functionName", d.function_name},
           {"started", d.started},
           {"snapshotTaken", d.snapshot_taken},
           {"snapshot", ToJson(RedactEnvironment(d.snapshot))},
           {"functionArn", d.function_arn},
           {"version", d.version},
           {"codeSha256", d.code_sha256},
           {"versionCount", d.version_count},
           {"aliases", aliases},
           {"deployedAliases", d.deployed_aliases},
           {"snapshotConfirmed", d.snapshot_confirmed},
           {"movedAliases", d.moved_aliases},
           {"managedTags", d.managed_tags},
           {"managedEnvironment", d.managed_environment},
           {"calls", codec::CallsJson(d.calls)}};
  if (d.drifted) {
    out["drifted"] = true;
    out["drift"] = d.drift;
  }
  if (d.after) out["after"] = ToJson(RedactEnvironment(*d.after));
  if (d.error) out["error"] = codec::ErrorJson(*d.error);
  return out;
}

Result<FunctionDeployment> DeploymentFromJson(const Json& j) {
  return Guard("deployment record", [&] { return codec::DeploymentFrom(j); });
}

}  // namespace ferry::lambda
