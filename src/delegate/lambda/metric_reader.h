// MetricReader: how a delegate reads metric datapoints for a verify step (lambda/verify.h). The
// seam between the verify runner (verify_runner.h, no AWS client) and CloudWatch: AwsMetricReader
// (aws_metric_reader.h) adapts ferry::aws::CloudWatchClient's GetMetricData. Thread-safe.
#pragma once

#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace ferry::delegate {

struct MetricQuery {
  std::string ns;
  std::string metric;
  std::vector<std::pair<std::string, std::string>> dimensions;
  int period_seconds = 60;
  std::string stat;  // "Sum", "p99", ...
};

struct MetricSeries {
  std::vector<TimePoint> timestamps;
  std::vector<double> values;  // same length as timestamps
};

class MetricReader {
 public:
  virtual ~MetricReader() = default;
  // Every query's datapoints in [start, end), in query order; the request ids in call order. An
  // answer that does not fit the questions (a result for a query not asked, a query left without
  // a complete answer, a repeated datapoint, too many pages or datapoints, a query CloudWatch
  // could not answer) is an error naming what was wrong, never a partial series.
  virtual Result<std::vector<MetricSeries>> Read(const std::vector<MetricQuery>& queries,
                                                 TimePoint start, TimePoint end,
                                                 std::vector<std::string>* request_ids,
                                                 std::stop_token stop) = 0;
};

}  // namespace ferry::delegate
