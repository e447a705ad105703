#include "config/release_plan.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/json.h"
#include "common/strings.h"
#include "common/time.h"
#include "lambda/traffic.h"
#include "model/enums.h"
#include "model/validate.h"

namespace ferry::config {
namespace {

using model::StepType;
using model::WorkflowStrategy;

std::string StepPath(size_t i, const std::string& rest = "") {
  return model::JoinPath("/steps", i) + (rest.empty() ? "" : "/" + rest);
}

// Compiles one workflow; stops at the first problem (every check returns false or nullopt after
// recording it).
class Compiler {
 public:
  explicit Compiler(const model::Workflow& w) : w_(w) {}

  std::optional<ReleasePlan> Run() {
    if (!Compile() || !Hooks()) return std::nullopt;
    return plan_;
  }

  const std::optional<ReleaseProblem>& problem() const { return problem_; }

 private:
  std::optional<ReleasePlan> Compile() {
    if (!Schedule()) return std::nullopt;
    bool any_shift = false;
    for (const auto& step : w_.steps) any_shift |= step.type == StepType::kTrafficShift;
    // Custom without a traffic-shift step deploys like basic: every alias at once.
    plan_.shifts_traffic =
        schedule_.has_value() || (w_.strategy == WorkflowStrategy::kCustom && any_shift);
    if (w_.steps.empty()) {
      if (w_.strategy == WorkflowStrategy::kCustom)
        return Fail("/steps", "strategy custom needs steps");
      plan_.steps.push_back(ReleaseStep{ReleaseStep::Kind::kDeploy, "deploy", 0, {}, {}, 0, true});
      if (schedule_) AddSchedule("traffic", 0, true, std::nullopt, true);
      if (!Alarms()) return std::nullopt;
      return plan_;
    }
    bool any_deploy = false;
    size_t last_shift = w_.steps.size();
    for (size_t i = 0; i < w_.steps.size(); ++i) {
      any_deploy |= w_.steps[i].type == StepType::kDeploy;
      if (w_.steps[i].type == StepType::kTrafficShift) last_shift = i;
    }
    if (!any_deploy) {
      // Every workflow deploys: without a deploy step, it comes first.
      plan_.steps.push_back(ReleaseStep{ReleaseStep::Kind::kDeploy, "deploy", 0, {}, {}, 0, true});
      deployed_ = true;
    }
    for (size_t i = 0; i < w_.steps.size(); ++i) {
      if (!Step(i, i == last_shift)) return std::nullopt;
    }
    if (!Alarms()) return std::nullopt;
    if (plan_.shifts_traffic) {
      const ReleaseStep* last = nullptr;
      for (const auto& s : plan_.steps) {
        if (s.kind == ReleaseStep::Kind::kShift) last = &s;
      }
      if (last == nullptr) {
        return Fail("/steps", "strategy " + std::string(model::EnumName(w_.strategy)) +
                                  " needs a traffic-shift step (or leave steps out to follow the "
                                  "schedule)");
      }
      if (last->percent != 100) {
        return Fail(StepPath(last->source, "with/percent"),
                    "the last traffic shift must reach 100 (promotion): a workflow never ends with "
                    "its traffic split");
      }
    }
    return plan_;
  }

  std::nullopt_t Fail(std::string path, std::string message) {
    if (!problem_) problem_ = ReleaseProblem{std::move(path), std::move(message)};
    return std::nullopt;
  }

  bool Alarms() {
    if (w_.alarms.empty()) return true;
    if (!plan_.shifts_traffic) {
      Fail("/alarms", "alarms gate traffic shifts, and this workflow shifts no traffic (strategy " +
                          std::string(model::EnumName(w_.strategy)) +
                          "): use canary, linear or custom with traffic-shift steps");
      return false;
    }
    for (size_t i = 0; i < w_.alarms.size(); ++i) {
      auto one = lambda::ParseAlarmSelector({w_.alarms[i]});
      if (!one.ok()) {
        Fail(model::JoinPath("/alarms", i), one.error().message);
        return false;
      }
    }
    auto all = lambda::ParseAlarmSelector(w_.alarms);
    if (!all.ok()) {
      Fail("/alarms", all.error().message);
      return false;
    }
    plan_.alarms = *all;
    return true;
  }

