#include "sandbox/cloudwatch/alarms.h"

#include <cmath>
#include <cstdio>

#include "common/json.h"
#include "common/time.h"

namespace ferry::sandbox::cloudwatch {
namespace {

constexpr size_t kMaxHistory = 100;

bool Breaches(const std::string& op, double value, double threshold) {
  if (op == "GreaterThanOrEqualToThreshold") return value >= threshold;
  if (op == "GreaterThanThreshold") return value > threshold;
  if (op == "LessThanThreshold") return value < threshold;
  if (op == "LessThanOrEqualToThreshold") return value <= threshold;
  return false;
}

std::string OperatorPhrase(const std::string& op) {
  if (op == "GreaterThanOrEqualToThreshold") return "greater than or equal to";
  if (op == "GreaterThanThreshold") return "greater than";
  if (op == "LessThanThreshold") return "less than";
  return "less than or equal to";
}

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  if (std::fabs(v - std::round(v * 10) / 10) > 1e-9) std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

std::string ShortTime(TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%d/%m/%y %H:%M:%S", &tm);
  return buf;
}

}  // namespace

std::string Alarm::Arn() const {
  return "arn:aws:cloudwatch:" + metric.region + ":" + metric.account + ":alarm:" + name;
}

bool IsComparisonOperator(const std::string& op) {
  return op == "GreaterThanOrEqualToThreshold" || op == "GreaterThanThreshold" ||
         op == "LessThanThreshold" || op == "LessThanOrEqualToThreshold";
}

bool IsTreatMissingData(const std::string& value) {
  return value == "breaching" || value == "notBreaching" || value == "ignore" || value == "missing";
}

void SetState(Alarm& alarm, const std::string& state, const std::string& reason,
              const std::string& reason_data, TimePoint now) {
  std::string old = alarm.state;
  alarm.state_reason = reason;
  alarm.state_reason_data = reason_data;
  if (old == state) return;
  alarm.state = state;
  alarm.state_updated = now;
  alarm.state_transitioned = now;
  Json data = {{"version", "1.0"},
               {"oldState", {{"stateValue", old}}},
               {"newState", {{"stateValue", state}, {"stateReason", reason}}}};
  alarm.history.push_back(
      {now, "StateUpdate", "Alarm updated from " + old + " to " + state, DumpJson(data)});
  while (alarm.history.size() > kMaxHistory) alarm.history.pop_front();
}

bool Evaluate(Alarm& alarm, const MetricStore& store, TimePoint now) {
  alarm.last_evaluated = now;
  auto statistic =
      ParseStatistic(alarm.extended_statistic.empty() ? alarm.statistic : alarm.extended_statistic);
  if (!statistic.ok()) return false;
  const auto period = std::chrono::seconds(alarm.period);
  int64_t now_s = std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
  TimePoint newest_start = TimePoint(std::chrono::seconds(now_s - now_s % alarm.period));

  struct Point {
    TimePoint start;
    std::optional<double> value;
  };
  std::vector<Point> points;  // newest first
  for (int64_t k = 0; k < alarm.evaluation_periods; ++k) {
    TimePoint start = newest_start - k * period;
    auto slice = store.Query(alarm.metric, start, start + period, alarm.unit);
    points.push_back({start, Compute(*statistic, slice.aggregate)});
  }
  int present = 0;
  int breaching = 0;
  std::vector<std::string> shown;
  Json recent = Json::array();
  Json timestamps = Json::array();
  for (const auto& p : points) {
    if (p.value) {
      ++present;
      if (Breaches(alarm.comparison, *p.value, alarm.threshold)) ++breaching;
      shown.push_back(Number(*p.value) + " (" + ShortTime(p.start) + ")");
      recent.push_back(*p.value);
      timestamps.push_back(FormatRfc3339(p.start));
    } else if (alarm.treat_missing_data == "breaching") {
      ++breaching;
    }
  }
  const int64_t m = alarm.datapoints_to_alarm;
  const int64_t n = alarm.evaluation_periods;
  std::string new_state;
  std::string reason;
  if (present == 0 && alarm.treat_missing_data == "missing") {
    new_state = "INSUFFICIENT_DATA";
    reason = "Insufficient Data: " + std::to_string(n) + " datapoint" +
             (n == 1 ? " was" : "s were") + " unknown.";
  } else if (present == 0 && alarm.treat_missing_data == "ignore") {
    return false;
  } else {
    new_state = breaching >= m ? "ALARM" : "OK";
    std::string joined;
    for (size_t i = 0; i < shown.size(); ++i) joined += (i ? ", " : "") + shown[i];
    reason = std::string("Threshold Crossed: ") +
             std::to_string(new_state == "ALARM" ? breaching : present - breaching) +
             " out of the last " + std::to_string(n) + " datapoints [" + joined + "] " +
             (new_state == "ALARM" ? "was " : "was not ") + OperatorPhrase(alarm.comparison) +
             " the threshold (" + Number(alarm.threshold) + ") (minimum " + std::to_string(m) +
             " datapoint" + (m == 1 ? "" : "s") + " for " +
             (new_state == "ALARM" ? "OK -> ALARM" : "ALARM -> OK") + " transition).";
  }
  Json data = {{"version", "1.0"},
               {"queryDate", FormatRfc3339(now)},
               {"statistic", statistic->name},
               {"period", alarm.period},
               {"recentDatapoints", recent},
               {"startDate", FormatRfc3339(points.back().start)},
               {"threshold", alarm.threshold},
               {"evaluatedDatapoints", timestamps}};
  bool changed = new_state != alarm.state;
  if (changed || alarm.state_reason != reason)
    SetState(alarm, new_state, reason, DumpJson(data), now);
  return changed;
}

Json AlarmToJson(const Alarm& a) {
  Json dims = Json::array();
  for (const auto& [n, v] : a.metric.dimensions) dims.push_back({n, v});
  Json tags = Json::array();
  for (const auto& [k, v] : a.tags) tags.push_back({k, v});
  Json history = Json::array();
  for (const auto& h : a.history) {
    history.push_back({ToUnixMillis(h.timestamp), h.type, h.summary, h.data});
  }
  return {{"account", a.metric.account},
          {"region", a.metric.region},
          {"namespace", a.metric.ns},
          {"metric", a.metric.name},
          {"dimensions", dims},
          {"name", a.name},
          {"description", a.description},
          {"actions_enabled", a.actions_enabled},
          {"ok_actions", a.ok_actions},
          {"alarm_actions", a.alarm_actions},
          {"insufficient_data_actions", a.insufficient_data_actions},
          {"statistic", a.statistic},
          {"extended_statistic", a.extended_statistic},
          {"period", a.period},
          {"unit", a.unit ? Json(*a.unit) : Json()},
          {"evaluation_periods", a.evaluation_periods},
          {"datapoints_to_alarm", a.datapoints_to_alarm},
          {"threshold", a.threshold},
          {"comparison", a.comparison},
          {"treat_missing_data", a.treat_missing_data},
          {"evaluate_low_sample_count_percentile", a.evaluate_low_sample_count_percentile},
          {"tags", tags},
          {"state", a.state},
          {"state_reason", a.state_reason},
          {"state_reason_data", a.state_reason_data},
          {"state_updated", ToUnixMillis(a.state_updated)},
          {"state_transitioned", ToUnixMillis(a.state_transitioned)},
          {"configuration_updated", ToUnixMillis(a.configuration_updated)},
          {"last_evaluated", ToUnixMillis(a.last_evaluated)},
          {"history", history}};
}

Result<Alarm> AlarmFromJson(const Json& j) {
  try {
    Alarm a;
    a.metric.account = j.at("account").get<std::string>();
    a.metric.region = j.at("region").get<std::string>();
    a.metric.ns = j.at("namespace").get<std::string>();
    a.metric.name = j.at("metric").get<std::string>();
    for (const Json& d : j.at("dimensions")) {
      a.metric.dimensions.emplace_back(d.at(0).get<std::string>(), d.at(1).get<std::string>());
    }
    a.name = j.at("name").get<std::string>();
    a.description = j.at("description").get<std::string>();
    a.actions_enabled = j.at("actions_enabled").get<bool>();
    a.ok_actions = j.at("ok_actions").get<std::vector<std::string>>();
    a.alarm_actions = j.at("alarm_actions").get<std::vector<std::string>>();
    a.insufficient_data_actions = j.at("insufficient_data_actions").get<std::vector<std::string>>();
    a.statistic = j.at("statistic").get<std::string>();
    a.extended_statistic = j.at("extended_statistic").get<std::string>();
    a.period = j.at("period").get<int64_t>();
    if (!j.at("unit").is_null()) a.unit = j.at("unit").get<std::string>();
    a.evaluation_periods = j.at("evaluation_periods").get<int64_t>();
    a.datapoints_to_alarm = j.at("datapoints_to_alarm").get<int64_t>();
    a.threshold = j.at("threshold").get<double>();
    a.comparison = j.at("comparison").get<std::string>();
    a.treat_missing_data = j.at("treat_missing_data").get<std::string>();
    a.evaluate_low_sample_count_percentile =
        j.at("evaluate_low_sample_count_percentile").get<std::string>();
    for (const Json& t : j.at("tags")) {
      a.tags.emplace_back(t.at(0).get<std::string>(), t.at(1).get<std::string>());
    }
    a.state = j.at("state").get<std::string>();
    a.state_reason = j.at("state_reason").get<std::string>();
    a.state_reason_data = j.at("state_reason_data").get<std::string>();
    a.state_updated = FromUnixMillis(j.at("state_updated").get<int64_t>());
    a.state_transitioned = FromUnixMillis(j.at("state_transitioned").get<int64_t>());
    a.configuration_updated = FromUnixMillis(j.at("configuration_updated").get<int64_t>());
    a.last_evaluated = FromUnixMillis(j.at("last_evaluated").get<int64_t>());
    for (const Json& h : j.at("history")) {
      a.history.push_back({FromUnixMillis(h.at(0).get<int64_t>()), h.at(1).get<std::string>(),
                           h.at(2).get<std::string>(), h.at(3).get<std::string>()});
    }
    if (a.period <= 0 || a.evaluation_periods <= 0) return InvalidArgument("bad alarm period");
    return a;
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("malformed alarm: ") + e.what());
  }
}

}  // namespace ferry::sandbox::cloudwatch
