// The codecs of verify.h and the custom-metric parser. Each member is named here and nowhere else.
#include <cmath>
#include <regex>
#include <set>

#include "common/json.h"
#include "common/strings.h"
#include "common/time.h"
#include "lambda/codec_internal.h"
#include "lambda/verify.h"

namespace ferry::lambda {
namespace {

using codec::ArrayAt;
using codec::DecodeObject;
using codec::Fail;

constexpr size_t kMaxMetricsJsonBytes = 64 * 1024;
constexpr size_t kMaxDimensions = 30;  // CloudWatch's limit per metric
constexpr size_t kMaxAnalysisBytes = 4 * 1024 * 1024;

std::string Text(const Json& j, const char* key, size_t max, bool required) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) Fail(std::string(key) + " is required");
    return "";
  }
  if (!it->is_string()) Fail(std::string(key) + " must be a string");
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max) Fail(std::string(key) + " is longer than " + std::to_string(max) + " bytes");
  if (!IsValidUtf8(s)) Fail(std::string(key) + " is not UTF-8");
  if (required && s.empty()) Fail(std::string(key) + " must not be empty");
  for (unsigned char c : s) {
    if (c < 0x20) Fail(std::string(key) + " holds a control character");
  }
  return s;
}

bool ValidPeriod(int64_t p) {
  return p == 1 || p == 5 || p == 10 || p == 20 || p == 30 || (p >= 60 && p % 60 == 0);
}

Json MetricToJson(const VerifyMetric& m) {
  Json dims = Json::object();
  for (const auto& [k, v] : m.dimensions) dims[k] = v;
  return Json{{"name", m.name},
              {"kind", m.kind == VerifyMetricKind::kRate ? "rate" : "continuous"},
              {"namespace", m.ns},
              {"metric", m.metric},
              {"stat", m.stat},
              {"exposure", m.exposure},
              {"dimensions", dims},
              {"unit", m.unit},
              {"direction", m.direction},
              {"critical", m.critical},
              {"weight", m.weight}};
}

VerifyMetric MetricFromJson(const Json& j) {
  if (!j.is_object()) Fail("each metric must be an object");
  static const std::set<std::string> kKeys = {"name",      "kind",     "namespace",  "metric",
                                              "stat",      "exposure", "dimensions", "unit",
                                              "direction", "critical", "weight"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!kKeys.count(it.key())) Fail("unknown metric field " + QuoteForMessage(it.key(), 40));
  }
  VerifyMetric m;
  m.name = Text(j, "name", 255, true);
  const std::string kind = Text(j, "kind", 20, false);
  if (kind == "rate") {
    m.kind = VerifyMetricKind::kRate;
  } else if (!kind.empty() && kind != "continuous") {
    Fail("metric " + m.name + ": kind must be continuous or rate");
  }
  m.ns = Text(j, "namespace", 255, true);
  m.metric = Text(j, "metric", 255, true);
  m.stat = Text(j, "stat", 50, false);
  if (m.kind == VerifyMetricKind::kRate) {
    if (!m.stat.empty() && m.stat != "Sum") Fail("metric " + m.name + ": a rate reads Sum");
    m.stat = "Sum";
    const Json& exposure = ArrayAt(j, "exposure");
    if (exposure.empty() || exposure.size() > 5) {
      Fail("metric " + m.name + ": a rate needs exposure, 1 to 5 metric names");
    }
    for (const auto& e : exposure) {
      if (!e.is_string() || e.get_ref<const std::string&>().empty() ||
          e.get_ref<const std::string&>().size() > 255) {
        Fail("metric " + m.name + ": exposure must hold metric names");
      }
      m.exposure.push_back(e.get<std::string>());
    }
  } else {
    if (m.stat.empty()) m.stat = "Average";
    if (!ArrayAt(j, "exposure").empty()) {
      Fail("metric " + m.name + ": exposure is for kind rate");
    }
    auto checked = CheckVerifyStatistic(m.stat);
    if (!checked.ok()) Fail("metric " + m.name + ": " + checked.error().message);
  }
  if (auto it = j.find("dimensions"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) Fail("metric " + m.name + ": dimensions must be an object");
    if (it->size() > kMaxDimensions) Fail("metric " + m.name + ": at most 30 dimensions");
    for (auto d = it->begin(); d != it->end(); ++d) {
      if (d.key().empty() || d.key().size() > 255 || !d->is_string() ||
          d->get_ref<const std::string&>().empty() ||
          d->get_ref<const std::string&>().size() > 1024) {
        Fail("metric " + m.name + ": a dimension is a name (1-255) and a string value (1-1024)");
      }
      m.dimensions.emplace_back(d.key(), d->get<std::string>());
    }
  }
  m.unit = Text(j, "unit", 30, false);
  m.direction = Text(j, "direction", 20, false);
  if (m.direction.empty()) m.direction = "increase";
  if (m.direction != "increase" && m.direction != "decrease" && m.direction != "either") {
    Fail("metric " + m.name + ": direction must be increase, decrease or either");
  }
  if (auto it = j.find("critical"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) Fail("metric " + m.name + ": critical must be true or false");
    m.critical = it->get<bool>();
  }
  if (auto it = j.find("weight"); it != j.end() && !it->is_null()) {
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0 ||
        it->get<double>() > 1000) {
      Fail("metric " + m.name + ": weight must be a number from 0 to 1000");
    }
    m.weight = it->get<double>();
  }
  return m;
}

