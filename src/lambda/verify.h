// The verify step (F-VERIFY, issue 14): what it compares, the lambda.verify task that reads the
// metrics from CloudWatch and judges them, and the analysis it answers.
//
// Modes:
//   canary    the new version against the stable version in the same window, told apart by
//             Lambda's ExecutedVersion dimension while the alias splits traffic between them;
//   previous  the alias after this deployment against the alias in the same-length window after
//             the previous deployment of the function (for all-at-once deploys);
//   fixed-baseline  the alias after this deployment against the alias in a fixed window the
//             step names (`baselineStart`, `baselineEnd`): a period known to be healthy.
//
// Metrics: the defaults Errors (critical; a rate per invocation), Throttles (a rate per
// invocation or throttle) and Duration (p99 per period, continuous), and custom CloudWatch metrics
// (namespace, name, dimensions, statistic). Invocations is the exposure of the rates. AWS/Lambda
// metrics get each side's dimensions (FunctionName, Resource = FUNCTION:ALIAS and, in canary mode,
// ExecutedVersion); a custom metric's dimension values may use {function}, {alias} and {version}.
// Codecs never throw; malformed input is kInvalidArgument.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "lambda/target.h"

namespace ferry::lambda {

inline constexpr char kVerifyTask[] = "lambda.verify";

enum class VerifyMode { kCanary, kPrevious, kFixedBaseline };
std::string_view VerifyModeName(VerifyMode mode);  // "canary", "previous", "fixed-baseline"
std::optional<VerifyMode> ParseVerifyMode(std::string_view name);

inline constexpr size_t kMaxVerifyMetrics = 20;  // defaults and custom, per step
inline constexpr Duration kMinVerifyWindow = std::chrono::minutes(1);
inline constexpr Duration kMaxVerifyWindow = std::chrono::hours(24);
inline constexpr int kDefaultVerifyPeriodSeconds = 60;
inline constexpr size_t kMaxVerifyFunctions = 10;
// CloudWatch's limits (the service model): queries per GetMetricData call.
inline constexpr size_t kMaxQueriesPerGetMetricData = 500;

enum class VerifyMetricKind { kContinuous, kRate };

struct VerifyMetric {
  std::string name;  // unique within the step; "Errors"
  VerifyMetricKind kind = VerifyMetricKind::kContinuous;
  std::string ns = "AWS/Lambda";
  std::string metric;                 // the CloudWatch metric (kRate: the events, read as Sum)
  std::string stat = "p99";           // kContinuous: the statistic per period
  std::vector<std::string> exposure;  // kRate: metrics of ns whose Sums are the exposure
  std::vector<std::pair<std::string, std::string>> dimensions;  // custom metrics only
  std::string unit;                                             // shown after values ("ms")
  std::string direction = "increase";                           // increase | decrease | either
  bool critical = false;
  double weight = 1;

  bool operator==(const VerifyMetric&) const = default;
};

// Errors, Throttles and Duration as described above.
std::vector<VerifyMetric> DefaultVerifyMetrics();

// Custom metrics from JSON text (a YAML `metrics` parameter): an array of objects
// {"name", "namespace", "metric", "dimensions": {NAME: VALUE}, "stat", "unit", "kind":
// "continuous"|"rate", "exposure": [METRIC], "direction", "critical", "weight"}. kInvalidArgument
// saying what is wrong (at most 64 KiB, kMaxVerifyMetrics entries, CloudWatch's limits on names,
// 30 dimensions, statistics Sum/Average/Minimum/Maximum/SampleCount/pNN/tmNN/...).
Result<std::vector<VerifyMetric>> ParseVerifyMetrics(std::string_view json);
// kInvalidArgument unless `stat` is a statistic GetMetricData accepts.
Status CheckVerifyStatistic(std::string_view stat);

struct VerifyWindow {
  TimePoint start;
  TimePoint end;
};

// The step's inputs (engine kind lambda.verify).
struct VerifyStepInputs {
  LambdaTarget target;
  std::vector<std::string> selectors;
  std::string deploy_step;  // the lambda.deploy step whose functions are verified
  VerifyMode mode = VerifyMode::kCanary;
  Duration window = std::chrono::minutes(10);
  int period_seconds = kDefaultVerifyPeriodSeconds;
  std::string sensitivity = "medium";
  bool marginal_fails = false;  // policy: a marginal verdict fails the step
  std::vector<VerifyMetric> metrics;
  std::optional<VerifyWindow> baseline;  // fixed-baseline: the stored window (required there)
};

// One function compared: its alias and the versions of each side.
struct VerifySubject {
  std::string function_name;
  std::string alias;
  std::string canary_version;    // canary mode: ExecutedVersion of the canary side
  std::string baseline_version;  // canary mode: ExecutedVersion of the baseline side
};

// lambda.verify: reads every metric of every subject for both sides (GetMetricData, at most 500
// queries a call, every NextToken page), judges them and answers the analysis. Read-only:
// re-running it is harmless.
struct VerifyTask {
  LambdaTarget target;
  VerifyMode mode = VerifyMode::kCanary;
  std::vector<VerifySubject> subjects;  // 1..kMaxVerifyFunctions
  VerifyWindow canary;
  VerifyWindow baseline;
  int period_seconds = kDefaultVerifyPeriodSeconds;
  std::string sensitivity = "medium";
  std::vector<VerifyMetric> metrics;
};

// The task's result: the verdict and the analysis JSON the store keeps and the API serves
// (docs/api.md, "Verifications"): mode, windows, queries with their datapoint counts, every
// metric's outcome, p-values, effect, sample summaries and sentence, and the verdict's summary.
struct VerifyResult {
  std::string verdict;                 // pass | marginal | fail | no-data
  std::string summary;                 // the judge's sentence for the verdict
  std::vector<std::string> sentences;  // one per metric
  std::string analysis_json = "{}";
};

// kFailedPrecondition unless CloudWatch still answers `period_seconds` datapoints for a window
// starting at `start` (the service model, MetricStat.Period): sub-minute periods only for the
// last 3 hours, then multiples of 60 s up to 15 days ago, of 300 s up to 63 days, else of 3,600 s.
Status CheckPeriodRetained(TimePoint start, TimePoint now, int period_seconds);

std::string EncodeVerifyStepInputs(const VerifyStepInputs& inputs);
Result<VerifyStepInputs> DecodeVerifyStepInputs(std::string_view json);
std::string EncodeVerifyTask(const VerifyTask& task);
Result<VerifyTask> DecodeVerifyTask(std::string_view json);
std::string EncodeVerifyResult(const VerifyResult& result);
Result<VerifyResult> DecodeVerifyResult(std::string_view json);

// The dimensions of `metric` for one side of `subject` (version: that side's ExecutedVersion, or
// "" for the alias as a whole).
std::vector<std::pair<std::string, std::string>> VerifyDimensions(const VerifyMetric& metric,
                                                                  const VerifySubject& subject,
                                                                  const std::string& version);

}  // namespace ferry::lambda
