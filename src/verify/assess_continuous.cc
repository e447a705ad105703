#include <algorithm>
#include <cmath>
#include <vector>

#include "verify/assess.h"
#include "verify/explain.h"
#include "verify/rank_tests.h"
#include "verify/sort_values.h"

namespace ferry::verify::internal {
namespace {

struct Cleaned {
  std::vector<double> values;  // finite, sorted ascending
  std::size_t missing = 0;
  std::size_t outliers = 0;
};

Cleaned Clean(std::span<const double> raw) {
  Cleaned c;
  c.values.resize(raw.size());
  std::size_t kept = 0;
  for (double v : raw) {
    c.values[kept] = v;
    kept += std::isfinite(v) ? 1 : 0;
  }
  c.values.resize(kept);
  c.missing = raw.size() - kept;
  SortValues(c.values);
  return c;
}

// Removes values beyond fence × IQR outside the pooled sample's quartiles from both samples.
void RemoveOutliers(Cleaned& a, Cleaned& b, double fence) {
  std::vector<double> pooled(a.values.size() + b.values.size());
  std::merge(a.values.begin(), a.values.end(), b.values.begin(), b.values.end(), pooled.begin());
  const double q1 = NearestRank(pooled, 0.25);
  const double q3 = NearestRank(pooled, 0.75);
  const double low = q1 - fence * (q3 - q1);
  const double high = q3 + fence * (q3 - q1);
  for (Cleaned* c : {&a, &b}) {
    auto first = std::lower_bound(c->values.begin(), c->values.end(), low);
    auto last = std::upper_bound(first, c->values.end(), high);
    c->outliers = static_cast<std::size_t>((first - c->values.begin()) + (c->values.end() - last));
    c->values = std::vector<double>(first, last);
  }
}

ContinuousSummary Summarise(const Cleaned& c) {
  ContinuousSummary s;
  s.values = c.values.size();
  s.missing = c.missing;
  s.outliers = c.outliers;
  if (c.values.empty()) return s;
  const double n = static_cast<double>(c.values.size());
  double mean = 0;
  for (double v : c.values) mean += v / n;  // v / n: no overflow for values near DBL_MAX
  s.min = c.values.front();
  s.max = c.values.back();
  s.median = Median(c.values);
  s.mean = mean;
  s.p90 = NearestRank(c.values, 0.9);
  s.p99 = NearestRank(c.values, 0.99);
  return s;
}

std::vector<double> Negated(const std::vector<double>& sorted) {
  std::vector<double> out(sorted.rbegin(), sorted.rend());
  for (double& v : out) v = -v;
  return out;
}

double Relative(double absolute, double baseline) {
  if (baseline == 0) return absolute == 0 ? 0 : std::copysign(INFINITY, absolute);
  return absolute / std::fabs(baseline);
}

// Checks that the canary (a) is worse than the baseline (b) where "worse" is larger values of
// the oriented samples; `sign` maps oriented values back to the metric's (+1, or -1 for a
// decrease).
void TailChecks(std::span<const double> a, std::span<const double> b, double sign,
                const MetricSpec& spec, const Thresholds& t, std::vector<Check>& out) {
  for (double q : {0.9, 0.99}) {
    const std::size_t needed = q == 0.9 ? t.min_tail_samples : 10 * t.min_tail_samples;
    if (a.size() < needed || b.size() < needed) continue;
    // The tolerance is the margin of the exceedance test: significant means a tail beyond it.
    const double baseline_q = NearestRank(b, q);
    const double margin =
        std::max(t.tail_tolerance * std::fabs(baseline_q), spec.min_absolute_effect);
    const TailExceedanceResult r = TailExceedance(a, b, q, margin);
    Check c;
    c.kind = CheckKind::kTail;
    c.increase = sign > 0;
    c.quantile = sign > 0 ? q : 1 - q;
    c.p_value = r.p;
    c.canary = sign * r.canary_value;
    c.baseline = sign * r.baseline_value;
    c.absolute_effect = sign * (r.canary_value - r.baseline_value);
    c.relative_effect = Relative(c.absolute_effect, c.baseline);
    c.threshold = sign * r.threshold;
    c.exceed = r.exceed;
    c.expected = r.expected;
    c.beyond_tolerance = r.exceed > r.expected && r.canary_value > r.threshold;
    out.push_back(c);
  }
}

}  // namespace

Assessment AssessContinuous(const MetricSpec& spec, const ContinuousSamples& samples,
                            const Thresholds& t) {
  Assessment out;
  Cleaned a = Clean(samples.canary);
  Cleaned b = Clean(samples.baseline);
  if (spec.outlier_fence_iqr > 0 && !a.values.empty() && !b.values.empty()) {
    RemoveOutliers(a, b, spec.outlier_fence_iqr);
  }
  const ContinuousSummary canary = Summarise(a);
  const ContinuousSummary baseline = Summarise(b);
  out.canary = canary;
  out.baseline = baseline;
  for (auto [side, c] : {std::pair{"canary", &a}, std::pair{"baseline", &b}}) {
    const std::size_t total = c->values.size() + c->missing + c->outliers;
    if (c->missing > 0 && static_cast<double>(c->missing) > t.max_missing_share * total) {
      out.no_data_reason = std::string(side) + " has " + FormatCount(c->missing) + " of " +
                           FormatCount(total) + " values missing (NaN or infinite; at most " +
                           FormatPercent(t.max_missing_share) + " allowed)";
      return out;
    }
  }
  for (auto [side, c] : {std::pair{"canary", &a}, std::pair{"baseline", &b}}) {
    if (c->values.size() < t.min_samples) {
      out.no_data_reason = std::string(side) + " has " + FormatCount(c->values.size()) +
                           (c->values.size() == 1 ? " value" : " values") + " (at least " +
                           FormatCount(t.min_samples) + " needed)";
      return out;
    }
  }
  out.has_data = true;

  const MannWhitneyResult mw = MannWhitney(a.values, b.values);
  const double shift = HodgesLehmannShift(a.values, b.values);
  const double threshold =
      std::max(t.shift_tolerance * std::fabs(baseline.median), spec.min_absolute_effect);
  const bool want_increase = spec.direction != Direction::kDecreaseIsBad;
  const bool want_decrease = spec.direction != Direction::kIncreaseIsBad;
  for (bool increase : {true, false}) {
    if (increase ? !want_increase : !want_decrease) continue;
    Check c;
    c.kind = CheckKind::kShift;
    c.increase = increase;
    c.p_value = increase ? mw.p_greater : mw.p_less;
    c.canary = canary.median;
    c.baseline = baseline.median;
    c.absolute_effect = shift;
    c.relative_effect = Relative(shift, baseline.median);
    const double oriented = increase ? shift : -shift;
    c.beyond_tolerance = oriented > 0 && oriented > threshold;
    out.checks.push_back(c);
  }
  if (want_increase) TailChecks(a.values, b.values, +1, spec, t, out.checks);
  if (want_decrease) {
    TailChecks(Negated(a.values), Negated(b.values), -1, spec, t, out.checks);
  }
  return out;
}

}  // namespace ferry::verify::internal
