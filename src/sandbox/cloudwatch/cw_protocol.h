// The wire protocols of the CloudWatch sandbox: the query protocol (form-encoded Action=...,
// XML responses; the AWS CLI v2 uses it) and awsJson1_0 (X-Amz-Target
// GraniteServiceVersion20100801.<Op>; the AWS SDK for JavaScript v3 uses it, with the
// awsQueryCompatible x-amzn-query-error header on errors).
//
// Both parse into the same input tree (a Json object: structures are objects, lists arrays; in
// query input every scalar is a string), and operations produce one output tree rendered either
// way. Timestamps and maps in output trees are marked (OutputTimestamp, OutputMap) because the
// two protocols write them differently. Pure functions, thread-safe.
#pragma once

#include <string>

#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "sandbox/service.h"

namespace ferry::sandbox::cloudwatch {

enum class Protocol { kQuery, kJson };

struct ParsedRequest {
  Protocol protocol = Protocol::kQuery;
  std::string action;
  Json input;
};

// CloudWatch's errors in a ferry::Error: details["cw.code"] is the query error code
// ("InvalidParameterValue"), details["cw.status"] the HTTP status.
Error CwError(int status, const std::string& code, const std::string& message);
Error InvalidParameterValue(const std::string& message);
Error MissingParameter(const std::string& name);
Error InvalidParameterCombination(const std::string& message);

Protocol DetectProtocol(const Request& request);
// Errors are CwErrors (MissingAction, InvalidParameterValue, SerializationException, ...).
Result<ParsedRequest> ParseRequest(const Request& request, size_t max_body_bytes);

Json OutputTimestamp(TimePoint t);
Json OutputMap(Json object);

Response RenderOutput(Protocol protocol, const std::string& action, const Json& output,
                      const std::string& request_id);
Response RenderErrorResponse(Protocol protocol, const Error& error, const std::string& request_id);

}  // namespace ferry::sandbox::cloudwatch
