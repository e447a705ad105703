// Lambda's own limits on function configuration, taken from the official API model
// (tests/data/aws/models/lambda/2015-03-31/service-2.json.gz). tests/model/lambda_limits_test.cc
// compares every value here with the model file so the two cannot drift apart silently.
// Pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::model::lambda {

// The Runtime enum of the model, in the model's order (deprecated runtimes included: Lambda
// decides when it stops accepting them).
const std::vector<std::string>& Runtimes();
bool IsKnownRuntime(std::string_view runtime);

// Ranges. The model's MemorySize allows up to 32768 (Lambda Managed Instances); standard
// functions are limited to 10240 MB, and Timeout has no maximum in the model but Lambda's
// documented quota is 900 s. We enforce the documented limits; the test checks they lie inside
// the model's range.
inline constexpr int64_t kMinMemoryMb = 128;
inline constexpr int64_t kMaxMemoryMb = 10240;
inline constexpr int64_t kMinTimeoutSeconds = 1;
inline constexpr int64_t kMaxTimeoutSeconds = 900;
inline constexpr int64_t kMinEphemeralStorageMb = 512;
inline constexpr int64_t kMaxEphemeralStorageMb = 10240;
inline constexpr size_t kMaxFunctionNameLength = 64;  // a plain name; 140 is for the full ARN
inline constexpr size_t kMaxAliasLength = 128;
inline constexpr size_t kMaxHandlerLength = 128;
inline constexpr size_t kMaxDescriptionLength = 256;
inline constexpr size_t kMaxLayers = 5;
inline constexpr size_t kMaxArchitectures = 1;

// The model's patterns, verbatim (implicitly anchored: the whole value must match).
inline constexpr std::string_view kFunctionNamePattern =
    R"((arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?)";
inline constexpr std::string_view kAliasPattern = R"((?!^[0-9]+$)([a-zA-Z0-9-_]+))";
inline constexpr std::string_view kHandlerPattern = R"([^\s]+)";
inline constexpr std::string_view kLayerVersionArnPattern =
    R"(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)";
inline constexpr std::string_view kEnvironmentVariableNamePattern = R"([a-zA-Z]([a-zA-Z0-9_])+)";
inline constexpr std::string_view kRoleArnPattern =
    R"(arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+)";
inline constexpr std::string_view kResourceArnPattern =
    R"((arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|())";

inline const std::vector<std::string> kArchitectures = {"x86_64", "arm64"};

// Whole-string match of `value` against one of the patterns above (ECMAScript syntax, which
// the model's patterns use). Compiled regexes are cached; thread-safe.
bool MatchesPattern(std::string_view pattern, std::string_view value);

// Checks a concrete (rendered) function name: the model's pattern, a plain name (no ARN or
// qualifier), at most 64 characters. Returns "" when valid, else the reason.
std::string CheckFunctionName(std::string_view name);
std::string CheckAliasName(std::string_view name);

}  // namespace ferry::model::lambda
