// Invocations (F-PROGRESSIVE, issue 13 items 3 and 4): the lambda.invoke task that invoke-test
// steps and pre-/post-traffic hooks share, what an invocation must answer and the judge of it,
// and the inputs of the engine's two invoking step kinds.
//
//   kind / step kind     payload / inputs        result / outputs
//   lambda.invoke        InvokeTask              InvokeResult     invoke, judge each answer
//   lambda.invoke-test   InvokeTestStepInputs    InvokeResult     a workflow's invoke-test step
//   lambda.hook          HookStepInputs          HookStepOutputs  a pre- or post-traffic hook
//
// The delegate judges every answer as it comes (it has the whole response; results keep only its
// first kKeptResponseBytes, secrets masked) and stops at the first one that fails.
//
// The judge is pure: JudgeInvocation(expectations, answer) lists what is wrong, nothing else.
// Codecs (invoke_codec.cc) are strict and never throw: kInvalidArgument naming the member, never
// echoing a value. Thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "lambda/target.h"

namespace ferry::lambda {

inline constexpr char kInvokeTask[] = "lambda.invoke";

inline constexpr size_t kMaxInvokePayloadBytes = 256 * 1024;
inline constexpr int kMaxInvokeTimes = 100;
inline constexpr size_t kMaxInvokeTargets = 100;
inline constexpr size_t kMaxJsonExpectations = 20;
inline constexpr size_t kMaxJsonPathBytes = 256;
inline constexpr size_t kMaxExpectedValueBytes = 4096;
inline constexpr size_t kMaxRegexBytes = 1024;
// An expectRegex is searched in the response's first kRegexScanBytes.
inline constexpr size_t kRegexScanBytes = 64 * 1024;
// What a result keeps of each response (and of a value a failure quotes).
inline constexpr size_t kKeptResponseBytes = 1024;
inline constexpr Duration kDefaultHookTimeout = std::chrono::minutes(5);
inline constexpr Duration kMaxInvokeTimeout = std::chrono::minutes(15);  // Lambda's longest run

// One `PATH=VALUE` equality on the response JSON (see ParseJsonEquality).
struct JsonEquality {
  std::string path;   // as written: "body.ok", "$.items[0].id"
  std::string value;  // JSON text ("true", "200", "\"ok\"")
  bool operator==(const JsonEquality&) const = default;
};

// What every answer must be. An answer with a FunctionError always fails.
struct InvokeExpectations {
  // The status: the response's integer `statusCode` member when it is a JSON object with one
  // (an API Gateway proxy handler), else Invoke's HTTP status.
  int status = 200;
  std::vector<JsonEquality> json;
  std::string regex;                   // ECMAScript, no back-references; "" = none
  std::optional<Duration> max_latency;  // each invocation's, as the delegate measured it
  // Judge a traffic hook's answer instead: {"status": "Succeeded"} passes, {"status": "Failed",
  // "reason": "..."} and anything else fail (fail closed). The fields above are ignored.
  bool hook_answer = false;
  bool operator==(const InvokeExpectations&) const = default;
};

// "PATH=VALUE": PATH is `$` or a dotted path from the response's root, with an optional `$.`
// prefix and [N] array indices (`body.items[0].id`); member names are letters, digits, `_` and
// `-`. A string member holding JSON text (API Gateway's `body`) is descended into. VALUE is JSON
// (true, 200, null, "ok"); text that is not JSON compares as a string (`body.status=ok`).
// kInvalidArgument naming what is wrong, never echoing the text.
Result<JsonEquality> ParseJsonEquality(std::string_view text);
// One or more equalities, one a line (blank lines ignored).
Result<std::vector<JsonEquality>> ParseJsonEqualities(std::string_view text);
// An expectRegex: at most kMaxRegexBytes, valid ECMAScript, no back-references (it is matched in
// polynomial time), counted repetitions ({n,m}) up to 100 with a product of at most 10,000.
Status CheckExpectRegex(std::string_view pattern);
// Every member in bounds (status 100..599, the regex and equalities as above).
Status ValidateExpectations(const InvokeExpectations& expect);

// One answer as the delegate got it, with its whole response.
struct InvocationAnswer {
  int status = 0;              // Invoke's HTTP status
  std::string function_error;  // "Unhandled" / "Handled", "" when none
  std::string response;
  Duration latency{0};
};

// What is wrong with `answer` ("FunctionError Unhandled", "status 500, expected 200",
// "body.ok is false, expected true", …); empty when it passes. Quoted values are cut to
// kKeptResponseBytes. Pure.
std::vector<std::string> JudgeInvocation(const InvokeExpectations& expect,
                                         const InvocationAnswer& answer);

struct InvokeTarget {
  std::string function_name;
  std::string qualifier;  // a version or an alias; "" = $LATEST
  bool operator==(const InvokeTarget&) const = default;
};

// lambda.invoke: invokes each target `times` times (RequestResponse), in order, judging each
// answer; stops at the first that fails. Never retried after a call that may have reached the
// function (an invocation is not idempotent).
struct InvokeTask {
  LambdaTarget target;
  std::vector<InvokeTarget> targets;  // 1..kMaxInvokeTargets
  std::string payload = "{}";         // JSON text, at most kMaxInvokePayloadBytes
  int times = 1;                      // 1..kMaxInvokeTimes
  Duration timeout{0};                // each invocation's; 0 = the connection's
  InvokeExpectations expect;
};

// One invocation as a result records it.
struct Invocation {
  std::string function_name;
  std::string qualifier;
  std::optional<Error> error;  // no answer: the call failed or timed out (then it failed)
  int status = 0;
  std::string function_error;
  std::string executed_version;
  Duration latency{0};
  std::string response;  // its first kKeptResponseBytes, secrets masked
  bool response_truncated = false;
  std::vector<std::string> failures;  // the judge's (secrets masked); empty = passed
  std::string request_id;

