// Fault injection for rehearsals: per operation, an error rate with an AWS error code and an added
// latency. Rules come from `--fault op=Invoke,rate=0.2,code=ServiceException,latency=300ms` and
// from the admin endpoint (POST /_ferry/faults) at run time.
//
// Decisions draw from one seeded generator, so a fixed --fault-seed and a fixed request order give
// the same faults every run. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_fwd.h"
#include "common/result.h"

namespace ferry::sandbox {

struct FaultRule {
  std::string service = "*";    // signing name ("lambda") or "*"
  std::string operation = "*";  // AWS operation name ("Invoke") or "*"
  double rate = 1.0;            // probability in [0, 1] that a matching request fails
  std::string code;             // AWS error code; empty: latency only
  int status = 0;               // HTTP status; 0: derived from the code
  std::chrono::milliseconds latency{0};
  std::string message;
  // Instead of an error: an outcome the service applies while answering normally. Lambda knows
  // "state-failed" for CreateFunction, UpdateFunctionCode, UpdateFunctionConfiguration: the
  // call succeeds and the function ends State Failed (create) / LastUpdateStatus Failed (update),
  // with `message` as the reason.
  std::string outcome;
};

// Parses "op=Invoke,rate=0.5,code=ServiceException,latency=200ms[,status=500][,service=lambda]"
// or "op=CreateFunction,outcome=state-failed[,message=reason]"; the shorthand
// "CreateFunction:state-failed" means the latter. op may be "Service:Operation" too.
// kInvalidArgument naming the bad key or value.
Result<FaultRule> ParseFaultRule(std::string_view spec);
Result<FaultRule> FaultRuleFromJson(const Json& json);
Json FaultRuleToJson(const FaultRule& rule);
// The HTTP status AWS uses for a well-known error code (429 for throttling, 5xx for service
// errors, 400 otherwise).
int DefaultStatusForCode(std::string_view code);

struct FaultDecision {
  std::chrono::milliseconds latency{0};
  std::optional<FaultRule> error;  // set when the request must fail with rule.code
  std::string outcome;             // the first matching outcome rule's outcome, if any
  std::string outcome_message;
};

class FaultInjector {
 public:
  explicit FaultInjector(uint64_t seed);

  void Add(FaultRule rule);
  void Clear();
  std::vector<FaultRule> Rules() const;
  void Reseed(uint64_t seed);

  // The first matching rule with a code decides the error (drawing once per such rule); latencies
  // of all matching rules add up.
  FaultDecision Decide(std::string_view service, std::string_view operation);

 private:
  mutable std::mutex mu_;
  std::vector<FaultRule> rules_;  // Guarded by mu_.
  std::mt19937_64 rng_;           // Guarded by mu_.
};

}  // namespace ferry::sandbox