Json MetricsToJson(const std::vector<VerifyMetric>& metrics) {
  Json out = Json::array();
  for (const auto& m : metrics) out.push_back(MetricToJson(m));
  return out;
}

std::vector<VerifyMetric> MetricsFromJson(const Json& j) {
  const Json& metrics = ArrayAt(j, "metrics");
  if (metrics.empty() || metrics.size() > kMaxVerifyMetrics) {
    Fail("metrics must hold 1 to " + std::to_string(kMaxVerifyMetrics) + " metrics");
  }
  std::vector<VerifyMetric> out;
  std::set<std::string> names;
  for (const auto& m : metrics) {
    out.push_back(MetricFromJson(m));
    if (!names.insert(out.back().name).second) Fail("metric " + out.back().name + " is repeated");
  }
  return out;
}

VerifyMode ModeAt(const Json& j) {
  auto mode = ParseVerifyMode(Text(j, "mode", 20, true));
  if (!mode) Fail("mode must be canary, previous or fixed-baseline");
  return *mode;
}

int PeriodAt(const Json& j) {
  int period = kDefaultVerifyPeriodSeconds;
  codec::ReadInt(j, "periodSeconds", period, 1);
  if (!ValidPeriod(period) || period > 86400) {
    Fail("periodSeconds must be 1, 5, 10, 20, 30 or a multiple of 60 up to 86400");
  }
  return period;
}

std::string SensitivityAt(const Json& j) {
  std::string s = Text(j, "sensitivity", 10, false);
  if (s.empty()) return "medium";
  if (s != "low" && s != "medium" && s != "high") Fail("sensitivity must be low, medium or high");
  return s;
}

Json WindowToJson(const VerifyWindow& w) {
  return Json{{"start", FormatRfc3339(w.start)}, {"end", FormatRfc3339(w.end)}};
}

VerifyWindow WindowAt(const Json& j, const char* key) {
  const Json& w = codec::ObjectAt(j, key);
  auto start = ParseRfc3339(Text(w, "start", 40, true));
  auto end = ParseRfc3339(Text(w, "end", 40, true));
  if (!start || !end || *end <= *start || *end - *start > kMaxVerifyWindow) {
    Fail(std::string(key) + " must be a window of RFC 3339 times, end after start, at most 24h");
  }
  return VerifyWindow{*start, *end};
}

std::string VersionText(const Json& j, const char* key) {
  std::string v = Text(j, key, 64, false);
  for (char c : v) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '$')
      Fail(std::string(key) + " is not a version");
  }
  return v;
}

}  // namespace

std::string_view VerifyModeName(VerifyMode mode) {
  switch (mode) {
    case VerifyMode::kCanary:
      return "canary";
    case VerifyMode::kPrevious:
      return "previous";
    case VerifyMode::kFixedBaseline:
      return "fixed-baseline";
  }
  return "canary";
}

std::optional<VerifyMode> ParseVerifyMode(std::string_view name) {
  for (auto m : {VerifyMode::kCanary, VerifyMode::kPrevious, VerifyMode::kFixedBaseline}) {
    if (VerifyModeName(m) == name) return m;
  }
  return std::nullopt;
}

std::vector<VerifyMetric> DefaultVerifyMetrics() {
  VerifyMetric errors{.name = "Errors",
                      .kind = VerifyMetricKind::kRate,
                      .metric = "Errors",
                      .stat = "Sum",
                      .exposure = {"Invocations"},
                      .critical = true};
  VerifyMetric throttles{.name = "Throttles",
                         .kind = VerifyMetricKind::kRate,
                         .metric = "Throttles",
                         .stat = "Sum",
                         .exposure = {"Invocations", "Throttles"}};
  VerifyMetric duration{.name = "Duration", .metric = "Duration", .stat = "p99", .unit = "ms"};
  return {errors, throttles, duration};
}

