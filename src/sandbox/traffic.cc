#include "sandbox/traffic.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <thread>

#include "common/json.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/thread_name.h"
#include "common/time.h"

namespace ferry::sandbox {
namespace {

constexpr double kMinRate = 0.01;
// Ticks more than this far in the past are skipped (counted as missed), not sent in a burst.
constexpr auto kMaxLag = std::chrono::seconds(1);

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

Status CheckSpec(const TrafficSpec& spec, const TrafficLimits& limits) {
  if (spec.function.empty() || spec.function.size() > 64 ||
      !std::all_of(spec.function.begin(), spec.function.end(), IsNameChar)) {
    return InvalidArgument("field 'function' must be a function name (1-64 letters, digits, - _)");
  }
  if (spec.qualifier != "$LATEST" &&
      (spec.qualifier.empty() || spec.qualifier.size() > 128 ||
       !std::all_of(spec.qualifier.begin(), spec.qualifier.end(), IsNameChar))) {
    return InvalidArgument("field 'qualifier' must be an alias name, a version number or $LATEST");
  }
  if (!(spec.rate_per_second >= kMinRate && spec.rate_per_second <= limits.max_rate_per_second)) {
    return InvalidArgument("field 'ratePerSecond' must be between " + std::to_string(kMinRate) +
                           " and " + std::to_string(limits.max_rate_per_second));
  }
  if (spec.seconds && (*spec.seconds < 1 || *spec.seconds > limits.max_seconds)) {
    return InvalidArgument("field 'seconds' must be between 1 and " +
                           std::to_string(limits.max_seconds));
  }
  if (spec.account_id.size() != 12 ||
      !std::all_of(spec.account_id.begin(), spec.account_id.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return InvalidArgument("field 'account' must be a 12-digit account id");
  }
  if (spec.region.empty() || spec.region.size() > 32 ||
      !std::all_of(spec.region.begin(), spec.region.end(), [](char c) {
        return std::islower(static_cast<unsigned char>(c)) ||
               std::isdigit(static_cast<unsigned char>(c)) || c == '-';
      })) {
    return InvalidArgument("field 'region' must be a region name such as us-east-1");
  }
  if (spec.payload.size() > limits.max_payload_bytes) {
    Error e = InvalidArgument("field 'payload' is larger than " +
                              std::to_string(limits.max_payload_bytes) + " bytes");
    e.code = ErrorCode::kPayloadTooLarge;
    return e;
  }
  return Ok();
}

std::string HeaderOf(const Response& r, std::string_view name) {
  for (const auto& [key, value] : r.headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return value;
    }
  }
  return "";
}

}  // namespace

Result<TrafficSpec> TrafficSpecFromJson(const Json& json, const TrafficLimits& limits,
                                        const std::string& default_account,
                                        const std::string& default_region) {
  if (!json.is_object()) return InvalidArgument("a traffic generator must be a JSON object");
  for (auto it = json.begin(); it != json.end(); ++it) {
    const std::string& key = it.key();
    if (key != "function" && key != "qualifier" && key != "ratePerSecond" && key != "payload" &&
        key != "seconds" && key != "account" && key != "region") {
      return InvalidArgument(
          "unknown field " + QuoteForMessage(key) +
          " (expected function, qualifier, ratePerSecond, payload, seconds, account, region)");
    }
  }
  TrafficSpec spec;
  FERRY_ASSIGN_OR_RETURN(spec.function, RequiredString(json, "function"));
  FERRY_ASSIGN_OR_RETURN(spec.qualifier, RequiredString(json, "qualifier"));
  auto rate = json.find("ratePerSecond");
  if (rate == json.end()) return InvalidArgument("field 'ratePerSecond' is required");
  if (!rate->is_number()) return InvalidArgument("field 'ratePerSecond' must be a number");
  spec.rate_per_second = rate->get<double>();
  auto payload = json.find("payload");
  if (payload != json.end()) spec.payload = DumpJson(*payload);
  auto seconds = json.find("seconds");
  if (seconds != json.end()) {
    if (!seconds->is_number_integer()) return InvalidArgument("field 'seconds' must be an integer");
    spec.seconds = seconds->get<int64_t>();
  }
  FERRY_ASSIGN_OR_RETURN(auto account, OptionalString(json, "account"));
  spec.account_id = account.value_or(default_account);
  FERRY_ASSIGN_OR_RETURN(auto region, OptionalString(json, "region"));
  spec.region = region.value_or(default_region);
  FERRY_RETURN_IF_ERROR(CheckSpec(spec, limits));
  return spec;
}

Result<TrafficSpec> ParseTrafficFlag(std::string_view flag, const TrafficLimits& limits,
                                     const std::string& default_account,
                                     const std::string& default_region) {
  auto usage = [&] {
    return InvalidArgument("--traffic " + QuoteForMessage(std::string(flag)) +
                           " is not FUNCTION:ALIAS@RATE (e.g. orders-api:live@10)");
  };
  auto colon = flag.find(':');
  auto at = flag.rfind('@');
  if (colon == std::string_view::npos || at == std::string_view::npos || at < colon) {
    return usage();
  }
  TrafficSpec spec;
  spec.function = std::string(flag.substr(0, colon));
  spec.qualifier = std::string(flag.substr(colon + 1, at - colon - 1));
  auto rate = ParseDouble(flag.substr(at + 1));
  if (!rate) return usage();
  spec.rate_per_second = *rate;
  spec.account_id = default_account;
  spec.region = default_region;
  Status checked = CheckSpec(spec, limits);
  if (!checked.ok()) return checked.error().WithContext("--traffic " + std::string(flag));
  return spec;
}

Json TrafficStatusToJson(const TrafficStatus& status) {
  Json versions = Json::object();
  for (const auto& [version, counts] : status.by_version) {
    versions[version] = {{"invocations", counts.invocations}, {"errors", counts.errors}};
  }
  auto payload = ParseJson(status.spec.payload);
  Json j = {{"id", status.id},
            {"function", status.spec.function},
            {"qualifier", status.spec.qualifier},
            {"ratePerSecond", status.spec.rate_per_second},
            {"payload", payload.ok() ? *payload : Json(status.spec.payload)},
            {"account", status.spec.account_id},
            {"region", status.spec.region},
            {"state", status.state},
            {"startedAt", FormatRfc3339(status.started_at)},
            {"invocations", status.invocations},
            {"errors", status.errors},
            {"rejected", status.rejected},
            {"missed", status.missed},
            {"byVersion", versions}};
  if (status.spec.seconds) j["seconds"] = *status.spec.seconds;
  if (!status.last_rejection.empty()) j["lastRejection"] = status.last_rejection;
  return j;
}

struct TrafficGenerators::Generator {
  std::chrono::steady_clock::time_point start;
  std::chrono::nanoseconds interval{0};
  int64_t total_ticks = -1;  // -1: until stopped

