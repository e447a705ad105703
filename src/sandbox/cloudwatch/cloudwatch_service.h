// The CloudWatch service of `ferry sandbox` (signing name "monitoring"), speaking the query
// protocol and awsJson1_0 (see cw_protocol.h).
//
// Operations: PutMetricData, GetMetricData (MetricStat queries; metric math is refused),
// GetMetricStatistics, ListMetrics, PutMetricAlarm, DescribeAlarms, DescribeAlarmsForMetric,
// DescribeAlarmHistory, DeleteAlarms, SetAlarmState, EnableAlarmActions, DisableAlarmActions.
// Alarms are re-evaluated when data for their metric arrives, when they are written, and once a
// period boundary has passed since their last evaluation: on read, by a background evaluator
// every `evaluate_interval`, and at once through EvaluateAlarms (the sandbox clock advanced). So
// a SetAlarmState holds until new data or the next period, as in CloudWatch, and a state change
// is in DescribeAlarmHistory within a second of the period that causes it.
//
// Also the MetricSink Lambda records invocation metrics through.
//
// Persistence: with a data directory, DIR/state.json holds metrics and alarms. Alarm changes
// are written at once; metric data is written by a background flush at most `flush_interval`
// after it arrives, and on destruction. Create refuses a corrupt state file.
//
// Thread-safe: one mutex serialises the metric store and the alarms.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/ids.h"
#include "sandbox/cloudwatch/alarms.h"
#include "sandbox/cloudwatch/metric_store.h"
#include "sandbox/metrics.h"
#include "sandbox/service.h"

namespace ferry::sandbox::cloudwatch {

struct CloudWatchOptions {
  std::optional<std::filesystem::path> data_dir;
  MetricStoreLimits limits;
  size_t max_body_bytes = 1024 * 1024;  // CloudWatch's PutMetricData request limit
  Duration flush_interval = std::chrono::seconds(1);
  size_t max_alarms = 5000;
  // How often alarms are checked for a period boundary having passed; zero: only on read.
  Duration evaluate_interval = std::chrono::seconds(1);
};

class Input;
struct ParsedRequest;

class CloudWatchService final : public Service, public MetricSink {
 public:
  static Result<std::unique_ptr<CloudWatchService>> Create(CloudWatchOptions options,
                                                           const Clock& clock, IdGenerator& ids);
  ~CloudWatchService() override;

  std::string_view signing_name() const override { return "monitoring"; }
  Response Handle(const Request& request, const Caller& caller) override;
  Response RenderError(const Request& request, const WireError& error) override;
  std::string OperationName(const Request& request) override;

  void Record(const MetricDatum& datum) override;

  // Writes pending state now (the background flush does it otherwise).
  Status Flush();

  // Evaluates every alarm whose period has turned since its last evaluation (the clock moved).
  void EvaluateAlarms();

 private:
  CloudWatchService(CloudWatchOptions options, const Clock& clock, IdGenerator& ids);
  Status Load();
  Json StateLocked() const;
  Status SaveLocked();
  void FlushLoop(std::stop_token stop);
  void EvaluateLoop(std::stop_token stop);

  Result<Json> Dispatch(const std::string& action, const Input& input, const Caller& caller);
  // Evaluates every alarm on `key` (after new data); mu_ held.
  void EvaluateAlarmsForLocked(const MetricKey& key, TimePoint now);
  // Evaluates an alarm on read when a period has passed since its last evaluation; mu_ held.
  void RefreshLocked(Alarm& alarm, TimePoint now);

  // Metric operations (cw_metric_ops.cc).
  Result<Json> PutMetricData(const Input& input, const Caller& caller);
  Result<Json> GetMetricData(const Input& input, const Caller& caller);
  Result<Json> GetMetricStatistics(const Input& input, const Caller& caller);
  Result<Json> ListMetrics(const Input& input, const Caller& caller);

  // Alarm operations (cw_alarm_ops.cc).
  Result<Json> PutMetricAlarm(const Input& input, const Caller& caller);
  Result<Json> DescribeAlarms(const Input& input, const Caller& caller);
  Result<Json> DescribeAlarmsForMetric(const Input& input, const Caller& caller);
  Result<Json> DescribeAlarmHistory(const Input& input, const Caller& caller);
  Result<Json> DeleteAlarms(const Input& input, const Caller& caller);
  Result<Json> SetAlarmState(const Input& input, const Caller& caller);
  Result<Json> SetAlarmActions(const Input& input, const Caller& caller, bool enabled);

  const CloudWatchOptions options_;
  const Clock& clock_;
  IdGenerator& ids_;

  std::mutex mu_;
  MetricStore store_;  // Guarded by mu_.
  // (account, region, name) -> alarm. Guarded by mu_.
  std::map<std::tuple<std::string, std::string, std::string>, Alarm> alarms_;
  bool dirty_ = false;             // Guarded by mu_: metric data not yet written.
  uint64_t adds_since_prune_ = 0;  // Guarded by mu_.

  std::mutex flush_mu_;  // serialises writers of state.json
  std::condition_variable_any flush_cv_;
  std::condition_variable_any evaluate_cv_;  // with mu_: the evaluator's timed wait
  // Last members: stopped (by the destructor) before the rest is destroyed.
  std::jthread evaluator_;
  std::jthread flusher_;
};

}  // namespace ferry::sandbox::cloudwatch
