#include "delegate/lambda/verify_runner.h"

#include <cmath>
#include <map>
#include <variant>

#include "common/json.h"
#include "common/time.h"
#include "verify/judge.h"

namespace ferry::delegate {
namespace {

// One metric of one subject: where its samples come from in the query list of a side.
struct Planned {
  std::string name;  // as judged ("Errors", or "FUNCTION: Errors" with several functions)
  const lambda::VerifyMetric* metric = nullptr;
  size_t events = 0;             // continuous: the values' query; rate: the events' query
  std::vector<size_t> exposure;  // rate: the exposure queries
};

struct Side {
  std::vector<MetricQuery> queries;
  Json described = Json::array();
};

Json Number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json SummaryJson(const verify::SampleSummary& summary) {
  if (const auto* c = std::get_if<verify::ContinuousSummary>(&summary)) {
    return Json{{"values", c->values},   {"missing", c->missing},       {"outliers", c->outliers},
                {"min", Number(c->min)}, {"median", Number(c->median)}, {"mean", Number(c->mean)},
                {"p90", Number(c->p90)}, {"p99", Number(c->p99)},       {"max", Number(c->max)}};
  }
  const auto& n = std::get<verify::CountSummary>(summary);
  return Json{{"windows", n.windows},
              {"missing", n.missing},
              {"events", Number(n.events)},
              {"exposure", Number(n.exposure)},
              {"rate", Number(n.rate)}};
}

const char* CheckName(verify::CheckKind kind) {
  switch (kind) {
    case verify::CheckKind::kShift:
      return "shift";
    case verify::CheckKind::kTail:
      return "tail";
    case verify::CheckKind::kRate:
      return "rate";
  }
  return "shift";
}

std::string VerdictName(verify::Outcome outcome) {
  return outcome == verify::Outcome::kNoData ? "no-data" : verify::OutcomeName(outcome);
}

verify::Direction DirectionOf(const std::string& d) {
  if (d == "decrease") return verify::Direction::kDecreaseIsBad;
  if (d == "either") return verify::Direction::kEitherIsBad;
  return verify::Direction::kIncreaseIsBad;
}

size_t Add(Side& side, const lambda::VerifyTask& task, const lambda::VerifySubject& subject,
           const lambda::VerifyMetric& metric, const std::string& metric_name,
           const std::string& stat, const std::string& version, const char* role) {
  MetricQuery q;
  q.ns = metric.ns;
  q.metric = metric_name;
  q.dimensions = lambda::VerifyDimensions(metric, subject, version);
  q.period_seconds = task.period_seconds;
  q.stat = stat;
  Json dims = Json::object();
  for (const auto& [n, v] : q.dimensions) dims[n] = v;
  side.described.push_back({{"function", subject.function_name},
                            {"for", metric.name},
                            {"role", role},
                            {"namespace", q.ns},
                            {"metric", q.metric},
                            {"dimensions", dims},
                            {"stat", q.stat},
                            {"periodSeconds", q.period_seconds}});
  side.queries.push_back(std::move(q));
  return side.queries.size() - 1;
}

}  // namespace

TaskResult RunVerify(MetricReader& reader, const lambda::VerifyTask& task, TaskContext& context) {
  auto sensitivity = verify::ParseSensitivity(task.sensitivity);
  if (!sensitivity.ok()) return TaskResult{false, "{}", sensitivity.error().message};
  const bool canary_mode = task.mode == lambda::VerifyMode::kCanary;

  // The same plan for both sides: query k of one side is query k of the other.
  Side canary, baseline;
  std::vector<Planned> plan;
  for (const auto& subject : task.subjects) {
    const std::string canary_version = canary_mode ? subject.canary_version : "";
    const std::string baseline_version = canary_mode ? subject.baseline_version : "";
    for (const auto& metric : task.metrics) {
      Planned p;
      p.metric = &metric;
      p.name = task.subjects.size() > 1 ? subject.function_name + ": " + metric.name : metric.name;
      const char* role = metric.kind == lambda::VerifyMetricKind::kRate ? "events" : "values";
      p.events =
          Add(canary, task, subject, metric, metric.metric, metric.stat, canary_version, role);
      Add(baseline, task, subject, metric, metric.metric, metric.stat, baseline_version, role);
      for (const auto& e : metric.exposure) {
        p.exposure.push_back(
            Add(canary, task, subject, metric, e, "Sum", canary_version, "exposure"));
        Add(baseline, task, subject, metric, e, "Sum", baseline_version, "exposure");
      }
      plan.push_back(std::move(p));
    }
  }

  std::vector<std::string> request_ids;
  const std::stop_token stop = context.stop();
  auto read = [&](const Side& side, const lambda::VerifyWindow& w,
                  const char* which) -> Result<std::vector<MetricSeries>> {
    auto series = reader.Read(side.queries, w.start, w.end, &request_ids, stop);
    if (!series.ok()) {
      return series.error().WithContext(std::string("cannot read the ") + which + "'s metrics");
    }
    if (series->size() != side.queries.size()) {
      return Error{ErrorCode::kInternal, "the metric reader answered the wrong number of series"};
    }
    context.Log(TaskLogLevel::kInfo, std::string("read ") + std::to_string(side.queries.size()) +
                                         " " + which + " queries (" + FormatRfc3339(w.start) +
                                         " to " + FormatRfc3339(w.end) + ")");
    return series;
  };
  auto canary_series = read(canary, task.canary, "canary");
  if (!canary_series.ok()) return TaskResult{false, "{}", canary_series.error().message};
  auto baseline_series = read(baseline, task.baseline, "baseline");
  if (!baseline_series.ok()) return TaskResult{false, "{}", baseline_series.error().message};

  for (size_t i = 0; i < canary.queries.size(); ++i) {
    canary.described[i]["datapoints"] = (*canary_series)[i].values.size();
    baseline.described[i]["datapoints"] = (*baseline_series)[i].values.size();
  }

  // Samples, kept alive for the judge's spans.
  std::vector<std::vector<double>> values;
  std::vector<std::vector<verify::CountWindow>> windows;
  values.reserve(plan.size() * 2);
  windows.reserve(plan.size() * 2);
  std::vector<verify::MetricInput> inputs;
  for (const auto& p : plan) {
    const lambda::VerifyMetric& m = *p.metric;
    verify::MetricSpec spec;
    spec.name = p.name;
    spec.unit = m.unit;
    spec.direction = DirectionOf(m.direction);
    spec.critical = m.critical;
    spec.weight = m.weight;
    if (m.kind == lambda::VerifyMetricKind::kContinuous) {
      values.push_back((*canary_series)[p.events].values);
      values.push_back((*baseline_series)[p.events].values);
      const auto& c = values[values.size() - 2];
      const auto& b = values.back();
      inputs.push_back({spec, verify::ContinuousSamples{c, b}});
      continue;
    }
    std::string exposure;
    for (const auto& e : m.exposure) exposure += (exposure.empty() ? "" : " and ") + e;
    spec.exposure = m.name == "Errors" ? "invocations" : exposure;
    for (const auto* series : {&*canary_series, &*baseline_series}) {
      verify::CountWindow total;
      for (double v : (*series)[p.events].values) total.events += v;
      for (size_t e : p.exposure) {
        for (double v : (*series)[e].values) total.exposure += v;
      }
      // CloudWatch counts whole events; a sum that is not one (or exceeds its exposure) is a
      // statistic-set artefact, judged as missing rather than refused.
      if (total.events < 0 || total.exposure < 0 || total.events > total.exposure ||
          std::floor(total.events) != total.events ||
          std::floor(total.exposure) != total.exposure) {
        total.events = NAN;
      }
      windows.push_back({total});
    }
    inputs.push_back({spec, verify::CountSamples{windows[windows.size() - 2], windows.back()}});
  }

  auto verdict = verify::Judge(inputs, verify::JudgeOptions{.sensitivity = *sensitivity});
  if (!verdict.ok()) {
    return TaskResult{false, "{}", "the judge refused the metrics: " + verdict.error().message};
  }

  lambda::VerifyResult result;
  result.verdict = VerdictName(verdict->outcome);
  result.summary = verdict->summary;
  Json metrics = Json::array();
  for (size_t i = 0; i < verdict->metrics.size(); ++i) {
    const verify::MetricResult& r = verdict->metrics[i];
    result.sentences.push_back(r.explanation);
    Json checks = Json::array();
    for (const auto& c : r.checks) {
      checks.push_back({{"check", CheckName(c.kind)},
                        {"direction", c.increase ? "increase" : "decrease"},
                        {"quantile", Number(c.quantile)},
                        {"pValue", Number(c.p_value)},
                        {"canary", Number(c.canary)},
                        {"baseline", Number(c.baseline)},
                        {"absoluteEffect", Number(c.absolute_effect)},
                        {"relativeEffect", Number(c.relative_effect)},
                        {"beyondTolerance", c.beyond_tolerance}});
    }
    const lambda::VerifyMetric& m = *plan[i].metric;
    metrics.push_back(
        {{"name", r.name},
         {"kind", m.kind == lambda::VerifyMetricKind::kRate ? "rate" : "continuous"},
         {"stat", m.stat},
         {"unit", m.unit},
         {"outcome", VerdictName(r.outcome)},
         {"critical", r.critical},
         {"weight", Number(r.weight)},
         {"check", r.checks.empty() ? Json(nullptr) : Json(CheckName(r.decision.kind))},
         {"pValue", r.checks.empty() ? Json(nullptr) : Number(r.decision.p_value)},
         {"adjustedPValue", r.checks.empty() ? Json(nullptr) : Number(r.adjusted_p_value)},
         {"absoluteEffect", r.checks.empty() ? Json(nullptr) : Number(r.decision.absolute_effect)},
         {"relativeEffect", r.checks.empty() ? Json(nullptr) : Number(r.decision.relative_effect)},
         {"checks", checks},
         {"canary", SummaryJson(r.canary)},
         {"baseline", SummaryJson(r.baseline)},
         {"sentence", r.explanation}});
  }
  Json subjects = Json::array();
  for (const auto& s : task.subjects) {
    Json subject = {{"function", s.function_name}, {"alias", s.alias}};
    if (canary_mode) {
      subject["canaryVersion"] = s.canary_version;
      subject["baselineVersion"] = s.baseline_version;
    }
    subjects.push_back(std::move(subject));
  }
  Json analysis = {
      {"mode", lambda::VerifyModeName(task.mode)},
      {"sensitivity", task.sensitivity},
      {"periodSeconds", task.period_seconds},
      {"canaryWindow",
       {{"start", FormatRfc3339(task.canary.start)}, {"end", FormatRfc3339(task.canary.end)}}},
      {"baselineWindow",
       {{"start", FormatRfc3339(task.baseline.start)}, {"end", FormatRfc3339(task.baseline.end)}}},
      {"subjects", subjects},
      {"queries", {{"canary", canary.described}, {"baseline", baseline.described}}},
      {"requestIds", request_ids},
      {"verdict", result.verdict},
      {"score", Number(verdict->score)},
      {"summary", verdict->summary},
      {"metrics", metrics}};
  result.analysis_json = DumpJson(analysis);
  for (const auto& s : result.sentences) context.Log(TaskLogLevel::kInfo, s);
  return TaskResult{true, lambda::EncodeVerifyResult(result), ""};
}

}  // namespace ferry::delegate
