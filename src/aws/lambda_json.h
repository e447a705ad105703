// Internal to the aws module: Lambda JSON bodies to and from the typed structs. Every parser
// validates types and returns kUnavailable naming the member on a malformed response.
#pragma once

#include <string>
#include <string_view>

#include "aws/lambda_types.h"
#include "common/json.h"
#include "common/result.h"

namespace ferry::aws::lambda_json {

// Parses a response body as a JSON object (bounded size and depth).
Result<Json> ParseObject(std::string_view body, std::string_view operation);

Result<FunctionConfiguration> ToFunctionConfiguration(const Json& obj);
// Same, naming members as "<path>.Member" in errors.
Result<FunctionConfiguration> ToFunctionConfigurationAt(const Json& obj, const std::string& path);
Result<GetFunctionResult> ToGetFunctionResult(const Json& obj);
Result<AliasConfiguration> ToAliasConfiguration(const Json& obj);
Result<VersionsPage> ToVersionsPage(const Json& obj);
Result<AliasesPage> ToAliasesPage(const Json& obj);
Result<AccountSettings> ToAccountSettings(const Json& obj);
Result<std::map<std::string, std::string>> ToTags(const Json& obj);

Json FromCreateFunction(const CreateFunctionRequest& request);
Json FromUpdateFunctionCode(const UpdateFunctionCodeRequest& request);
Json FromUpdateFunctionConfiguration(const UpdateFunctionConfigurationRequest& request);
Json FromRouting(const RoutingWeights& routing);

// Sets request_id on a successfully parsed result.
template <typename T>
Result<T> WithRequestId(Result<T> result, const std::string& request_id) {
  if (result.ok()) result->request_id = request_id;
  return result;
}

}  // namespace ferry::aws::lambda_json