  // The workflow's schedule (canary, linear); none for basic and custom.
  bool Schedule() {
    const bool shifts =
        w_.strategy == WorkflowStrategy::kCanary || w_.strategy == WorkflowStrategy::kLinear;
    if (!shifts || !w_.traffic_shift) return true;
    const model::TrafficShift& t = *w_.traffic_shift;
    lambda::TrafficSchedule s;
    if (t.preset) {
      auto preset = lambda::ParseTrafficPreset(*t.preset);
      if (!preset.ok()) {
        Fail("/trafficShift/preset", preset.error().message);
        return false;
      }
      s = *preset;
      const bool canary = s.kind == lambda::TrafficScheduleKind::kCanary;
      const bool linear = s.kind == lambda::TrafficScheduleKind::kLinear;
      if ((canary && w_.strategy != WorkflowStrategy::kCanary) ||
          (linear && w_.strategy != WorkflowStrategy::kLinear)) {
        Fail("/trafficShift/preset",
             "preset " + *t.preset + " is a " + (canary ? "canary" : "linear") +
                 " schedule, but the strategy is " + std::string(model::EnumName(w_.strategy)));
        return false;
      }
    } else {
      s.kind = w_.strategy == WorkflowStrategy::kCanary ? lambda::TrafficScheduleKind::kCanary
                                                        : lambda::TrafficScheduleKind::kLinear;
      s.percent = static_cast<int>(t.percent.value_or(0));
      auto interval = ParseDuration(t.interval.value_or(""));
      if (!interval) {
        Fail("/trafficShift/interval", "must be a duration such as 30s, 5m or 1h");
        return false;
      }
      s.interval = *interval;
    }
    auto shifts_of = lambda::ShiftsOf(s);
    if (!shifts_of.ok()) {
      Fail("/trafficShift", shifts_of.error().message);
      return false;
    }
    schedule_ = s;
    shifts_ = *shifts_of;
    return true;
  }

  // The schedule's shifts as steps NAME (one) or NAME-1, NAME-2, …; without the final 100% when
  // `promote` is false.
  void AddSchedule(const std::string& name, size_t source, bool promote,
                   std::optional<Duration> timeout, bool implicit) {
    std::vector<lambda::TrafficShiftStep> run;
    for (const auto& s : shifts_) {
      if (s.percent < 100 || promote) run.push_back(s);
    }
    for (size_t k = 0; k < run.size(); ++k) {
      ReleaseStep r;
      r.kind = ReleaseStep::Kind::kShift;
      r.name = run.size() == 1 ? name : name + "-" + std::to_string(k + 1);
      r.percent = run[k].percent;
      r.hold = run[k].bake;
      r.timeout = timeout;
      r.source = source;
      r.implicit = implicit;
      plan_.steps.push_back(std::move(r));
    }
  }

  // A `with` parameter as a positive duration; nullopt when absent (*ok false when invalid).
  std::optional<Duration> DurationParam(const model::Step& step, size_t i, const char* key,
                                        bool* ok) {
    auto it = step.with.find(key);
    if (it == step.with.end()) return std::nullopt;
    const std::string path = StepPath(i, std::string("with/") + key);
    if (model::HasTemplate(it->second)) {
      *ok = false;
      return Fail(path, "templates are not supported here yet");
    }
    auto d = ParseDuration(it->second);
    if (!d || *d <= Duration{0}) {
      *ok = false;
      return Fail(
          path, "must be a duration such as 30s, 5m or 1h, not " + QuoteForMessage(it->second, 20));
    }
    return d;
  }

