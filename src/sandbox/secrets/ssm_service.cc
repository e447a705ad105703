#include "sandbox/secrets/ssm_service.h"

#include <algorithm>
#include <cctype>

#include "common/json.h"
#include "common/strings.h"
#include "common/time.h"
#include "sandbox/front.h"
#include "sandbox/secrets/aws_json.h"

namespace ferry::sandbox::secrets {
namespace {

constexpr std::string_view kTarget = "AmazonSSM";
constexpr size_t kMaxBody = 256 * 1024;
constexpr size_t kMaxVersions = 100;
constexpr size_t kMaxStandardValue = 4096;
constexpr size_t kMaxAdvancedValue = 8192;
constexpr char kNameChars[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/";

std::string Key(const Caller& caller, const std::string& name) {
  return caller.account_id + "/" + caller.region + "/" + name;
}

Error Validation(const std::string& message) {
  return ToError({400, "ValidationException", message});
}

Error ParameterNotFound(const std::string& name) {
  return ToError({400, "ParameterNotFound", "Parameter " + name + " not found."});
}

// AWS's naming rules: letters, digits and _.-/; a hierarchical name starts with '/', has at most
// 15 levels; no "aws"/"ssm" prefix.
Status CheckName(const std::string& name) {
  if (name.find_first_not_of(kNameChars) != std::string::npos) {
    return Validation(
        "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). It must "
        "use only letters, numbers, or the following symbols: . (period), - (hyphen), _ "
        "(underscore), / (forward slash).");
  }
  if (name.find('/') != std::string::npos && name[0] != '/') {
    return Validation("Parameter name must be a fully qualified name.");
  }
  std::string lower = name.substr(name[0] == '/' ? 1 : 0, 3);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "aws" || lower == "ssm") {
    return Validation("No access to reserved parameter name: " + name + ".");
  }
  if (std::count(name.begin(), name.end(), '/') > 15) {
    return ToError({400, "HierarchyLevelLimitExceededException",
                    "A hierarchy can have a maximum of 15 levels."});
  }
  if (name.find("//") != std::string::npos || (name.size() > 1 && name.back() == '/')) {
    return Validation("Parameter name: empty path segments are not allowed.");
  }
  return Ok();
}

std::string Arn(const Caller& caller, const std::string& name) {
  return "arn:aws:ssm:" + caller.region + ":" + caller.account_id + ":parameter" +
         (name[0] == '/' ? "" : "/") + name;
}

}  // namespace

Result<std::unique_ptr<SsmService>> SsmService::Create(
    Clock& clock, IdGenerator& ids, std::shared_ptr<const LocalKey> key,
    const std::optional<std::filesystem::path>& data_dir) {
  std::optional<SnapshotFile> snapshot;
  if (data_dir) snapshot.emplace(*data_dir / "ssm" / "parameters.json");
  std::unique_ptr<SsmService> service(
      new SsmService(clock, ids, std::move(key), std::move(snapshot)));
  FERRY_RETURN_IF_ERROR(service->Load());
  return service;
}

std::string SsmService::OperationName(const Request& request) {
  return JsonOperation(request, kTarget);
}

Response SsmService::RenderError(const Request&, const WireError& error) {
  return RenderFrontError(error);
}

Response SsmService::Handle(const Request& request, const Caller& caller) {
  const std::string request_id = FormatUuid(ids_.RandomBytes(16));
  auto call = ParseJsonCall(request, kTarget, kMaxBody);
  Result<Json> out = call.ok() ? Call(call->operation, call->input, caller) : call.error();
  if (!out.ok()) return JsonErrorOutput(FromError(out.error()), request_id);
  return JsonOutput(*out, request_id);
}

Result<Json> SsmService::Call(const std::string& operation, const Json& input,
                              const Caller& caller) {
  std::lock_guard lock(mu_);
  if (operation == "PutParameter") return PutParameter(input, caller);
  if (operation == "GetParameter") return GetParameter(input, caller);
  if (operation == "GetParameters") return GetParameters(input, caller);
  if (operation == "DeleteParameter") return DeleteParameter(input, caller);
  return ToError({400, "UnknownOperationException",
                  "the sandbox's SSM does not implement " + operation +
                      " (it has PutParameter, GetParameter, GetParameters, DeleteParameter)"});
}

Result<Json> SsmService::PutParameter(const Json& input, const Caller& caller) {
  FERRY_ASSIGN_OR_RETURN(std::string name, RequiredString(input, "Name", 1, 2048));
  FERRY_RETURN_IF_ERROR(CheckName(name));
  FERRY_ASSIGN_OR_RETURN(auto tier, OptionalString(input, "Tier", 1, 32));
  if (tier && *tier != "Standard" && *tier != "Advanced" && *tier != "Intelligent-Tiering") {
    return Validation("1 validation error detected: Value '" + *tier +
                      "' at 'tier' failed to satisfy constraint: Member must satisfy enum value "
                      "set: [Standard, Advanced, Intelligent-Tiering]");
  }
  const bool advanced = tier && *tier == "Advanced";
  FERRY_ASSIGN_OR_RETURN(std::string value, RequiredString(input, "Value", 0, kMaxAdvancedValue));
  if (value.empty()) {
    return Validation("1 validation error detected: Value '' at 'value' failed to satisfy "
                      "constraint: Member must have length greater than or equal to 1");
  }
  if (!advanced && value.size() > kMaxStandardValue) {
    return Validation("Standard tier parameters support a maximum parameter value of 4096 "
                      "characters. To create a larger parameter value, upgrade the parameter to "
                      "use the advanced-parameter tier.");
  }
  FERRY_ASSIGN_OR_RETURN(auto type, OptionalString(input, "Type", 1, 32));
  if (type && *type != "String" && *type != "StringList" && *type != "SecureString") {
    return Validation("1 validation error detected: Value '" + *type +
                      "' at 'type' failed to satisfy constraint: Member must satisfy enum value "
                      "set: [SecureString, StringList, String]");
  }
  FERRY_ASSIGN_OR_RETURN(auto key_id, OptionalString(input, "KeyId", 1, 256));
  if (key_id && type && *type != "SecureString") {
    return Validation("KeyId is required for SecureString type parameter only.");
  }
  FERRY_ASSIGN_OR_RETURN(auto description, OptionalString(input, "Description", 0, 1024));
  FERRY_ASSIGN_OR_RETURN(bool overwrite, OptionalBool(input, "Overwrite"));
  const std::string key = Key(caller, name);
  auto it = parameters_.find(key);
  if (it != parameters_.end() && !overwrite) {
    return ToError({400, "ParameterAlreadyExists",
                    "The parameter already exists. To overwrite this value, set the overwrite "
                    "option in the request to true."});
  }
  if (it == parameters_.end() && !type) {
    return Validation("A parameter type is required when you create a parameter.");
  }
  Version v;
  v.type = type ? *type : it->second.versions.back().type;
  v.description = description.value_or(it == parameters_.end()
                                           ? std::string()
                                           : it->second.versions.back().description);
  v.modified = clock_.Now();
  if (v.type == "SecureString") {
    FERRY_ASSIGN_OR_RETURN(v.value, key_->Seal(value));
  } else {
    v.value = value;
  }
  Parameter& p = parameters_[key];
  p.name = name;
  // Parameter Store keeps 100 versions: the oldest goes (the sandbox has no labels to pin it).
  if (p.versions.size() >= kMaxVersions) p.versions.erase(p.versions.begin());
  v.number = p.versions.empty() ? 1 : p.versions.back().number + 1;
  p.versions.push_back(std::move(v));
  FERRY_RETURN_IF_ERROR(Save());
  return Json{{"Version", p.versions.back().number}, {"Tier", advanced ? "Advanced" : "Standard"}};
}

Result<Json> SsmService::Describe(const std::string& selector, bool decrypt,
                                  const Caller& caller) {
  std::string name = selector;
  std::optional<int64_t> wanted;
  if (auto colon = selector.rfind(':'); colon != std::string::npos) {
    name = selector.substr(0, colon);
    const std::string version = selector.substr(colon + 1);
    if (version.empty() || version.size() > 18 ||
        version.find_first_not_of("0123456789") != std::string::npos) {
      return ToError({400, "ParameterVersionLabelNotFound",
                      "The specified parameter version label " + version +
                          " isn't found. (Labels are not supported by the sandbox; use a "
                          "version number.)"});
    }
    wanted = std::stoll(version);
  }
  auto it = parameters_.find(Key(caller, name));
  if (it == parameters_.end()) return ParameterNotFound(name);
  const Version* v = &it->second.versions.back();
  if (wanted) {
    auto found = std::find_if(it->second.versions.begin(), it->second.versions.end(),
                              [&](const Version& x) { return x.number == *wanted; });
    if (found == it->second.versions.end()) {
      return ToError({400, "ParameterVersionNotFound",
                      "Systems Manager could not find version " + std::to_string(*wanted) +
                          " of " + name + ". Verify the version and try again."});
    }
    v = &*found;
  }
  std::string value = v->value;
  if (v->type == "SecureString" && decrypt) {
    FERRY_ASSIGN_OR_RETURN(value, key_->Unseal(v->value));
  }
  Json out{{"Name", name},
           {"Type", v->type},
           {"Value", value},
           {"Version", v->number},
           {"LastModifiedDate", EpochSeconds(v->modified)},
           {"ARN", Arn(caller, name)},
           {"DataType", "text"}};
  if (wanted) out["Selector"] = ":" + std::to_string(*wanted);
  return out;
}

Result<Json> SsmService::GetParameter(const Json& input, const Caller& caller) {
  FERRY_ASSIGN_OR_RETURN(std::string name, RequiredString(input, "Name", 1, 2048));
  FERRY_ASSIGN_OR_RETURN(bool decrypt, OptionalBool(input, "WithDecryption"));
  FERRY_ASSIGN_OR_RETURN(Json parameter, Describe(name, decrypt, caller));
  return Json{{"Parameter", std::move(parameter)}};
}

Result<Json> SsmService::GetParameters(const Json& input, const Caller& caller) {
  auto names = input.find("Names");
  if (names == input.end() || !names->is_array() || names->empty() || names->size() > 10) {
    return Validation("1 validation error detected: Value at 'names' failed to satisfy "
                      "constraint: Member must have length between 1 and 10");
  }
  FERRY_ASSIGN_OR_RETURN(bool decrypt, OptionalBool(input, "WithDecryption"));
  Json found = Json::array();
  Json invalid = Json::array();
  for (const Json& n : *names) {
    if (!n.is_string() || n.get<std::string>().empty() || n.get<std::string>().size() > 2048) {
      return Validation("1 validation error detected: Value at 'names' failed to satisfy "
                        "constraint: Member must contain strings of 1 to 2048 characters");
    }
    auto one = Describe(n.get<std::string>(), decrypt, caller);
    if (one.ok()) {
      found.push_back(std::move(*one));
    } else if (FromError(one.error()).status < 500) {
      invalid.push_back(n);
    } else {
      return one.error();
    }
  }
  return Json{{"Parameters", std::move(found)}, {"InvalidParameters", std::move(invalid)}};
}

Result<Json> SsmService::DeleteParameter(const Json& input, const Caller& caller) {
  FERRY_ASSIGN_OR_RETURN(std::string name, RequiredString(input, "Name", 1, 2048));
  if (parameters_.erase(Key(caller, name)) == 0) return ParameterNotFound(name);
  FERRY_RETURN_IF_ERROR(Save());
  return Json::object();
}

Status SsmService::Save() {
  if (!snapshot_) return Ok();
  Json parameters = Json::array();
  for (const auto& [key, p] : parameters_) {
    Json versions = Json::array();
    for (const auto& v : p.versions) {
      versions.push_back(Json{{"number", v.number},
                              {"type", v.type},
                              {"value", v.value},
                              {"description", v.description},
                              {"modifiedMs", ToUnixMillis(v.modified)}});
    }
    parameters.push_back(Json{{"key", key}, {"name", p.name}, {"versions", std::move(versions)}});
  }
  return snapshot_->Save(Json{{"parameters", std::move(parameters)}});
}

Status SsmService::Load() {
  if (!snapshot_) return Ok();
  FERRY_ASSIGN_OR_RETURN(std::optional<Json> state, snapshot_->Load());
  if (!state) return Ok();
  try {
    for (const Json& j : state->at("parameters")) {
      Parameter p;
      p.name = j.at("name").get<std::string>();
      for (const Json& v : j.at("versions")) {
        p.versions.push_back(Version{v.at("number").get<int64_t>(), v.at("type").get<std::string>(),
                                     v.at("value").get<std::string>(),
                                     v.at("description").get<std::string>(),
                                     FromUnixMillis(v.at("modifiedMs").get<int64_t>())});
      }
      if (p.versions.empty()) throw std::runtime_error("parameter " + p.name + " has no version");
      parameters_[j.at("key").get<std::string>()] = std::move(p);
    }
  } catch (const std::exception& e) {
    return InvalidArgument("sandbox snapshot " + snapshot_->path().string() +
                           " is corrupt: " + e.what());
  }
  return Ok();
}

}  // namespace ferry::sandbox::secrets
