#include "sandbox/secrets/secrets_manager_service.h"

#include <algorithm>

#include "common/crypto.h"
#include "common/json.h"
#include "common/time.h"
#include "sandbox/front.h"
#include "sandbox/secrets/aws_json.h"

namespace ferry::sandbox::secrets {
namespace {

constexpr std::string_view kTarget = "secretsmanager";
constexpr size_t kMaxBody = 256 * 1024;
constexpr size_t kMaxValueBytes = 65536;
constexpr size_t kMaxVersions = 100;
constexpr char kCurrent[] = "AWSCURRENT";
constexpr char kPrevious[] = "AWSPREVIOUS";
constexpr char kNameChars[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_+=.@-!";

Error NotFound(const std::string& message = "Secrets Manager can't find the specified secret.") {
  return ToError({400, "ResourceNotFoundException", message});
}
Error InvalidParameter(const std::string& message) {
  return ToError({400, "InvalidParameterException", message});
}
Error InvalidRequest(const std::string& message) {
  return ToError({400, "InvalidRequestException", message});
}

std::string Key(const Caller& caller, const std::string& name) {
  return caller.account_id + "/" + caller.region + "/" + name;
}

bool HasStage(const SecretsManagerService::Version& v, const std::string& stage) {
  return std::find(v.stages.begin(), v.stages.end(), stage) != v.stages.end();
}

Json StagesMap(const SecretsManagerService::Secret& s) {
  Json map = Json::object();
  for (const auto& v : s.versions) {
    if (!v.stages.empty()) map[v.id] = v.stages;
  }
  return map;
}

}  // namespace

Result<std::unique_ptr<SecretsManagerService>> SecretsManagerService::Create(
    Clock& clock, IdGenerator& ids, std::shared_ptr<const LocalKey> key,
    const std::optional<std::filesystem::path>& data_dir) {
  std::optional<SnapshotFile> snapshot;
  if (data_dir) snapshot.emplace(*data_dir / "secretsmanager" / "secrets.json");
  std::unique_ptr<SecretsManagerService> service(
      new SecretsManagerService(clock, ids, std::move(key), std::move(snapshot)));
  FERRY_RETURN_IF_ERROR(service->Load());
  return service;
}

std::string SecretsManagerService::OperationName(const Request& request) {
  return JsonOperation(request, kTarget);
}

Response SecretsManagerService::RenderError(const Request&, const WireError& error) {
  return RenderFrontError(error);
}

Response SecretsManagerService::Handle(const Request& request, const Caller& caller) {
  const std::string request_id = FormatUuid(ids_.RandomBytes(16));
  auto call = ParseJsonCall(request, kTarget, kMaxBody);
  Result<Json> out = call.ok() ? Call(call->operation, call->input, caller) : call.error();
  if (!out.ok()) return JsonErrorOutput(FromError(out.error()), request_id);
  return JsonOutput(*out, request_id);
}

Result<Json> SecretsManagerService::Call(const std::string& operation, const Json& input,
                                         const Caller& caller) {
  std::lock_guard lock(mu_);
  if (operation == "CreateSecret") return CreateSecret(input, caller);
  if (operation == "PutSecretValue") return PutSecretValue(input, caller);
  if (operation == "GetSecretValue") return GetSecretValue(input, caller);
  if (operation == "DescribeSecret") return DescribeSecret(input, caller);
  if (operation == "DeleteSecret") return DeleteSecret(input, caller);
  return ToError({400, "UnknownOperationException",
                  "the sandbox's Secrets Manager does not implement " + operation +
                      " (it has CreateSecret, PutSecretValue, GetSecretValue, DescribeSecret, "
                      "DeleteSecret)"});
}

Result<SecretsManagerService::Secret*> SecretsManagerService::Find(const Json& input,
                                                                   const Caller& caller) {
  FERRY_ASSIGN_OR_RETURN(std::string id, RequiredString(input, "SecretId", 1, 2048));
  auto it = secrets_.find(Key(caller, id));
  if (it != secrets_.end()) return &it->second;
  // A full ARN, or a partial one (without the random suffix).
  const std::string prefix = Key(caller, "");
  for (auto i = secrets_.lower_bound(prefix); i != secrets_.end() && i->first.rfind(prefix, 0) == 0;
       ++i) {
    const std::string& arn = i->second.arn;
    if (arn == id || (arn.size() == id.size() + 7 && arn.rfind(id + "-", 0) == 0)) {
      return &i->second;
    }
  }
  return NotFound();
}

Result<SecretsManagerService::Version*> SecretsManagerService::AddVersion(Secret& secret,
                                                                          const Json& input,
                                                                          bool required) {
  FERRY_ASSIGN_OR_RETURN(auto text, OptionalString(input, "SecretString", 1, kMaxValueBytes));
  FERRY_ASSIGN_OR_RETURN(auto binary64, OptionalString(input, "SecretBinary", 1, 4 * kMaxValueBytes));
  FERRY_ASSIGN_OR_RETURN(auto token, OptionalString(input, "ClientRequestToken", 32, 64));
  if (text && binary64) {
    return InvalidParameter(
        "You can't specify both a binary secret value and a string secret value in the same "
        "secret.");
  }
  if (!text && !binary64) {
    if (required) {
      return InvalidParameter("You must provide either SecretString or SecretBinary.");
    }
    return static_cast<Version*>(nullptr);
  }
  std::string value;
  if (text) {
    value = *text;
  } else {
    auto decoded = Base64Decode(*binary64);
    if (!decoded.ok() || decoded->empty() || decoded->size() > kMaxValueBytes) {
      return InvalidParameter("SecretBinary must be base64 of 1 to 65536 bytes.");
    }
    value = std::move(*decoded);
  }
  if (token) {
    for (auto& v : secret.versions) {
      if (v.id != *token) continue;
      FERRY_ASSIGN_OR_RETURN(std::string existing, key_->Unseal(v.sealed));
      if (existing != value || v.binary != binary64.has_value()) {
        return ToError({400, "ResourceExistsException",
                        "You can't modify an existing version, you can only create a new version."});
      }
      return &v;  // the same request again: idempotent
    }
  }
  Version v;
  v.id = token ? *token : FormatUuid(ids_.RandomBytes(16));
  FERRY_ASSIGN_OR_RETURN(v.sealed, key_->Seal(value));
  v.binary = binary64.has_value();
  v.created = clock_.Now();
  // The new version becomes AWSCURRENT; the one it replaces AWSPREVIOUS.
  for (auto& old : secret.versions) {
    old.stages.erase(std::remove(old.stages.begin(), old.stages.end(), kPrevious),
                     old.stages.end());
  }
  for (auto& old : secret.versions) {
    auto current = std::find(old.stages.begin(), old.stages.end(), kCurrent);
    if (current != old.stages.end()) *current = kPrevious;
  }
  v.stages = {kCurrent};
  secret.versions.push_back(std::move(v));
  // Versions without a label are dropped beyond AWS's quota of 100.
  while (secret.versions.size() > kMaxVersions) {
    auto unlabelled = std::find_if(secret.versions.begin(), secret.versions.end(),
                                   [](const Version& x) { return x.stages.empty(); });
    if (unlabelled == secret.versions.end()) break;
    secret.versions.erase(unlabelled);
  }
  secret.last_changed = clock_.Now();
  return &secret.versions.back();
}

Result<Json> SecretsManagerService::CreateSecret(const Json& input, const Caller& caller) {
  FERRY_ASSIGN_OR_RETURN(std::string name, RequiredString(input, "Name", 1, 512));
  if (name.find_first_not_of(kNameChars) != std::string::npos) {
    return ToError({400, "ValidationException",
                    "Invalid name. Must be a valid name containing alphanumeric characters, or "
                    "any of the following: -/_+=.@!"});
  }
  FERRY_ASSIGN_OR_RETURN(auto description, OptionalString(input, "Description", 0, 2048));
  FERRY_ASSIGN_OR_RETURN(auto kms, OptionalString(input, "KmsKeyId", 0, 2048));
  (void)kms;  // one local key seals everything
  const std::string key = Key(caller, name);
  if (auto it = secrets_.find(key); it != secrets_.end()) {
    if (it->second.deleted) {
      return InvalidRequest(
          "You can't create this secret because a secret with this name is already scheduled "
          "for deletion.");
    }
    return ToError({400, "ResourceExistsException",
                    "The operation failed because the secret " + name + " already exists."});
  }
  static constexpr char kSuffix[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string suffix;
  for (unsigned char c : ids_.RandomBytes(6)) suffix += kSuffix[c % (sizeof(kSuffix) - 1)];
  Secret secret;
  secret.name = name;
  secret.arn = "arn:aws:secretsmanager:" + caller.region + ":" + caller.account_id +
               ":secret:" + name + "-" + suffix;
  secret.description = description.value_or("");
  secret.created = secret.last_changed = clock_.Now();
  FERRY_ASSIGN_OR_RETURN(Version * version, AddVersion(secret, input, false));
  Json out{{"ARN", secret.arn}, {"Name", name}};
  if (version != nullptr) out["VersionId"] = version->id;
  secrets_[key] = std::move(secret);
  FERRY_RETURN_IF_ERROR(Save());
  return out;
}

Result<Json> SecretsManagerService::PutSecretValue(const Json& input, const Caller& caller) {
  FERRY_ASSIGN_OR_RETURN(Secret * secret, Find(input, caller));
  if (secret->deleted) {
    return InvalidRequest(
        "You can't perform this operation on the secret because it was marked for deletion.");
  }
  FERRY_ASSIGN_OR_RETURN(Version * version, AddVersion(*secret, input, true));
  Json out{{"ARN", secret->arn},
           {"Name", secret->name},
           {"VersionId", version->id},
           {"VersionStages", version->stages}};
  FERRY_RETURN_IF_ERROR(Save());
  return out;
}

Result<Json> SecretsManagerService::GetSecretValue(const Json& input, const Caller& caller) {
  FERRY_ASSIGN_OR_RETURN(Secret * secret, Find(input, caller));
  if (secret->deleted) {
    return InvalidRequest(
        "You can't perform this operation on the secret because it was marked for deletion.");
  }
  FERRY_ASSIGN_OR_RETURN(auto version_id, OptionalString(input, "VersionId", 32, 64));
  FERRY_ASSIGN_OR_RETURN(auto stage, OptionalString(input, "VersionStage", 1, 256));
  const Version* found = nullptr;
  for (const auto& v : secret->versions) {
    if (version_id && v.id != *version_id) continue;
    if ((stage || !version_id) && !HasStage(v, stage.value_or(kCurrent))) continue;
    found = &v;
  }
  if (found == nullptr) {
    return NotFound(version_id ? "Secrets Manager can't find the specified secret value for "
                                 "VersionId: " + *version_id
                               : "Secrets Manager can't find the specified secret value for "
                                 "staging label: " + stage.value_or(kCurrent));
  }
  FERRY_ASSIGN_OR_RETURN(std::string value, key_->Unseal(found->sealed));
  Json out{{"ARN", secret->arn},
           {"Name", secret->name},
           {"VersionId", found->id},
           {"VersionStages", found->stages},
           {"CreatedDate", EpochSeconds(found->created)}};
  if (found->binary) {
    out["SecretBinary"] = Base64Encode(value);
  } else {
    out["SecretString"] = value;
  }
  return out;
}

Result<Json> SecretsManagerService::DescribeSecret(const Json& input, const Caller& caller) {
  FERRY_ASSIGN_OR_RETURN(Secret * secret, Find(input, caller));
  Json out{{"ARN", secret->arn},
           {"Name", secret->name},
           {"CreatedDate", EpochSeconds(secret->created)},
           {"LastChangedDate", EpochSeconds(secret->last_changed)},
           {"VersionIdsToStages", StagesMap(*secret)}};
  if (!secret->description.empty()) out["Description"] = secret->description;
  if (secret->deleted) out["DeletedDate"] = EpochSeconds(*secret->deleted);
  return out;
}

Result<Json> SecretsManagerService::DeleteSecret(const Json& input, const Caller& caller) {
  FERRY_ASSIGN_OR_RETURN(Secret * secret, Find(input, caller));
  FERRY_ASSIGN_OR_RETURN(bool force, OptionalBool(input, "ForceDeleteWithoutRecovery"));
  int64_t window = 30;
  if (auto it = input.find("RecoveryWindowInDays"); it != input.end() && !it->is_null()) {
    if (force) {
      return InvalidParameter(
          "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
    }
    if (!it->is_number_integer() || it->get<int64_t>() < 7 || it->get<int64_t>() > 30) {
      return InvalidParameter("The RecoveryWindowInDays value must be between 7 and 30 days.");
    }
    window = it->get<int64_t>();
  }
  const TimePoint now = clock_.Now();
  Json out{{"ARN", secret->arn}, {"Name", secret->name}};
  if (force) {
    out["DeletionDate"] = EpochSeconds(now);
    secrets_.erase(Key(caller, secret->name));
  } else {
    if (!secret->deleted) secret->deleted = now;
    out["DeletionDate"] = EpochSeconds(*secret->deleted + std::chrono::hours(24 * window));
  }
  FERRY_RETURN_IF_ERROR(Save());
  return out;
}

Status SecretsManagerService::Save() {
  if (!snapshot_) return Ok();
  Json secrets = Json::array();
  for (const auto& [key, s] : secrets_) {
    Json versions = Json::array();
    for (const auto& v : s.versions) {
      versions.push_back(Json{{"id", v.id},
                              {"sealed", v.sealed},
                              {"binary", v.binary},
                              {"stages", v.stages},
                              {"createdMs", ToUnixMillis(v.created)}});
    }
    Json j{{"key", key},
           {"name", s.name},
           {"arn", s.arn},
           {"description", s.description},
           {"createdMs", ToUnixMillis(s.created)},
           {"lastChangedMs", ToUnixMillis(s.last_changed)},
           {"versions", std::move(versions)}};
    if (s.deleted) j["deletedMs"] = ToUnixMillis(*s.deleted);
    secrets.push_back(std::move(j));
  }
  return snapshot_->Save(Json{{"secrets", std::move(secrets)}});
}

Status SecretsManagerService::Load() {
  if (!snapshot_) return Ok();
  FERRY_ASSIGN_OR_RETURN(std::optional<Json> state, snapshot_->Load());
  if (!state) return Ok();
  auto corrupt = [&](const std::string& why) {
    return InvalidArgument("sandbox snapshot " + snapshot_->path().string() + " is corrupt: " +
                           why);
  };
  try {
    for (const Json& j : state->at("secrets")) {
      Secret s;
      s.name = j.at("name").get<std::string>();
      s.arn = j.at("arn").get<std::string>();
      s.description = j.at("description").get<std::string>();
      s.created = FromUnixMillis(j.at("createdMs").get<int64_t>());
      s.last_changed = FromUnixMillis(j.at("lastChangedMs").get<int64_t>());
      if (j.contains("deletedMs")) s.deleted = FromUnixMillis(j.at("deletedMs").get<int64_t>());
      for (const Json& v : j.at("versions")) {
        s.versions.push_back(Version{v.at("id").get<std::string>(),
                                     v.at("sealed").get<std::string>(), v.at("binary").get<bool>(),
                                     v.at("stages").get<std::vector<std::string>>(),
                                     FromUnixMillis(v.at("createdMs").get<int64_t>())});
      }
      secrets_[j.at("key").get<std::string>()] = std::move(s);
    }
  } catch (const std::exception& e) {
    return corrupt(e.what());
  }
  return Ok();
}

}  // namespace ferry::sandbox::secrets
