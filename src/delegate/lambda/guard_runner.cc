#include "delegate/lambda/guard_runner.h"

#include <cmath>
#include <map>
#include <set>
#include <variant>

#include "common/json.h"
#include "common/time.h"
#include "verify/judge.h"
#include "verify/thresholds.h"

namespace ferry::delegate {
namespace {

Json Number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json SummaryJson(const verify::SampleSummary& summary) {
  if (const auto* c = std::get_if<verify::ContinuousSummary>(&summary)) {
    return Json{{"values", c->values},
                {"median", Number(c->median)},
                {"p90", Number(c->p90)},
                {"p99", Number(c->p99)}};
  }
  const auto& n = std::get<verify::CountSummary>(summary);
  return Json{{"windows", n.windows},
              {"events", Number(n.events)},
              {"exposure", Number(n.exposure)},
              {"rate", Number(n.rate)}};
}

verify::Direction DirectionOf(const std::string& d) {
  if (d == "decrease") return verify::Direction::kDecreaseIsBad;
  if (d == "either") return verify::Direction::kEitherIsBad;
  return verify::Direction::kIncreaseIsBad;
}

// The judge speaks of a canary and its baseline; here the "canary" is the recent window. Its
// sentences are Ferry's own (src/verify/explain.cc), so the word is replaced, not parsed.
std::string RecentWording(std::string sentence) {
  for (size_t at = sentence.find("canary"); at != std::string::npos;
       at = sentence.find("canary", at + 6)) {
    sentence.replace(at, 6, "recent");
  }
  return sentence;
}

Json WindowJson(const lambda::VerifyWindow& w) {
  return Json{{"start", FormatRfc3339(w.start)}, {"end", FormatRfc3339(w.end)}};
}

// The query plan: one query per (subject, CloudWatch metric, statistic), shared by the metrics
// that need it (Invocations is a metric and the exposure of Errors and Throttles).
class QueryPlan {
 public:
  size_t Index(const lambda::GuardSubject& s, const lambda::VerifyMetric& m,
               const std::string& metric, const std::string& stat, int period) {
    auto key = std::make_tuple(s.function_name, s.alias, metric, stat);
    auto it = index_.find(key);
    if (it != index_.end()) return it->second;
    MetricQuery q;
    q.ns = m.ns;
    q.metric = metric;
    q.dimensions = lambda::VerifyDimensions(m, {s.function_name, s.alias, "", ""}, "");
    q.period_seconds = period;
    q.stat = stat;
    queries_.push_back(std::move(q));
    index_.emplace(key, queries_.size() - 1);
    return queries_.size() - 1;
  }
  const std::vector<MetricQuery>& queries() const { return queries_; }

