#include "aws/lambda_client.h"

#include <algorithm>
#include <cmath>

#include "aws/lambda_json.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/strings.h"

namespace ferry::aws {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

std::string FunctionPath(const std::string& name, std::string_view suffix = "") {
  return StrCat({"/2015-03-31/functions/", UriEncode(name, /*keep_slash=*/false), suffix});
}

std::string WithQuery(std::string path, const Params& params) {
  char sep = '?';
  for (const auto& [key, value] : params) {
    if (value.empty()) continue;
    path += sep;
    path += UriEncode(key, /*keep_slash=*/false) + "=" + UriEncode(value, /*keep_slash=*/false);
    sep = '&';
  }
  return path;
}

OperationCall MakeCall(std::string operation, std::string method, std::string path,
                       bool retry_safe = true) {
  OperationCall call;
  call.api_class = LambdaApiClass(operation);
  call.operation = std::move(operation);
  call.method = std::move(method);
  call.path_and_query = std::move(path);
  call.retry_safe = retry_safe;
  // A conflict on a create means "exists" (reconciled by the caller); on anything else, "another
  // update is in progress": rejected, retried.
  call.conflict_is_transient = call.operation != "CreateFunction";
  return call;
}

OperationCall WithJsonBody(OperationCall call, const Json& body) {
  call.body = DumpJson(body);
  call.headers.emplace_back("Content-Type", "application/json");
  return call;
}

std::string CodeSha256(const std::string& zip) { return Base64Encode(Sha256(zip)); }

// Set semantics: Lambda may report the ids in another order.
bool SameIds(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

bool VpcHolds(const FunctionConfiguration& c, const std::optional<VpcConfig>& vpc) {
  return !vpc || (SameIds(c.vpc_config.subnet_ids, vpc->subnet_ids) &&
                  SameIds(c.vpc_config.security_group_ids, vpc->security_group_ids));
}

bool ConfigHolds(const FunctionConfiguration& c, const UpdateFunctionConfigurationRequest& r) {
  const std::string tracing = c.tracing_mode.empty() ? "PassThrough" : c.tracing_mode;
  return VpcHolds(c, r.vpc_config) && (!r.tracing_mode || tracing == *r.tracing_mode) &&
         (!r.kms_key_arn || c.kms_key_arn == *r.kms_key_arn) &&
         (!r.dead_letter_target_arn || c.dead_letter_target_arn == *r.dead_letter_target_arn) &&
         (!r.role || c.role == *r.role) && (!r.handler || c.handler == *r.handler) &&
         (!r.description || c.description == *r.description) &&
         (!r.runtime || c.runtime == *r.runtime) && (!r.timeout || c.timeout == *r.timeout) &&
         (!r.memory_size || c.memory_size == *r.memory_size) &&
         (!r.environment || c.environment == *r.environment) &&
         (!r.layers || c.layers == *r.layers) &&
         (!r.ephemeral_storage_mb || c.ephemeral_storage_mb == *r.ephemeral_storage_mb);
}

void LogReconciled(std::string_view operation, std::string_view name) {
  log::Info("aws write recognised after an ambiguous retry",
            {{"operation", std::string(operation)}, {"function", std::string(name)}});
}

}  // namespace

ServiceConfig LambdaServiceConfig(std::string endpoint, std::string region) {
  ServiceConfig config;
  config.endpoint = std::move(endpoint);
  config.region = std::move(region);
  config.signing_name = "lambda";
  config.service_name = "lambda";
  config.protocol = Protocol::kRestJson;
  return config;
}

LambdaClient::LambdaClient(ServiceConfig config, ServiceDeps deps)
    : service_(std::move(config), deps) {}

Result<std::string> LambdaClient::GetRaw(const std::string& operation,
                                         const std::string& function_name,
                                         const std::string& qualifier, std::stop_token stop,
                                         std::string* request_id) {
  FERRY_ASSIGN_OR_RETURN(auto result, RawCall(operation, function_name, qualifier, stop));
  if (request_id != nullptr) *request_id = result.request_id;
  return std::move(result.response.body);
}

Result<GetFunctionResult> LambdaClient::ParseGetFunction(std::string_view body) {
  FERRY_ASSIGN_OR_RETURN(auto json, lambda_json::ParseObject(body, "GetFunction"));
  return lambda_json::ToGetFunctionResult(json);
}

Result<CallResult> LambdaClient::RawCall(const std::string& operation,
                                         const std::string& function_name,
                                         const std::string& qualifier, std::stop_token stop) {
  std::string path;
  if (operation == "GetFunction") {
    path = FunctionPath(function_name);
  } else if (operation == "GetFunctionConfiguration") {
    path = FunctionPath(function_name, "/configuration");
  } else {
    return InvalidArgument(StrCat({"lambda: no raw access to operation ", operation}));
  }
  return service_.Call(MakeCall(operation, "GET", WithQuery(path, {{"Qualifier", qualifier}})),
                       stop);
}

Result<GetFunctionResult> LambdaClient::GetFunction(const std::string& function_name,
                                                    const std::string& qualifier,
                                                    std::stop_token stop) {
  FERRY_ASSIGN_OR_RETURN(auto result, RawCall("GetFunction", function_name, qualifier, stop));
  FERRY_ASSIGN_OR_RETURN(auto json, lambda_json::ParseObject(result.response.body, "GetFunction"));
  return lambda_json::WithRequestId(lambda_json::ToGetFunctionResult(json), result.request_id);
}

Result<FunctionConfiguration> LambdaClient::GetFunctionConfiguration(
    const std::string& function_name, const std::string& qualifier, std::stop_token stop) {
  FERRY_ASSIGN_OR_RETURN(auto result,
                         RawCall("GetFunctionConfiguration", function_name, qualifier, stop));
  FERRY_ASSIGN_OR_RETURN(
      auto json, lambda_json::ParseObject(result.response.body, "GetFunctionConfiguration"));
  return lambda_json::WithRequestId(lambda_json::ToFunctionConfiguration(json), result.request_id);
}

Result<FunctionConfiguration> LambdaClient::CreateFunction(const CreateFunctionRequest& request,
                                                           std::stop_token stop) {
  auto call = WithJsonBody(MakeCall("CreateFunction", "POST", "/2015-03-31/functions"),
                           lambda_json::FromCreateFunction(request));
  const ServiceDeps& deps = service_.deps();
  const RetryOptions& retry = service_.config().retry;
  for (int attempt = 1;; ++attempt) {
    auto result = service_.Call(call, stop);
    if (result.ok()) {
      FERRY_ASSIGN_OR_RETURN(auto json,
                             lambda_json::ParseObject(result->response.body, "CreateFunction"));
      return lambda_json::WithRequestId(lambda_json::ToFunctionConfiguration(json),
                                        result->request_id);
    }
    const Error& error = result.error();
    if (error.code != ErrorCode::kConflict) return error;
    // "Exists": maybe created by our own earlier attempt whose response was lost. Accept the
    // function only if it is what we sent.
    auto existing = GetFunctionConfiguration(request.function_name, "", stop);
    if (existing.ok()) {
      const bool same_code = request.code.zip_file.empty() ||
                             existing->code_sha256 == CodeSha256(request.code.zip_file);
      if (same_code && existing->role == request.role &&
          (request.handler.empty() || existing->handler == request.handler) &&
          (request.runtime.empty() || existing->runtime == request.runtime) &&
          existing->description == request.description) {
        LogReconciled("CreateFunction", request.function_name);
        return existing;
      }
      return error;
    }
    // It does not exist: the conflict was transient (a concurrent delete, an operation in
    // progress). Try again.
    if (existing.error().code != ErrorCode::kNotFound || attempt >= retry.max_attempts) {
      return error;
    }
    if (!deps.clock.SleepFor(BackoffDelay(attempt, deps.ids.NextUnit(), retry), stop)) {
      return Error{ErrorCode::kCancelled, "lambda CreateFunction: cancelled"};
    }
  }
}

Result<FunctionConfiguration> LambdaClient::UpdateFunctionCode(
    const UpdateFunctionCodeRequest& request, std::stop_token stop) {
  auto call = WithJsonBody(
      MakeCall("UpdateFunctionCode", "PUT", FunctionPath(request.function_name, "/code")),
      lambda_json::FromUpdateFunctionCode(request));
  // With Publish, a repeat could publish a second version: retry only after throttling.
  call.retry_safe = !request.publish;
  auto result = service_.Call(call, stop);
  if (!result.ok()) {
    const Error& error = result.error();
    if (error.code != ErrorCode::kFailedPrecondition || !EarlierAttemptAmbiguous(error) ||
        request.code.zip_file.empty() || request.dry_run) {
      return error;
    }
    auto current = GetFunctionConfiguration(request.function_name, "", stop);
    if (current.ok() && current->code_sha256 == CodeSha256(request.code.zip_file)) {
      LogReconciled("UpdateFunctionCode", request.function_name);
      return current;
    }
    return error;
  }
  FERRY_ASSIGN_OR_RETURN(auto json,
                         lambda_json::ParseObject(result->response.body, "UpdateFunctionCode"));
  return lambda_json::WithRequestId(lambda_json::ToFunctionConfiguration(json), result->request_id);
}

Result<FunctionConfiguration> LambdaClient::UpdateFunctionConfiguration(
    const UpdateFunctionConfigurationRequest& request, std::stop_token stop) {
  auto call = WithJsonBody(MakeCall("UpdateFunctionConfiguration", "PUT",
                                    FunctionPath(request.function_name, "/configuration")),
                           lambda_json::FromUpdateFunctionConfiguration(request));
  auto result = service_.Call(call, stop);
  if (!result.ok()) {
    const Error& error = result.error();
    if (error.code != ErrorCode::kFailedPrecondition || !EarlierAttemptAmbiguous(error)) {
      return error;
    }
    auto current = GetFunctionConfiguration(request.function_name, "", stop);
    if (current.ok() && ConfigHolds(*current, request)) {
      LogReconciled("UpdateFunctionConfiguration", request.function_name);
      return current;
    }
    return error;
  }
  FERRY_ASSIGN_OR_RETURN(
      auto json, lambda_json::ParseObject(result->response.body, "UpdateFunctionConfiguration"));
  return lambda_json::WithRequestId(lambda_json::ToFunctionConfiguration(json), result->request_id);
}

Result<FunctionConfiguration> LambdaClient::PublishVersion(const PublishVersionRequest& request,
                                                           std::stop_token stop) {
  Json body = Json::object();
  if (!request.code_sha256.empty()) body["CodeSha256"] = request.code_sha256;
  if (!request.description.empty()) body["Description"] = request.description;
  if (!request.revision_id.empty()) body["RevisionId"] = request.revision_id;
  auto call = WithJsonBody(
      MakeCall("PublishVersion", "POST", FunctionPath(request.function_name, "/versions"),
               /*retry_safe=*/false),
      body);
  const ServiceDeps& deps = service_.deps();
  const RetryOptions& retry = service_.config().retry;
  for (int attempt = 1;; ++attempt) {
    auto result = service_.Call(call, stop);
    if (result.ok()) {
      FERRY_ASSIGN_OR_RETURN(auto json,
                             lambda_json::ParseObject(result->response.body, "PublishVersion"));
      return lambda_json::WithRequestId(lambda_json::ToFunctionConfiguration(json),
                                        result->request_id);
    }
    const Error& error = result.error();
    if (!MayHaveTakenEffect(error) || attempt >= retry.max_attempts) return error;
    // The publish may have happened. If the newest version already holds the code we asked to
    // publish (and our description), it is ours, or Lambda would not publish again anyway.
    std::string expected_sha = request.code_sha256;
    if (expected_sha.empty()) {
      auto latest = GetFunctionConfiguration(request.function_name, "", stop);
      if (!latest.ok()) return error;
      expected_sha = latest->code_sha256;
    }
    std::vector<std::string> request_ids;
    auto versions = ListAllVersions(request.function_name, 100'000, stop, &request_ids);
    if (!versions.ok()) return error;
    const FunctionConfiguration* newest = nullptr;
    int64_t newest_number = 0;
    for (const auto& v : *versions) {
      const int64_t number = ParseInt(v.version).value_or(0);
      if (number > newest_number) {
        newest_number = number;
        newest = &v;
      }
    }
    if (newest != nullptr && newest->code_sha256 == expected_sha &&
        newest->description == request.description) {
      LogReconciled("PublishVersion", request.function_name);
      FunctionConfiguration found = *newest;
      found.request_id = request_ids.empty() ? "" : request_ids.back();
      return found;
    }
    const auto delay = BackoffDelay(attempt, deps.ids.NextUnit(), retry);
    if (!deps.clock.SleepFor(delay, stop)) {
      return Error{ErrorCode::kCancelled, "lambda PublishVersion: cancelled"};
    }
  }
}

Result<VersionsPage> LambdaClient::ListVersionsByFunction(const std::string& function_name,
                                                          const std::string& marker, int max_items,
                                                          std::stop_token stop) {
  const std::string path =
      WithQuery(FunctionPath(function_name, "/versions"),
                {{"Marker", marker}, {"MaxItems", max_items > 0 ? std::to_string(max_items) : ""}});
  FERRY_ASSIGN_OR_RETURN(auto result,
                         service_.Call(MakeCall("ListVersionsByFunction", "GET", path), stop));
  FERRY_ASSIGN_OR_RETURN(auto json,
                         lambda_json::ParseObject(result.response.body, "ListVersionsByFunction"));
  return lambda_json::WithRequestId(lambda_json::ToVersionsPage(json), result.request_id);
}

Result<std::vector<FunctionConfiguration>> LambdaClient::ListAllVersions(
    const std::string& function_name, size_t max_items, std::stop_token stop,
    std::vector<std::string>* request_ids) {
  std::vector<FunctionConfiguration> all;
  std::string marker;
  do {
    FERRY_ASSIGN_OR_RETURN(auto page, ListVersionsByFunction(function_name, marker, 0, stop));
    if (request_ids != nullptr) request_ids->push_back(page.request_id);
    for (auto& v : page.versions) all.push_back(std::move(v));
    if (all.size() > max_items) {
      return FailedPrecondition(StrCat(
          {"lambda ListVersionsByFunction: more than ", std::to_string(max_items), " versions"}));
    }
    if (!page.next_marker.empty() && page.next_marker == marker) {
      return Error{ErrorCode::kUnavailable,
                   "malformed Lambda ListVersionsByFunction response: NextMarker repeats"};
    }
    marker = page.next_marker;
  } while (!marker.empty());
  return all;
}

Result<ResponseMetadata> LambdaClient::DeleteFunction(const std::string& function_name,
                                                      const std::string& qualifier,
                                                      std::stop_token stop) {
  auto result =
      service_.Call(MakeCall("DeleteFunction", "DELETE",
                             WithQuery(FunctionPath(function_name), {{"Qualifier", qualifier}})),
                    stop);
  if (!result.ok()) {
    if (result.error().code == ErrorCode::kNotFound && EarlierAttemptAmbiguous(result.error())) {
      // Our earlier attempt deleted it.
      return ResponseMetadata{result.error().details.at("request_id")};
    }
    return result.error();
  }
  return ResponseMetadata{result->request_id};
}

}  // namespace ferry::aws
