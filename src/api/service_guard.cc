#include "api/service_guard.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/json.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/time.h"
#include "engine/steps/lambda_steps.h"
#include "lambda/guard.h"
#include "lambda/steps.h"
#include "lambda/target_codec.h"
#include "lambda/tasks.h"
#include "model/enums.h"
#include "model/json_codec.h"
#include "store/limits.h"

namespace ferry::api {
namespace {

constexpr char kActor[] = "service-guard";
constexpr int kMaxDeploymentPages = 50;  // × kMaxPageSize records an environment

Duration DurationOr(const std::optional<std::string>& text, Duration fallback) {
  if (!text) return fallback;
  auto d = ParseDuration(*text);
  return d && *d > Duration::zero() ? *d : fallback;
}

TimePoint SlotOf(TimePoint now, Duration interval) {
  const auto since = now.time_since_epoch();
  return TimePoint(since - since % interval);
}

std::string Truncated(std::string text, size_t max) {
  if (text.size() <= max) return text;
  text.resize(max - 3);
  while (!text.empty() && !IsValidUtf8(text)) text.pop_back();
  return text + "...";
}

// Where an execution's deploy step ran: its target and delegate selectors.
struct Placement {
  lambda::LambdaTarget target;
  std::vector<std::string> selectors;
};

// The newest succeeded deployment of each function in the environment, with its service.
struct Deployed {
  std::string service;
  std::string function;
  std::vector<std::string> aliases;
  std::string execution_id;
};

Result<std::vector<Deployed>> DeployedIn(store::Store& store, const std::string& application,
                                         const std::string& environment) {
  std::vector<Deployed> out;
  std::set<std::string> seen;
  store::DeploymentFilter filter;
  filter.application = application;
  filter.environment = environment;
  filter.state = store::DeploymentState::kSucceeded;
  filter.limit = store::kMaxPageSize;
  for (int page = 0; page < kMaxDeploymentPages; ++page) {
    FERRY_ASSIGN_OR_RETURN(auto records, store.deployments().List(filter));
    for (const auto& r : records) {
      if (!seen.insert(r.function).second) continue;
      Deployed d{r.service, r.function, {}, r.execution_id};
      auto aliases = ParseJson(r.aliases_json);
      if (aliases.ok() && aliases->is_object()) {
        for (const auto& [name, value] : aliases->items()) d.aliases.push_back(name);
      }
      out.push_back(std::move(d));
    }
    if (static_cast<int>(records.size()) < filter.limit) break;
    filter.before_id = records.back().id;
  }
  return out;
}

Result<Placement> PlacementOf(store::Store& store, const std::string& execution_id) {
  for (int index = 0; index < 256; ++index) {
    auto step = store.executions().GetStep(execution_id, index);
    if (!step.ok()) break;
    if (step->kind != engine::steps::kLambdaDeploy) continue;
    FERRY_ASSIGN_OR_RETURN(auto inputs, lambda::DecodeDeployStepInputs(step->inputs_json));
    return Placement{inputs.target, inputs.selectors};
  }
  return Error{ErrorCode::kNotFound, "execution " + execution_id + " has no deploy step"};
}

}  // namespace

GuardWindows GuardWindowsAt(TimePoint slot, Duration interval, Duration trailing, int days) {
  GuardWindows w;
  w.recent = {slot - interval, slot};
  w.baselines.push_back({slot - interval - trailing, slot - interval});
  for (int d = 1; d <= days; ++d) {
    const TimePoint end = slot - std::chrono::hours(24) * d;
    w.baselines.push_back({end - trailing, end});
  }
  return w;
}

struct ServiceGuard::Impl {
  // The Service Guard check of `env` at `slot`: its tasks enqueued, then claimed.
  static Result<bool> StartMetricCheck(ServiceGuard& g, const model::Environment& env,
                                       const std::string& key, TimePoint slot) {
    const model::ServiceGuard& config = *env.service_guard;
    const Duration interval = DurationOr(config.interval, kDefaultGuardInterval);
    const Duration trailing =
        DurationOr(config.trailing, std::max(kDefaultGuardTrailing, interval));
    const int days = static_cast<int>(config.baseline_days.value_or(kDefaultGuardBaselineDays));
    const GuardWindows windows = GuardWindowsAt(slot, interval, trailing, days);
    FERRY_ASSIGN_OR_RETURN(auto deployed, DeployedIn(g.store_, env.application, env.name));

    // One task per placement (target and selectors) and per kMaxGuardFunctions subjects.
    std::map<std::string, std::pair<Placement, std::vector<lambda::GuardSubject>>> groups;
    std::map<std::string, std::optional<Placement>> placements;  // by execution
    for (const auto& d : deployed) {
      auto& placement = placements[d.execution_id];
      if (!placement) {
        auto found = PlacementOf(g.store_, d.execution_id);
        if (!found.ok()) continue;
        placement = std::move(found).value();
      }
      const std::string group =
          DumpJson(lambda::TargetToJson(placement->target)) + Join(placement->selectors, ",");
      auto& entry = groups[group];
      entry.first = *placement;
      for (const auto& alias : d.aliases) entry.second.push_back({d.function, alias});
    }
    std::vector<std::string> task_keys;
    for (auto& [name, group] : groups) {
      auto& [placement, subjects] = group;
      for (size_t begin = 0; begin < subjects.size(); begin += lambda::kMaxGuardFunctions) {
        lambda::GuardTask task;
        task.target = placement.target;
        const size_t end = std::min(subjects.size(), begin + lambda::kMaxGuardFunctions);
        task.subjects.assign(subjects.begin() + begin, subjects.begin() + end);
        task.recent = windows.recent;
        task.baselines = windows.baselines;
        task.sensitivity = config.sensitivity.value_or("medium");
        task.metrics = config.metrics.empty() ? lambda::GuardMetricNames() : config.metrics;
        store::NewTask t;
        t.kind = lambda::kGuardTask;
        t.payload_json = lambda::EncodeGuardTask(task);
        t.selectors = placement.selectors;
        t.idempotency_key = key + "/" + std::to_string(task_keys.size());
        t.max_attempts = 2;
        auto enqueued = g.store_.tasks().Enqueue(t);
        if (!enqueued.ok()) return enqueued.error();
        task_keys.push_back(t.idempotency_key);
      }
    }
    return g.store_.incidents().ClaimCheck(
        {key, store::kIncidentKindMetric, env.application, env.name, slot, task_keys});
  }

