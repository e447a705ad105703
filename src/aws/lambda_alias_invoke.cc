// LambdaClient: aliases, tags, account settings and Invoke (functions are in lambda_client.cc).
#include "aws/lambda_client.h"
#include "aws/lambda_json.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/strings.h"

namespace ferry::aws {
namespace {

std::string AliasesPath(const std::string& function_name) {
  return StrCat(
      {"/2015-03-31/functions/", UriEncode(function_name, /*keep_slash=*/false), "/aliases"});
}

std::string AliasPath(const std::string& function_name, const std::string& name) {
  return StrCat({AliasesPath(function_name), "/", UriEncode(name, /*keep_slash=*/false)});
}

std::string TagsPath(const std::string& arn) {
  return StrCat({"/2017-03-31/tags/", UriEncode(arn, /*keep_slash=*/false)});
}

OperationCall Call(std::string operation, std::string method, std::string path) {
  OperationCall call;
  call.api_class = LambdaApiClass(operation);
  call.operation = std::move(operation);
  call.method = std::move(method);
  call.path_and_query = std::move(path);
  // See lambda_client.cc: on anything but a create, a conflict means "update in progress".
  call.conflict_is_transient = call.operation != "CreateAlias";
  return call;
}

OperationCall JsonCall(std::string operation, std::string method, std::string path,
                       const Json& body) {
  OperationCall call = Call(std::move(operation), std::move(method), std::move(path));
  call.body = DumpJson(body);
  call.headers.emplace_back("Content-Type", "application/json");
  return call;
}

bool SameRouting(const RoutingWeights& a, const RoutingWeights& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [version, weight] : a) {
    auto it = b.find(version);
    if (it == b.end() || std::abs(it->second - weight) > 1e-9) return false;
  }
  return true;
}

Result<AliasConfiguration> ParseAlias(const CallResult& result, std::string_view operation) {
  FERRY_ASSIGN_OR_RETURN(auto json, lambda_json::ParseObject(result.response.body, operation));
  return lambda_json::WithRequestId(lambda_json::ToAliasConfiguration(json), result.request_id);
}

}  // namespace

Result<AliasConfiguration> LambdaClient::CreateAlias(const CreateAliasRequest& request,
                                                     std::stop_token stop) {
  Json body = {{"Name", request.name}, {"FunctionVersion", request.function_version}};
  if (!request.description.empty()) body["Description"] = request.description;
  if (!request.routing.empty()) body["RoutingConfig"] = lambda_json::FromRouting(request.routing);
  const ServiceDeps& deps = service_.deps();
  const RetryOptions& retry = service_.config().retry;
  for (int attempt = 1;; ++attempt) {
    auto result = service_.Call(
        JsonCall("CreateAlias", "POST", AliasesPath(request.function_name), body), stop);
    if (result.ok()) return ParseAlias(*result, "CreateAlias");
    const Error& error = result.error();
    if (error.code != ErrorCode::kConflict) return error;
    auto existing = GetAlias(request.function_name, request.name, stop);
    if (existing.ok()) {
      if (existing->function_version == request.function_version &&
          SameRouting(existing->routing, request.routing) &&
          existing->description == request.description) {
        log::Info("aws write recognised after an ambiguous retry",
                  {{"operation", "CreateAlias"}, {"alias", request.name}});
        return existing;
      }
      return error;
    }
    if (existing.error().code != ErrorCode::kNotFound || attempt >= retry.max_attempts) {
      return error;
    }
    if (!deps.clock.SleepFor(BackoffDelay(attempt, deps.ids.NextUnit(), retry), stop)) {
      return Error{ErrorCode::kCancelled, "lambda CreateAlias: cancelled"};
    }
  }
}

Result<AliasConfiguration> LambdaClient::GetAlias(const std::string& function_name,
                                                  const std::string& name, std::stop_token stop) {
  FERRY_ASSIGN_OR_RETURN(
      auto result, service_.Call(Call("GetAlias", "GET", AliasPath(function_name, name)), stop));
  return ParseAlias(result, "GetAlias");
}

