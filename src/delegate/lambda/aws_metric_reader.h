// AwsMetricReader: MetricReader over ferry::aws::CloudWatchClient's GetMetricData (the real
// CloudWatch, or ferry sandbox). Queries go 500 to a call (the service's limit), each call's
// NextToken pages are all read (at most kMaxPages a call), and at most kMaxDatapoints are
// accepted in all. Thread-safe (CloudWatchClient is).
#pragma once

#include "aws/cloudwatch_client.h"
#include "delegate/lambda/metric_reader.h"

namespace ferry::delegate {

class AwsMetricReader final : public MetricReader {
 public:
  static constexpr size_t kQueriesPerCall = 500;
  static constexpr int kMaxPages = 100;
  static constexpr size_t kMaxDatapoints = 2'000'000;

  explicit AwsMetricReader(aws::CloudWatchClient& client) : client_(client) {}
  Result<std::vector<MetricSeries>> Read(const std::vector<MetricQuery>& queries, TimePoint start,
                                         TimePoint end, std::vector<std::string>* request_ids,
                                         std::stop_token stop) override;

 private:
  aws::CloudWatchClient& client_;
};

}  // namespace ferry::delegate
