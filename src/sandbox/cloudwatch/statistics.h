// Aggregation of CloudWatch samples into the statistics GetMetricData, GetMetricStatistics and
// alarms report: Sum, Average, Minimum, Maximum, SampleCount and percentiles pNN(.NN).
// Pure value types; not synchronised.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ferry::sandbox::cloudwatch {

// Every sample that fell into one time bucket (one second, one unit) or one query period.
struct Aggregate {
  double sum = 0;
  double count = 0;
  double min = 0;
  double max = 0;
  // Value -> how many times it was published; percentiles come from here.
  std::map<double, double> values;
  // False once a statistic set (which carries no distribution) was merged in.
  bool values_complete = true;

  bool empty() const { return count <= 0; }
  void AddValue(double value, double times);
  void AddStatisticSet(double sample_count, double sum, double min, double max);
  void Merge(const Aggregate& other);
};

// A statistic as CloudWatch names it. Percentiles are "p99", "p99.9", "p0".."p100".
struct Statistic {
  enum class Kind { kSum, kAverage, kMinimum, kMaximum, kSampleCount, kPercentile };
  Kind kind = Kind::kSum;
  double percentile = 0;
  std::string name;
};

// kInvalidArgument naming the statistic when it is not one of the above.
Result<Statistic> ParseStatistic(std::string_view name);
bool IsExtendedStatistic(std::string_view name);

// nullopt when the aggregate is empty, or for a percentile of data published as statistic sets.
// Percentiles use the nearest-rank method over the published values.
std::optional<double> Compute(const Statistic& statistic, const Aggregate& aggregate);

}  // namespace ferry::sandbox::cloudwatch
