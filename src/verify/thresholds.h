// The judge's thresholds per sensitivity (low / medium / high), documented in README.md's
// table; MetricSpec may override the tolerance and the minimum sample size per metric.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/result.h"

namespace ferry::verify {

enum class Sensitivity { kLow, kMedium, kHigh };
// "low", "medium", "high".
const char* SensitivityName(Sensitivity sensitivity);
// Parses a name produced by SensitivityName; kInvalidArgument otherwise.
Result<Sensitivity> ParseSensitivity(std::string_view name);

struct Thresholds {
  // Family-wise false-fail rate of one verdict: every check of every metric is adjusted
  // (Bonferroni within a metric, Holm across metrics) and a metric fails when its adjusted
  // p-value is at most alpha.
  double alpha;
  // A regression beyond tolerance whose p-value (adjusted within the metric only) is at most
  // this, but that did not fail, is marginal.
  double marginal_alpha;
  // Continuous: the Hodges–Lehmann shift must exceed this share of |baseline median|.
  double shift_tolerance;
  // Continuous: the canary's p90/p99 must exceed the baseline's by this share of it.
  double tail_tolerance;
  // Counts: the canary's rate must be at least this many times the baseline's ...
  double min_rate_ratio;
  // ... and higher by at least this much (0.001 = 0.1 percentage points).
  double min_rate_difference;
  // Continuous: finite values per side below which the metric has no data.
  std::size_t min_samples;
  // Continuous: the p90 check needs this many values per side, the p99 check ten times as many.
  std::size_t min_tail_samples;
  // Counts: exposure (invocations) per side below which the metric has no data.
  double min_exposure;
  // Either side with more than this share of its values (windows) missing → no data.
  double max_missing_share;
  // Verdict: the score (0-100) from which it passes, and from which it is marginal.
  double pass_score;
  double marginal_score;
};

const Thresholds& ThresholdsFor(Sensitivity sensitivity);

}  // namespace ferry::verify
