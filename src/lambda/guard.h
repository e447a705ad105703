// Service Guard's delegate task (F-VERIFY, issue 14 item 3): lambda.guard reads the live alias
// metrics of many functions for a recent window and for the baseline windows (the trailing window
// and the same hours of previous days), judges each function's recent window against all its
// baseline windows combined (src/verify) and answers one finding per function and metric. The
// server (api/service_guard.h) turns findings into incidents.
//
// Metrics, per function's alias (dimensions FunctionName and Resource = FUNCTION:ALIAS):
//   Invocations  Sum per period, continuous; a decrease is bad (traffic stopped reaching it);
//   Errors       a rate per invocation (critical), Throttles a rate per invocation or throttle;
//   Duration     p99 per period, continuous; an increase is bad.
// Codecs never throw; malformed input is kInvalidArgument.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "lambda/target.h"
#include "lambda/verify.h"

namespace ferry::lambda {

inline constexpr char kGuardTask[] = "lambda.guard";
inline constexpr size_t kMaxGuardFunctions = 1000;      // per task
inline constexpr size_t kMaxGuardBaselineWindows = 15;  // trailing + 14 previous days
inline constexpr int kGuardPeriodSeconds = 60;

// "Invocations", "Errors", "Throttles", "Duration".
const std::vector<std::string>& GuardMetricNames();
// The definitions of the named metrics (kInvalidArgument for a name not in GuardMetricNames()).
Result<std::vector<VerifyMetric>> GuardMetrics(const std::vector<std::string>& names);

struct GuardSubject {
  std::string function_name;
  std::string alias;
};

struct GuardTask {
  LambdaTarget target;
  std::vector<GuardSubject> subjects;  // 1..kMaxGuardFunctions
  VerifyWindow recent;
  std::vector<VerifyWindow> baselines;  // 1..kMaxGuardBaselineWindows, each at most 24h
  int period_seconds = kGuardPeriodSeconds;
  std::string sensitivity = "medium";
  std::vector<std::string> metrics;  // names of GuardMetricNames(), 1..4
};

struct GuardFinding {
  std::string function_name;
  std::string alias;
  std::string metric;
  std::string outcome;  // pass | marginal | fail | no-data
  std::string sentence;
  std::string details_json = "{}";  // p-values, effect, both sides' summaries, windows
};

struct GuardResult {
  std::vector<GuardFinding> findings;
  int64_t queries = 0;  // GetMetricData queries per window
  int64_t calls = 0;    // GetMetricData calls made (request ids seen)
};

std::string EncodeGuardTask(const GuardTask& task);
Result<GuardTask> DecodeGuardTask(std::string_view json);
std::string EncodeGuardResult(const GuardResult& result);
Result<GuardResult> DecodeGuardResult(std::string_view json);

}  // namespace ferry::lambda
