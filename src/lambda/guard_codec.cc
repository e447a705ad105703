// The codecs of guard.h. Each member is named here and nowhere else.
#include <algorithm>

#include "common/json.h"
#include "common/strings.h"
#include "common/time.h"
#include "lambda/codec_internal.h"
#include "lambda/guard.h"

namespace ferry::lambda {
namespace {

using codec::ArrayAt;
using codec::DecodeObject;
using codec::Fail;

constexpr size_t kMaxGuardResultBytes = 16 * 1024 * 1024;

std::string Text(const Json& j, const char* key, size_t max) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) Fail(std::string(key) + " must be a string");
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max) Fail(std::string(key) + " is longer than " + std::to_string(max) + " bytes");
  if (!IsValidUtf8(s)) Fail(std::string(key) + " is not UTF-8");
  for (unsigned char c : s) {
    if (c < 0x20 && c != '\n') Fail(std::string(key) + " holds a control character");
  }
  return s;
}

Json WindowJson(const VerifyWindow& w) {
  return Json{{"start", FormatRfc3339(w.start)}, {"end", FormatRfc3339(w.end)}};
}

VerifyWindow WindowFrom(const Json& w, const char* what) {
  if (!w.is_object()) Fail(std::string(what) + " must be an object");
  auto start = ParseRfc3339(Text(w, "start", 40));
  auto end = ParseRfc3339(Text(w, "end", 40));
  if (!start || !end || *end <= *start || *end - *start > kMaxVerifyWindow) {
    Fail(std::string(what) + " must be a window of RFC 3339 times, end after start, at most 24h");
  }
  return VerifyWindow{*start, *end};
}

}  // namespace

const std::vector<std::string>& GuardMetricNames() {
  static const std::vector<std::string> names{"Invocations", "Errors", "Throttles", "Duration"};
  return names;
}

Result<std::vector<VerifyMetric>> GuardMetrics(const std::vector<std::string>& names) {
  std::vector<VerifyMetric> defaults = DefaultVerifyMetrics();
  VerifyMetric invocations{.name = "Invocations",
                           .metric = "Invocations",
                           .stat = "Sum",
                           .unit = "invocations",
                           .direction = "decrease"};
  defaults.insert(defaults.begin(), invocations);
  std::vector<VerifyMetric> out;
  for (const auto& name : names) {
    auto it = std::find_if(defaults.begin(), defaults.end(),
                           [&](const VerifyMetric& m) { return m.name == name; });
    if (it == defaults.end()) {
      return Error{ErrorCode::kInvalidArgument,
                   "guard metric " + QuoteForMessage(name, 20) +
                       " is not one of Invocations, Errors, Throttles, Duration"};
    }
    out.push_back(*it);
  }
  return out;
}

std::string EncodeGuardTask(const GuardTask& t) {
  Json subjects = Json::array();
  for (const auto& s : t.subjects) {
    subjects.push_back({{"functionName", s.function_name}, {"alias", s.alias}});
  }
  Json baselines = Json::array();
  for (const auto& w : t.baselines) baselines.push_back(WindowJson(w));
  return DumpJson(Json{{"target", TargetToJson(t.target)},
                       {"subjects", subjects},
                       {"recent", WindowJson(t.recent)},
                       {"baselines", baselines},
                       {"periodSeconds", t.period_seconds},
                       {"sensitivity", t.sensitivity},
                       {"metrics", t.metrics}});
}

