// The canary judge (issue 14): metric samples of a canary and its baseline in, a scored verdict
// out, with per metric its p-value, effect, both samples' summaries and one sentence a person
// understands. Pure (no I/O, no clock, no randomness): the same input gives the same verdict,
// whatever the order of the values. Thread-safe.
//
//   std::vector<double> canary_ms = ..., baseline_ms = ...;
//   std::vector<CountWindow> canary_errors{{3, 200}}, baseline_errors{{0, 2000}};
//   std::vector<MetricInput> metrics{  // samples are viewed: they must outlive the call
//       {{.name = "Duration", .unit = "ms"}, ContinuousSamples{canary_ms, baseline_ms}},
//       {{.name = "Errors", .critical = true}, CountSamples{canary_errors, baseline_errors}}};
//   Result<Verdict> v = Judge(metrics, {.sensitivity = Sensitivity::kMedium});
//   // v->outcome == Outcome::kFail (a critical metric failed), v->metrics[1].explanation ==
//   // "Errors: 1.5% of canary invocations vs 0% of baseline (3 of 200 vs 0 of 2,000),
//   //  p=0.00075 — fail"
//
// The method and every threshold per sensitivity are in src/verify/README.md.
#pragma once

#include <cmath>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"
#include "verify/thresholds.h"

namespace ferry::verify {

// Which change of a metric is a regression.
enum class Direction { kIncreaseIsBad, kDecreaseIsBad, kEitherIsBad };

enum class Outcome { kPass, kMarginal, kFail, kNoData };
// "pass", "marginal", "fail", "no data".
const char* OutcomeName(Outcome outcome);

struct MetricSpec {
  std::string name;  // unique within one Judge call, shown in sentences ("Duration")
  std::string unit;  // of continuous values, shown after numbers ("ms"); may be empty
  // What a count metric's windows count events of: "3% of canary invocations".
  std::string exposure = "invocations";
  Direction direction = Direction::kIncreaseIsBad;
  // A critical metric that fails fails the whole verdict; one without data makes it "no data".
  bool critical = false;
  double weight = 1;  // its share of the score, >= 0
  // Overrides of the sensitivity's thresholds (0 = the sensitivity's value).
  double relative_tolerance = 0;  // continuous: shift beyond tolerance × |baseline median|
  std::size_t min_samples = 0;    // continuous: finite values per side; counts: exposure per side
  // Continuous: a change smaller than this, in the metric's unit, is never a regression (e.g.
  // 1 ms), whatever its relative size. Counts: ignored (see Thresholds::min_rate_difference).
  double min_absolute_effect = 0;
  // Continuous: when > 0, values beyond this many interquartile ranges outside the pooled
  // sample's quartiles are removed from both samples before judging (reported as outliers).
  // Off by default: the tests are rank-based and the tail check must see extreme values.
  double outlier_fence_iqr = 0;
};

// Values of a continuous metric (Duration, a custom latency): raw measurements or per-period
// datapoints, one double each. NaN and ±inf are missing values (removed and counted).
struct ContinuousSamples {
  std::span<const double> canary;
  std::span<const double> baseline;
};

// One window's totals of a count metric: events (Errors, Throttles) and the exposure they are
// rates of (invocations; for Throttles, invocations + throttles). Whole numbers, 0 <= events <=
// exposure (otherwise kInvalidArgument); a window with a NaN or infinity is missing.
struct CountWindow {
  double events = 0;
  double exposure = 0;
};
struct CountSamples {
  std::span<const CountWindow> canary;
  std::span<const CountWindow> baseline;
};

struct MetricInput {
  MetricSpec spec;
  std::variant<ContinuousSamples, CountSamples> samples;
};

struct JudgeOptions {
  Sensitivity sensitivity = Sensitivity::kMedium;
};

struct ContinuousSummary {
  std::size_t values = 0;    // judged (after removals)
  std::size_t missing = 0;   // NaN or infinite, removed
  std::size_t outliers = 0;  // removed by MetricSpec::outlier_fence_iqr
  double min = NAN, median = NAN, mean = NAN, p90 = NAN, p99 = NAN, max = NAN;
};
struct CountSummary {
  std::size_t windows = 0;  // judged
  std::size_t missing = 0;  // windows with a NaN or infinity, removed
  double events = 0;
  double exposure = 0;
  double rate = NAN;  // events / exposure
};
using SampleSummary = std::variant<ContinuousSummary, CountSummary>;

// One statistical check of a metric.
enum class CheckKind {
  kShift,  // continuous: Mann–Whitney U, effect = Hodges–Lehmann shift
  kTail,   // continuous: canary values beyond the baseline's quantile (p90, p99; p10, p1)
  kRate,   // counts: exact conditional binomial test of two Poisson rates
};
struct Check {
  CheckKind kind = CheckKind::kShift;
  bool increase = true;   // which direction this check looks for
  double quantile = 0.5;  // kTail: 0.9, 0.99 (increase) or 0.1, 0.01 (decrease)
  double p_value = 1;     // one-sided, in the check's direction
  double canary = NAN;    // kShift: median; kTail: quantile; kRate: rate
  double baseline = NAN;
  // kShift: the Hodges–Lehmann shift; kTail: canary - baseline quantile; kRate: rate difference.
  // Signed in the metric's units (negative: the canary is lower).
  double absolute_effect = 0;
  // absolute_effect / |baseline| (kRate: rate ratio - 1); ±inf when the baseline is 0.
  double relative_effect = 0;
  bool beyond_tolerance = false;  // the effect is a regression large enough to matter
  // kTail: canary values beyond threshold (the baseline's quantile plus the tail tolerance), and
  // how many were expected beyond the baseline's quantile itself if nothing changed.
  double threshold = NAN;
  double exceed = 0;
  double expected = 0;
  // kRate: the totals compared.
  double canary_events = 0, canary_exposure = 0, baseline_events = 0, baseline_exposure = 0;
};

struct MetricResult {
  std::string name;
  Outcome outcome = Outcome::kNoData;
  bool critical = false;
  double weight = 1;
  // The check that decided the outcome: the most significant regression beyond tolerance, or
  // when there is none the shift (rate) check in the direction the metric moved.
  Check decision;
  // decision.p_value adjusted for every check of this metric (Bonferroni) and every metric of
  // the verdict (Holm); the metric fails when it is at most the sensitivity's alpha.
  double adjusted_p_value = 1;
  std::vector<Check> checks;  // every check run (none when no data)
  SampleSummary canary;
  SampleSummary baseline;
  std::string explanation;  // "Errors: 1.5% of canary invocations vs 0.1% of baseline, ..."
};

struct Verdict {
  Outcome outcome = Outcome::kNoData;
  double score = 0;  // 0-100: weighted mean over metrics with data of pass 100, marginal 75, 0
  Sensitivity sensitivity = Sensitivity::kMedium;
  std::vector<MetricResult> metrics;  // in input order
  std::string summary;                // "fail (score 50): Errors failed (critical)"
};

// Judges every metric and combines them (README.md, "Verdict"):
//   a critical metric that fails → fail; else a critical metric without data, or less than half
//   the weight with data → no data; else score >= 95 and nothing failed → pass; score >= 75 →
//   marginal; else fail.
// kInvalidArgument (naming the metric, the side and the window) for: no metrics, an empty or
// duplicate name, a negative or non-finite weight or override, all weights 0, a count window
// with negative or fractional numbers, more events than exposure, or totals above 2^53.
Result<Verdict> Judge(std::span<const MetricInput> metrics, const JudgeOptions& options);

}  // namespace ferry::verify