  static Result<bool> StartDriftCheck(ServiceGuard& g, const model::Environment& env,
                                      const std::string& key, TimePoint slot) {
    FERRY_ASSIGN_OR_RETURN(auto deployed, DeployedIn(g.store_, env.application, env.name));
    std::set<std::string> services;
    for (const auto& d : deployed) services.insert(d.service);
    std::vector<std::string> task_keys;
    for (const auto& service : services) {
      const std::string plan_key = key + "/" + service;
      auto started =
          g.deploys_.StartDriftCheck(env.application, service, env.name, kActor, plan_key);
      if (!started.ok()) {
        log::Warn("periodic drift check could not plan a service",
                  {{"application", env.application},
                   {"environment", env.name},
                   {"service", service},
                   {"error", started.error().message}});
        continue;
      }
      task_keys.push_back(plan_key);
    }
    return g.store_.incidents().ClaimCheck(
        {key, store::kIncidentKindDrift, env.application, env.name, slot, task_keys});
  }

  static void MetricObservations(const store::GuardCheck& check, const lambda::GuardResult& result,
                                 std::vector<store::IncidentObservation>& out) {
    for (const auto& f : result.findings) {
      if (f.outcome == "no-data") continue;
      auto details = ParseJson(f.details_json);
      Json d = details.ok() && details->is_object() ? *details : Json::object();
      d["alias"] = f.alias;
      out.push_back({check.application, check.environment, f.function_name,
                     store::kIncidentKindMetric, f.metric, f.outcome == "fail",
                     Truncated(f.sentence, store::kMaxIncidentSummaryBytes), DumpJson(d)});
    }
  }

  static void DriftObservations(const store::GuardCheck& check, const lambda::PlanResult& result,
                                std::vector<store::IncidentObservation>& out) {
    for (const auto& f : result.functions) {
      if (f.error || !f.drift_checked) continue;
      Json items = Json::array();
      std::vector<std::string> described;
      for (const auto& item : f.drift) {
        items.push_back({{"what", item.what}, {"recorded", item.recorded}, {"live", item.live}});
        described.push_back(lambda::DescribeDrift(item));
      }
      const bool drifted = !f.drift.empty();
      std::string summary = drifted ? "changed outside Ferry: " + Join(described, "; ")
                                    : "no drift: as Ferry last left it";
      out.push_back({check.application, check.environment, f.function_name,
                     store::kIncidentKindDrift, "drift", drifted,
                     Truncated(std::move(summary), store::kMaxIncidentSummaryBytes),
                     DumpJson(Json{{"items", items}})});
    }
  }

