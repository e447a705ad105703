// Fault knobs on Lambda invocations, for rehearsing a bad canary: a knob makes a function version
// fail a share of its invocations as a real handler error (FunctionError "Unhandled", counted in
// the Errors metric) and/or adds latency before the handler runs (counted in Duration; latency
// at or past the function's timeout is a timeout). Set at run time through the admin route
// /_ferry/function-faults (ServeInvocationFaults); kept in memory only, never in --data.
//
// Decisions are deterministic for a seed: the n-th invocation that a knob sees fails when a hash
// of (seed, function, version, n) falls under its error rate, whatever other traffic does. A knob
// set again, or a reseed, starts its count at zero.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_fwd.h"
#include "common/result.h"
#include "sandbox/service.h"

namespace ferry::sandbox::lambda {

struct InvocationFault {
  std::string function;   // function name (any account and region)
  std::string version;    // "3", "$LATEST", or "*" for every version
  double error_rate = 0;  // [0, 1]
  std::chrono::milliseconds add_latency{0};
};

struct InvocationFaultState {
  InvocationFault fault;
  uint64_t invocations = 0;  // invocations the knob decided
  uint64_t errors = 0;       // of which it failed
};

struct InvocationFaultDecision {
  bool error = false;
  std::chrono::milliseconds latency{0};
  double error_rate = 0;  // of the knob that decided, for the error message
};

inline constexpr size_t kMaxInvocationFaults = 100;
inline constexpr std::chrono::milliseconds kMaxAddedLatency{60'000};

// {"function": "orders-api", "version": "3", "errorRate": 0.3, "addLatencyMs": 200}; version
// defaults to "*". kInvalidArgument naming the field for anything else (unknown fields included).
Result<InvocationFault> InvocationFaultFromJson(const Json& json);
Json InvocationFaultToJson(const InvocationFaultState& state);

class InvocationFaults {
 public:
  explicit InvocationFaults(uint64_t seed);

  // Adds the knob, replacing one for the same function and version. kTooManyRequests past
  // kMaxInvocationFaults knobs.
  Status Set(InvocationFault fault);
  void Clear();
  std::vector<InvocationFaultState> List() const;
  void Reseed(uint64_t seed);
  uint64_t seed() const;

  // The knob for function:version (an exact version before "*"), counted; no knob: no fault.
  InvocationFaultDecision Decide(std::string_view function, std::string_view version);

  // Waits for injected latency end at once after Shutdown (the sandbox is stopping).
  std::stop_token shutdown_token() const { return shutdown_.get_token(); }
  void Shutdown() { shutdown_.request_stop(); }

 private:
  mutable std::mutex mu_;
  std::vector<InvocationFaultState> knobs_;  // Guarded by mu_.
  uint64_t seed_;                            // Guarded by mu_.
  std::stop_source shutdown_;
};

// The admin route /_ferry/function-faults: GET lists the knobs, POST adds one (with an optional
// "seed" that reseeds every knob), DELETE removes them all. JSON errors are 400, a body over
// 16 KiB is 413, other methods 405.
Response ServeInvocationFaults(InvocationFaults& faults, const Request& request);

}  // namespace ferry::sandbox::lambda
