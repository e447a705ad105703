#include "verify/judge.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "verify/assess.h"
#include "verify/explain.h"

namespace ferry::verify {
namespace {

using internal::Assessment;

double OutcomeScore(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass:
      return 100;
    case Outcome::kMarginal:
      return 75;  // the verdict's marginal score: marginal metrics alone never fail a verdict
    default:
      return 0;
  }
}

Result<void> Validate(std::span<const MetricInput> metrics) {
  if (metrics.empty()) return InvalidArgument("no metrics to judge");
  std::set<std::string> names;
  double total_weight = 0;
  for (const MetricInput& m : metrics) {
    const MetricSpec& s = m.spec;
    if (s.name.empty()) return InvalidArgument("a metric has no name");
    if (!names.insert(s.name).second) {
      return InvalidArgument("metric " + s.name + " is named twice");
    }
    if (!std::isfinite(s.weight) || s.weight < 0) {
      return InvalidArgument(s.name + ": weight must be a finite number >= 0");
    }
    for (double v : {s.relative_tolerance, s.min_absolute_effect, s.outlier_fence_iqr}) {
      if (!std::isfinite(v) || v < 0) {
        return InvalidArgument(s.name +
                               ": tolerance, minimum effect and outlier fence must be finite "
                               "numbers >= 0");
      }
    }
    total_weight += s.weight;
  }
  if (!(total_weight > 0)) return InvalidArgument("every metric has weight 0");
  return {};
}

// The check that explains the outcome: the most significant regression beyond tolerance; if
// none, the shift (rate) check in the direction the metric moved.
Check Decision(const std::vector<Check>& checks) {
  const Check* best = nullptr;
  for (const Check& c : checks) {
    if (c.beyond_tolerance && (best == nullptr || c.p_value < best->p_value)) best = &c;
  }
  if (best != nullptr) return *best;
  for (const Check& c : checks) {
    if (c.kind != CheckKind::kTail && c.increase == (c.absolute_effect >= 0)) return c;
  }
  return checks.front();
}

std::string Summary(const Verdict& v) {
  std::string s = std::string(OutcomeName(v.outcome)) + " (score " +
                  internal::FormatNumber(std::round(v.score)) + ", " +
                  SensitivityName(v.sensitivity) + " sensitivity)";
  std::string details;
  std::size_t passed = 0;
  for (const MetricResult& m : v.metrics) {
    if (m.outcome == Outcome::kPass) {
      ++passed;
      continue;
    }
    static const char* const kVerb[] = {"passed", "marginal", "failed", "no data"};
    details += (details.empty() ? ": " : "; ") + m.name + " " + kVerb[static_cast<int>(m.outcome)] +
               (m.critical ? " (critical)" : "");
  }
  if (passed > 0) {
    details += (details.empty() ? ": " : "; ") + std::to_string(passed) +
               (passed == 1 ? " metric passed" : " metrics passed");
  }
  return s + details;
}

}  // namespace

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass:
      return "pass";
    case Outcome::kMarginal:
      return "marginal";
    case Outcome::kFail:
      return "fail";
    case Outcome::kNoData:
      return "no data";
  }
  return "no data";
}