  std::optional<int> PercentParam(const model::Step& step, size_t i, bool* ok) {
    auto it = step.with.find("percent");
    if (it == step.with.end()) return std::nullopt;
    const std::string& text = it->second;
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > 100) {
      *ok = false;
      return Fail(StepPath(i, "with/percent"),
                  "must be a whole number from 1 to 100, not " + QuoteForMessage(text, 20));
    }
    return value;
  }

  bool OnlyKeys(const model::Step& step, size_t i, std::initializer_list<std::string_view> keys) {
    for (const auto& [key, value] : step.with) {
      bool known = false;
      for (auto k : keys) known |= key == k;
      if (known) continue;
      std::string list;
      for (auto k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
      Fail(StepPath(i, "with/" + key), std::string(model::EnumName(step.type)) + " steps take " +
                                           (list.empty() ? "no parameters" : list));
      return false;
    }
    return true;
  }

  bool Step(size_t i, bool last_shift) {
    const model::Step& step = w_.steps[i];
    std::optional<Duration> timeout;
    if (step.timeout) {
      timeout = ParseDuration(*step.timeout);
      if (!timeout || *timeout <= Duration{0}) {
        Fail(StepPath(i, "timeout"), "must be a duration such as 5m");
        return false;
      }
    }
    ReleaseStep r;
    r.name = step.name;
    r.timeout = timeout;
    r.source = i;
    bool ok = true;
    switch (step.type) {
      case StepType::kDeploy:
        r.kind = ReleaseStep::Kind::kDeploy;
        deployed_ = true;
        break;
      case StepType::kTrafficShift: {
        if (!OnlyKeys(step, i, {"percent", "wait"})) return false;
        if (!deployed_) {
          Fail(StepPath(i), "step " + step.name + " shifts traffic before any deploy step");
          return false;
        }
        if (w_.strategy == WorkflowStrategy::kBasic) {
          Fail(StepPath(i, "type"),
               "strategy basic moves every alias with the deploy step; shift traffic with "
               "strategy canary, linear or custom");
          return false;
        }
        const auto percent = PercentParam(step, i, &ok);
        const auto hold = DurationParam(step, i, "wait", &ok);
        if (!ok) return false;
        if (!percent) {
          if (!schedule_) {
            Fail(StepPath(i, "with/percent"), "required: strategy " +
                                                  std::string(model::EnumName(w_.strategy)) +
                                                  " has no schedule to follow");
            return false;
          }
          if (hold) {
            Fail(StepPath(i, "with/wait"), "the schedule sets the waits; give percent too");
            return false;
          }
          AddSchedule(step.name, i, last_shift, timeout, false);
          return true;
        }
        r.kind = ReleaseStep::Kind::kShift;
        r.percent = *percent;
        r.hold = hold.value_or(Duration{0});
        break;
      }
      case StepType::kWait: {
        if (!OnlyKeys(step, i, {"duration"})) return false;
        const auto d = DurationParam(step, i, "duration", &ok);
        if (!ok) return false;
        if (!d) {
          Fail(StepPath(i, "with/duration"), "required: how long to wait (30s, 5m, 1h)");
          return false;
        }
        r.kind = ReleaseStep::Kind::kWait;
        r.hold = *d;
        break;
      }
      case StepType::kInvokeTest: {
        if (!deployed_) {
          Fail(StepPath(i), "step " + step.name + " invokes before any deploy step");
          return false;
        }
        auto spec = InvokeTestParams(step, i);
        if (!spec) return false;
        r.kind = ReleaseStep::Kind::kInvokeTest;
        r.invoke_test = std::move(*spec);
        break;
      }
      case StepType::kVerify: {
        if (!deployed_) {
          Fail(StepPath(i), "step " + step.name + " verifies before any deploy step");
          return false;
        }
        auto spec = VerifyParams(step, i);
        if (!spec) return false;
        r.kind = ReleaseStep::Kind::kVerify;
        r.verify = std::move(*spec);
        break;
      }
      case StepType::kApproval: {
        if (!OnlyKeys(step, i, {"userGroups", "message", "timeoutOutcome"})) return false;
        ApprovalSpec a;
        if (auto it = step.with.find("userGroups"); it != step.with.end()) {
          for (const std::string& g : Split(it->second, ',')) {
            std::string name(Trim(g));
            if (!model::CheckEntityName(name).empty()) {
              Fail(StepPath(i, "with/userGroups"),
                   "a comma-separated list of group names (lower-case letters, digits, '-')");
              return false;
            }
            a.user_groups.push_back(std::move(name));
          }
        }
        if (auto it = step.with.find("message"); it != step.with.end()) {
          if (it->second.size() > 16 * 1024) {
            Fail(StepPath(i, "with/message"), "must be at most 16 KiB");
            return false;
          }
          a.message = it->second;
        }
        if (auto it = step.with.find("timeoutOutcome"); it != step.with.end()) {
          if (it->second != "reject" && it->second != "approve") {
            Fail(StepPath(i, "with/timeoutOutcome"), "must be reject or approve");
            return false;
          }
          a.approve_on_timeout = it->second == "approve";
        }
        if (timeout && (*timeout < std::chrono::seconds(1) ||
                        *timeout > std::chrono::hours(24 * 30))) {
          Fail(StepPath(i, "timeout"), "an approval waits from 1s to 30 days (720h)");
          return false;
        }
        r.kind = ReleaseStep::Kind::kApproval;
        r.approval = std::move(a);
        break;
      }
      default:
        r.kind = ReleaseStep::Kind::kOther;
        break;
    }
    plan_.steps.push_back(std::move(r));
    return true;
  }

  std::optional<lambda::VerifyStepInputs> VerifyParams(const model::Step& step, size_t i) {
    if (!OnlyKeys(step, i,
                  {"mode", "window", "period", "sensitivity", "marginal", "defaultMetrics",
                   "metrics", "baselineStart", "baselineEnd"})) {
      return std::nullopt;
    }
    auto at = [&](const char* key) { return StepPath(i, std::string("with/") + key); };
    bool ok = true;
    lambda::VerifyStepInputs in;
    if (const std::string* m = Plain(step, i, "mode", &ok)) {
      auto mode = lambda::ParseVerifyMode(*m);
      if (!mode) {
        return Fail(at("mode"),
                    "must be canary, previous or fixed-baseline, not " + QuoteForMessage(*m, 20));
      }
      in.mode = *mode;
    }
    if (!ok) return std::nullopt;
    const std::string* start = Plain(step, i, "baselineStart", &ok);
    const std::string* end = Plain(step, i, "baselineEnd", &ok);
    if (!ok) return std::nullopt;
    if (in.mode != lambda::VerifyMode::kFixedBaseline && (start != nullptr || end != nullptr)) {
      return Fail(at(start != nullptr ? "baselineStart" : "baselineEnd"),
                  "only mode fixed-baseline takes a baseline window");
    }
    if (in.mode == lambda::VerifyMode::kFixedBaseline) {
      if (start == nullptr || end == nullptr) {
        return Fail(at(start == nullptr ? "baselineStart" : "baselineEnd"),
                    "required by mode fixed-baseline: the baseline window's start and end, RFC "
                    "3339 times such as 2026-12-01T10:00:00Z");
      }
      auto from = ParseRfc3339(*start);
      if (!from) {
        return Fail(at("baselineStart"),
                    "must be an RFC 3339 time such as 2026-12-01T10:00:00Z, not " +
                        QuoteForMessage(*start, 40));
      }
      auto to = ParseRfc3339(*end);
      if (!to) {
        return Fail(at("baselineEnd"),
                    "must be an RFC 3339 time such as 2026-12-01T10:00:00Z, not " +
                        QuoteForMessage(*end, 40));
      }
      if (*to - *from < lambda::kMinVerifyWindow || *to - *from > lambda::kMaxVerifyWindow) {
        return Fail(at("baselineEnd"), "the baseline window must last from 1m to 24h");
      }
      in.baseline = lambda::VerifyWindow{*from, *to};
    }
    if (auto w = DurationParam(step, i, "window", &ok)) {
      if (*w < lambda::kMinVerifyWindow || *w > lambda::kMaxVerifyWindow) {
        return Fail(at("window"),
                    "must be from 1m to 24h (CloudWatch's Lambda metrics are "
                    "per minute)");
      }
      in.window = *w;
    }
    if (auto p = DurationParam(step, i, "period", &ok)) {
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(*p).count();
      const bool valid = std::chrono::seconds(seconds) == *p &&
                         (seconds == 1 || seconds == 5 || seconds == 10 || seconds == 20 ||
                          seconds == 30 || (seconds >= 60 && seconds % 60 == 0));
      if (!valid || seconds > 86400) {
        return Fail(at("period"), "must be 1s, 5s, 10s, 20s, 30s or whole minutes up to 24h");
      }
      in.period_seconds = static_cast<int>(seconds);
    }
    if (!ok) return std::nullopt;
    const auto periods = in.window / std::chrono::seconds(in.period_seconds);
    if (periods < 1 || periods > 1440) {
      return Fail(at("period"), "the window must hold 1 to 1,440 periods (it holds " +
                                    std::to_string(periods) + ")");
    }
    if (in.baseline) {
      const auto baseline_periods =
          (in.baseline->end - in.baseline->start) / std::chrono::seconds(in.period_seconds);
      if (baseline_periods < 1 || baseline_periods > 1440) {
        return Fail(at("period"), "the baseline window must hold 1 to 1,440 periods (it holds " +
                                      std::to_string(baseline_periods) + ")");
      }
    }
    // A workflow variable's sensitivity is checked when a deployment gives it its value.
    auto sensitivity = step.with.find("sensitivity");
    if (sensitivity != step.with.end() && model::HasTemplate(sensitivity->second)) {
      // kept at the default here; api/deploy_service.cc substitutes it before planning
    } else if (const std::string* s = Plain(step, i, "sensitivity", &ok)) {
      if (*s != "low" && *s != "medium" && *s != "high") {
        return Fail(at("sensitivity"), "must be low, medium or high");
      }
      in.sensitivity = *s;
    }
    if (const std::string* m = Plain(step, i, "marginal", &ok)) {
      if (*m != "pass" && *m != "fail") {
        return Fail(at("marginal"), "must be pass or fail (what a marginal verdict does)");
      }
      in.marginal_fails = *m == "fail";
    }
    std::vector<lambda::VerifyMetric> defaults = lambda::DefaultVerifyMetrics();
    if (const std::string* d = Plain(step, i, "defaultMetrics", &ok)) {
      std::vector<lambda::VerifyMetric> kept;
      if (*d == "none") {
        defaults.clear();
      } else if (*d != "all") {
        for (const auto& part : Split(*d, ',')) {
          const std::string name(Trim(part));
          auto it = std::find_if(defaults.begin(), defaults.end(),
                                 [&](const lambda::VerifyMetric& m) { return m.name == name; });
          if (it == defaults.end()) {
            return Fail(at("defaultMetrics"),
                        "must be all, none or a list of Errors, Throttles and Duration, not " +
                            QuoteForMessage(name, 20));
          }
          kept.push_back(*it);
        }
        defaults = kept;
      }
    }
    in.metrics = defaults;
    if (const std::string* m = Plain(step, i, "metrics", &ok)) {
      auto custom = lambda::ParseVerifyMetrics(*m);
      if (!custom.ok()) return Fail(at("metrics"), custom.error().message);
      for (auto& c : *custom) {
        for (const auto& existing : in.metrics) {
          if (existing.name == c.name) {
            return Fail(at("metrics"), "metric " + QuoteForMessage(c.name, 40) +
                                           " is repeated (the defaults are Errors, Throttles, "
                                           "Duration)");
          }
        }
        in.metrics.push_back(std::move(c));
      }
    }
    if (!ok) return std::nullopt;
    if (in.metrics.empty()) return Fail(StepPath(i, "with"), "verifies no metric");
    if (in.metrics.size() > lambda::kMaxVerifyMetrics) {
      return Fail(at("metrics"), "too many metrics: " + std::to_string(in.metrics.size()) +
                                     ", at most " + std::to_string(lambda::kMaxVerifyMetrics));
    }
    if (in.mode == lambda::VerifyMode::kCanary) {
      const ReleaseStep* last_shift = nullptr;
      for (const auto& s : plan_.steps) {
        if (s.kind == ReleaseStep::Kind::kShift) last_shift = &s;
      }
      if (last_shift == nullptr || last_shift->percent >= 100) {
        return Fail(at("mode"),
                    "mode canary compares the new version with the stable one while the alias "
                    "splits traffic: put the step after a traffic shift below 100% (or use mode "
                    "previous)");
      }
    }
    return in;
  }

  // A `with` parameter without templates (nullptr when absent; *ok false after a problem).
  const std::string* Plain(const model::Step& step, size_t i, const char* key, bool* ok) {
    auto it = step.with.find(key);
    if (it == step.with.end()) return nullptr;
    if (model::HasTemplate(it->second)) {
      *ok = false;
      Fail(StepPath(i, std::string("with/") + key), "templates are not supported here yet");
      return nullptr;
    }
    return &it->second;
  }

  std::optional<int> IntParam(const model::Step& step, size_t i, const char* key, int min, int max,
                              bool* ok) {
    const std::string* text = Plain(step, i, key, ok);
    if (text == nullptr) return std::nullopt;
    int value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size() || value < min || value > max) {
      *ok = false;
      return Fail(StepPath(i, std::string("with/") + key),
                  "must be a whole number from " + std::to_string(min) + " to " +
                      std::to_string(max) + ", not " + QuoteForMessage(*text, 20));
    }
    return value;
  }