Result<AliasConfiguration> LambdaClient::UpdateAlias(const UpdateAliasRequest& request,
                                                     std::stop_token stop) {
  Json body = Json::object();
  if (request.function_version) body["FunctionVersion"] = *request.function_version;
  if (request.description) body["Description"] = *request.description;
  if (request.routing) body["RoutingConfig"] = lambda_json::FromRouting(*request.routing);
  if (!request.revision_id.empty()) body["RevisionId"] = request.revision_id;
  auto result = service_.Call(
      JsonCall("UpdateAlias", "PUT", AliasPath(request.function_name, request.name), body), stop);
  if (!result.ok()) {
    const Error& error = result.error();
    if (error.code != ErrorCode::kFailedPrecondition || !EarlierAttemptAmbiguous(error)) {
      return error;
    }
    auto current = GetAlias(request.function_name, request.name, stop);
    if (current.ok() &&
        (!request.function_version || current->function_version == *request.function_version) &&
        (!request.description || current->description == *request.description) &&
        (!request.routing || SameRouting(current->routing, *request.routing))) {
      log::Info("aws write recognised after an ambiguous retry",
                {{"operation", "UpdateAlias"}, {"alias", request.name}});
      return current;
    }
    return error;
  }
  return ParseAlias(*result, "UpdateAlias");
}

Result<ResponseMetadata> LambdaClient::DeleteAlias(const std::string& function_name,
                                                   const std::string& name, std::stop_token stop) {
  auto result = service_.Call(Call("DeleteAlias", "DELETE", AliasPath(function_name, name)), stop);
  if (!result.ok()) {
    if (result.error().code == ErrorCode::kNotFound && EarlierAttemptAmbiguous(result.error())) {
      return ResponseMetadata{result.error().details.at("request_id")};
    }
    return result.error();
  }
  return ResponseMetadata{result->request_id};
}

Result<AliasesPage> LambdaClient::ListAliases(const std::string& function_name,
                                              const std::string& function_version,
                                              const std::string& marker, int max_items,
                                              std::stop_token stop) {
  std::string path = AliasesPath(function_name);
  char sep = '?';
  auto add = [&](std::string_view key, const std::string& value) {
    if (value.empty()) return;
    path += StrCat({std::string_view(&sep, 1), key, "=", UriEncode(value, /*keep_slash=*/false)});
    sep = '&';
  };
  add("FunctionVersion", function_version);
  add("Marker", marker);
  add("MaxItems", max_items > 0 ? std::to_string(max_items) : "");
  FERRY_ASSIGN_OR_RETURN(auto result, service_.Call(Call("ListAliases", "GET", path), stop));
  FERRY_ASSIGN_OR_RETURN(auto json, lambda_json::ParseObject(result.response.body, "ListAliases"));
  return lambda_json::WithRequestId(lambda_json::ToAliasesPage(json), result.request_id);
}

Result<std::vector<AliasConfiguration>> LambdaClient::ListAllAliases(
    const std::string& function_name, std::stop_token stop, std::vector<std::string>* request_ids) {
  std::vector<AliasConfiguration> all;
  std::string marker;
  for (int pages = 0;; ++pages) {
    if (pages > 10'000) {
      return Error{ErrorCode::kUnavailable, "lambda ListAliases: too many pages"};
    }
    FERRY_ASSIGN_OR_RETURN(auto page, ListAliases(function_name, "", marker, 0, stop));
    if (request_ids != nullptr) request_ids->push_back(page.request_id);
    for (auto& a : page.aliases) all.push_back(std::move(a));
    if (page.next_marker.empty()) return all;
    if (page.next_marker == marker) {
      return Error{ErrorCode::kUnavailable,
                   "malformed Lambda ListAliases response: NextMarker repeats"};
    }
    marker = page.next_marker;
  }
}