  std::mutex mu;
  TrafficStatus status;    // Guarded by mu.
  int64_t next_tick = 0;   // Guarded by mu.
  int active_workers = 0;  // Guarded by mu.

  std::vector<std::jthread> workers;  // started once, then only stopped and joined

  void Stop() {
    for (std::jthread& w : workers) w.request_stop();
    for (std::jthread& w : workers) {
      if (w.joinable()) w.join();
    }
    std::lock_guard lock(mu);
    if (status.state == "running") status.state = "stopped";
  }
};

TrafficGenerators::TrafficGenerators(Service& lambda, Clock& clock, TrafficLimits limits)
    : lambda_(lambda), clock_(clock), limits_(limits) {}

TrafficGenerators::~TrafficGenerators() { StopAll(); }

Response TrafficGenerators::Invoke(const TrafficSpec& spec, const std::string& invocation_type) {
  Request r;
  r.method = "POST";
  r.raw_path = r.path = "/2015-03-31/functions/" + spec.function + "/invocations";
  r.raw_query = "Qualifier=" + spec.qualifier;
  r.query.emplace("Qualifier", spec.qualifier);
  r.headers["content-type"] = "application/json";
  r.headers["x-amz-invocation-type"] = invocation_type;
  r.host = "127.0.0.1";
  r.body = spec.payload;
  Caller caller{spec.account_id, "ferry-traffic", spec.region,
                "arn:aws:iam::" + spec.account_id + ":root"};
  return lambda_.Handle(r, caller);
}

Result<Response> TrafficGenerators::DryRun(const TrafficSpec& spec) {
  Response r = Invoke(spec, "DryRun");
  if (r.status == 204) return r;
  std::string code = HeaderOf(r, "x-amzn-ErrorType");
  auto body = ParseJson(r.body);
  std::string message = body.ok() && body->is_object()
                            ? body->value("message", body->value("Message", ""))
                            : std::string();
  Error e = InvalidArgument(code + ": " + message);
  if (r.status == 404) e.code = ErrorCode::kNotFound;
  return e;
}

Result<TrafficStatus> TrafficGenerators::Start(TrafficSpec spec) {
  FERRY_RETURN_IF_ERROR(CheckSpec(spec, limits_));
  auto g = std::make_shared<Generator>();
  g->start = clock_.SteadyNow();
  g->interval = std::chrono::nanoseconds(static_cast<int64_t>(1e9 / spec.rate_per_second));
  if (spec.seconds) {
    g->total_ticks = std::max<int64_t>(
        1, static_cast<int64_t>(
               std::llround(spec.rate_per_second * static_cast<double>(*spec.seconds))));
  }
  // Enough workers for the rate when an invocation takes up to ~400 ms (fault latency included).
  int workers = std::clamp(static_cast<int>(std::ceil(spec.rate_per_second / 2.5)), 2, 16);
  TrafficStatus snapshot;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return Unavailable("the sandbox is stopping");
    size_t running = 0;
    for (const auto& other : generators_) {
      std::lock_guard glock(other->mu);
      if (other->status.state == "running") ++running;
    }
    if (running >= limits_.max_running) {
      Error e = InvalidArgument("at most " + std::to_string(limits_.max_running) +
                                " traffic generators run at once; DELETE one first");
      e.code = ErrorCode::kTooManyRequests;
      return e;
    }
    g->status.id = "traffic-" + std::to_string(next_id_++);
    g->status.spec = std::move(spec);
    g->status.state = "running";
    g->status.started_at = clock_.Now();
    g->active_workers = workers;
    snapshot = g->status;
    // Drop the oldest generators that are no longer running beyond max_kept.
    while (generators_.size() >= limits_.max_kept) {
      auto old = std::find_if(generators_.begin(), generators_.end(), [](const auto& other) {
        std::lock_guard glock(other->mu);
        return other->status.state != "running";
      });
      if (old == generators_.end()) break;
      generators_.erase(old);  // its workers have ended: joined by its destructor at once
    }
    generators_.push_back(g);
    for (int i = 0; i < workers; ++i) {
      g->workers.emplace_back(
          [this, raw = g.get()](std::stop_token stop) { RunWorker(*raw, stop); });
    }
  }
  log::Info("sandbox traffic started",
            {{"id", snapshot.id},
             {"function", snapshot.spec.function + ":" + snapshot.spec.qualifier},
             {"rate", std::to_string(snapshot.spec.rate_per_second)}});
  return snapshot;
}

