// Alarm operations of the CloudWatch sandbox.
#include <algorithm>

#include "common/crypto.h"
#include "common/json.h"
#include "common/strings.h"
#include "sandbox/cloudwatch/cloudwatch_service.h"
#include "sandbox/cloudwatch/cw_input.h"
#include "sandbox/cloudwatch/cw_metric_common.h"
#include "sandbox/cloudwatch/cw_protocol.h"

namespace ferry::sandbox::cloudwatch {
namespace {

constexpr size_t kMaxActions = 5;
constexpr size_t kMaxTags = 50;
constexpr size_t kMaxAlarmNames = 100;
constexpr int64_t kDefaultMaxRecords = 50;

Json AlarmOutput(const Alarm& a) {
  Json dims = Json::array();
  for (const auto& [n, v] : a.metric.dimensions) dims.push_back({{"Name", n}, {"Value", v}});
  Json out = {{"AlarmName", a.name},
              {"AlarmArn", a.Arn()},
              {"AlarmConfigurationUpdatedTimestamp", OutputTimestamp(a.configuration_updated)},
              {"ActionsEnabled", a.actions_enabled},
              {"OKActions", a.ok_actions},
              {"AlarmActions", a.alarm_actions},
              {"InsufficientDataActions", a.insufficient_data_actions},
              {"StateValue", a.state},
              {"StateReason", a.state_reason},
              {"StateUpdatedTimestamp", OutputTimestamp(a.state_updated)},
              {"StateTransitionedTimestamp", OutputTimestamp(a.state_transitioned)},
              {"MetricName", a.metric.name},
              {"Namespace", a.metric.ns},
              {"Dimensions", dims},
              {"Period", a.period},
              {"EvaluationPeriods", a.evaluation_periods},
              {"DatapointsToAlarm", a.datapoints_to_alarm},
              {"Threshold", a.threshold},
              {"ComparisonOperator", a.comparison},
              {"TreatMissingData", a.treat_missing_data}};
  if (!a.description.empty()) out["AlarmDescription"] = a.description;
  if (!a.state_reason_data.empty()) out["StateReasonData"] = a.state_reason_data;
  if (!a.statistic.empty()) out["Statistic"] = a.statistic;
  if (!a.extended_statistic.empty()) out["ExtendedStatistic"] = a.extended_statistic;
  if (a.unit) out["Unit"] = *a.unit;
  if (!a.evaluate_low_sample_count_percentile.empty()) {
    out["EvaluateLowSampleCountPercentile"] = a.evaluate_low_sample_count_percentile;
  }
  // Threshold is a double on the wire even when whole.
  out["Threshold"] = static_cast<double>(a.threshold);
  return out;
}

Error AlarmNotFound(const std::string& name) {
  return CwError(404, "ResourceNotFound", "Alarm " + name + " not found");
}

Error Unpersisted(const Error& e) {
  return CwError(503, "ServiceUnavailable", "The change could not be persisted: " + e.message);
}

}  // namespace

Result<Json> CloudWatchService::PutMetricAlarm(const Input& input, const Caller& caller) {
  Alarm a;
  FERRY_ASSIGN_OR_RETURN(a.name, input.RequiredString("AlarmName"));
  FERRY_RETURN_IF_ERROR(CheckLength(a.name, 1, 255, "AlarmName"));
  if (input.Has("Metrics") || input.Has("ThresholdMetricId")) {
    return InvalidParameterValue(
        "Alarms on metric math or anomaly detection (Metrics, "
        "ThresholdMetricId) are not supported by ferry sandbox.");
  }
  FERRY_ASSIGN_OR_RETURN(auto description, input.String("AlarmDescription"));
  a.description = description.value_or("");
  FERRY_RETURN_IF_ERROR(CheckLength(a.description, 0, 1024, "AlarmDescription"));
  FERRY_ASSIGN_OR_RETURN(auto enabled, input.Bool("ActionsEnabled"));
  a.actions_enabled = enabled.value_or(true);
  FERRY_ASSIGN_OR_RETURN(a.ok_actions, input.StringList("OKActions", kMaxActions));
  FERRY_ASSIGN_OR_RETURN(a.alarm_actions, input.StringList("AlarmActions", kMaxActions));
  FERRY_ASSIGN_OR_RETURN(a.insufficient_data_actions,
                         input.StringList("InsufficientDataActions", kMaxActions));
  FERRY_ASSIGN_OR_RETURN(std::string metric_name, input.RequiredString("MetricName"));
  FERRY_ASSIGN_OR_RETURN(std::string ns, input.RequiredString("Namespace"));
  FERRY_ASSIGN_OR_RETURN(Dimensions dims, ParseDimensions(input, "Dimensions"));
  a.metric = {caller.account_id, caller.region, ns, metric_name, std::move(dims)};

  FERRY_ASSIGN_OR_RETURN(auto statistic, input.String("Statistic"));
  FERRY_ASSIGN_OR_RETURN(auto extended, input.String("ExtendedStatistic"));
  if (statistic.has_value() == extended.has_value()) {
    return InvalidParameterCombination(
        "Exactly one of Statistic and ExtendedStatistic must be "
        "specified.");
  }
  auto parsed = ParseStatistic(statistic ? *statistic : *extended);
  if (!parsed.ok() || (statistic && parsed->kind == Statistic::Kind::kPercentile) ||
      (extended && parsed->kind != Statistic::Kind::kPercentile)) {
    return InvalidParameterValue(
        "The value " + (statistic ? *statistic : *extended) + " for parameter " +
        (statistic ? "Statistic" : "ExtendedStatistic") + " is not valid.");
  }
  a.statistic = statistic.value_or("");
  a.extended_statistic = extended.value_or("");

  FERRY_ASSIGN_OR_RETURN(auto period, input.Int("Period"));
  if (!period) return MissingParameter("Period");
  if (*period != 10 && *period != 30 && (*period <= 0 || *period % 60 != 0)) {
    return InvalidParameterValue("The parameter Period must be 10, 30 or a multiple of 60.");
  }
  a.period = *period;
  FERRY_ASSIGN_OR_RETURN(auto evaluation_periods, input.Int("EvaluationPeriods"));
  if (!evaluation_periods) return MissingParameter("EvaluationPeriods");
  if (*evaluation_periods < 1) {
    return InvalidParameterValue("The parameter EvaluationPeriods must be at least 1.");
  }
  if (*evaluation_periods * a.period > 7 * 86400) {
    return InvalidParameterCombination("Period * EvaluationPeriods must not exceed 7 days.");
  }
  a.evaluation_periods = *evaluation_periods;
  FERRY_ASSIGN_OR_RETURN(auto to_alarm, input.Int("DatapointsToAlarm"));
  a.datapoints_to_alarm = to_alarm.value_or(a.evaluation_periods);
  if (a.datapoints_to_alarm < 1 || a.datapoints_to_alarm > a.evaluation_periods) {
    return InvalidParameterValue(
        "The parameter DatapointsToAlarm must be between 1 and "
        "EvaluationPeriods.");
  }
  FERRY_ASSIGN_OR_RETURN(auto threshold, input.Double("Threshold"));
  if (!threshold) return MissingParameter("Threshold");
  a.threshold = *threshold;
  FERRY_ASSIGN_OR_RETURN(a.comparison, input.RequiredString("ComparisonOperator"));
  if (!IsComparisonOperator(a.comparison)) {
    return InvalidParameterValue("The value " + a.comparison +
                                 " for parameter ComparisonOperator is not valid (anomaly "
                                 "detection operators are not supported by ferry sandbox).");
  }
  FERRY_ASSIGN_OR_RETURN(auto treat, input.String("TreatMissingData"));
  a.treat_missing_data = treat.value_or("missing");
  if (!IsTreatMissingData(a.treat_missing_data)) {
    return InvalidParameterValue("The value " + a.treat_missing_data +
                                 " for parameter TreatMissingData is not valid: use breaching, "
                                 "notBreaching, ignore or missing.");
  }
  FERRY_ASSIGN_OR_RETURN(auto low_sample, input.String("EvaluateLowSampleCountPercentile"));
  a.evaluate_low_sample_count_percentile = low_sample.value_or("");
  if (!a.evaluate_low_sample_count_percentile.empty() &&
      a.evaluate_low_sample_count_percentile != "evaluate" &&
      a.evaluate_low_sample_count_percentile != "ignore") {
    return InvalidParameterValue("EvaluateLowSampleCountPercentile must be evaluate or ignore.");
  }
  FERRY_ASSIGN_OR_RETURN(a.unit, input.String("Unit"));
  if (a.unit) FERRY_RETURN_IF_ERROR(CheckUnit(*a.unit, "Unit"));
  FERRY_ASSIGN_OR_RETURN(auto tags, input.List("Tags", kMaxTags));
  for (const auto& t : tags) {
    FERRY_ASSIGN_OR_RETURN(std::string key, t.RequiredString("Key"));
    FERRY_ASSIGN_OR_RETURN(auto value, t.String("Value"));
    a.tags.emplace_back(key, value.value_or(""));
  }

  TimePoint now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    auto id = std::make_tuple(caller.account_id, caller.region, a.name);
    auto it = alarms_.find(id);
    if (it == alarms_.end() && alarms_.size() >= options_.max_alarms) {
      return CwError(
          400, "LimitExceeded",
          "The maximum of " + std::to_string(options_.max_alarms) + " alarms has been reached.");
    }
    std::string summary =
        "Alarm \"" + a.name + "\" " + (it == alarms_.end() ? "created" : "updated");
    if (it != alarms_.end()) {
      const Alarm& old = it->second;
      a.state = old.state;
      a.state_reason = old.state_reason;
      a.state_reason_data = old.state_reason_data;
      a.state_updated = old.state_updated;
      a.state_transitioned = old.state_transitioned;
      a.history = old.history;
    } else {
      a.state_updated = now;
      a.state_transitioned = now;
    }
    a.configuration_updated = now;
    a.history.push_back({now, "ConfigurationUpdate", summary, DumpJson(AlarmToJson(a))});
    Alarm& stored = alarms_[id] = std::move(a);
    Evaluate(stored, store_, now);
  }
  Status flushed = Flush();
  if (!flushed.ok()) return Unpersisted(flushed.error());
  return Json::object();
}