  std::optional<InvokeTestSpec> InvokeTestParams(const model::Step& step, size_t i) {
    if (!OnlyKeys(step, i,
                  {"function", "target", "payload", "times", "expectStatus", "expectJson",
                   "expectRegex", "maxLatency"})) {
      return std::nullopt;
    }
    auto at = [&](const char* key) { return StepPath(i, std::string("with/") + key); };
    bool ok = true;
    InvokeTestSpec spec;
    if (const std::string* f = Plain(step, i, "function", &ok)) {
      if (f->empty()) return Fail(at("function"), "must name a function of the service");
      spec.function = *f;
    }
    if (const std::string* t = Plain(step, i, "target", &ok)) {
      if (*t == "alias") {
        spec.target = lambda::InvokeTargetKind::kAlias;
      } else if (*t != "version") {
        return Fail(at("target"), "must be version (the new version) or alias");
      }
    }
    if (const std::string* p = Plain(step, i, "payload", &ok)) {
      if (p->size() > lambda::kMaxInvokePayloadBytes) {
        return Fail(at("payload"), "is larger than 256 KiB");
      }
      JsonLimits limits;
      limits.max_bytes = lambda::kMaxInvokePayloadBytes;
      if (!ParseJson(*p, limits).ok()) return Fail(at("payload"), "must be JSON text");
      spec.payload = *p;
    }
    if (auto times = IntParam(step, i, "times", 1, lambda::kMaxInvokeTimes, &ok)) {
      spec.times = *times;
    }
    if (auto status = IntParam(step, i, "expectStatus", 100, 599, &ok))
      spec.expect.status = *status;
    if (const std::string* j = Plain(step, i, "expectJson", &ok)) {
      auto parsed = lambda::ParseJsonEqualities(*j);
      if (!parsed.ok()) return Fail(at("expectJson"), parsed.error().message);
      spec.expect.json = std::move(parsed).value();
    }
    if (const std::string* re = Plain(step, i, "expectRegex", &ok)) {
      auto checked = lambda::CheckExpectRegex(*re);
      if (!checked.ok()) return Fail(at("expectRegex"), checked.error().message);
      spec.expect.regex = *re;
    }
    spec.expect.max_latency = DurationParam(step, i, "maxLatency", &ok);
    if (!ok) return std::nullopt;
    return spec;
  }