void TrafficGenerators::RunWorker(Generator& g, std::stop_token stop) {
  SetThreadName("ferry-traffic");
  while (!stop.stop_requested()) {
    auto now = clock_.SteadyNow();
    std::chrono::steady_clock::time_point due;
    {
      std::lock_guard lock(g.mu);
      if (g.total_ticks >= 0 && g.next_tick >= g.total_ticks) break;
      due = g.start + g.next_tick * g.interval;
      if (now - due > kMaxLag) {
        int64_t current = (now - g.start) / g.interval;
        if (g.total_ticks >= 0) current = std::min(current, g.total_ticks);
        g.status.missed += static_cast<uint64_t>(current - g.next_tick);
        g.next_tick = current;
        if (g.total_ticks >= 0 && g.next_tick >= g.total_ticks) break;
        due = g.start + g.next_tick * g.interval;
      }
      ++g.next_tick;
    }
    if (due > now) {
      auto wait = std::chrono::ceil<std::chrono::milliseconds>(due - now);
      if (!clock_.SleepFor(wait, stop)) break;
    }
    Response r = Invoke(g.status.spec, "RequestResponse");  // spec is immutable once started
    std::lock_guard lock(g.mu);
    if (r.status == 200) {
      VersionTraffic& v = g.status.by_version[HeaderOf(r, "X-Amz-Executed-Version")];
      ++g.status.invocations;
      ++v.invocations;
      if (!HeaderOf(r, "X-Amz-Function-Error").empty()) {
        ++g.status.errors;
        ++v.errors;
      }
    } else {
      ++g.status.rejected;
      auto body = ParseJson(r.body);
      std::string message = body.ok() && body->is_object()
                                ? body->value("message", body->value("Message", ""))
                                : std::string();
      g.status.last_rejection = HeaderOf(r, "x-amzn-ErrorType") + ": " + message;
    }
  }
  std::lock_guard lock(g.mu);
  if (--g.active_workers == 0 && g.status.state == "running" && !stop.stop_requested()) {
    g.status.state = "finished";
  }
}

Result<TrafficStatus> TrafficGenerators::Remove(const std::string& id) {
  std::shared_ptr<Generator> g;
  {
    std::lock_guard lock(mu_);
    auto it = std::find_if(generators_.begin(), generators_.end(),
                           [&](const auto& other) { return other->status.id == id; });
    if (it == generators_.end()) return NotFound("no traffic generator " + QuoteForMessage(id));
    g = *it;
    generators_.erase(it);
  }
  g->Stop();
  std::lock_guard glock(g->mu);
  log::Info("sandbox traffic removed", {{"id", id}});
  return g->status;
}

std::vector<TrafficStatus> TrafficGenerators::List() const {
  std::lock_guard lock(mu_);
  std::vector<TrafficStatus> out;
  for (const auto& g : generators_) {
    std::lock_guard glock(g->mu);
    out.push_back(g->status);
  }
  return out;
}

void TrafficGenerators::StopAll() {
  std::vector<std::shared_ptr<Generator>> all;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    all = generators_;
  }
  for (auto& g : all) g->Stop();
}

}  // namespace ferry::sandbox
