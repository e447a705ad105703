// CloudWatch metric alarms of the sandbox and their state evaluation.
//
// Evaluate looks at the alarm's last EvaluationPeriods periods, the newest being the period that
// contains `now` (AWS waits for periods to complete; the sandbox answers at once so rehearsals
// see alarms fire as soon as data arrives). A period is breaching when its statistic compares
// with the threshold as ComparisonOperator says; the alarm goes to ALARM when at least
// DatapointsToAlarm periods breach. Periods without data follow TreatMissingData: "breaching",
// "notBreaching", "ignore" (no data at all keeps the state) or "missing" (the default: no data
// at all is INSUFFICIENT_DATA).
//
// Not synchronised: CloudWatchService serialises access.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/json_fwd.h"
#include "common/result.h"
#include "sandbox/cloudwatch/metric_store.h"

namespace ferry::sandbox::cloudwatch {

struct AlarmHistoryItem {
  TimePoint timestamp;
  std::string type;  // "StateUpdate", "ConfigurationUpdate"
  std::string summary;
  std::string data;  // JSON text
};

struct Alarm {
  MetricKey metric;  // account, region, namespace, metric name, dimensions
  std::string name;
  std::string description;
  bool actions_enabled = true;
  std::vector<std::string> ok_actions;
  std::vector<std::string> alarm_actions;
  std::vector<std::string> insufficient_data_actions;
  std::string statistic;  // "Average", ... or "" when extended_statistic is set
  std::string extended_statistic;
  int64_t period = 60;
  std::optional<std::string> unit;
  int64_t evaluation_periods = 1;
  int64_t datapoints_to_alarm = 1;
  double threshold = 0;
  std::string comparison;
  std::string treat_missing_data = "missing";
  std::string evaluate_low_sample_count_percentile;
  std::vector<std::pair<std::string, std::string>> tags;

  std::string state = "INSUFFICIENT_DATA";
  std::string state_reason = "Unchecked: Initial alarm creation";
  std::string state_reason_data;
  TimePoint state_updated;
  TimePoint state_transitioned;
  TimePoint configuration_updated;
  TimePoint last_evaluated;
  std::deque<AlarmHistoryItem> history;  // newest last, bounded

  std::string Arn() const;
};

bool IsComparisonOperator(const std::string& op);
bool IsTreatMissingData(const std::string& value);

// Sets the alarm's state from the data in store; true when the state changed.
bool Evaluate(Alarm& alarm, const MetricStore& store, TimePoint now);
// Changes the state, recording history; no-op for the same state (reason still updated).
void SetState(Alarm& alarm, const std::string& state, const std::string& reason,
              const std::string& reason_data, TimePoint now);

Json AlarmToJson(const Alarm& alarm);
Result<Alarm> AlarmFromJson(const Json& json);

}  // namespace ferry::sandbox::cloudwatch
