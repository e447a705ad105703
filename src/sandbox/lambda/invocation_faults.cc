#include "sandbox/lambda/invocation_faults.h"

#include <algorithm>
#include <cctype>

#include "common/json.h"
#include "common/log.h"
#include "common/strings.h"

namespace ferry::sandbox::lambda {
namespace {

constexpr size_t kMaxBodyBytes = 16 * 1024;

bool ValidFunctionName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

bool ValidVersion(std::string_view version) {
  if (version == "*" || version == "$LATEST") return true;
  if (version.empty() || version.size() > 10 || version[0] == '0') return false;
  return std::all_of(version.begin(), version.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// splitmix64: a well-mixed 64-bit hash step.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t HashText(std::string_view text) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

// A uniform draw in [0, 1) for the n-th decision of a knob.
double Draw(uint64_t seed, const InvocationFault& fault, uint64_t n) {
  uint64_t h = Mix(seed ^ Mix(HashText(fault.function + '\0' + fault.version)) ^ Mix(n));
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

}  // namespace

Result<InvocationFault> InvocationFaultFromJson(const Json& json) {
  if (!json.is_object()) return InvalidArgument("a function fault must be a JSON object");
  for (auto it = json.begin(); it != json.end(); ++it) {
    const std::string& key = it.key();
    if (key != "function" && key != "version" && key != "errorRate" && key != "addLatencyMs" &&
        key != "seed") {
      return InvalidArgument("unknown field " + QuoteForMessage(key) +
                             " (expected function, version, errorRate, addLatencyMs, seed)");
    }
  }
  InvocationFault fault;
  FERRY_ASSIGN_OR_RETURN(fault.function, RequiredString(json, "function"));
  if (!ValidFunctionName(fault.function)) {
    return InvalidArgument("field 'function' must be a function name (1-64 letters, digits, - _)");
  }
  FERRY_ASSIGN_OR_RETURN(auto version, OptionalString(json, "version"));
  fault.version = version.value_or("*");
  if (!ValidVersion(fault.version)) {
    return InvalidArgument("field 'version' must be a published version number, $LATEST or *");
  }
  auto rate = json.find("errorRate");
  if (rate != json.end()) {
    if (!rate->is_number()) return InvalidArgument("field 'errorRate' must be a number");
    fault.error_rate = rate->get<double>();
    if (!(fault.error_rate >= 0.0 && fault.error_rate <= 1.0)) {
      return InvalidArgument("field 'errorRate' must be between 0 and 1");
    }
  }
  auto latency = json.find("addLatencyMs");
  if (latency != json.end()) {
    if (!latency->is_number_integer()) {
      return InvalidArgument("field 'addLatencyMs' must be an integer");
    }
    int64_t ms = latency->get<int64_t>();
    if (ms < 0 || ms > kMaxAddedLatency.count()) {
      return InvalidArgument("field 'addLatencyMs' must be between 0 and " +
                             std::to_string(kMaxAddedLatency.count()));
    }
    fault.add_latency = std::chrono::milliseconds(ms);
  }
  if (fault.error_rate == 0 && fault.add_latency.count() == 0) {
    return InvalidArgument("a function fault needs errorRate > 0 or addLatencyMs > 0");
  }
  return fault;
}

Json InvocationFaultToJson(const InvocationFaultState& state) {
  return {{"function", state.fault.function},    {"version", state.fault.version},
          {"errorRate", state.fault.error_rate}, {"addLatencyMs", state.fault.add_latency.count()},
          {"invocations", state.invocations},    {"errors", state.errors}};
}

InvocationFaults::InvocationFaults(uint64_t seed) : seed_(seed) {}

Status InvocationFaults::Set(InvocationFault fault) {
  std::lock_guard lock(mu_);
  for (InvocationFaultState& knob : knobs_) {
    if (knob.fault.function == fault.function && knob.fault.version == fault.version) {
      knob = {std::move(fault), 0, 0};
      return Ok();
    }
  }
  if (knobs_.size() >= kMaxInvocationFaults) {
    Error e = InvalidArgument("at most " + std::to_string(kMaxInvocationFaults) +
                              " function faults can be set; DELETE them first");
    e.code = ErrorCode::kTooManyRequests;
    return e;
  }
  knobs_.push_back({std::move(fault), 0, 0});
  return Ok();
}

void InvocationFaults::Clear() {
  std::lock_guard lock(mu_);
  knobs_.clear();
}

std::vector<InvocationFaultState> InvocationFaults::List() const {
  std::lock_guard lock(mu_);
  return knobs_;
}

void InvocationFaults::Reseed(uint64_t seed) {
  std::lock_guard lock(mu_);
  seed_ = seed;
  for (InvocationFaultState& knob : knobs_) knob.invocations = knob.errors = 0;
}

uint64_t InvocationFaults::seed() const {
  std::lock_guard lock(mu_);
  return seed_;
}

InvocationFaultDecision InvocationFaults::Decide(std::string_view function,
                                                 std::string_view version) {
  std::lock_guard lock(mu_);
  InvocationFaultState* match = nullptr;
  for (InvocationFaultState& knob : knobs_) {
    if (knob.fault.function != function) continue;
    if (knob.fault.version == version) {
      match = &knob;
      break;
    }
    if (knob.fault.version == "*" && match == nullptr) match = &knob;
  }
  InvocationFaultDecision decision;
  if (match == nullptr) return decision;
  uint64_t n = match->invocations++;
  decision.latency = match->fault.add_latency;
  decision.error_rate = match->fault.error_rate;
  decision.error = Draw(seed_, match->fault, n) < match->fault.error_rate;
  if (decision.error) ++match->errors;
  return decision;
}

Response ServeInvocationFaults(InvocationFaults& faults, const Request& request) {
  if (request.path != "/_ferry/function-faults") {
    return JsonReply(404, Json{{"error", "no admin route " + QuoteForMessage(request.path)}});
  }
  auto list = [&] {
    Json knobs = Json::array();
    for (const InvocationFaultState& knob : faults.List()) {
      knobs.push_back(InvocationFaultToJson(knob));
    }
    return JsonReply(200, Json{{"faults", knobs}, {"seed", faults.seed()}});
  };
  if (request.method == "GET") return list();
  if (request.method == "DELETE") {
    faults.Clear();
    log::Info("sandbox function faults cleared");
    return list();
  }
  if (request.method != "POST") return JsonReply(405, Json{{"error", "use GET, POST or DELETE"}});
  if (request.body.size() > kMaxBodyBytes) {
    return JsonReply(413, Json{{"error", "a function fault is at most " +
                                              std::to_string(kMaxBodyBytes) + " bytes"}});
  }
  JsonLimits limits;
  limits.max_bytes = kMaxBodyBytes;
  limits.max_depth = 4;
  auto body = ParseJson(request.body, limits);
  if (!body.ok()) return JsonReply(400, Json{{"error", body.error().message}});
  auto fault = InvocationFaultFromJson(*body);
  if (!fault.ok()) return JsonReply(400, Json{{"error", fault.error().message}});
  auto seed = body->find("seed");
  if (seed != body->end() && !seed->is_number_unsigned()) {
    return JsonReply(400, Json{{"error", "field 'seed' must be an unsigned integer"}});
  }
  Status set = faults.Set(*fault);
  if (!set.ok())
    return JsonReply(HttpStatus(set.error().code), Json{{"error", set.error().message}});
  if (seed != body->end()) faults.Reseed(seed->get<uint64_t>());
  log::Info("sandbox function fault set",
            {{"function", fault->function},
             {"version", fault->version},
             {"error_rate", std::to_string(fault->error_rate)},
             {"latency_ms", std::to_string(fault->add_latency.count())}});
  return list();
}

}  // namespace ferry::sandbox::lambda