Result<GuardTask> DecodeGuardTask(std::string_view json) {
  return DecodeObject("lambda.guard payload", json, [](const Json& j) {
    GuardTask t;
    t.target = codec::TargetAt(j, "the payload");
    const Json& subjects = ArrayAt(j, "subjects");
    if (subjects.empty() || subjects.size() > kMaxGuardFunctions) {
      Fail("subjects must hold 1 to " + std::to_string(kMaxGuardFunctions) + " functions");
    }
    for (const auto& s : subjects) {
      if (!s.is_object()) Fail("subjects must be objects");
      GuardSubject subject{Text(s, "functionName", 140), Text(s, "alias", 128)};
      if (subject.function_name.empty() || subject.alias.empty()) {
        Fail("a subject needs a function name and an alias");
      }
      t.subjects.push_back(std::move(subject));
    }
    t.recent = WindowFrom(j.at("recent"), "recent");
    const Json& baselines = ArrayAt(j, "baselines");
    if (baselines.empty() || baselines.size() > kMaxGuardBaselineWindows) {
      Fail("baselines must hold 1 to " + std::to_string(kMaxGuardBaselineWindows) + " windows");
    }
    for (const auto& w : baselines) t.baselines.push_back(WindowFrom(w, "a baseline window"));
    codec::ReadInt(j, "periodSeconds", t.period_seconds, 1);
    if (t.period_seconds != 60 && t.period_seconds % 60 != 0 && t.period_seconds != 1 &&
        t.period_seconds != 5 && t.period_seconds != 10 && t.period_seconds != 20 &&
        t.period_seconds != 30) {
      Fail("periodSeconds must be 1, 5, 10, 20, 30 or a multiple of 60");
    }
    t.sensitivity = Text(j, "sensitivity", 10);
    if (t.sensitivity != "low" && t.sensitivity != "medium" && t.sensitivity != "high") {
      Fail("sensitivity must be low, medium or high");
    }
    for (const auto& m : ArrayAt(j, "metrics")) {
      if (!m.is_string()) Fail("metrics must be names");
      t.metrics.push_back(m.get<std::string>());
    }
    if (t.metrics.empty() || t.metrics.size() > GuardMetricNames().size()) {
      Fail("metrics must name 1 to 4 metrics");
    }
    if (!GuardMetrics(t.metrics).ok())
      Fail("metrics must be of Invocations, Errors, Throttles, Duration");
    return t;
  });
}

std::string EncodeGuardResult(const GuardResult& r) {
  Json findings = Json::array();
  for (const auto& f : r.findings) {
    auto details = ParseJson(f.details_json);
    findings.push_back({{"functionName", f.function_name},
                        {"alias", f.alias},
                        {"metric", f.metric},
                        {"outcome", f.outcome},
                        {"sentence", f.sentence},
                        {"details", details.ok() ? *details : Json::object()}});
  }
  return DumpJson(Json{{"findings", findings}, {"queries", r.queries}, {"calls", r.calls}});
}

Result<GuardResult> DecodeGuardResult(std::string_view json) {
  if (json.size() > kMaxGuardResultBytes) {
    return Error{ErrorCode::kInvalidArgument, "the guard result is larger than 16 MiB"};
  }
  return DecodeObject("lambda.guard result", json, [](const Json& j) {
    GuardResult r;
    const Json& findings = ArrayAt(j, "findings");
    if (findings.size() > kMaxGuardFunctions * GuardMetricNames().size()) {
      Fail("too many findings");
    }
    for (const auto& f : findings) {
      if (!f.is_object()) Fail("findings must be objects");
      GuardFinding finding{Text(f, "functionName", 140), Text(f, "alias", 128),
                           Text(f, "metric", 40),        Text(f, "outcome", 20),
                           Text(f, "sentence", 4096),    "{}"};
      if (finding.outcome != "pass" && finding.outcome != "marginal" && finding.outcome != "fail" &&
          finding.outcome != "no-data") {
        Fail("outcome must be pass, marginal, fail or no-data");
      }
      finding.details_json = DumpJson(codec::ObjectAt(f, "details"));
      r.findings.push_back(std::move(finding));
    }
    if (auto it = j.find("queries"); it != j.end() && it->is_number_integer()) {
      r.queries = it->get<int64_t>();
    }
    if (auto it = j.find("calls"); it != j.end() && it->is_number_integer()) {
      r.calls = it->get<int64_t>();
    }
    return r;
  });
}

}  // namespace ferry::lambda
