// The awsJson1_1 protocol shared by the sandbox's Secrets Manager and SSM: an operation named by
// `X-Amz-Target: PREFIX.Operation`, a JSON object in, a JSON object out, errors as
// {"__type": CODE, "message": …} with the HTTP status AWS uses.
#pragma once

#include <string>
#include <optional>
#include <string_view>

#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "sandbox/service.h"

namespace ferry::sandbox::secrets {

// An AWS error of a JSON service: status, code (the __type), message.
struct JsonServiceError {
  int status = 400;
  std::string code;
  std::string message;
};

struct JsonCall {
  std::string operation;  // "GetSecretValue"
  Json input;             // always an object
};

// The operation of `X-Amz-Target: target_prefix.OPERATION`, or "" when the header is absent or
// names another service.
std::string JsonOperation(const Request& request, std::string_view target_prefix);

// Parses the request's operation and body (at most max_body_bytes, depth 16, strict JSON, an
// object or an empty body); errors are SerializationException / the 413 AWS answers.
Result<JsonCall> ParseJsonCall(const Request& request, std::string_view target_prefix,
                               size_t max_body_bytes);

Response JsonOutput(const Json& output, const std::string& request_id);
Response JsonErrorOutput(const JsonServiceError& error, const std::string& request_id);
// The front's errors (auth, quotas, injected faults) in this protocol.
Response RenderFrontError(const WireError& error);

// Input readers that name the member in AWS's "1 validation error detected" style.
// A required string member: ValidationException when absent, not a string, or outside
// [min_len, max_len] characters.
Result<std::string> RequiredString(const Json& input, const std::string& member, size_t min_len,
                                   size_t max_len);
// An optional string member (nullopt when absent or null); same checks when present.
Result<std::optional<std::string>> OptionalString(const Json& input, const std::string& member,
                                                  size_t min_len, size_t max_len);
// An optional boolean member (false when absent).
Result<bool> OptionalBool(const Json& input, const std::string& member);

// A JSON-service error as an Error (for Result plumbing: status and code in its details) and
// back; an Error without them becomes a 500 InternalServiceError.
Error ToError(const JsonServiceError& e);
JsonServiceError FromError(const Error& e);

// Seconds since the epoch with milliseconds, as the JSON protocols' timestamps.
double EpochSeconds(TimePoint t);

}  // namespace ferry::sandbox::secrets
