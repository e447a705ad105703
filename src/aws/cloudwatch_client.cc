#include "aws/cloudwatch_client.h"

#include <cmath>

#include "common/json.h"
#include "common/strings.h"
#include "common/time.h"

namespace ferry::aws {
namespace {

Error Malformed(std::string_view operation, std::string_view what) {
  return Error{ErrorCode::kUnavailable,
               StrCat({"malformed CloudWatch ", operation, " response: ", what})};
}

double EpochSeconds(TimePoint t) { return static_cast<double>(ToUnixMillis(t)) / 1000.0; }

// awsJson timestamps are epoch seconds; accept RFC 3339 strings too.
std::optional<TimePoint> ToTime(const Json& v) {
  if (v.is_number()) {
    const double s = v.get<double>();
    if (!std::isfinite(s) || std::fabs(s) > 1e11) return std::nullopt;
    return FromUnixMillis(static_cast<int64_t>(std::llround(s * 1000.0)));
  }
  if (v.is_string()) return ParseRfc3339(v.get<std::string>());
  return std::nullopt;
}

Json Dimensions(const std::vector<MetricDimension>& dims) {
  Json out = Json::array();
  for (const auto& d : dims) out.push_back({{"Name", d.name}, {"Value", d.value}});
  return out;
}

std::string Str(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<double> Num(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

Result<std::vector<MetricDimension>> ReadDimensions(const Json& obj, std::string_view op) {
  std::vector<MetricDimension> out;
  auto it = obj.find("Dimensions");
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_array()) return Malformed(op, "Dimensions is not a list");
  for (const Json& d : *it) {
    if (!d.is_object()) return Malformed(op, "a dimension is not an object");
    out.push_back({Str(d, "Name"), Str(d, "Value")});
  }
  return out;
}

// The array member `key` of obj, or an empty array; an error when present but not an array.
Result<Json> Array(const Json& obj, const char* key, std::string_view op) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Json::array();
  if (!it->is_array()) return Malformed(op, StrCat({key, " is not a list"}));
  return *it;
}

}  // namespace

ServiceConfig CloudWatchServiceConfig(std::string endpoint, std::string region) {
  ServiceConfig config;
  config.endpoint = std::move(endpoint);
  config.region = std::move(region);
  config.signing_name = "monitoring";
  config.service_name = "cloudwatch";
  config.protocol = Protocol::kJson10;
  return config;
}

CloudWatchClient::CloudWatchClient(ServiceConfig config, ServiceDeps deps)
    : service_(std::move(config), deps) {}

namespace {

OperationCall JsonCall(const std::string& operation, ApiClass api_class, const Json& body,
                       bool retry_safe = true) {
  OperationCall call;
  call.operation = operation;
  call.api_class = api_class;
  call.method = "POST";
  call.path_and_query = "/";
  call.body = DumpJson(body);
  call.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                  {"X-Amz-Target", "GraniteServiceVersion20100801." + operation},
                  {"x-amzn-query-mode", "true"}};
  call.retry_safe = retry_safe;
  return call;
}

Result<Json> ParseBody(const std::string& body, std::string_view op) {
  if (body.empty()) return Json::object();
  auto parsed = ParseJson(body, JsonLimits{16 * 1024 * 1024, 32});
  if (!parsed.ok()) return Malformed(op, parsed.error().message);
  if (!parsed->is_object()) return Malformed(op, "not a JSON object");
  return parsed;
}

}  // namespace

