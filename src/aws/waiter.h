// Waiters: poll an operation until the service reports a terminal state, exactly as the official
// AWS waiter definitions (waiters-2.json) say: the same operation, delay, maxAttempts and
// acceptors, evaluated in order, the first match deciding. Lambda's definitions (FunctionActiveV2,
// FunctionUpdatedV2, PublishedVersionActive, FunctionExists, FunctionActive, FunctionUpdated) are
// embedded at build time from src/aws/models/lambda-waiters-2.json and interpreted, not
// hand-coded.
//
// Matchers: "path" (the expression's value equals expected), "pathAll" (every element of the
// resulting list does; false for an empty list), "pathAny" (some element does), "status" (HTTP
// status), "error" (expected is an AWS error code, or true/false for "any error"/"no error").
// Path expressions: the JMESPath subset the AWS definitions use for these services — dotted
// member names with [] list projections ("Configuration.State", "Versions[].State").
//
// Outcomes: success → Ok with the last response body; a "failure" acceptor → kFailedPrecondition
// naming the waiter and the matched state; an error that no acceptor matches → that error;
// maxAttempts polls without a terminal state → kDeadlineExceeded. Waits use the injected clock
// and stop early (kCancelled) on the stop token.
//
// Thread-safe: definitions are immutable; RunWaiter has no shared state.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace ferry::aws {

class LambdaClient;

enum class WaiterMatcher { kPath, kPathAll, kPathAny, kStatus, kError };
enum class WaiterState { kSuccess, kFailure, kRetry };

struct WaiterAcceptor {
  WaiterMatcher matcher = WaiterMatcher::kPath;
  WaiterState state = WaiterState::kRetry;
  std::string argument;       // path expression (path matchers)
  std::string expected_json;  // the expected value as JSON text: "\"Active\"", "true", "404"
};

struct WaiterDefinition {
  std::string name;
  std::string operation;
  // waiters-2.json gives whole seconds; callers may shorten it (sub-second delays for tests, or a
  // delegate's own polling interval).
  std::chrono::milliseconds delay{5'000};
  int max_attempts = 20;
  std::vector<WaiterAcceptor> acceptors;
};

// Parses a waiters-2.json document. kInvalidArgument for anything malformed or unsupported
// (unknown matcher or state, a path expression outside the supported subset).
Result<std::map<std::string, WaiterDefinition>> ParseWaiterDefinitions(std::string_view json);

// The embedded Lambda definition by name; kNotFound for an unknown name.
Result<WaiterDefinition> LambdaWaiterDefinition(std::string_view name);

// One poll: the response body (JSON) of a successful call, or the call's Error (AWS errors carry
// details["aws_code"] and ["http_status"], see service_client.h).
using WaiterPoll = std::function<Result<std::string>()>;

Result<std::string> RunWaiter(const WaiterDefinition& waiter, const WaiterPoll& poll, Clock& clock,
                              std::stop_token stop = {});

// Runs a Lambda waiter (FunctionActiveV2, FunctionUpdatedV2, PublishedVersionActive, ...) for a
// function and qualifier ("" for $LATEST; PublishedVersionActive needs the version).
Status WaitForLambda(LambdaClient& client, std::string_view waiter_name,
                     const std::string& function_name, const std::string& qualifier, Clock& clock,
                     std::stop_token stop = {});

}  // namespace ferry::aws
