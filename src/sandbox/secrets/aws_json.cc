#include "sandbox/secrets/aws_json.h"

#include <cstdlib>

#include "common/strings.h"
#include "common/time.h"

namespace ferry::sandbox::secrets {
Error ToError(const JsonServiceError& e) {
  Error error = InvalidArgument(e.message);
  error.details["awsStatus"] = std::to_string(e.status);
  error.details["awsCode"] = e.code;
  return error;
}

JsonServiceError FromError(const Error& e) {
  auto code = e.details.find("awsCode");
  auto status = e.details.find("awsStatus");
  if (code == e.details.end() || status == e.details.end()) {
    return JsonServiceError{500, "InternalServiceError", e.message};
  }
  return JsonServiceError{std::atoi(status->second.c_str()), code->second, e.message};
}

std::string JsonOperation(const Request& request, std::string_view target_prefix) {
  const std::string target = request.Header("x-amz-target");
  if (target.size() <= target_prefix.size() + 1 || target.rfind(target_prefix, 0) != 0 ||
      target[target_prefix.size()] != '.') {
    return "";
  }
  return target.substr(target_prefix.size() + 1);
}

Result<JsonCall> ParseJsonCall(const Request& request, std::string_view target_prefix,
                               size_t max_body_bytes) {
  if (request.method != "POST") {
    return ToError({400, "UnknownOperationException", "requests are POST / with X-Amz-Target"});
  }
  JsonCall call;
  call.operation = JsonOperation(request, target_prefix);
  if (call.operation.empty()) {
    return ToError({400, "UnknownOperationException",
                    "X-Amz-Target must be " + std::string(target_prefix) + ".<Operation>"});
  }
  if (request.body.size() > max_body_bytes) {
    return ToError({413, "RequestEntityTooLarge",
                    "Request size " + std::to_string(request.body.size()) + " exceeded " +
                        std::to_string(max_body_bytes) + " bytes"});
  }
  if (Trim(request.body).empty()) {
    call.input = Json::object();
    return call;
  }
  JsonLimits limits;
  limits.max_bytes = max_body_bytes;
  limits.max_depth = 16;
  auto parsed = ParseJson(request.body, limits);
  if (!parsed.ok() || !parsed->is_object()) {
    return ToError({400, "SerializationException",
                    "the request body is not a JSON object" +
                        (parsed.ok() ? std::string() : ": " + parsed.error().message)});
  }
  call.input = std::move(parsed).value();
  return call;
}

Response JsonOutput(const Json& output, const std::string& request_id) {
  Response r;
  r.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"x-amzn-RequestId", request_id}};
  r.body = DumpJson(output.is_null() ? Json::object() : output);
  return r;
}

Response JsonErrorOutput(const JsonServiceError& error, const std::string& request_id) {
  Response r;
  r.status = error.status;
  r.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"x-amzn-RequestId", request_id}};
  r.body = DumpJson(Json{{"__type", error.code}, {"message", error.message}});
  return r;
}

Response RenderFrontError(const WireError& error) {
  Response r = JsonErrorOutput({error.status, error.code, error.message}, error.request_id);
  if (!error.fields.empty()) {
    Json body = Json{{"__type", error.code}, {"message", error.message}};
    for (const auto& [k, v] : error.fields) body[k] = v;
    r.body = DumpJson(body);
  }
  for (const auto& header : error.headers) r.headers.push_back(header);
  return r;
}

namespace {

JsonServiceError Validation(const std::string& member, const std::string& what) {
  return {400, "ValidationException",
          "1 validation error detected: Value at '" + member + "' failed to satisfy constraint: " +
              what};
}

}  // namespace

Result<std::optional<std::string>> OptionalString(const Json& input, const std::string& member,
                                                  size_t min_len, size_t max_len) {
  auto it = input.find(member);
  if (it == input.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return ToError(Validation(member, "Member must be a string"));
  std::string value = it->get<std::string>();
  if (value.size() < min_len || value.size() > max_len) {
    return ToError(Validation(member, "Member must have length between " +
                                          std::to_string(min_len) + " and " +
                                          std::to_string(max_len)));
  }
  return std::optional<std::string>(std::move(value));
}

Result<std::string> RequiredString(const Json& input, const std::string& member, size_t min_len,
                                   size_t max_len) {
  FERRY_ASSIGN_OR_RETURN(auto value, OptionalString(input, member, min_len, max_len));
  if (!value) return ToError(Validation(member, "Member must not be null"));
  return *value;
}

Result<bool> OptionalBool(const Json& input, const std::string& member) {
  auto it = input.find(member);
  if (it == input.end() || it->is_null()) return false;
  if (!it->is_boolean()) return ToError(Validation(member, "Member must be a boolean"));
  return it->get<bool>();
}

double EpochSeconds(TimePoint t) { return static_cast<double>(ToUnixMillis(t)) / 1000.0; }

}  // namespace ferry::sandbox::secrets
