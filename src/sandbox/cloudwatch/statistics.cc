#include "sandbox/cloudwatch/statistics.h"

#include <algorithm>
#include <cmath>

#include "common/strings.h"

namespace ferry::sandbox::cloudwatch {

void Aggregate::AddValue(double value, double times) {
  if (times <= 0) return;
  if (empty()) {
    min = max = value;
  } else {
    min = std::min(min, value);
    max = std::max(max, value);
  }
  sum += value * times;
  count += times;
  values[value] += times;
}

void Aggregate::AddStatisticSet(double sample_count, double set_sum, double set_min,
                                double set_max) {
  if (sample_count <= 0) return;
  if (empty()) {
    min = set_min;
    max = set_max;
  } else {
    min = std::min(min, set_min);
    max = std::max(max, set_max);
  }
  sum += set_sum;
  count += sample_count;
  values_complete = false;
}

void Aggregate::Merge(const Aggregate& other) {
  if (other.empty()) return;
  if (empty()) {
    min = other.min;
    max = other.max;
  } else {
    min = std::min(min, other.min);
    max = std::max(max, other.max);
  }
  sum += other.sum;
  count += other.count;
  for (const auto& [value, times] : other.values) values[value] += times;
  values_complete = values_complete && other.values_complete;
}

bool IsExtendedStatistic(std::string_view name) {
  return name.size() > 1 && name[0] == 'p' && ParseDouble(name.substr(1)).has_value();
}

Result<Statistic> ParseStatistic(std::string_view name) {
  using Kind = Statistic::Kind;
  Statistic s;
  s.name = std::string(name);
  if (name == "Sum") {
    s.kind = Kind::kSum;
  } else if (name == "Average") {
    s.kind = Kind::kAverage;
  } else if (name == "Minimum") {
    s.kind = Kind::kMinimum;
  } else if (name == "Maximum") {
    s.kind = Kind::kMaximum;
  } else if (name == "SampleCount") {
    s.kind = Kind::kSampleCount;
  } else if (IsExtendedStatistic(name)) {
    double p = *ParseDouble(name.substr(1));
    std::string_view digits = name.substr(1);
    size_t dot = digits.find('.');
    if (p < 0 || p > 100 || (dot != std::string_view::npos && digits.size() - dot - 1 > 2) ||
        digits.find_first_not_of("0123456789.") != std::string_view::npos) {
      return InvalidArgument("The value " + std::string(name) +
                             " for statistic is not a valid percentile (p0 to p100, at most two "
                             "decimals).");
    }
    s.kind = Kind::kPercentile;
    s.percentile = p;
  } else {
    return InvalidArgument("The statistic " + QuoteForMessage(name) +
                           " is not supported: use Sum, Average, Minimum, Maximum, SampleCount "
                           "or a percentile pNN.");
  }
  return s;
}

std::optional<double> Compute(const Statistic& statistic, const Aggregate& a) {
  if (a.empty()) return std::nullopt;
  switch (statistic.kind) {
    case Statistic::Kind::kSum:
      return a.sum;
    case Statistic::Kind::kAverage:
      return a.sum / a.count;
    case Statistic::Kind::kMinimum:
      return a.min;
    case Statistic::Kind::kMaximum:
      return a.max;
    case Statistic::Kind::kSampleCount:
      return a.count;
    case Statistic::Kind::kPercentile: {
      if (!a.values_complete || a.values.empty()) return std::nullopt;
      double total = 0;
      for (const auto& [value, times] : a.values) total += times;
      double rank = std::max(1.0, std::ceil(statistic.percentile / 100.0 * total));
      double seen = 0;
      for (const auto& [value, times] : a.values) {
        seen += times;
        if (seen >= rank) return value;
      }
      return a.values.rbegin()->first;
    }
  }
  return std::nullopt;
}

}  // namespace ferry::sandbox::cloudwatch