Status CheckVerifyStatistic(std::string_view stat) {
  // CloudWatch's statistics and the extended forms of its "Statistics definitions": pNN.NN,
  // tmNN, wmNN, tcNN, tsNN, IQM, and the range forms PR/TM/WM/TC/TS(a:b) with optional %.
  static const std::regex kForms(
      "^(Sum|Average|Minimum|Maximum|SampleCount|IQM|(p|tm|wm|tc|ts)[0-9]{1,3}(\\.[0-9]{1,2})?|"
      "(PR|TM|WM|TC|TS)\\((([0-9]+(\\.[0-9]+)?%?)?:([0-9]+(\\.[0-9]+)?%?)?)\\))$");
  if (stat.size() > 50 || !std::regex_match(std::string(stat), kForms)) {
    return Error{ErrorCode::kInvalidArgument,
                 "stat " + QuoteForMessage(stat, 40) +
                     " is not a CloudWatch statistic (Sum, Average, Minimum, Maximum, "
                     "SampleCount, p99, tm90, TM(10%:90%), IQM, ...)"};
  }
  return Ok();
}

Result<std::vector<VerifyMetric>> ParseVerifyMetrics(std::string_view json) {
  if (json.size() > kMaxMetricsJsonBytes) {
    return Error{ErrorCode::kInvalidArgument, "metrics is larger than 64 KiB"};
  }
  auto parsed = ParseJson(json);
  if (!parsed.ok()) return Error{ErrorCode::kInvalidArgument, "metrics must be a JSON array"};
  if (!parsed->is_array())
    return Error{ErrorCode::kInvalidArgument, "metrics must be a JSON array"};
  if (parsed->size() > kMaxVerifyMetrics) {
    return Error{ErrorCode::kInvalidArgument, "metrics holds " + std::to_string(parsed->size()) +
                                                  " metrics; at most " +
                                                  std::to_string(kMaxVerifyMetrics)};
  }
  return codec::Guard("metrics", [&] {
    std::vector<VerifyMetric> out;
    for (const auto& m : *parsed) out.push_back(MetricFromJson(m));
    return out;
  });
}

std::vector<std::pair<std::string, std::string>> VerifyDimensions(const VerifyMetric& metric,
                                                                  const VerifySubject& subject,
                                                                  const std::string& version) {
  std::vector<std::pair<std::string, std::string>> out;
  if (metric.ns == "AWS/Lambda" && metric.dimensions.empty()) {
    out.emplace_back("FunctionName", subject.function_name);
    out.emplace_back("Resource", subject.function_name + ":" + subject.alias);
    if (!version.empty()) out.emplace_back("ExecutedVersion", version);
    return out;
  }
  for (const auto& [name, value] : metric.dimensions) {
    std::string v = value;
    auto replace = [&v](const std::string& from, const std::string& to) {
      for (size_t at = v.find(from); at != std::string::npos; at = v.find(from, at + to.size())) {
        v.replace(at, from.size(), to);
      }
    };
    replace("{function}", subject.function_name);
    replace("{alias}", subject.alias);
    replace("{version}", version);
    out.emplace_back(name, v);
  }
  return out;
}

Status CheckPeriodRetained(TimePoint start, TimePoint now, int period_seconds) {
  const auto age = now - start;
  int multiple = 1;
  const char* kept = "";
  if (age > std::chrono::hours(24 * 63)) {
    multiple = 3600;
    kept = "more than 63 days ago: CloudWatch keeps such data at 1-hour resolution";
  } else if (age > std::chrono::hours(24 * 15)) {
    multiple = 300;
    kept = "15 to 63 days ago: CloudWatch keeps such data at 5-minute resolution";
  } else if (age > std::chrono::hours(3)) {
    multiple = 60;
    kept = "more than 3 hours ago: CloudWatch keeps sub-minute data for 3 hours only";
  }
  if (period_seconds % multiple == 0) return Ok();
  return Error{ErrorCode::kFailedPrecondition,
               "the baseline window starts " + FormatRfc3339(start) + ", " + kept +
                   "; use a period that is a multiple of " + std::to_string(multiple) +
                   " seconds (it is " + std::to_string(period_seconds) + ")"};
}

std::string EncodeVerifyStepInputs(const VerifyStepInputs& in) {
  return DumpJson(Json{{"target", TargetToJson(in.target)},
                       {"selectors", in.selectors},
                       {"deployStep", in.deploy_step},
                       {"mode", VerifyModeName(in.mode)},
                       {"windowMillis", in.window.count()},
                       {"periodSeconds", in.period_seconds},
                       {"sensitivity", in.sensitivity},
                       {"marginalFails", in.marginal_fails},
                       {"metrics", MetricsToJson(in.metrics)},
                       {"baseline", in.baseline ? WindowToJson(*in.baseline) : Json()}});
}