Result<GetMetricDataResult> CloudWatchClient::GetMetricData(const GetMetricDataRequest& request,
                                                            std::stop_token stop) {
  constexpr std::string_view kOp = "GetMetricData";
  Json queries = Json::array();
  for (const auto& q : request.queries) {
    Json query = {{"Id", q.id}, {"ReturnData", q.return_data}};
    if (!q.label.empty()) query["Label"] = q.label;
    if (!q.expression.empty()) {
      query["Expression"] = q.expression;
      query["Period"] = q.period_seconds;
    } else {
      Json stat = {{"Metric",
                    {{"Namespace", q.namespace_},
                     {"MetricName", q.metric_name},
                     {"Dimensions", Dimensions(q.dimensions)}}},
                   {"Period", q.period_seconds},
                   {"Stat", q.stat}};
      if (!q.unit.empty()) stat["Unit"] = q.unit;
      query["MetricStat"] = std::move(stat);
    }
    queries.push_back(std::move(query));
  }
  Json body = {{"MetricDataQueries", std::move(queries)},
               {"StartTime", EpochSeconds(request.start_time)},
               {"EndTime", EpochSeconds(request.end_time)}};
  if (!request.next_token.empty()) body["NextToken"] = request.next_token;
  if (!request.scan_by.empty()) body["ScanBy"] = request.scan_by;
  if (request.max_datapoints > 0) body["MaxDatapoints"] = request.max_datapoints;
  FERRY_ASSIGN_OR_RETURN(
      auto result,
      service_.Call(JsonCall(std::string(kOp), ApiClass::kCloudWatchGetMetricData, body), stop));
  FERRY_ASSIGN_OR_RETURN(Json json, ParseBody(result.response.body, kOp));
  GetMetricDataResult out;
  out.request_id = result.request_id;
  out.next_token = Str(json, "NextToken");
  FERRY_ASSIGN_OR_RETURN(Json results, Array(json, "MetricDataResults", kOp));
  for (const Json& r : results) {
    if (!r.is_object()) return Malformed(kOp, "a result is not an object");
    MetricDataResult m{Str(r, "Id"), Str(r, "Label"), Str(r, "StatusCode"), {}, {}};
    FERRY_ASSIGN_OR_RETURN(Json timestamps, Array(r, "Timestamps", kOp));
    FERRY_ASSIGN_OR_RETURN(Json values, Array(r, "Values", kOp));
    if (timestamps.size() != values.size()) {
      return Malformed(kOp, "Timestamps and Values differ in length");
    }
    for (size_t i = 0; i < timestamps.size(); ++i) {
      auto t = ToTime(timestamps[i]);
      if (!t.has_value() || !values[i].is_number()) {
        return Malformed(kOp, "a datapoint is not a timestamp and a number");
      }
      m.timestamps.push_back(*t);
      m.values.push_back(values[i].get<double>());
    }
    out.results.push_back(std::move(m));
  }
  return out;
}

Result<GetMetricStatisticsResult> CloudWatchClient::GetMetricStatistics(
    const GetMetricStatisticsRequest& request, std::stop_token stop) {
  constexpr std::string_view kOp = "GetMetricStatistics";
  Json body = {{"Namespace", request.namespace_},
               {"MetricName", request.metric_name},
               {"Dimensions", Dimensions(request.dimensions)},
               {"StartTime", EpochSeconds(request.start_time)},
               {"EndTime", EpochSeconds(request.end_time)},
               {"Period", request.period_seconds}};
  if (!request.statistics.empty()) body["Statistics"] = request.statistics;
  if (!request.extended_statistics.empty()) {
    body["ExtendedStatistics"] = request.extended_statistics;
  }
  if (!request.unit.empty()) body["Unit"] = request.unit;
  FERRY_ASSIGN_OR_RETURN(
      auto result,
      service_.Call(JsonCall(std::string(kOp), ApiClass::kCloudWatchGetMetricStatistics, body),
                    stop));
  FERRY_ASSIGN_OR_RETURN(Json json, ParseBody(result.response.body, kOp));
  GetMetricStatisticsResult out;
  out.request_id = result.request_id;
  out.label = Str(json, "Label");
  FERRY_ASSIGN_OR_RETURN(Json points, Array(json, "Datapoints", kOp));
  for (const Json& p : points) {
    if (!p.is_object()) return Malformed(kOp, "a datapoint is not an object");
    auto ts = p.find("Timestamp");
    std::optional<TimePoint> t = ts != p.end() ? ToTime(*ts) : std::nullopt;
    if (!t.has_value()) return Malformed(kOp, "a datapoint without a valid Timestamp");
    MetricDatapoint d;
    d.timestamp = *t;
    d.sample_count = Num(p, "SampleCount");
    d.average = Num(p, "Average");
    d.sum = Num(p, "Sum");
    d.minimum = Num(p, "Minimum");
    d.maximum = Num(p, "Maximum");
    d.unit = Str(p, "Unit");
    if (auto ext = p.find("ExtendedStatistics"); ext != p.end() && ext->is_object()) {
      for (auto it = ext->begin(); it != ext->end(); ++it) {
        if (it.value().is_number()) d.extended[it.key()] = it.value().get<double>();
      }
    }
    out.datapoints.push_back(std::move(d));
  }
  return out;
}