  // Applies the check when every task ended (or it is abandoned). true when applied.
  static Result<bool> Finish(ServiceGuard& g, const store::GuardCheck& check) {
    std::vector<store::IncidentObservation> observations;
    bool ended = true;
    for (const auto& key : check.task_keys) {
      auto task = g.store_.tasks().GetByKey(key);
      if (!task.ok()) {
        if (task.error().code != ErrorCode::kNotFound) return task.error();
        continue;  // never enqueued: nothing to wait for
      }
      if (!store::IsTerminal(task->status)) {
        ended = false;
        break;
      }
      if (task->status != store::TaskStatus::kSucceeded || !task->result_json) {
        log::Warn("a periodic check's task failed",
                  {{"check", check.key}, {"error", task->error.value_or("no result")}});
        continue;
      }
      if (check.kind == store::kIncidentKindMetric) {
        auto result = lambda::DecodeGuardResult(*task->result_json);
        if (result.ok()) MetricObservations(check, *result, observations);
      } else {
        auto result = lambda::DecodePlanResult(*task->result_json);
        if (result.ok()) DriftObservations(check, *result, observations);
      }
    }
    if (!ended) {
      if (g.clock_.Now() - check.slot < g.options_.abandon_after) return false;
      log::Warn("a periodic check's tasks did not end in time; applied without findings",
                {{"check", check.key}});
      observations.clear();
    }
    return g.store_.incidents().ApplyCheck(check.key, observations);
  }
};

ServiceGuard::ServiceGuard(store::Store& store, DeployService& deploys, Clock& clock,
                           ServiceGuardOptions options)
    : store_(store), deploys_(deploys), clock_(clock), options_(std::move(options)) {}

Result<GuardTickReport> ServiceGuard::Tick() {
  GuardTickReport report;
  const TimePoint now = clock_.Now();
  FERRY_ASSIGN_OR_RETURN(
      auto records,
      store_.entities().List(model::StoreKindName(model::Kind::kEnvironment), std::nullopt));
  bool enqueued = false;
  for (const auto& record : records) {
    auto entity = model::EntityFromJson(record.spec_json);
    if (!entity.ok()) continue;
    const auto* env = std::get_if<model::Environment>(&*entity);
    if (env == nullptr) continue;
    struct Due {
      const char* kind;
      Duration interval;
    };
    std::vector<Due> due;
    if (env->service_guard && env->service_guard->enabled) {
      due.push_back({store::kIncidentKindMetric,
                     DurationOr(env->service_guard->interval, kDefaultGuardInterval)});
    }
    if (env->drift_check && env->drift_check->enabled) {
      due.push_back({store::kIncidentKindDrift,
                     DurationOr(env->drift_check->interval, kDefaultDriftInterval)});
    }
    for (const auto& d : due) {
      const TimePoint slot = SlotOf(now, d.interval);
      const std::string key = std::string("guard/") + d.kind + "/" + env->application + "/" +
                              env->name + "/" + std::to_string(ToUnixMillis(slot));
      FERRY_ASSIGN_OR_RETURN(bool exists, store_.incidents().CheckExists(key));
      if (exists) continue;
      auto claimed = std::string_view(d.kind) == store::kIncidentKindMetric
                         ? Impl::StartMetricCheck(*this, *env, key, slot)
                         : Impl::StartDriftCheck(*this, *env, key, slot);
      if (!claimed.ok()) {
        log::Warn("a periodic check could not start",
                  {{"check", key}, {"error", claimed.error().message}});
        continue;
      }
      enqueued = true;
      if (*claimed) ++report.claimed;
    }
  }
  if (enqueued && options_.wake_delegate) options_.wake_delegate();

  FERRY_ASSIGN_OR_RETURN(auto pending, store_.incidents().PendingChecks(store::kMaxPageSize));
  for (const auto& check : pending) {
    auto applied = Impl::Finish(*this, check);
    if (!applied.ok()) {
      log::Warn("a periodic check could not be applied",
                {{"check", check.key}, {"error", applied.error().message}});
      continue;
    }
    if (*applied) ++report.applied;
  }
  return report;
}

void ServiceGuard::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    auto report = Tick();
    if (!report.ok()) {
      log::Warn("service guard round failed", {{"error", report.error().message}});
    }
    std::unique_lock lock(mu_);
    woken_cv_.wait_for(lock, stop, options_.poll, [this] { return woken_; });
    woken_ = false;
  }
}

void ServiceGuard::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  woken_cv_.notify_all();
}

}  // namespace ferry::api