Result<Json> CloudWatchService::DescribeAlarms(const Input& input, const Caller& caller) {
  FERRY_ASSIGN_OR_RETURN(auto names, input.StringList("AlarmNames", kMaxAlarmNames));
  FERRY_ASSIGN_OR_RETURN(auto prefix, input.String("AlarmNamePrefix"));
  if (!names.empty() && prefix) {
    return InvalidParameterCombination("AlarmNames and AlarmNamePrefix cannot be used together.");
  }
  FERRY_ASSIGN_OR_RETURN(auto types, input.StringList("AlarmTypes", 2));
  FERRY_ASSIGN_OR_RETURN(auto state, input.String("StateValue"));
  if (state && *state != "OK" && *state != "ALARM" && *state != "INSUFFICIENT_DATA") {
    return InvalidParameterValue("The value " + *state +
                                 " for parameter StateValue is not "
                                 "valid.");
  }
  FERRY_ASSIGN_OR_RETURN(auto action_prefix, input.String("ActionPrefix"));
  FERRY_ASSIGN_OR_RETURN(auto max_records, input.Int("MaxRecords"));
  int64_t limit = max_records.value_or(kDefaultMaxRecords);
  if (limit < 1 || limit > 100) {
    return InvalidParameterValue("The parameter MaxRecords must be between 1 and 100.");
  }
  FERRY_ASSIGN_OR_RETURN(auto token, input.String("NextToken"));
  std::string after;
  if (token) {
    auto decoded = Base64Decode(*token);
    if (!decoded.ok() || !decoded->starts_with("a:")) {
      return CwError(400, "InvalidNextToken", "The service couldn't process the NextToken.");
    }
    after = decoded->substr(2);
  }
  bool metric_alarms =
      types.empty() || std::find(types.begin(), types.end(), "MetricAlarm") != types.end();
  Json alarms = Json::array();
  std::string last;
  bool more = false;
  TimePoint now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    for (auto& [id, alarm] : alarms_) {
      if (!metric_alarms) break;
      if (std::get<0>(id) != caller.account_id || std::get<1>(id) != caller.region) continue;
      if (!after.empty() && alarm.name <= after) continue;
      if (!names.empty() && std::find(names.begin(), names.end(), alarm.name) == names.end()) {
        continue;
      }
      if (prefix && !alarm.name.starts_with(*prefix)) continue;
      if (action_prefix) {
        auto has = [&](const std::vector<std::string>& actions) {
          return std::any_of(actions.begin(), actions.end(),
                             [&](const std::string& x) { return x.starts_with(*action_prefix); });
        };
        if (!has(alarm.ok_actions) && !has(alarm.alarm_actions) &&
            !has(alarm.insufficient_data_actions)) {
          continue;
        }
      }
      RefreshLocked(alarm, now);
      if (state && alarm.state != *state) continue;
      if (static_cast<int64_t>(alarms.size()) == limit) {
        more = true;
        break;
      }
      alarms.push_back(AlarmOutput(alarm));
      last = alarm.name;
    }
  }
  Json output = {{"MetricAlarms", alarms}, {"CompositeAlarms", Json::array()}};
  if (more) output["NextToken"] = Base64Encode("a:" + last);
  return output;
}

