// The CloudWatch sandbox's metric data: one series per (account, region, namespace, metric name,
// dimension set), samples merged into one-second buckets per unit (CloudWatch's finest
// resolution), values kept with their counts so percentiles stay exact.
//
// Retention is bounded: buckets older than `retention` are pruned, and at most `max_series`
// series exist (Add refuses new ones past that).
//
// Not synchronised: CloudWatchService serialises access.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/json_fwd.h"
#include "common/result.h"
#include "sandbox/cloudwatch/statistics.h"

namespace ferry::sandbox::cloudwatch {

using Dimensions = std::vector<std::pair<std::string, std::string>>;  // sorted by name

struct MetricKey {
  std::string account;
  std::string region;
  std::string ns;
  std::string name;
  Dimensions dimensions;
  auto operator<=>(const MetricKey&) const = default;
};

struct MetricStoreLimits {
  Duration retention = std::chrono::hours(24 * 15);
  size_t max_series = 100'000;
};

class MetricStore {
 public:
  explicit MetricStore(MetricStoreLimits limits = {}) : limits_(limits) {}

  // kTooManyRequests-free: kInvalidArgument (LimitExceeded) when a new series would pass
  // max_series.
  Status Add(const MetricKey& key, TimePoint timestamp, const std::string& unit,
             const Aggregate& sample, TimePoint now);

  struct Slice {
    Aggregate aggregate;
    std::string unit;  // the unit of the data, "None" when none or mixed
  };
  // Everything in [begin, end), restricted to `unit` when given.
  Slice Query(const MetricKey& key, TimePoint begin, TimePoint end,
              const std::optional<std::string>& unit) const;

  // The series of an account and region, in key order; with active_since, only those written
  // to since then.
  std::vector<MetricKey> List(const std::string& account, const std::string& region,
                              std::optional<TimePoint> active_since) const;

  void Prune(TimePoint now);
  Json ToJson() const;
  // Replaces the contents; kInvalidArgument describing the first malformed element.
  Status FromJson(const Json& state);

 private:
  struct Series {
    std::map<int64_t, std::map<std::string, Aggregate>> seconds;  // epoch second -> unit -> data
    TimePoint last_write;
  };
  MetricStoreLimits limits_;
  std::map<MetricKey, Series> series_;
};

}  // namespace ferry::sandbox::cloudwatch