Result<DescribeAlarmsResult> CloudWatchClient::DescribeAlarms(const DescribeAlarmsRequest& request,
                                                              std::stop_token stop) {
  constexpr std::string_view kOp = "DescribeAlarms";
  Json body = Json::object();
  if (!request.alarm_names.empty()) body["AlarmNames"] = request.alarm_names;
  if (!request.alarm_name_prefix.empty()) body["AlarmNamePrefix"] = request.alarm_name_prefix;
  if (!request.state_value.empty()) body["StateValue"] = request.state_value;
  if (!request.next_token.empty()) body["NextToken"] = request.next_token;
  if (request.max_records > 0) body["MaxRecords"] = request.max_records;
  FERRY_ASSIGN_OR_RETURN(
      auto result,
      service_.Call(JsonCall(std::string(kOp), ApiClass::kCloudWatchDescribeAlarms, body), stop));
  FERRY_ASSIGN_OR_RETURN(Json json, ParseBody(result.response.body, kOp));
  DescribeAlarmsResult out;
  out.request_id = result.request_id;
  out.next_token = Str(json, "NextToken");
  FERRY_ASSIGN_OR_RETURN(Json alarms, Array(json, "MetricAlarms", kOp));
  for (const Json& a : alarms) {
    if (!a.is_object()) return Malformed(kOp, "an alarm is not an object");
    MetricAlarm m;
    m.alarm_name = Str(a, "AlarmName");
    m.alarm_arn = Str(a, "AlarmArn");
    m.description = Str(a, "AlarmDescription");
    m.state_value = Str(a, "StateValue");
    m.state_reason = Str(a, "StateReason");
    if (auto it = a.find("StateUpdatedTimestamp"); it != a.end()) m.state_updated = ToTime(*it);
    m.namespace_ = Str(a, "Namespace");
    m.metric_name = Str(a, "MetricName");
    FERRY_ASSIGN_OR_RETURN(m.dimensions, ReadDimensions(a, kOp));
    m.statistic = Str(a, "Statistic");
    m.period_seconds = static_cast<int>(Num(a, "Period").value_or(0));
    m.evaluation_periods = static_cast<int>(Num(a, "EvaluationPeriods").value_or(0));
    m.threshold = Num(a, "Threshold").value_or(0);
    m.comparison_operator = Str(a, "ComparisonOperator");
    if (m.alarm_name.empty()) return Malformed(kOp, "an alarm without AlarmName");
    out.metric_alarms.push_back(std::move(m));
  }
  FERRY_ASSIGN_OR_RETURN(Json composites, Array(json, "CompositeAlarms", kOp));
  for (const Json& c : composites) {
    if (c.is_object()) out.composite_alarm_names.push_back(Str(c, "AlarmName"));
  }
  return out;
}

Result<ResponseMetadata> CloudWatchClient::PutMetricData(const std::string& namespace_,
                                                         const std::vector<MetricDatum>& data,
                                                         std::stop_token stop) {
  Json datums = Json::array();
  for (const auto& d : data) {
    if (!std::isfinite(d.value)) {
      return InvalidArgument("cloudwatch PutMetricData: value of " + d.metric_name +
                             " is not finite");
    }
    Json datum = {{"MetricName", d.metric_name},
                  {"Dimensions", Dimensions(d.dimensions)},
                  {"Value", d.value}};
    if (d.timestamp) datum["Timestamp"] = EpochSeconds(*d.timestamp);
    if (!d.unit.empty()) datum["Unit"] = d.unit;
    datums.push_back(std::move(datum));
  }
  FERRY_ASSIGN_OR_RETURN(auto result,
                         service_.Call(JsonCall("PutMetricData", ApiClass::kCloudWatchPutMetricData,
                                                {{"Namespace", namespace_}, {"MetricData", datums}},
                                                /*retry_safe=*/false),
                                       stop));
  return ResponseMetadata{result.request_id};
}

}  // namespace ferry::aws