Result<Json> CloudWatchService::DescribeAlarmsForMetric(const Input& input, const Caller& caller) {
  FERRY_ASSIGN_OR_RETURN(std::string metric_name, input.RequiredString("MetricName"));
  FERRY_ASSIGN_OR_RETURN(std::string ns, input.RequiredString("Namespace"));
  FERRY_ASSIGN_OR_RETURN(auto statistic, input.String("Statistic"));
  FERRY_ASSIGN_OR_RETURN(auto extended, input.String("ExtendedStatistic"));
  FERRY_ASSIGN_OR_RETURN(Dimensions dims, ParseDimensions(input, "Dimensions"));
  bool filter_dims = input.Has("Dimensions");
  FERRY_ASSIGN_OR_RETURN(auto period, input.Int("Period"));
  FERRY_ASSIGN_OR_RETURN(auto unit, input.String("Unit"));
  Json alarms = Json::array();
  TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  for (auto& [id, alarm] : alarms_) {
    const MetricKey& m = alarm.metric;
    if (m.account != caller.account_id || m.region != caller.region || m.ns != ns ||
        m.name != metric_name || (filter_dims && m.dimensions != dims) ||
        (statistic && alarm.statistic != *statistic) ||
        (extended && alarm.extended_statistic != *extended) ||
        (period && alarm.period != *period) || (unit && alarm.unit != unit)) {
      continue;
    }
    RefreshLocked(alarm, now);
    alarms.push_back(AlarmOutput(alarm));
  }
  return Json{{"MetricAlarms", alarms}};
}