Result<ResponseMetadata> LambdaClient::TagResource(const std::string& resource_arn,
                                                   const std::map<std::string, std::string>& tags,
                                                   std::stop_token stop) {
  FERRY_ASSIGN_OR_RETURN(auto result,
                         service_.Call(JsonCall("TagResource", "POST", TagsPath(resource_arn),
                                                Json{{"Tags", Json(tags)}}),
                                       stop));
  return ResponseMetadata{result.request_id};
}

Result<ResponseMetadata> LambdaClient::UntagResource(const std::string& resource_arn,
                                                     const std::vector<std::string>& keys,
                                                     std::stop_token stop) {
  if (keys.empty()) return ResponseMetadata{};
  std::string path = TagsPath(resource_arn);
  char sep = '?';
  for (const auto& key : keys) {
    path += StrCat({std::string_view(&sep, 1), "tagKeys=", UriEncode(key, /*keep_slash=*/false)});
    sep = '&';
  }
  FERRY_ASSIGN_OR_RETURN(auto result, service_.Call(Call("UntagResource", "DELETE", path), stop));
  return ResponseMetadata{result.request_id};
}

Result<TagList> LambdaClient::ListTags(const std::string& resource_arn, std::stop_token stop) {
  FERRY_ASSIGN_OR_RETURN(auto result,
                         service_.Call(Call("ListTags", "GET", TagsPath(resource_arn)), stop));
  FERRY_ASSIGN_OR_RETURN(auto json, lambda_json::ParseObject(result.response.body, "ListTags"));
  FERRY_ASSIGN_OR_RETURN(auto tags, lambda_json::ToTags(json));
  return TagList{std::move(tags), result.request_id};
}

Result<AccountSettings> LambdaClient::GetAccountSettings(std::stop_token stop) {
  FERRY_ASSIGN_OR_RETURN(
      auto result,
      service_.Call(Call("GetAccountSettings", "GET", "/2016-08-19/account-settings"), stop));
  FERRY_ASSIGN_OR_RETURN(auto json,
                         lambda_json::ParseObject(result.response.body, "GetAccountSettings"));
  return lambda_json::WithRequestId(lambda_json::ToAccountSettings(json), result.request_id);
}

Result<InvokeResult> LambdaClient::Invoke(const InvokeRequest& request, std::stop_token stop) {
  std::string path =
      StrCat({"/2015-03-31/functions/", UriEncode(request.function_name, /*keep_slash=*/false),
              "/invocations"});
  if (!request.qualifier.empty())
    path += "?Qualifier=" + UriEncode(request.qualifier, /*keep_slash=*/false);
  OperationCall call = Call("Invoke", "POST", path);
  call.body = request.payload;
  const char* type = request.type == InvocationType::kEvent    ? "Event"
                     : request.type == InvocationType::kDryRun ? "DryRun"
                                                               : "RequestResponse";
  call.headers.emplace_back("X-Amz-Invocation-Type", type);
  if (request.tail_log) call.headers.emplace_back("X-Amz-Log-Type", "Tail");
  // Running the function twice is a double effect: only a DryRun is repeated after a failure
  // that may have reached the function.
  call.retry_safe = request.type == InvocationType::kDryRun;
  call.timeout = request.timeout;
  FERRY_ASSIGN_OR_RETURN(auto result, service_.Call(call, stop));
  InvokeResult out;
  out.status_code = result.response.status;
  out.request_id = result.request_id;
  out.function_error = result.response.Header("x-amz-function-error");
  out.executed_version = result.response.Header("x-amz-executed-version");
  out.payload = std::move(result.response.body);
  if (std::string log_result = result.response.Header("x-amz-log-result"); !log_result.empty()) {
    auto decoded = Base64Decode(log_result);
    if (!decoded.ok()) {
      return Error{ErrorCode::kUnavailable,
                   "malformed Lambda Invoke response: X-Amz-Log-Result is not base64"};
    }
    out.log_tail = std::move(decoded).value();
  }
  return out;
}

}  // namespace ferry::aws