Result<Verdict> Judge(std::span<const MetricInput> metrics, const JudgeOptions& options) {
  FERRY_RETURN_IF_ERROR(Validate(metrics));
  const Thresholds& base = ThresholdsFor(options.sensitivity);
  Verdict verdict;
  verdict.sensitivity = options.sensitivity;
  std::vector<Assessment> assessments;
  assessments.reserve(metrics.size());
  for (const MetricInput& m : metrics) {
    const Thresholds t = internal::EffectiveThresholds(m.spec, options.sensitivity);
    if (const auto* c = std::get_if<ContinuousSamples>(&m.samples)) {
      assessments.push_back(internal::AssessContinuous(m.spec, *c, t));
    } else {
      auto a = internal::AssessCounts(m.spec, std::get<CountSamples>(m.samples), t);
      if (!a.ok()) return a.error();
      assessments.push_back(std::move(*a));
    }
  }

  // Within a metric, Bonferroni over its checks; only regressions beyond tolerance count.
  const std::size_t n = metrics.size();
  std::vector<double> metric_p(n, 1.0);
  std::vector<std::size_t> with_data;
  for (std::size_t i = 0; i < n; ++i) {
    const Assessment& a = assessments[i];
    if (!a.has_data) continue;
    with_data.push_back(i);
    const double k = static_cast<double>(a.checks.size());
    for (const Check& c : a.checks) {
      if (c.beyond_tolerance) metric_p[i] = std::min(metric_p[i], std::min(1.0, k * c.p_value));
    }
  }
  // Across metrics, Holm's step-down adjustment: the family-wise false-fail rate is <= alpha.
  std::vector<std::size_t> order = with_data;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return metric_p[x] < metric_p[y]; });
  std::vector<double> adjusted(n, 1.0);
  double running = 0;
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    const double factor = static_cast<double>(order.size() - rank);
    running = std::max(running, std::min(1.0, factor * metric_p[order[rank]]));
    adjusted[order[rank]] = running;
  }

  double total_weight = 0;
  double data_weight = 0;
  double weighted_score = 0;
  bool critical_failed = false;
  bool critical_missing = false;
  bool any_failed = false;
  for (std::size_t i = 0; i < n; ++i) {
    const MetricSpec& spec = metrics[i].spec;
    const Assessment& a = assessments[i];
    const Thresholds t = internal::EffectiveThresholds(spec, options.sensitivity);
    MetricResult r;
    r.name = spec.name;
    r.critical = spec.critical;
    r.weight = spec.weight;
    r.canary = a.canary;
    r.baseline = a.baseline;
    total_weight += spec.weight;
    if (!a.has_data) {
      r.outcome = Outcome::kNoData;
      r.decision.p_value = NAN;
      r.adjusted_p_value = NAN;
      r.explanation = internal::ExplainNoData(spec, a.no_data_reason);
      critical_missing = critical_missing || spec.critical;
      verdict.metrics.push_back(std::move(r));
      continue;
    }
    r.checks = a.checks;
    r.decision = Decision(a.checks);
    r.adjusted_p_value = adjusted[i];
    if (adjusted[i] <= base.alpha) {
      r.outcome = Outcome::kFail;
    } else if (metric_p[i] <= t.marginal_alpha) {
      r.outcome = Outcome::kMarginal;
    } else {
      r.outcome = Outcome::kPass;
    }
    r.explanation = internal::Explain(spec, r);
    data_weight += spec.weight;
    weighted_score += spec.weight * OutcomeScore(r.outcome);
    any_failed = any_failed || r.outcome == Outcome::kFail;
    critical_failed = critical_failed || (spec.critical && r.outcome == Outcome::kFail);
    verdict.metrics.push_back(std::move(r));
  }

  verdict.score = data_weight > 0 ? weighted_score / data_weight : 0;
  if (critical_failed) {
    verdict.outcome = Outcome::kFail;
  } else if (critical_missing || with_data.empty() || data_weight < total_weight / 2) {
    verdict.outcome = Outcome::kNoData;
  } else if (verdict.score >= base.pass_score && !any_failed) {
    verdict.outcome = Outcome::kPass;
  } else if (verdict.score >= base.marginal_score) {
    verdict.outcome = Outcome::kMarginal;
  } else {
    verdict.outcome = Outcome::kFail;
  }
  verdict.summary = Summary(verdict);
  return verdict;
}

namespace internal {

Thresholds EffectiveThresholds(const MetricSpec& spec, Sensitivity sensitivity) {
  Thresholds t = ThresholdsFor(sensitivity);
  if (spec.relative_tolerance > 0) t.shift_tolerance = spec.relative_tolerance;
  if (spec.min_samples > 0) {
    t.min_samples = spec.min_samples;
    t.min_exposure = static_cast<double>(spec.min_samples);
  }
  return t;
}

}  // namespace internal
}  // namespace ferry::verify