Result<Json> CloudWatchService::DescribeAlarmHistory(const Input& input, const Caller& caller) {
  FERRY_ASSIGN_OR_RETURN(auto name, input.String("AlarmName"));
  FERRY_ASSIGN_OR_RETURN(auto item_type, input.String("HistoryItemType"));
  FERRY_ASSIGN_OR_RETURN(auto start, input.Time("StartDate"));
  FERRY_ASSIGN_OR_RETURN(auto end, input.Time("EndDate"));
  FERRY_ASSIGN_OR_RETURN(auto max_records, input.Int("MaxRecords"));
  FERRY_ASSIGN_OR_RETURN(auto scan_by, input.String("ScanBy"));
  FERRY_ASSIGN_OR_RETURN(auto token, input.String("NextToken"));
  int64_t limit = max_records.value_or(100);
  if (limit < 1 || limit > 100) {
    return InvalidParameterValue("The parameter MaxRecords must be between 1 and 100.");
  }
  int64_t offset = 0;
  if (token) {
    auto decoded = Base64Decode(*token);
    auto parsed = decoded.ok() && decoded->starts_with("h:")
                      ? ParseInt(std::string_view(*decoded).substr(2))
                      : std::nullopt;
    if (!parsed || *parsed < 0) {
      return CwError(400, "InvalidNextToken", "The service couldn't process the NextToken.");
    }
    offset = *parsed;
  }
  struct Item {
    std::string alarm;
    AlarmHistoryItem item;
  };
  std::vector<Item> items;
  TimePoint now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    for (auto& [id, alarm] : alarms_) {
      if (std::get<0>(id) != caller.account_id || std::get<1>(id) != caller.region) continue;
      if (name && alarm.name != *name) continue;
      RefreshLocked(alarm, now);  // a period that has passed shows its state change
      for (const auto& h : alarm.history) {
        if (item_type && h.type != *item_type) continue;
        if ((start && h.timestamp < *start) || (end && h.timestamp > *end)) continue;
        items.push_back({alarm.name, h});
      }
    }
  }
  bool ascending = scan_by && *scan_by == "TimestampAscending";
  std::stable_sort(items.begin(), items.end(), [&](const Item& x, const Item& y) {
    return ascending ? x.item.timestamp < y.item.timestamp : x.item.timestamp > y.item.timestamp;
  });
  Json out = Json::array();
  size_t begin = std::min<size_t>(static_cast<size_t>(offset), items.size());
  size_t stop = std::min(items.size(), begin + static_cast<size_t>(limit));
  for (size_t i = begin; i < stop; ++i) {
    out.push_back({{"AlarmName", items[i].alarm},
                   {"AlarmType", "MetricAlarm"},
                   {"Timestamp", OutputTimestamp(items[i].item.timestamp)},
                   {"HistoryItemType", items[i].item.type},
                   {"HistorySummary", items[i].item.summary},
                   {"HistoryData", items[i].item.data}});
  }
  Json output = {{"AlarmHistoryItems", out}};
  if (stop < items.size()) output["NextToken"] = Base64Encode("h:" + std::to_string(stop));
  return output;
}

