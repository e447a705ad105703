// CloudWatchClient: GetMetricData, GetMetricStatistics, DescribeAlarms and PutMetricData over
// the awsJson1_0 protocol (POST /, X-Amz-Target: GraniteServiceVersion20100801.<Operation>),
// which CloudWatch serves beside the query protocol.
//
// Errors as in service_client.h (CloudWatch is awsQueryCompatible: the query error code, e.g.
// "InvalidParameterValue", comes from x-amzn-query-error when present). Malformed responses give
// kUnavailable ("malformed CloudWatch response"), never a crash.
//
// Reads are retried per the standard mode. PutMetricData is not idempotent (a repeated datum is a
// second sample), so it is retried only after throttling. Thread-safe.
#pragma once

#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "aws/service_client.h"
#include "common/clock.h"

namespace ferry::aws {

// A ServiceConfig for CloudWatch at `endpoint` ("https://monitoring.us-east-1.amazonaws.com").
ServiceConfig CloudWatchServiceConfig(std::string endpoint, std::string region);

struct MetricDimension {
  std::string name;
  std::string value;
  bool operator==(const MetricDimension&) const = default;
};

// One GetMetricData query: a metric statistic (namespace_ + metric_name + stat) or an expression.
struct MetricDataQuery {
  std::string id;
  std::string namespace_;
  std::string metric_name;
  std::vector<MetricDimension> dimensions;
  int period_seconds = 60;
  std::string stat;  // "Sum", "Average", "p99", ...
  std::string unit;
  std::string expression;  // instead of the metric stat
  std::string label;
  bool return_data = true;
};

struct GetMetricDataRequest {
  std::vector<MetricDataQuery> queries;
  TimePoint start_time;
  TimePoint end_time;
  std::string next_token;
  std::string scan_by;  // "TimestampAscending" | "TimestampDescending"
  int max_datapoints = 0;
};

struct MetricDataResult {
  std::string id;
  std::string label;
  std::string status_code;  // Complete | PartialData | InternalError | Forbidden
  std::vector<TimePoint> timestamps;
  std::vector<double> values;  // same length as timestamps
};

struct GetMetricDataResult {
  std::vector<MetricDataResult> results;
  std::string next_token;
  std::string request_id;  // of the response (x-amzn-RequestId)
};

struct GetMetricStatisticsRequest {
  std::string namespace_;
  std::string metric_name;
  std::vector<MetricDimension> dimensions;
  TimePoint start_time;
  TimePoint end_time;
  int period_seconds = 60;
  std::vector<std::string> statistics;           // SampleCount | Average | Sum | Minimum | Maximum
  std::vector<std::string> extended_statistics;  // "p99"
  std::string unit;
};

struct MetricDatapoint {
  TimePoint timestamp;
  std::optional<double> sample_count, average, sum, minimum, maximum;
  std::string unit;
  std::map<std::string, double> extended;
};

struct GetMetricStatisticsResult {
  std::string label;
  std::vector<MetricDatapoint> datapoints;
  std::string request_id;
};

struct DescribeAlarmsRequest {
  std::vector<std::string> alarm_names;
  std::string alarm_name_prefix;
  std::string state_value;  // OK | ALARM | INSUFFICIENT_DATA
  std::string next_token;
  int max_records = 0;
};

struct MetricAlarm {
  std::string alarm_name;
  std::string alarm_arn;
  std::string description;
  std::string state_value;
  std::string state_reason;
  std::optional<TimePoint> state_updated;
  std::string namespace_;
  std::string metric_name;
  std::vector<MetricDimension> dimensions;
  std::string statistic;
  int period_seconds = 0;
  int evaluation_periods = 0;
  double threshold = 0;
  std::string comparison_operator;
};

struct DescribeAlarmsResult {
  std::vector<MetricAlarm> metric_alarms;
  std::vector<std::string> composite_alarm_names;
  std::string next_token;
  std::string request_id;
};

struct MetricDatum {
  std::string metric_name;
  std::vector<MetricDimension> dimensions;
  std::optional<TimePoint> timestamp;
  double value = 0;
  std::string unit;
};

class CloudWatchClient {
 public:
  CloudWatchClient(ServiceConfig config, ServiceDeps deps);

  Result<GetMetricDataResult> GetMetricData(const GetMetricDataRequest& request,
                                            std::stop_token stop = {});
  Result<GetMetricStatisticsResult> GetMetricStatistics(const GetMetricStatisticsRequest& request,
                                                        std::stop_token stop = {});
  Result<DescribeAlarmsResult> DescribeAlarms(const DescribeAlarmsRequest& request,
                                              std::stop_token stop = {});
  Result<ResponseMetadata> PutMetricData(const std::string& namespace_,
                                         const std::vector<MetricDatum>& data,
                                         std::stop_token stop = {});

 private:
  ServiceClient service_;
};

}  // namespace ferry::aws
