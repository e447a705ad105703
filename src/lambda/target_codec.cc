#include "lambda/target_codec.h"

#include <set>

#include "common/strings.h"

namespace ferry::lambda {
namespace {

Error Bad(std::string_view field, std::string_view what) {
  return Error{ErrorCode::kInvalidArgument,
               "the task's target: " + std::string(field) + " " + std::string(what)};
}

// A string field of at most max_len characters, none of them control characters.
Result<std::optional<std::string>> BoundedString(const Json& obj, const char* key,
                                                 std::string_view field, size_t max_len) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return Bad(field, "must be a string");
  std::string value = it->get<std::string>();
  if (value.empty() || value.size() > max_len) {
    return Bad(field, "must be 1-" + std::to_string(max_len) + " characters");
  }
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Bad(field, "must not contain control characters");
    }
  }
  return std::optional<std::string>(std::move(value));
}

bool AllOf(std::string_view value, std::string_view extra) {
  for (char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || extra.find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

Status OnlyKeys(const Json& obj, std::string_view field, const std::set<std::string>& allowed) {
  for (const auto& [key, value] : obj.items()) {
    if (!allowed.contains(key)) {
      return Bad(field, "has an unknown field " + QuoteForMessage(key, 40));
    }
  }
  return Ok();
}

Result<TargetAssumeRole> AssumeRoleFrom(const Json& json) {
  constexpr std::string_view kField = "credentials.assumeRole";
  if (!json.is_object()) return Bad(kField, "must be an object");
  FERRY_RETURN_IF_ERROR(
      OnlyKeys(json, kField, {"roleArn", "externalId", "sessionName", "durationSeconds"}));
  TargetAssumeRole role;
  FERRY_ASSIGN_OR_RETURN(auto arn,
                         BoundedString(json, "roleArn", "credentials.assumeRole.roleArn", 2048));
  if (!arn) return Bad("credentials.assumeRole.roleArn", "is required");
  if (arn->rfind("arn:", 0) != 0) return Bad("credentials.assumeRole.roleArn", "is not an ARN");
  role.role_arn = *arn;
  FERRY_ASSIGN_OR_RETURN(
      auto external_id,
      BoundedString(json, "externalId", "credentials.assumeRole.externalId", 1224));
  if (external_id) {
    if (external_id->size() < 2 || !AllOf(*external_id, "+=,.@:/-")) {
      return Bad("credentials.assumeRole.externalId",
                 "must be 2-1224 characters of letters, digits and _+=,.@:/-");
    }
    role.external_id = *external_id;
  }
  FERRY_ASSIGN_OR_RETURN(
      auto session, BoundedString(json, "sessionName", "credentials.assumeRole.sessionName", 64));
  if (session) {
    if (session->size() < 2 || !AllOf(*session, "+=,.@-")) {
      return Bad("credentials.assumeRole.sessionName",
                 "must be 2-64 characters of letters, digits and _+=,.@-");
    }
    role.session_name = *session;
  }
  auto duration = json.find("durationSeconds");
  if (duration != json.end() && !duration->is_null()) {
    if (!duration->is_number_integer()) {
      return Bad("credentials.assumeRole.durationSeconds", "must be an integer");
    }
    int64_t seconds = duration->get<int64_t>();
    if (seconds < 900 || seconds > 43200) {
      return Bad("credentials.assumeRole.durationSeconds", "must be 900-43200");
    }
    role.duration_seconds = seconds;
  }
  return role;
}

Result<TargetCredentials> CredentialsFrom(const Json& json) {
  if (!json.is_object()) return Bad("credentials", "must be an object");
  FERRY_RETURN_IF_ERROR(OnlyKeys(json, "credentials",
                                 {"mode", "accessKeyId", "secretAccessKeySecret", "assumeRole"}));
  TargetCredentials creds;
  FERRY_ASSIGN_OR_RETURN(auto mode, BoundedString(json, "mode", "credentials.mode", 16));
  if (!mode) return Bad("credentials.mode", "is required");
  if (*mode == "keys") {
    creds.mode = TargetCredentialsMode::kKeys;
  } else if (*mode != "delegate") {
    return Bad("credentials.mode",
               "must be \"delegate\" or \"keys\", not " + QuoteForMessage(*mode));
  }
  FERRY_ASSIGN_OR_RETURN(auto key_id,
                         BoundedString(json, "accessKeyId", "credentials.accessKeyId", 128));
  FERRY_ASSIGN_OR_RETURN(auto secret, BoundedString(json, "secretAccessKeySecret",
                                                    "credentials.secretAccessKeySecret", 256));
  if (creds.mode == TargetCredentialsMode::kKeys) {
    if (!key_id) return Bad("credentials.accessKeyId", "is required in mode keys");
    if (!AllOf(*key_id, "")) return Bad("credentials.accessKeyId", "must be letters and digits");
    if (!secret) return Bad("credentials.secretAccessKeySecret", "is required in mode keys");
    creds.access_key_id = *key_id;
    creds.secret_name = *secret;
  } else if (key_id || secret) {
    return Bad("credentials", "mode delegate takes no accessKeyId or secretAccessKeySecret");
  }
  auto role = json.find("assumeRole");
  if (role != json.end() && !role->is_null()) {
    FERRY_ASSIGN_OR_RETURN(creds.assume_role, AssumeRoleFrom(*role));
  }
  return creds;
}

}  // namespace

std::string_view TargetCredentialsModeName(TargetCredentialsMode mode) {
  return mode == TargetCredentialsMode::kKeys ? "keys" : "delegate";
}

Json TargetToJson(const LambdaTarget& target) {
  Json json{{"region", target.region}};
  if (!target.endpoint.empty()) json["endpoint"] = target.endpoint;
  if (!target.cloud_provider.empty()) json["cloudProvider"] = target.cloud_provider;
  const TargetCredentials& c = target.credentials;
  if (c == TargetCredentials{}) return json;
  Json creds{{"mode", TargetCredentialsModeName(c.mode)}};
  if (c.mode == TargetCredentialsMode::kKeys) {
    creds["accessKeyId"] = c.access_key_id;
    creds["secretAccessKeySecret"] = c.secret_name;
  }
  if (c.assume_role) {
    Json role{{"roleArn", c.assume_role->role_arn}};
    if (!c.assume_role->external_id.empty()) role["externalId"] = c.assume_role->external_id;
    if (!c.assume_role->session_name.empty()) role["sessionName"] = c.assume_role->session_name;
    if (c.assume_role->duration_seconds != 0) {
      role["durationSeconds"] = c.assume_role->duration_seconds;
    }
    creds["assumeRole"] = std::move(role);
  }
  json["credentials"] = std::move(creds);
  return json;
}

Result<LambdaTarget> TargetFromJson(const Json& json) {
  if (!json.is_object()) return Error{ErrorCode::kInvalidArgument, "the task has no target"};
  LambdaTarget t;
  FERRY_ASSIGN_OR_RETURN(auto region, BoundedString(json, "region", "region", 64));
  if (!region) return Bad("region", "is required");
  t.region = *region;
  FERRY_ASSIGN_OR_RETURN(auto endpoint, BoundedString(json, "endpoint", "endpoint", 512));
  FERRY_ASSIGN_OR_RETURN(auto provider, BoundedString(json, "cloudProvider", "cloudProvider", 256));
  t.endpoint = endpoint.value_or("");
  t.cloud_provider = provider.value_or("");
  auto creds = json.find("credentials");
  if (creds != json.end() && !creds->is_null()) {
    FERRY_ASSIGN_OR_RETURN(t.credentials, CredentialsFrom(*creds));
  }
  return t;
}

}  // namespace ferry::lambda
