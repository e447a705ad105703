// Traffic generators: background load on a Lambda alias, so that a canary can be rehearsed with
// metrics flowing. Each generator invokes FUNCTION:QUALIFIER at a fixed rate through the Lambda
// service's own Handle — the path a signed Invoke takes after the front — so alias weights,
// invocation fault knobs and AWS/Lambda metrics all apply. It counts invocations and function
// errors per executed version, and requests Lambda refused (throttled, not found, ...).
//
// Scheduling is open-loop: invocation k is due at start + k / rate, run by a few worker threads
// per generator. A generator that falls more than a second behind (slow handlers, or the sandbox
// clock advanced) skips the ticks it missed and counts them as `missed`. With `seconds`, it ends
// after rate × seconds ticks; without, it runs until stopped.
//
// Started from POST /_ferry/traffic (traffic_route.cc) or `ferry sandbox --traffic
// FUNCTION:ALIAS@RATE`. In memory only. Thread-safe; the destructor stops and joins everything.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/json_fwd.h"
#include "common/result.h"
#include "sandbox/service.h"

namespace ferry::sandbox {

struct TrafficLimits {
  double max_rate_per_second = 100;
  int64_t max_seconds = 24 * 3600;
  size_t max_running = 8;  // generators running at once
  size_t max_kept = 32;    // finished ones are listed until deleted, oldest dropped
  size_t max_payload_bytes = 64 * 1024;
};

struct TrafficSpec {
  std::string function;
  std::string qualifier;
  double rate_per_second = 1;
  std::string payload = "{}";  // JSON text
  std::optional<int64_t> seconds;
  std::string account_id;  // the caller the invocations run as
  std::string region;
};

// {"function", "qualifier", "ratePerSecond", "payload" (any JSON), "seconds", "account",
// "region"}; account and region default to the given ones. kInvalidArgument naming the field
// for anything malformed, out of bounds, or unknown; kPayloadTooLarge for an oversized payload.
Result<TrafficSpec> TrafficSpecFromJson(const Json& json, const TrafficLimits& limits,
                                        const std::string& default_account,
                                        const std::string& default_region);
// The --traffic flag: "FUNCTION:QUALIFIER@RATE" (payload {}, runs until the sandbox stops).
Result<TrafficSpec> ParseTrafficFlag(std::string_view flag, const TrafficLimits& limits,
                                     const std::string& default_account,
                                     const std::string& default_region);

struct VersionTraffic {
  uint64_t invocations = 0;
  uint64_t errors = 0;  // FunctionError answers
};

struct TrafficStatus {
  std::string id;
  TrafficSpec spec;
  std::string state;  // "running", "finished", "stopped"
  TimePoint started_at;
  uint64_t invocations = 0;  // answered 200, by any version
  uint64_t errors = 0;
  uint64_t rejected = 0;       // Lambda answered an error (throttled, not found, conflict, ...)
  uint64_t missed = 0;         // ticks skipped while more than a second behind
  std::string last_rejection;  // "ResourceNotFoundException: Function not found: ..."
  std::map<std::string, VersionTraffic> by_version;
};

Json TrafficStatusToJson(const TrafficStatus& status);

class TrafficGenerators {
 public:
  // lambda must outlive this object (it is destroyed first at shutdown).
  TrafficGenerators(Service& lambda, Clock& clock, TrafficLimits limits = {});
  ~TrafficGenerators();
  TrafficGenerators(const TrafficGenerators&) = delete;
  TrafficGenerators& operator=(const TrafficGenerators&) = delete;

  const TrafficLimits& limits() const { return limits_; }

  // kTooManyRequests when max_running generators run already.
  Result<TrafficStatus> Start(TrafficSpec spec);
  // Stops (joining its workers) and forgets it, returning its final counts; kNotFound.
  Result<TrafficStatus> Remove(const std::string& id);
  std::vector<TrafficStatus> List() const;
  // Stops every generator (they stay listed as "stopped"); no new ones start afterwards.
  void StopAll();

  // One invocation as a generator makes it, for validating a spec before starting it:
  // InvocationType DryRun. The Lambda error (status and body) when it fails.
  Result<Response> DryRun(const TrafficSpec& spec);

 private:
  struct Generator;
  void RunWorker(Generator& g, std::stop_token stop);
  Response Invoke(const TrafficSpec& spec, const std::string& invocation_type);

  Service& lambda_;
  Clock& clock_;
  const TrafficLimits limits_;

  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Generator>> generators_;  // Guarded by mu_; oldest first.
  uint64_t next_id_ = 1;                                // Guarded by mu_.
  bool stopped_ = false;                                // Guarded by mu_.
};

// The admin route /_ferry/traffic: GET lists, POST starts one (validated: 400 malformed, 404
// unknown function or qualifier, 413 oversized, 429 too many), DELETE /_ferry/traffic/{id} stops
// and removes one, DELETE /_ferry/traffic all of them.
Response ServeTraffic(TrafficGenerators& traffic, const Request& request,
                      const std::string& default_region);

}  // namespace ferry::sandbox