  bool passed() const { return !error && failures.empty(); }
};

struct InvokeResult {
  std::vector<Invocation> invocations;  // in order; none after the first that failed
};

// "shop-api-dev:7 (invocation 2 of 5): FunctionError Unhandled; got status 200, latency 12 ms,
// response {...}" — what a failed invocation got, for a step's error.
std::string DescribeFailure(const Invocation& invocation, size_t index, size_t total);

// ------------------------------------------------------------------------------------------------
// The engine's step kinds.

enum class InvokeTargetKind {
  kVersion,  // the version the deploy step published
  kAlias,    // each alias the deploy step manages
};

// An invoke-test step: invokes the functions a deploy step (of the same execution) deployed.
struct InvokeTestStepInputs {
  LambdaTarget target;
  std::vector<std::string> selectors;
  std::string deploy_step;  // the lambda.deploy step whose functions are invoked
  std::vector<std::string> function_names;  // AWS names; empty = every function it deployed
  InvokeTargetKind invoke = InvokeTargetKind::kVersion;
  std::string payload = "{}";
  int times = 1;
  InvokeExpectations expect;
};

enum class HookPoint { kPreTraffic, kPostTraffic };
std::string_view HookPointName(HookPoint point);  // "preTraffic", "postTraffic"

// A pre- or post-traffic hook: invokes the user's function once with the deployment's context
// (HookContext); its answer decides (InvokeExpectations::hook_answer), and no answer within
// `timeout` fails closed.
struct HookStepInputs {
  LambdaTarget target;
  std::vector<std::string> selectors;
  std::string deploy_step;
  HookPoint point = HookPoint::kPreTraffic;
  std::string function_name;  // the hook: a function name, an ARN or NAME:QUALIFIER
  Duration timeout = kDefaultHookTimeout;
};

// The hook's payload: the deployment's context.
struct HookFunction {
  std::string function_name;
  std::string alias;
  std::string old_version;  // what the alias served before the deployment ("" when created)
  std::string new_version;
  bool operator==(const HookFunction&) const = default;
};
struct HookContext {
  std::string execution_id;
  std::string application;
  std::string service;
  std::string environment;
  HookPoint point = HookPoint::kPreTraffic;
  std::vector<HookFunction> functions;
};

struct HookStepOutputs {
  HookContext context;  // what the hook was sent
  InvokeResult result;
};

std::string EncodeInvokeTask(const InvokeTask& task);
Result<InvokeTask> DecodeInvokeTask(std::string_view json);
std::string EncodeInvokeResult(const InvokeResult& result);
Result<InvokeResult> DecodeInvokeResult(std::string_view json);

std::string EncodeInvokeTestStepInputs(const InvokeTestStepInputs& inputs);
Result<InvokeTestStepInputs> DecodeInvokeTestStepInputs(std::string_view json);
std::string EncodeHookStepInputs(const HookStepInputs& inputs);
Result<HookStepInputs> DecodeHookStepInputs(std::string_view json);
std::string EncodeHookContext(const HookContext& context);
Result<HookContext> DecodeHookContext(std::string_view json);
std::string EncodeHookStepOutputs(const HookStepOutputs& outputs);
Result<HookStepOutputs> DecodeHookStepOutputs(std::string_view json);

}  // namespace ferry::lambda