  // The workflow's hooks, around the traffic shifts.
  bool Hooks() {
    if (!w_.hooks) return true;
    const model::TrafficHooks& h = *w_.hooks;
    if (!h.pre_traffic && !h.post_traffic) {
      Fail("/hooks", "give preTraffic, postTraffic or both");
      return false;
    }
    size_t first = plan_.steps.size();
    size_t last = plan_.steps.size();
    for (size_t k = 0; k < plan_.steps.size(); ++k) {
      if (plan_.steps[k].kind != ReleaseStep::Kind::kShift) continue;
      if (first == plan_.steps.size()) first = k;
      last = k;
    }
    if (!plan_.shifts_traffic || first == plan_.steps.size()) {
      Fail("/hooks",
           "hooks run before the first traffic shift and after the last: use strategy "
           "canary or linear, or custom with traffic-shift steps (strategy " +
               std::string(model::EnumName(w_.strategy)) + " shifts no traffic)");
      return false;
    }
    Duration timeout = lambda::kDefaultHookTimeout;
    if (h.timeout) {
      auto d = ParseDuration(*h.timeout);
      if (model::HasTemplate(*h.timeout) || !d || *d < std::chrono::seconds(1) ||
          *d > lambda::kMaxInvokeTimeout) {
        Fail("/hooks/timeout", "must be a duration from 1s to 15m (default 5m)");
        return false;
      }
      timeout = *d;
    }
    auto hook = [&](const std::optional<std::string>& function, const char* key,
                    lambda::HookPoint point, const char* name) -> std::optional<ReleaseStep> {
      if (!function) return std::nullopt;
      const std::string path = std::string("/hooks/") + key;
      bool valid = !function->empty() && function->size() <= 256;
      for (char c : *function) {
        valid &= std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' ||
                 c == '.' || c == '$';
      }
      if (!valid) {
        Fail(path,
             "must be a Lambda function's name, ARN or NAME:QUALIFIER (templates are not "
             "supported here yet)");
        return std::nullopt;
      }
      for (const auto& s : w_.steps) {
        if (s.name == name) {
          Fail(path, std::string("the hook runs as step ") + name +
                         ", which names a step of the workflow already");
          return std::nullopt;
        }
      }
      ReleaseStep r;
      r.kind = ReleaseStep::Kind::kHook;
      r.name = name;
      r.implicit = true;
      r.hook = HookSpec{point, *function, timeout};
      return r;
    };
    auto pre =
        hook(h.pre_traffic, "preTraffic", lambda::HookPoint::kPreTraffic, "pre-traffic-hook");
    auto post =
        hook(h.post_traffic, "postTraffic", lambda::HookPoint::kPostTraffic, "post-traffic-hook");
    if (problem_) return false;
    if (post)
      plan_.steps.insert(plan_.steps.begin() + static_cast<long>(last) + 1, std::move(*post));
    if (pre) plan_.steps.insert(plan_.steps.begin() + static_cast<long>(first), std::move(*pre));
    return true;
  }

  const model::Workflow& w_;
  ReleasePlan plan_;
  std::optional<lambda::TrafficSchedule> schedule_;
  std::vector<lambda::TrafficShiftStep> shifts_;
  bool deployed_ = false;
  std::optional<ReleaseProblem> problem_;
};

}  // namespace

Result<ReleasePlan> PlanRelease(const model::Workflow& workflow, ReleaseProblem* problem) {
  Compiler compiler(workflow);
  auto plan = compiler.Run();
  if (plan) return std::move(*plan);
  ReleaseProblem p = compiler.problem().value_or(ReleaseProblem{"", "cannot be compiled"});
  if (problem != nullptr) *problem = p;
  return Error{ErrorCode::kInvalidArgument, "workflow " + workflow.name + ": " +
                                                (p.path.empty() ? "" : p.path + ": ") + p.message};
}

}  // namespace ferry::config
