// Metric operations of the CloudWatch sandbox: PutMetricData, GetMetricData,
// GetMetricStatistics, ListMetrics.
#include <algorithm>
#include <cmath>
#include <regex>
#include <set>

#include "common/crypto.h"
#include "common/strings.h"
#include "common/time.h"
#include "sandbox/cloudwatch/cloudwatch_service.h"
#include "sandbox/cloudwatch/cw_input.h"
#include "sandbox/cloudwatch/cw_metric_common.h"
#include "sandbox/cloudwatch/cw_protocol.h"

namespace ferry::sandbox::cloudwatch {
namespace {

constexpr size_t kMaxMetricData = 1000;
constexpr size_t kMaxValues = 150;
constexpr size_t kMaxQueries = 500;
constexpr int64_t kMaxStatisticsDatapoints = 1440;
constexpr int64_t kDefaultMaxDatapoints = 100'800;
constexpr size_t kListMetricsPage = 500;
constexpr double kMinMagnitude = 8.515920e-109;
constexpr double kMaxMagnitude = 1.174271e+108;

Status CheckValue(double value, const std::string& path) {
  double magnitude = std::fabs(value);
  if (!std::isfinite(value) ||
      (magnitude != 0 && (magnitude < kMinMagnitude || magnitude > kMaxMagnitude))) {
    return InvalidParameterValue("The value " + std::to_string(value) + " for parameter " + path +
                                 " is invalid.");
  }
  return Ok();
}

// One metric datum of PutMetricData, validated.
struct Datum {
  MetricKey key;
  TimePoint timestamp;
  std::string unit;
  Aggregate sample;
};

Result<Datum> ParseDatum(const Input& item, const std::string& ns, const Caller& caller,
                         TimePoint now) {
  Datum d;
  FERRY_ASSIGN_OR_RETURN(std::string name, item.RequiredString("MetricName"));
  FERRY_RETURN_IF_ERROR(CheckLength(name, 1, 255, item.PathOf("MetricName")));
  FERRY_ASSIGN_OR_RETURN(Dimensions dims, ParseDimensions(item, "Dimensions"));
  d.key = {caller.account_id, caller.region, ns, name, std::move(dims)};
  FERRY_ASSIGN_OR_RETURN(auto timestamp, item.Time("Timestamp"));
  d.timestamp = timestamp.value_or(now);
  if (d.timestamp < now - std::chrono::hours(24 * 14) ||
      d.timestamp > now + std::chrono::hours(2)) {
    return InvalidParameterValue("The parameter " + item.PathOf("Timestamp") +
                                 " must specify a time no more than two weeks in the past and no "
                                 "more than two hours in the future.");
  }
  FERRY_ASSIGN_OR_RETURN(auto unit, item.String("Unit"));
  d.unit = unit.value_or("None");
  FERRY_RETURN_IF_ERROR(CheckUnit(d.unit, item.PathOf("Unit")));
  FERRY_ASSIGN_OR_RETURN(auto resolution, item.Int("StorageResolution"));
  if (resolution && *resolution != 1 && *resolution != 60) {
    return InvalidParameterValue("The parameter " + item.PathOf("StorageResolution") +
                                 " must be 1 or 60.");
  }

  FERRY_ASSIGN_OR_RETURN(auto value, item.Double("Value"));
  FERRY_ASSIGN_OR_RETURN(auto stats, item.Struct("StatisticValues"));
  FERRY_ASSIGN_OR_RETURN(auto values, item.List("Values", kMaxValues));
  FERRY_ASSIGN_OR_RETURN(auto counts, item.List("Counts", kMaxValues));
  int kinds = (value ? 1 : 0) + (stats ? 1 : 0) + (values.empty() ? 0 : 1);
  if (kinds > 1) {
    return InvalidParameterCombination("The parameters " + item.PathOf("Value") + ", " +
                                       item.PathOf("StatisticValues") + " and " +
                                       item.PathOf("Values") +
                                       " are mutually exclusive and you have specified more "
                                       "than one.");
  }
  if (kinds == 0) {
    return InvalidParameterCombination("One of the parameters " + item.PathOf("Value") + ", " +
                                       item.PathOf("StatisticValues") + " or " +
                                       item.PathOf("Values") + " must be specified.");
  }
  if (value) {
    FERRY_RETURN_IF_ERROR(CheckValue(*value, item.PathOf("Value")));
    d.sample.AddValue(*value, 1);
  } else if (stats) {
    double set[4];
    const char* names[] = {"SampleCount", "Sum", "Minimum", "Maximum"};
    for (int i = 0; i < 4; ++i) {
      FERRY_ASSIGN_OR_RETURN(auto v, stats->Double(names[i]));
      if (!v) return MissingParameter(stats->PathOf(names[i]));
      FERRY_RETURN_IF_ERROR(CheckValue(*v, stats->PathOf(names[i])));
      set[i] = *v;
    }
    if (set[0] <= 0 || set[2] > set[3]) {
      return InvalidParameterValue("The parameter " + item.PathOf("StatisticValues") +
                                   " must have a positive SampleCount and Minimum <= Maximum.");
    }
    d.sample.AddStatisticSet(set[0], set[1], set[2], set[3]);
  } else {
    if (!counts.empty() && counts.size() != values.size()) {
      return InvalidParameterValue("The parameters " + item.PathOf("Values") + " and " +
                                   item.PathOf("Counts") + " must be of the same size.");
    }
    for (size_t i = 0; i < values.size(); ++i) {
      Json holder = {{"v", values[i].node()}};
      FERRY_ASSIGN_OR_RETURN(auto v, Input(holder, "").Double("v"));
      std::string path = item.PathOf("Values.member." + std::to_string(i + 1));
      FERRY_RETURN_IF_ERROR(CheckValue(*v, path));
      double times = 1;
      if (!counts.empty()) {
        Json count_holder = {{"c", counts[i].node()}};
        FERRY_ASSIGN_OR_RETURN(auto c, Input(count_holder, "").Double("c"));
        if (!std::isfinite(*c) || *c < 0) {
          return InvalidParameterValue("The parameter " +
                                       item.PathOf("Counts.member." + std::to_string(i + 1)) +
                                       " must be a non-negative number.");
        }
        times = *c;
      }
      d.sample.AddValue(*v, times);
    }
  }
  return d;
}

Status ValidatePeriod(int64_t period, const std::string& path) {
  if (period <= 0 || period > 86400 * 366 ||
      (period % 60 != 0 && period != 1 && period != 5 && period != 10 && period != 20 &&
       period != 30)) {
    // The service model: "the period can be 1, 5, 10, 20, 30, 60, or any multiple of 60".
    return InvalidParameterValue("The parameter " + path +
                                 " must be 1, 5, 10, 20, 30 or a multiple of 60.");
  }
  return Ok();
}

// Whether CloudWatch answers datapoints at this period for a request starting at `start`. The
// service model (MetricStat.Period): when StartTime is more than 3 hours ago the period must be
// a multiple of 60 s (up to 15 days ago), of 300 s (15 to 63 days) or of 3,600 s (older), "or no
// data points in that time range is returned" — sub-minute data is kept 3 hours only.
bool PeriodRetained(TimePoint start, TimePoint now, int64_t period) {
  const auto age = now - start;
  int64_t multiple = 1;
  if (age > std::chrono::hours(24 * 63)) {
    multiple = 3600;
  } else if (age > std::chrono::hours(24 * 15)) {
    multiple = 300;
  } else if (age > std::chrono::hours(3)) {
    multiple = 60;
  }
  return period % multiple == 0;
}

// Period starts covering [start, end): aligned to the minute (or to the period when shorter).
std::vector<TimePoint> PeriodStarts(TimePoint start, TimePoint end, int64_t period) {
  int64_t granularity = std::min<int64_t>(period, 60);
  int64_t s = std::chrono::floor<std::chrono::seconds>(start.time_since_epoch()).count();
  s -= ((s % granularity) + granularity) % granularity;
  std::vector<TimePoint> out;
  for (TimePoint t = TimePoint(std::chrono::seconds(s)); t < end;
       t += std::chrono::seconds(period)) {
    out.push_back(t);
  }
  return out;
}

Json DimensionsOutput(const Dimensions& dims) {
  Json out = Json::array();
  for (const auto& [n, v] : dims) out.push_back({{"Name", n}, {"Value", v}});
  return out;
}

}  // namespace

Result<Json> CloudWatchService::PutMetricData(const Input& input, const Caller& caller) {
  FERRY_ASSIGN_OR_RETURN(std::string ns, input.RequiredString("Namespace"));
  FERRY_RETURN_IF_ERROR(CheckLength(ns, 1, 255, "Namespace"));
  if (ns.starts_with("AWS/")) {
    return InvalidParameterValue("The value AWS/ for parameter Namespace is invalid.");
  }
  FERRY_ASSIGN_OR_RETURN(auto items, input.List("MetricData", kMaxMetricData));
  if (items.empty()) return MissingParameter("MetricData");
  TimePoint now = clock_.Now();
  std::vector<Datum> data;
  for (const auto& item : items) {
    FERRY_ASSIGN_OR_RETURN(Datum d, ParseDatum(item, ns, caller, now));
    data.push_back(std::move(d));
  }
  std::lock_guard lock(mu_);
  std::set<MetricKey> touched;
  for (const auto& d : data) {
    Status added = store_.Add(d.key, d.timestamp, d.unit, d.sample, now);
    if (!added.ok()) return CwError(400, "LimitExceeded", added.error().message);
    touched.insert(d.key);
  }
  dirty_ = true;
  adds_since_prune_ += data.size();
  for (const auto& key : touched) EvaluateAlarmsForLocked(key, now);
  return Json::object();
}

Result<Json> CloudWatchService::GetMetricStatistics(const Input& input, const Caller& caller) {
  FERRY_ASSIGN_OR_RETURN(std::string ns, input.RequiredString("Namespace"));
  FERRY_ASSIGN_OR_RETURN(std::string name, input.RequiredString("MetricName"));
  FERRY_ASSIGN_OR_RETURN(Dimensions dims, ParseDimensions(input, "Dimensions"));
  FERRY_ASSIGN_OR_RETURN(auto start, input.Time("StartTime"));
  FERRY_ASSIGN_OR_RETURN(auto end, input.Time("EndTime"));
  if (!start) return MissingParameter("StartTime");
  if (!end) return MissingParameter("EndTime");
  if (*start >= *end) {
    return InvalidParameterValue(
        "The parameter StartTime must be less than the parameter "
        "EndTime.");
  }
  FERRY_ASSIGN_OR_RETURN(auto period, input.Int("Period"));
  if (!period) return MissingParameter("Period");
  FERRY_RETURN_IF_ERROR(ValidatePeriod(*period, "Period"));
  FERRY_ASSIGN_OR_RETURN(auto statistics, input.StringList("Statistics", 5));
  FERRY_ASSIGN_OR_RETURN(auto extended, input.StringList("ExtendedStatistics", 10));
  if (statistics.empty() == extended.empty()) {
    return InvalidParameterCombination(
        "Must specify either Statistics or ExtendedStatistics, "
        "but not both.");
  }
  std::vector<Statistic> stats;
  for (const auto& s : statistics) {
    auto parsed = ParseStatistic(s);
    if (!parsed.ok() || parsed->kind == Statistic::Kind::kPercentile) {
      return InvalidParameterValue("The parameter Statistics has an invalid value " +
                                   QuoteForMessage(s) + ".");
    }
    stats.push_back(*parsed);
  }
  for (const auto& s : extended) {
    auto parsed = ParseStatistic(s);
    if (!parsed.ok() || parsed->kind != Statistic::Kind::kPercentile) {
      return InvalidParameterValue("The parameter ExtendedStatistics has an invalid value " +
                                   QuoteForMessage(s) + ".");
    }
    stats.push_back(*parsed);
  }
  FERRY_ASSIGN_OR_RETURN(auto unit, input.String("Unit"));
  if (unit) FERRY_RETURN_IF_ERROR(CheckUnit(*unit, "Unit"));
  auto starts = PeriodStarts(*start, *end, *period);
  if (static_cast<int64_t>(starts.size()) > kMaxStatisticsDatapoints) {
    return InvalidParameterCombination(
        "You have requested up to " + std::to_string(starts.size()) +
        " datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested "
        "by increasing Period, or decreasing the time range.");
  }
  MetricKey key{caller.account_id, caller.region, ns, name, std::move(dims)};
  Json datapoints = Json::array();
  std::lock_guard lock(mu_);
  for (TimePoint t : starts) {
    auto slice = store_.Query(key, t, t + std::chrono::seconds(*period), unit);
    if (slice.aggregate.empty()) continue;
    Json point = {{"Timestamp", OutputTimestamp(t)}, {"Unit", slice.unit}};
    Json extended_values = Json::object();
    for (const auto& s : stats) {
      auto value = Compute(s, slice.aggregate);
      if (!value) continue;
      if (s.kind == Statistic::Kind::kPercentile) {
        extended_values[s.name] = *value;
      } else {
        point[s.name] = *value;
      }
    }
    if (!extended.empty()) point["ExtendedStatistics"] = OutputMap(extended_values);
    datapoints.push_back(std::move(point));
  }
  return Json{{"Label", name}, {"Datapoints", datapoints}};
}

Result<Json> CloudWatchService::GetMetricData(const Input& input, const Caller& caller) {
  FERRY_ASSIGN_OR_RETURN(auto queries, input.List("MetricDataQueries", kMaxQueries));
  if (queries.empty()) return MissingParameter("MetricDataQueries");
  FERRY_ASSIGN_OR_RETURN(auto start, input.Time("StartTime"));
  FERRY_ASSIGN_OR_RETURN(auto end, input.Time("EndTime"));
  if (!start) return MissingParameter("StartTime");
  if (!end) return MissingParameter("EndTime");
  if (*start >= *end) {
    return InvalidParameterValue(
        "The parameter StartTime must be less than the parameter "
        "EndTime.");
  }
  FERRY_ASSIGN_OR_RETURN(auto scan_by, input.String("ScanBy"));
  if (scan_by && *scan_by != "TimestampDescending" && *scan_by != "TimestampAscending") {
    return InvalidParameterValue(
        "The parameter ScanBy must be TimestampDescending or "
        "TimestampAscending.");
  }
  bool ascending = scan_by && *scan_by == "TimestampAscending";
  FERRY_ASSIGN_OR_RETURN(auto max_datapoints, input.Int("MaxDatapoints"));
  int64_t page_size = max_datapoints.value_or(kDefaultMaxDatapoints);
  if (page_size <= 0) {
    return InvalidParameterValue("The parameter MaxDatapoints must be greater than 0.");
  }

  struct Query {
    std::string id;
    std::string label;
    MetricKey key;
    int64_t period;
    Statistic stat;
    std::optional<std::string> unit;
  };
  std::vector<Query> returned;
  std::set<std::string> ids;
  static const std::regex kId("^[a-z][a-zA-Z0-9_]*$");
  for (const auto& q : queries) {
    FERRY_ASSIGN_OR_RETURN(std::string id, q.RequiredString("Id"));
    if (id.size() > 255 || !std::regex_match(id, kId)) {
      return InvalidParameterValue("The value " + QuoteForMessage(id) + " for parameter " +
                                   q.PathOf("Id") +
                                   " is invalid: it must start with a lowercase letter and "
                                   "contain only letters, digits and underscores.");
    }
    if (!ids.insert(id).second) {
      return InvalidParameterValue(
          "The values for parameter Id in MetricDataQueries must be "
          "unique; " +
          QuoteForMessage(id) + " is repeated.");
    }
    FERRY_ASSIGN_OR_RETURN(auto expression, q.String("Expression"));
    FERRY_ASSIGN_OR_RETURN(auto metric_stat, q.Struct("MetricStat"));
    if (expression && metric_stat) {
      return InvalidParameterCombination("The parameters " + q.PathOf("MetricStat") + " and " +
                                         q.PathOf("Expression") + " are mutually exclusive.");
    }
    if (expression) {
      return InvalidParameterValue("Metric math (" + q.PathOf("Expression") +
                                   ") is not supported by ferry sandbox; use MetricStat.");
    }
    if (!metric_stat) return MissingParameter(q.PathOf("MetricStat"));
    FERRY_ASSIGN_OR_RETURN(auto metric, metric_stat->Struct("Metric"));
    if (!metric) return MissingParameter(metric_stat->PathOf("Metric"));
    Query query;
    query.id = id;
    FERRY_ASSIGN_OR_RETURN(std::string ns, metric->RequiredString("Namespace"));
    FERRY_ASSIGN_OR_RETURN(std::string name, metric->RequiredString("MetricName"));
    FERRY_ASSIGN_OR_RETURN(Dimensions dims, ParseDimensions(*metric, "Dimensions"));
    query.key = {caller.account_id, caller.region, ns, name, std::move(dims)};
    FERRY_ASSIGN_OR_RETURN(auto period, metric_stat->Int("Period"));
    if (!period) return MissingParameter(metric_stat->PathOf("Period"));
    FERRY_RETURN_IF_ERROR(ValidatePeriod(*period, metric_stat->PathOf("Period")));
    query.period = *period;
    FERRY_ASSIGN_OR_RETURN(std::string stat, metric_stat->RequiredString("Stat"));
    auto parsed = ParseStatistic(stat);
    if (!parsed.ok()) return InvalidParameterValue(parsed.error().message);
    query.stat = *parsed;
    FERRY_ASSIGN_OR_RETURN(query.unit, metric_stat->String("Unit"));
    if (query.unit) FERRY_RETURN_IF_ERROR(CheckUnit(*query.unit, metric_stat->PathOf("Unit")));
    FERRY_ASSIGN_OR_RETURN(auto label, q.String("Label"));
    query.label = label.value_or(name);
    FERRY_ASSIGN_OR_RETURN(auto return_data, q.Bool("ReturnData"));
    if (return_data.value_or(true)) returned.push_back(std::move(query));
  }

  // The token binds the page offset to this request, so a token from another request fails.
  std::string fingerprint =
      Sha256Hex(DumpJson(input.node().value("MetricDataQueries", Json())) + "|" +
                std::to_string(ToUnixMillis(*start)) + "|" + std::to_string(ToUnixMillis(*end)) +
                "|" + (ascending ? "a" : "d"))
          .substr(0, 16);
  int64_t offset = 0;
  FERRY_ASSIGN_OR_RETURN(auto token, input.String("NextToken"));
  if (token) {
    auto decoded = Base64Decode(*token);
    auto parts = decoded.ok() ? Split(*decoded, ':') : std::vector<std::string>{};
    auto parsed_offset = parts.size() == 2 ? ParseInt(parts[1]) : std::nullopt;
    if (parts.size() != 2 || parts[0] != fingerprint || !parsed_offset || *parsed_offset < 0) {
      return CwError(400, "InvalidNextToken", "The service couldn't process the NextToken.");
    }
    offset = *parsed_offset;
  }

  struct Series {
    std::vector<TimePoint> timestamps;
    std::vector<double> values;
  };
  std::vector<Series> series(returned.size());
  const TimePoint now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < returned.size(); ++i) {
      const Query& q = returned[i];
      if (!PeriodRetained(*start, now, q.period)) continue;
      for (TimePoint t : PeriodStarts(*start, *end, q.period)) {
        auto slice = store_.Query(q.key, t, t + std::chrono::seconds(q.period), q.unit);
        auto value = Compute(q.stat, slice.aggregate);
        if (!value) continue;
        series[i].timestamps.push_back(t);
        series[i].values.push_back(*value);
      }
      if (!ascending) {
        std::reverse(series[i].timestamps.begin(), series[i].timestamps.end());
        std::reverse(series[i].values.begin(), series[i].values.end());
      }
    }
  }
  // Pages cut the concatenation of every query's datapoints into MaxDatapoints pieces.
  Json results = Json::array();
  int64_t position = 0;
  int64_t page_end = offset + page_size;
  bool more = false;
  for (size_t i = 0; i < returned.size(); ++i) {
    const int64_t n = static_cast<int64_t>(series[i].values.size());
    int64_t from = std::max<int64_t>(offset - position, 0);
    int64_t to = std::min<int64_t>(page_end - position, n);
    bool first_page_empty_series = n == 0 && position >= offset && position < page_end;
    if (from < to || first_page_empty_series) {
      Json timestamps = Json::array();
      Json values = Json::array();
      for (int64_t j = from; j < to; ++j) {
        timestamps.push_back(OutputTimestamp(series[i].timestamps[j]));
        values.push_back(series[i].values[j]);
      }
      results.push_back({{"Id", returned[i].id},
                         {"Label", returned[i].label},
                         {"Timestamps", timestamps},
                         {"Values", values},
                         {"StatusCode", to < n ? "PartialData" : "Complete"}});
    }
    position += n;
  }
  more = position > page_end;
  Json output = {{"MetricDataResults", results}, {"Messages", Json::array()}};
  if (more) output["NextToken"] = Base64Encode(fingerprint + ":" + std::to_string(page_end));
  return output;
}

