#include "aws/secrets_clients.h"

#include "common/crypto.h"
#include "common/json.h"
#include "common/strings.h"

namespace ferry::aws {
namespace {

Error Malformed(std::string_view service, std::string_view operation, std::string_view what) {
  return Error{ErrorCode::kUnavailable,
               StrCat({"malformed ", service, " ", operation, " response: ", what})};
}

OperationCall JsonCall(std::string_view target_prefix, const std::string& operation,
                       ApiClass api_class, const Json& body) {
  OperationCall call;
  call.operation = operation;
  call.api_class = api_class;
  call.method = "POST";
  call.path_and_query = "/";
  call.body = DumpJson(body);
  call.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                  {"X-Amz-Target", StrCat({target_prefix, ".", operation})}};
  call.retry_safe = true;
  return call;
}

Result<Json> ParseObject(const std::string& body, std::string_view service,
                         std::string_view operation) {
  auto parsed = ParseJson(body, JsonLimits{1024 * 1024, 16});
  if (!parsed.ok()) return Malformed(service, operation, "not JSON");
  if (!parsed->is_object()) return Malformed(service, operation, "not a JSON object");
  return parsed;
}

std::optional<std::string> OptionalStr(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

ServiceConfig JsonConfig(std::string endpoint, std::string region, const char* name) {
  ServiceConfig config;
  config.endpoint = std::move(endpoint);
  config.region = std::move(region);
  config.signing_name = name;
  config.service_name = name;
  config.protocol = Protocol::kJson11;
  config.max_response_bytes = 1024 * 1024;
  return config;
}

}  // namespace

ServiceConfig SecretsManagerServiceConfig(std::string endpoint, std::string region) {
  return JsonConfig(std::move(endpoint), std::move(region), "secretsmanager");
}

ServiceConfig SsmServiceConfig(std::string endpoint, std::string region) {
  return JsonConfig(std::move(endpoint), std::move(region), "ssm");
}

SecretsManagerClient::SecretsManagerClient(ServiceConfig config, ServiceDeps deps)
    : service_(std::move(config), deps) {}

Result<SecretValue> SecretsManagerClient::GetSecretValue(
    const std::string& secret_id, const std::optional<std::string>& version_stage,
    std::stop_token stop) {
  constexpr std::string_view kService = "Secrets Manager";
  constexpr std::string_view kOp = "GetSecretValue";
  Json body{{"SecretId", secret_id}};
  if (version_stage) body["VersionStage"] = *version_stage;
  FERRY_ASSIGN_OR_RETURN(auto result,
                         service_.Call(JsonCall("secretsmanager", std::string(kOp),
                                                ApiClass::kSecretsManagerGetSecretValue, body),
                                       stop));
  FERRY_ASSIGN_OR_RETURN(Json json, ParseObject(result.response.body, kService, kOp));
  SecretValue out;
  out.request_id = result.request_id;
  out.arn = OptionalStr(json, "ARN").value_or("");
  out.name = OptionalStr(json, "Name").value_or("");
  out.version_id = OptionalStr(json, "VersionId").value_or("");
  out.text = OptionalStr(json, "SecretString");
  if (auto binary = OptionalStr(json, "SecretBinary")) {
    auto decoded = Base64Decode(*binary);
    if (!decoded.ok()) return Malformed(kService, kOp, "SecretBinary is not base64");
    out.binary = std::move(*decoded);
  }
  if (out.text.has_value() == out.binary.has_value()) {
    return Malformed(kService, kOp, "expected exactly one of SecretString and SecretBinary");
  }
  return out;
}

SsmClient::SsmClient(ServiceConfig config, ServiceDeps deps) : service_(std::move(config), deps) {}

Result<ParameterValue> SsmClient::GetParameter(const std::string& name, std::stop_token stop) {
  constexpr std::string_view kService = "SSM";
  constexpr std::string_view kOp = "GetParameter";
  FERRY_ASSIGN_OR_RETURN(
      auto result, service_.Call(JsonCall("AmazonSSM", std::string(kOp), ApiClass::kSsmGetParameter,
                                          Json{{"Name", name}, {"WithDecryption", true}}),
                                 stop));
  FERRY_ASSIGN_OR_RETURN(Json json, ParseObject(result.response.body, kService, kOp));
  auto parameter = json.find("Parameter");
  if (parameter == json.end() || !parameter->is_object()) {
    return Malformed(kService, kOp, "no Parameter object");
  }
  ParameterValue out;
  out.request_id = result.request_id;
  out.name = OptionalStr(*parameter, "Name").value_or("");
  out.type = OptionalStr(*parameter, "Type").value_or("");
  auto value = OptionalStr(*parameter, "Value");
  if (!value) return Malformed(kService, kOp, "Parameter has no Value");
  out.value = std::move(*value);
  if (auto v = parameter->find("Version"); v != parameter->end() && v->is_number_integer()) {
    out.version = v->get<int64_t>();
  }
  return out;
}

}  // namespace ferry::aws
