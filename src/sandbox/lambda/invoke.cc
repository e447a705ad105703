// Invoke: resolve the function, version and alias routing under the lock, run the handler through
// the Invoker without it, record AWS/Lambda metrics, answer like Lambda.
#include <cstdio>

#include "common/crypto.h"
#include "common/log.h"
#include "common/strings.h"
#include "sandbox/lambda/state.h"
#include "sandbox/runtime/invoker.h"

namespace ferry::sandbox::lambda {
namespace {

constexpr size_t kMaxSyncPayload = 6291456;
constexpr size_t kMaxAsyncPayload = 262144;
constexpr size_t kTailBytes = 4096;

std::string Str(const Json& input, const char* name) {
  auto it = input.find(name);
  return it != input.end() && it->is_string() ? it->get<std::string>() : std::string();
}

struct Target {
  runtime::FunctionSpec spec;
  std::string qualifier;         // as invoked ("" / "live" / "3")
  std::string executed_version;  // "$LATEST" or "3"
  bool via_alias = false;        // the qualifier is an alias (weighted or not)
};

Result<Target> ResolveTarget(LambdaService::State& s, const OpContext& ctx) {
  FERRY_ASSIGN_OR_RETURN(FunctionRef ref, ResolveFunctionRef(ctx, Str(ctx.input, "FunctionName"),
                                                             Str(ctx.input, "Qualifier")));
  std::lock_guard lock(s.mu);
  FERRY_ASSIGN_OR_RETURN(FunctionRecord * fn, FindFunction(s, ref));
  Target t;
  t.qualifier = ref.qualifier;
  std::string version = ref.qualifier.empty() ? "$LATEST" : ref.qualifier;
  auto alias = fn->aliases.find(ref.qualifier);
  if (alias != fn->aliases.end()) {
    t.via_alias = true;
    version = alias->second["FunctionVersion"].get<std::string>();
    const Json& alias_config = alias->second;
    auto routing = alias_config.find("RoutingConfig");
    if (routing != alias_config.end() && routing->contains("AdditionalVersionWeights") &&
        !(*routing)["AdditionalVersionWeights"].empty()) {
      const Json& weights = (*routing)["AdditionalVersionWeights"];
      double draw = s.ids.NextUnit();
      double cumulative = 0;
      for (auto it = weights.begin(); it != weights.end(); ++it) {
        cumulative += it->get<double>();
        if (draw < cumulative) {
          version = it.key();
          break;
        }
      }
    }
  }
  VersionRecord* v = nullptr;
  if (version == "$LATEST" && fn->serving) {
    v = &*fn->serving;  // an update is InProgress (or Failed): the previous $LATEST serves
  } else {
    FERRY_ASSIGN_OR_RETURN(v, FindVersion(s, *fn, version));
  }
  const Json& c = v->config;
  if (c.value("State", "") != "Active") {
    return ApiError(409, "ResourceConflictException",
                    "The operation cannot be performed at this time. The function is currently "
                    "in the following state: " +
                        c.value("State", "Pending"));
  }
  t.executed_version = version;
  runtime::FunctionSpec& spec = t.spec;
  spec.account_id = fn->account_id;
  spec.region = fn->region;
  spec.function_name = fn->name;
  spec.version = version;
  std::string arn = s.Arn(fn->account_id, fn->region, fn->name);
  spec.function_arn = ref.qualifier.empty() ? arn : arn + ":" + ref.qualifier;
  spec.runtime = c.value("Runtime", "");
  spec.handler = c.value("Handler", "");
  spec.timeout_seconds = c.value("Timeout", 3);
  spec.memory_mb = c.value("MemorySize", 128);
  auto env = c.find("Environment");
  if (env != c.end() && env->contains("Variables") && (*env)["Variables"].is_object()) {
    const Json& variables = (*env)["Variables"];
    for (auto it = variables.begin(); it != variables.end(); ++it) {
      spec.environment[it.key()] = it->get<std::string>();
    }
  }
  spec.code_sha256_hex = v->code_hex;
  spec.config_key = fn->name + "#" + version + "#" + c.value("RevisionId", "");
  CodeStore* store = &s.code;
  std::string hex = v->code_hex;
  spec.load_code = [store, hex]() -> Result<std::string> {
    FERRY_ASSIGN_OR_RETURN(auto blob, store->Get(hex));
    return *blob;
  };
  return t;
}

void RecordMetrics(LambdaService::State& s, const Target& t, bool throttled, bool error,
                   double duration_ms) {
  if (s.metrics == nullptr) return;
  using Dims = std::vector<std::pair<std::string, std::string>>;
  std::vector<Dims> dimension_sets = {{{"FunctionName", t.spec.function_name}}};
  if (!t.qualifier.empty()) {
    std::string resource = t.spec.function_name + ":" + t.qualifier;
    dimension_sets.push_back({{"FunctionName", t.spec.function_name}, {"Resource", resource}});
    // AWS: ExecutedVersion "only applies to alias invocations" — every one of them, so a weighted
    // alias's versions can be told apart and an alias moved to a new version keeps its series.
    if (t.via_alias) {
      dimension_sets.push_back({{"FunctionName", t.spec.function_name},
                                {"Resource", resource},
                                {"ExecutedVersion", t.executed_version}});
    }
  }
  TimePoint now = s.clock.Now();
  for (const Dims& dims : dimension_sets) {
    auto record = [&](const char* name, double value, const char* unit) {
      MetricDatum d;
      d.account_id = t.spec.account_id;
      d.region = t.spec.region;
      d.ns = "AWS/Lambda";
      d.name = name;
      d.dimensions = dims;
      d.value = value;
      d.unit = unit;
      d.timestamp = now;
      s.metrics->Record(d);
    };
    if (throttled) {
      record("Throttles", 1, "Count");
      continue;
    }
    record("Invocations", 1, "Count");
    record("Errors", error ? 1 : 0, "Count");
    record("Duration", duration_ms, "Milliseconds");
  }
}

std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

// What a handler that failed (an injected fault) answers: Lambda's error object, FunctionError
// Unhandled, and the log lines of an invocation that took `took`.
runtime::InvokeOutcome InjectedOutcome(const Target& t, const std::string& request_id,
                                       std::chrono::milliseconds took, const std::string& type,
                                       const std::string& message) {
  runtime::InvokeOutcome outcome;
  outcome.function_error = true;
  outcome.duration_ms = static_cast<double>(took.count());
  outcome.payload = DumpJson(Json{{"errorType", type},
                                  {"errorMessage", message},
                                  {"requestId", request_id},
                                  {"stackTrace", Json::array()}});
  std::string ms = std::to_string(took.count());
  outcome.logs = "START RequestId: " + request_id + " Version: " + t.executed_version + "\n" +
                 message + "\nEND RequestId: " + request_id + "\nREPORT RequestId: " + request_id +
                 "\tDuration: " + ms + ".00 ms\tBilled Duration: " + ms +
                 " ms\tMemory Size: " + std::to_string(t.spec.memory_mb) + " MB\t\n";
  return outcome;
}

// Runs one invocation and records its metrics, applying the invocation fault knob of the
// executed version first. Errors are Lambda-shaped.
Result<runtime::InvokeOutcome> Run(LambdaService::State& s, const Target& t,
                                   const std::string& payload, const std::string& request_id,
                                   const std::string& client_context) {
  if (s.invoker == nullptr) {
    return ApiError(500, "ServiceException", "The sandbox was started without a runtime");
  }
  InvocationFaultDecision fault =
      s.invocation_faults.Decide(t.spec.function_name, t.executed_version);
  const auto timeout = std::chrono::seconds(t.spec.timeout_seconds);
  if (fault.latency >= timeout) {
    // Latency at or past the timeout is what AWS reports for a slow handler: a timeout.
    s.clock.SleepFor(timeout, s.invocation_faults.shutdown_token());
    runtime::InvokeOutcome timed_out =
        InjectedOutcome(t, request_id, timeout, "Sandbox.Timedout",
                        "RequestId: " + request_id + " Error: Task timed out after " +
                            std::to_string(t.spec.timeout_seconds) + ".00 seconds");
    timed_out.timed_out = true;
    RecordMetrics(s, t, false, true, timed_out.duration_ms);
    return timed_out;
  }
  if (fault.latency.count() > 0) {
    s.clock.SleepFor(fault.latency, s.invocation_faults.shutdown_token());
  }
  if (fault.error) {
    runtime::InvokeOutcome failed = InjectedOutcome(
        t, request_id, fault.latency, "FerryInjectedError",
        "Injected invocation fault for " + t.spec.function_name + ":" + t.executed_version +
            " (errorRate " + FormatDouble(fault.error_rate) + ")");
    RecordMetrics(s, t, false, true, failed.duration_ms);
    return failed;
  }
  auto outcome = s.invoker->Invoke(t.spec, payload, request_id, client_context);
  if (outcome.ok() && fault.latency.count() > 0) {
    // The injected latency is part of the invocation, in Duration and in the REPORT line.
    outcome->duration_ms += static_cast<double>(fault.latency.count());
  }
  if (!outcome.ok()) {
    const Error& e = outcome.error();
    if (e.code == ErrorCode::kTooManyRequests) {
      RecordMetrics(s, t, true, false, 0);
      Error throttle = ApiError(429, "TooManyRequestsException", "Rate Exceeded.");
      throttle.details["field.Reason"] = "ReservedFunctionConcurrentInvocationLimitExceeded";
      throttle.details["header.Retry-After"] = "1";
      return throttle;
    }
    if (e.code == ErrorCode::kInvalidArgument) {
      return ApiError(502, "InvalidRuntimeException", e.message);
    }
    return ApiError(500, "ServiceException", e.message);
  }
  RecordMetrics(s, t, false, outcome->function_error, outcome->duration_ms);
  return outcome;
}

}  // namespace

OpResult Invoke(LambdaService::State& s, const OpContext& ctx) {
  std::string type = Str(ctx.input, "InvocationType");
  if (type.empty()) type = "RequestResponse";
  const std::string& payload = ctx.request.body;
  size_t limit = type == "Event" ? kMaxAsyncPayload : kMaxSyncPayload;
  if (payload.size() > limit) {
    return ApiError(413, "RequestTooLargeException",
                    "Request must be smaller than " + std::to_string(limit) +
                        " bytes for the InvokeFunction operation");
  }
  if (!payload.empty()) {
    JsonLimits limits;
    limits.max_bytes = kMaxSyncPayload;
    limits.max_depth = 256;
    auto parsed = ParseJson(payload, limits);
    if (!parsed.ok()) {
      return ApiError(400, "InvalidRequestContentException",
                      "Could not parse request body into json: " + parsed.error().message);
    }
  }
  std::string client_context;
  std::string encoded_context = Str(ctx.input, "ClientContext");
  if (!encoded_context.empty()) {
    auto decoded = Base64Decode(encoded_context);
    if (!decoded.ok() || !ParseJson(*decoded).ok()) {
      return ApiError(400, "InvalidRequestContentException",
                      "Client context must be a valid Base64-encoded JSON object.");
    }
    client_context = *decoded;
  }
  FERRY_ASSIGN_OR_RETURN(Target target, ResolveTarget(s, ctx));
  std::string body = payload.empty() ? "{}" : payload;

  Response r;
  r.headers = {{"x-amzn-RequestId", ctx.request_id}};
  if (type == "DryRun") {
    r.status = 204;
    return r;
  }
  if (type == "Event") {
    // AWS queues the event and answers at once; the handler runs on the runtime's threads.
    LambdaService::State* state = &s;
    std::string request_id = ctx.request_id;
    bool queued = s.events.Submit([state, target, body, request_id] {
      auto outcome = Run(*state, target, body, request_id, "");
      if (!outcome.ok()) {
        log::Warn("async invocation failed",
                  {{"function", target.spec.function_name}, {"error", outcome.error().message}});
      }
    });
    if (!queued) {
      return ApiError(429, "TooManyRequestsException",
                      "The asynchronous invocation queue of the sandbox is full");
    }
    r.status = 202;
    r.headers.emplace_back("X-Amz-Executed-Version", target.executed_version);
    return r;
  }
  FERRY_ASSIGN_OR_RETURN(runtime::InvokeOutcome outcome,
                         Run(s, target, body, ctx.request_id, client_context));
  r.status = 200;
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("X-Amz-Executed-Version", target.executed_version);
  if (outcome.function_error) r.headers.emplace_back("X-Amz-Function-Error", "Unhandled");
  if (Str(ctx.input, "LogType") == "Tail") {
    std::string tail = outcome.logs.size() > kTailBytes
                           ? outcome.logs.substr(outcome.logs.size() - kTailBytes)
                           : outcome.logs;
    r.headers.emplace_back("X-Amz-Log-Result", Base64Encode(tail));
  }
  r.body = std::move(outcome.payload);
  return r;
}

}  // namespace ferry::sandbox::lambda