Result<Json> CloudWatchService::ListMetrics(const Input& input, const Caller& caller) {
  FERRY_ASSIGN_OR_RETURN(auto ns, input.String("Namespace"));
  FERRY_ASSIGN_OR_RETURN(auto name, input.String("MetricName"));
  FERRY_ASSIGN_OR_RETURN(auto filters, input.List("Dimensions", 10));
  std::vector<std::pair<std::string, std::optional<std::string>>> wanted;
  for (const auto& f : filters) {
    FERRY_ASSIGN_OR_RETURN(std::string n, f.RequiredString("Name"));
    FERRY_ASSIGN_OR_RETURN(auto v, f.String("Value"));
    wanted.emplace_back(n, v);
  }
  FERRY_ASSIGN_OR_RETURN(auto recently, input.String("RecentlyActive"));
  if (recently && *recently != "PT3H") {
    return InvalidParameterValue("The parameter RecentlyActive must be PT3H.");
  }
  int64_t offset = 0;
  FERRY_ASSIGN_OR_RETURN(auto token, input.String("NextToken"));
  if (token) {
    auto decoded = Base64Decode(*token);
    auto parsed = decoded.ok() && decoded->starts_with("o:")
                      ? ParseInt(std::string_view(*decoded).substr(2))
                      : std::nullopt;
    if (!parsed || *parsed < 0) {
      return CwError(400, "InvalidNextToken", "The service couldn't process the NextToken.");
    }
    offset = *parsed;
  }
  std::optional<TimePoint> since;
  if (recently) since = clock_.Now() - std::chrono::hours(3);
  std::vector<MetricKey> keys;
  {
    std::lock_guard lock(mu_);
    keys = store_.List(caller.account_id, caller.region, since);
  }
  std::vector<const MetricKey*> matching;
  for (const auto& key : keys) {
    if ((ns && key.ns != *ns) || (name && key.name != *name)) continue;
    bool ok = std::all_of(wanted.begin(), wanted.end(), [&](const auto& w) {
      return std::any_of(key.dimensions.begin(), key.dimensions.end(), [&](const auto& d) {
        return d.first == w.first && (!w.second || d.second == *w.second);
      });
    });
    if (ok) matching.push_back(&key);
  }
  Json metrics = Json::array();
  size_t begin = std::min<size_t>(static_cast<size_t>(offset), matching.size());
  size_t end = std::min(matching.size(), begin + kListMetricsPage);
  for (size_t i = begin; i < end; ++i) {
    metrics.push_back({{"Namespace", matching[i]->ns},
                       {"MetricName", matching[i]->name},
                       {"Dimensions", DimensionsOutput(matching[i]->dimensions)}});
  }
  Json output = {{"Metrics", metrics}};
  if (end < matching.size()) output["NextToken"] = Base64Encode("o:" + std::to_string(end));
  return output;
}

}  // namespace ferry::sandbox::cloudwatch
