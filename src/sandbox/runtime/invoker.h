// Runs Lambda handlers: the seam between the Lambda service (which resolves the function, version
// and configuration) and the worker processes that execute user code.
//
// Implementations are thread-safe: many invocations run at once.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/result.h"

namespace ferry::sandbox::runtime {

struct FunctionSpec {
  std::string account_id;
  std::string region;
  std::string function_name;
  std::string version;       // "$LATEST" or "3"
  std::string function_arn;  // the ARN the caller invoked (qualified when it was)
  std::string runtime;       // "python3.12", "nodejs20.x"
  std::string handler;       // "app.handler"
  int timeout_seconds = 3;
  int memory_mb = 128;
  std::map<std::string, std::string> environment;
  std::string code_sha256_hex;  // identifies the zip
  // Returns the zip bytes (called only when the code is not unpacked yet).
  std::function<Result<std::string>()> load_code;
  // Identifies the configuration; workers started for another revision are retired.
  std::string config_key;
};

struct InvokeOutcome {
  std::string payload;          // the handler's JSON result, or the error object
  bool function_error = false;  // X-Amz-Function-Error: Unhandled
  std::string logs;             // everything the invocation wrote (START … REPORT lines included)
  double duration_ms = 0;
  bool timed_out = false;
};

class Invoker {
 public:
  virtual ~Invoker() = default;
  // kInvalidArgument when the runtime is not supported here (InvalidRuntimeException);
  // kTooManyRequests when the function's concurrency is exhausted; kUnavailable when a worker
  // cannot be started. A handler error or timeout is an InvokeOutcome, not an Error.
  virtual Result<InvokeOutcome> Invoke(const FunctionSpec& spec, const std::string& payload,
                                       const std::string& request_id,
                                       const std::string& client_context) = 0;
  // Stops the workers of a function (all versions) — it was deleted.
  virtual void Retire(const std::string& account_id, const std::string& region,
                      const std::string& function_name) = 0;
};

}  // namespace ferry::sandbox::runtime