Result<Json> CloudWatchService::DeleteAlarms(const Input& input, const Caller& caller) {
  FERRY_ASSIGN_OR_RETURN(auto names, input.StringList("AlarmNames", kMaxAlarmNames));
  if (names.empty()) return MissingParameter("AlarmNames");
  {
    std::lock_guard lock(mu_);
    for (const auto& name : names) {
      if (!alarms_.contains({caller.account_id, caller.region, name})) return AlarmNotFound(name);
    }
    for (const auto& name : names) alarms_.erase({caller.account_id, caller.region, name});
  }
  Status flushed = Flush();
  if (!flushed.ok()) return Unpersisted(flushed.error());
  return Json::object();
}

Result<Json> CloudWatchService::SetAlarmState(const Input& input, const Caller& caller) {
  FERRY_ASSIGN_OR_RETURN(std::string name, input.RequiredString("AlarmName"));
  FERRY_ASSIGN_OR_RETURN(std::string state, input.RequiredString("StateValue"));
  if (state != "OK" && state != "ALARM" && state != "INSUFFICIENT_DATA") {
    return InvalidParameterValue("The value " + state +
                                 " for parameter StateValue is not "
                                 "valid.");
  }
  FERRY_ASSIGN_OR_RETURN(std::string reason, input.RequiredString("StateReason"));
  FERRY_RETURN_IF_ERROR(CheckLength(reason, 1, 1023, "StateReason"));
  FERRY_ASSIGN_OR_RETURN(auto reason_data, input.String("StateReasonData"));
  if (reason_data && !ParseJson(*reason_data, JsonLimits{4000, 16}).ok()) {
    return CwError(400, "InvalidFormat", "Unable to parse StateReasonData: not valid JSON.");
  }
  {
    std::lock_guard lock(mu_);
    auto it = alarms_.find({caller.account_id, caller.region, name});
    if (it == alarms_.end()) return AlarmNotFound(name);
    TimePoint now = clock_.Now();
    SetState(it->second, state, reason, reason_data.value_or(""), now);
    it->second.last_evaluated = now;
  }
  Status flushed = Flush();
  if (!flushed.ok()) return Unpersisted(flushed.error());
  return Json::object();
}

Result<Json> CloudWatchService::SetAlarmActions(const Input& input, const Caller& caller,
                                                bool enabled) {
  FERRY_ASSIGN_OR_RETURN(auto names, input.StringList("AlarmNames", kMaxAlarmNames));
  if (names.empty()) return MissingParameter("AlarmNames");
  {
    std::lock_guard lock(mu_);
    for (const auto& name : names) {
      auto it = alarms_.find({caller.account_id, caller.region, name});
      if (it != alarms_.end()) it->second.actions_enabled = enabled;
    }
  }
  Status flushed = Flush();
  if (!flushed.ok()) return Unpersisted(flushed.error());
  return Json::object();
}

}  // namespace ferry::sandbox::cloudwatch