Result<VerifyStepInputs> DecodeVerifyStepInputs(std::string_view json) {
  return DecodeObject("lambda.verify step inputs", json, [](const Json& j) {
    VerifyStepInputs in;
    in.target = codec::TargetAt(j, "the inputs");
    for (const auto& s : ArrayAt(j, "selectors")) {
      if (!s.is_string() || s.get_ref<const std::string&>().size() > 256) {
        Fail("selectors must be strings");
      }
      in.selectors.push_back(s.get<std::string>());
    }
    in.deploy_step = Text(j, "deployStep", 256, true);
    in.mode = ModeAt(j);
    const auto window = j.at("windowMillis");
    if (!window.is_number_integer() || window.get<int64_t>() < kMinVerifyWindow.count() ||
        window.get<int64_t>() > kMaxVerifyWindow.count()) {
      Fail("windowMillis must be from 1 minute to 24 hours");
    }
    in.window = Duration{window.get<int64_t>()};
    in.period_seconds = PeriodAt(j);
    in.sensitivity = SensitivityAt(j);
    if (auto it = j.find("marginalFails"); it != j.end() && !it->is_null()) {
      if (!it->is_boolean()) Fail("marginalFails must be true or false");
      in.marginal_fails = it->get<bool>();
    }
    in.metrics = MetricsFromJson(j);
    if (auto it = j.find("baseline"); it != j.end() && !it->is_null()) {
      in.baseline = WindowAt(j, "baseline");
    }
    if ((in.mode == VerifyMode::kFixedBaseline) != in.baseline.has_value()) {
      Fail("baseline is required by mode fixed-baseline and taken by no other mode");
    }
    return in;
  });
}

std::string EncodeVerifyTask(const VerifyTask& t) {
  Json subjects = Json::array();
  for (const auto& s : t.subjects) {
    subjects.push_back({{"functionName", s.function_name},
                        {"alias", s.alias},
                        {"canaryVersion", s.canary_version},
                        {"baselineVersion", s.baseline_version}});
  }
  return DumpJson(Json{{"target", TargetToJson(t.target)},
                       {"mode", VerifyModeName(t.mode)},
                       {"subjects", subjects},
                       {"canary", WindowToJson(t.canary)},
                       {"baseline", WindowToJson(t.baseline)},
                       {"periodSeconds", t.period_seconds},
                       {"sensitivity", t.sensitivity},
                       {"metrics", MetricsToJson(t.metrics)}});
}

Result<VerifyTask> DecodeVerifyTask(std::string_view json) {
  return DecodeObject("lambda.verify payload", json, [](const Json& j) {
    VerifyTask t;
    t.target = codec::TargetAt(j, "the payload");
    t.mode = ModeAt(j);
    const Json& subjects = ArrayAt(j, "subjects");
    if (subjects.empty() || subjects.size() > kMaxVerifyFunctions) {
      Fail("subjects must hold 1 to " + std::to_string(kMaxVerifyFunctions) + " functions");
    }
    for (const auto& s : subjects) {
      if (!s.is_object()) Fail("subjects must be objects");
      VerifySubject subject{Text(s, "functionName", 140, true), Text(s, "alias", 128, true),
                            VersionText(s, "canaryVersion"), VersionText(s, "baselineVersion")};
      t.subjects.push_back(std::move(subject));
    }
    t.canary = WindowAt(j, "canary");
    t.baseline = WindowAt(j, "baseline");
    t.period_seconds = PeriodAt(j);
    t.sensitivity = SensitivityAt(j);
    t.metrics = MetricsFromJson(j);
    if (t.subjects.size() * t.metrics.size() > kMaxVerifyMetrics * kMaxVerifyFunctions) {
      Fail("too many metrics");
    }
    return t;
  });
}

std::string EncodeVerifyResult(const VerifyResult& r) {
  auto analysis = ParseJson(r.analysis_json);
  return DumpJson(Json{{"verdict", r.verdict},
                       {"summary", r.summary},
                       {"sentences", r.sentences},
                       {"analysis", analysis.ok() ? *analysis : Json::object()}});
}

Result<VerifyResult> DecodeVerifyResult(std::string_view json) {
  if (json.size() > kMaxAnalysisBytes) {
    return Error{ErrorCode::kInvalidArgument, "the verification result is larger than 4 MiB"};
  }
  return DecodeObject("lambda.verify result", json, [](const Json& j) {
    VerifyResult r;
    r.verdict = Text(j, "verdict", 20, true);
    if (r.verdict != "pass" && r.verdict != "marginal" && r.verdict != "fail" &&
        r.verdict != "no-data") {
      Fail("verdict must be pass, marginal, fail or no-data");
    }
    r.summary = Text(j, "summary", 4096, false);
    for (const auto& s : ArrayAt(j, "sentences")) {
      if (!s.is_string() || s.get_ref<const std::string&>().size() > 4096) {
        Fail("sentences must be strings");
      }
      r.sentences.push_back(s.get<std::string>());
    }
    const Json& analysis = codec::ObjectAt(j, "analysis");
    r.analysis_json = DumpJson(analysis);
    return r;
  });
}

}  // namespace ferry::lambda