 private:
  std::vector<MetricQuery> queries_;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, size_t> index_;
};

struct Planned {
  const lambda::VerifyMetric* metric = nullptr;
  size_t values = 0;             // continuous: the values; rate: the events
  std::vector<size_t> exposure;  // rate only
};

double Sum(const MetricSeries& s) {
  double total = 0;
  for (double v : s.values) total += v;
  return total;
}

verify::CountWindow Totals(const std::vector<MetricSeries>& series, const Planned& p) {
  verify::CountWindow w;
  w.events = Sum(series[p.values]);
  for (size_t e : p.exposure) w.exposure += Sum(series[e]);
  // A sum that is not whole, or events beyond their exposure, is a statistic-set artefact:
  // judged as missing rather than refused (as the verify step does).
  if (w.events < 0 || w.exposure < 0 || w.events > w.exposure || std::floor(w.events) != w.events ||
      std::floor(w.exposure) != w.exposure) {
    w.events = NAN;
  }
  return w;
}

}  // namespace

TaskResult RunGuard(MetricReader& reader, const lambda::GuardTask& task, TaskContext& context) {
  auto sensitivity = verify::ParseSensitivity(task.sensitivity);
  if (!sensitivity.ok()) return TaskResult{false, "{}", sensitivity.error().message};
  auto metrics = lambda::GuardMetrics(task.metrics);
  if (!metrics.ok()) return TaskResult{false, "{}", metrics.error().message};

  QueryPlan plan;
  std::vector<std::vector<Planned>> planned(task.subjects.size());
  for (size_t s = 0; s < task.subjects.size(); ++s) {
    for (const auto& m : *metrics) {
      Planned p;
      p.metric = &m;
      p.values = plan.Index(task.subjects[s], m, m.metric, m.stat, task.period_seconds);
      for (const auto& e : m.exposure) {
        p.exposure.push_back(plan.Index(task.subjects[s], m, e, "Sum", task.period_seconds));
      }
      planned[s].push_back(std::move(p));
    }
  }

  std::vector<std::string> request_ids;
  const std::stop_token stop = context.stop();
  auto read = [&](const lambda::VerifyWindow& w) -> Result<std::vector<MetricSeries>> {
    auto series = reader.Read(plan.queries(), w.start, w.end, &request_ids, stop);
    if (!series.ok()) return series.error();
    if (series->size() != plan.queries().size()) {
      return Error{ErrorCode::kInternal, "the metric reader answered the wrong number of series"};
    }
    return series;
  };
  auto recent = read(task.recent);
  if (!recent.ok()) {
    return TaskResult{false, "{}",
                      "cannot read the recent window's metrics: " + recent.error().message};
  }
  std::vector<std::vector<MetricSeries>> baselines;
  for (const auto& w : task.baselines) {
    auto series = read(w);
    if (!series.ok()) {
      return TaskResult{false, "{}",
                        "cannot read the baseline window " + FormatRfc3339(w.start) + " to " +
                            FormatRfc3339(w.end) + ": " + series.error().message};
    }
    baselines.push_back(std::move(series).value());
  }
  context.Log(TaskLogLevel::kInfo, "read " + std::to_string(plan.queries().size()) +
                                       " queries for " + std::to_string(1 + task.baselines.size()) +
                                       " windows in " + std::to_string(request_ids.size()) +
                                       " GetMetricData call(s)");

  Json windows = Json::array();
  for (const auto& w : task.baselines) windows.push_back(WindowJson(w));
  lambda::GuardResult result;
  result.queries = static_cast<int64_t>(plan.queries().size());
  result.calls = static_cast<int64_t>(request_ids.size());
  for (size_t s = 0; s < task.subjects.size(); ++s) {
    // Samples, kept alive for the judge's spans.
    std::vector<std::vector<double>> values;
    std::vector<std::vector<verify::CountWindow>> counts;
    values.reserve(planned[s].size() * 2);
    counts.reserve(planned[s].size() * 2);
    std::vector<verify::MetricInput> inputs;
    for (const auto& p : planned[s]) {
      const lambda::VerifyMetric& m = *p.metric;
      verify::MetricSpec spec;
      spec.name = m.name;
      spec.unit = m.unit;
      spec.direction = DirectionOf(m.direction);
      spec.critical = m.critical;
      spec.weight = m.weight;
      if (m.kind == lambda::VerifyMetricKind::kContinuous) {
        values.push_back((*recent)[p.values].values);
        std::vector<double> pooled;
        for (const auto& b : baselines) {
          pooled.insert(pooled.end(), b[p.values].values.begin(), b[p.values].values.end());
        }
        values.push_back(std::move(pooled));
        inputs.push_back(
            {spec, verify::ContinuousSamples{values[values.size() - 2], values.back()}});
        continue;
      }
      spec.exposure = m.name == "Errors" ? "invocations" : "invocations and throttles";
      counts.push_back({Totals(*recent, p)});
      std::vector<verify::CountWindow> pooled;
      for (const auto& b : baselines) pooled.push_back(Totals(b, p));
      counts.push_back(std::move(pooled));
      inputs.push_back({spec, verify::CountSamples{counts[counts.size() - 2], counts.back()}});
    }
    const auto& subject = task.subjects[s];
    auto verdict = verify::Judge(inputs, verify::JudgeOptions{.sensitivity = *sensitivity});
    if (!verdict.ok()) {
      return TaskResult{false, "{}",
                        "the judge refused the metrics of " + subject.function_name + ": " +
                            verdict.error().message};
    }
    for (const auto& r : verdict->metrics) {
      lambda::GuardFinding f;
      f.function_name = subject.function_name;
      f.alias = subject.alias;
      f.metric = r.name;
      f.outcome =
          r.outcome == verify::Outcome::kNoData ? "no-data" : verify::OutcomeName(r.outcome);
      f.sentence = RecentWording(r.explanation);
      const bool judged = !r.checks.empty();
      f.details_json =
          DumpJson(Json{{"outcome", f.outcome},
                        {"pValue", judged ? Number(r.decision.p_value) : Json(nullptr)},
                        {"adjustedPValue", judged ? Number(r.adjusted_p_value) : Json(nullptr)},
                        {"relativeEffect", judged ? Number(r.decision.relative_effect) : Json()},
                        {"recent", SummaryJson(r.canary)},
                        {"baseline", SummaryJson(r.baseline)},
                        {"recentWindow", WindowJson(task.recent)},
                        {"baselineWindows", windows},
                        {"sensitivity", task.sensitivity},
                        {"periodSeconds", task.period_seconds}});
      result.findings.push_back(std::move(f));
    }
  }
  return TaskResult{true, lambda::EncodeGuardResult(result), ""};
}

}  // namespace ferry::delegate
