// Alarm configuration and state evaluation of the CloudWatch sandbox.
#include <gtest/gtest.h>

#include "common/json.h"
#include "common/time.h"
#include "sandbox/cloudwatch/cloudwatch_service.h"

namespace ferry::sandbox::cloudwatch {
namespace {

class CloudWatchAlarmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cw_ = std::move(CloudWatchService::Create(CloudWatchOptions{}, clock_, ids_)).value();
  }

  Response Call(const std::string& action, const Json& body) {
    Request r;
    r.method = "POST";
    r.raw_path = r.path = "/";
    r.headers["x-amz-target"] = "GraniteServiceVersion20100801." + action;
    r.body = body.dump();
    return cw_->Handle(r, {"000000000000", "test", "us-east-1", ""});
  }
  Json Ok(const std::string& action, const Json& body) {
    auto r = Call(action, body);
    EXPECT_EQ(r.status, 200) << action << ": " << r.body;
    auto parsed = ParseJson(r.body);
    return parsed.ok() ? *parsed : Json();
  }
  void RecordError(double value) {
    cw_->Record({"000000000000",
                 "us-east-1",
                 "AWS/Lambda",
                 "Errors",
                 {{"FunctionName", "orders"}},
                 value,
                 "Count",
                 clock_.Now()});
  }
  Json ErrorsAlarm(const std::string& name, Json extra = Json::object()) {
    Json body = {{"AlarmName", name},
                 {"Namespace", "AWS/Lambda"},
                 {"MetricName", "Errors"},
                 {"Dimensions", {{{"Name", "FunctionName"}, {"Value", "orders"}}}},
                 {"Statistic", "Sum"},
                 {"Period", 60},
                 {"EvaluationPeriods", 1},
                 {"Threshold", 1},
                 {"ComparisonOperator", "GreaterThanOrEqualToThreshold"}};
    body.update(extra);
    return body;
  }
  Json Describe(const std::string& name) {
    Json out = Ok("DescribeAlarms", {{"AlarmNames", {name}}});
    return out["MetricAlarms"].empty() ? Json() : out["MetricAlarms"][0];
  }

  FakeClock clock_{TimePoint(std::chrono::seconds(1'800'000'000))};
  SequentialIdGenerator ids_;
  std::unique_ptr<CloudWatchService> cw_;
};

// A period passing is a state change recorded then, not when the alarm is next described: the
// sandbox evaluates on EvaluateAlarms (the clock route calls it) and on history reads.
TEST_F(CloudWatchAlarmTest, PassingPeriodsChangeTheStateWithoutADescribe) {
  Ok("PutMetricAlarm",
     ErrorsAlarm("errors", {{"Period", 10}, {"TreatMissingData", "notBreaching"}}));
  RecordError(3);
  EXPECT_EQ(Describe("errors")["StateValue"], "ALARM");
  clock_.Advance(std::chrono::seconds(10));
  cw_->EvaluateAlarms();
  Json history =
      Ok("DescribeAlarmHistory", {{"AlarmName", "errors"}, {"HistoryItemType", "StateUpdate"}});
  ASSERT_FALSE(history["AlarmHistoryItems"].empty());
  EXPECT_EQ(history["AlarmHistoryItems"][0]["HistorySummary"], "Alarm updated from ALARM to OK");

  RecordError(1);  // new data: ALARM again at once
  clock_.Advance(std::chrono::seconds(10));
  history =
      Ok("DescribeAlarmHistory", {{"AlarmName", "errors"}, {"HistoryItemType", "StateUpdate"}});
  // INSUFFICIENT_DATA -> OK (created), OK -> ALARM -> OK, OK -> ALARM -> OK.
  ASSERT_EQ(history["AlarmHistoryItems"].size(), 5u) << history;
  EXPECT_EQ(history["AlarmHistoryItems"][0]["HistorySummary"], "Alarm updated from ALARM to OK");
}

TEST_F(CloudWatchAlarmTest, FiresWhenDataBreachesAndClearsWhenItStops) {
  Ok("PutMetricAlarm", ErrorsAlarm("errors"));
  Json alarm = Describe("errors");
  EXPECT_EQ(alarm["StateValue"], "INSUFFICIENT_DATA");
  EXPECT_EQ(alarm["AlarmArn"], "arn:aws:cloudwatch:us-east-1:000000000000:alarm:errors");
  EXPECT_EQ(alarm["Threshold"], 1.0);

  RecordError(0);
  EXPECT_EQ(Describe("errors")["StateValue"], "OK");
  RecordError(2);
  alarm = Describe("errors");
  EXPECT_EQ(alarm["StateValue"], "ALARM");
  EXPECT_NE(alarm["StateReason"].get<std::string>().find("Threshold Crossed"), std::string::npos);
  auto reason_data = ParseJson(alarm["StateReasonData"].get<std::string>());
  ASSERT_TRUE(reason_data.ok());
  EXPECT_EQ((*reason_data)["recentDatapoints"], Json({2.0}));

  // The next period has no data: with the default TreatMissingData that is INSUFFICIENT_DATA.
  clock_.Advance(std::chrono::seconds(60));
  EXPECT_EQ(Describe("errors")["StateValue"], "INSUFFICIENT_DATA");

  Json history =
      Ok("DescribeAlarmHistory", {{"AlarmName", "errors"}, {"HistoryItemType", "StateUpdate"}});
  ASSERT_GE(history["AlarmHistoryItems"].size(), 3u);
  EXPECT_EQ(history["AlarmHistoryItems"][0]["HistorySummary"],
            "Alarm updated from ALARM to INSUFFICIENT_DATA");
}

TEST_F(CloudWatchAlarmTest, TreatMissingDataAndDatapointsToAlarm) {
  Ok("PutMetricAlarm", ErrorsAlarm("two-of-three", {{"EvaluationPeriods", 3},
                                                    {"DatapointsToAlarm", 2},
                                                    {"TreatMissingData", "notBreaching"}}));
  Ok("PutMetricAlarm", ErrorsAlarm("missing-breaches", {{"TreatMissingData", "breaching"}}));
  EXPECT_EQ(Describe("two-of-three")["StateValue"], "OK");
  EXPECT_EQ(Describe("missing-breaches")["StateValue"], "ALARM");
  RecordError(5);
  EXPECT_EQ(Describe("two-of-three")["StateValue"], "OK");  // 1 of 3 breaching
  clock_.Advance(std::chrono::seconds(60));
  RecordError(5);
  EXPECT_EQ(Describe("two-of-three")["StateValue"], "ALARM");  // 2 of 3
  clock_.Advance(std::chrono::seconds(120));
  EXPECT_EQ(Describe("two-of-three")["StateValue"], "OK");  // the breaches aged out

  Ok("PutMetricAlarm", ErrorsAlarm("ignore", {{"TreatMissingData", "ignore"}}));
  RecordError(3);
  EXPECT_EQ(Describe("ignore")["StateValue"], "ALARM");
  clock_.Advance(std::chrono::seconds(60));
  EXPECT_EQ(Describe("ignore")["StateValue"], "ALARM");  // no data: state kept
}

TEST_F(CloudWatchAlarmTest, SetAlarmStateHoldsUntilTheNextEvaluation) {
  Ok("PutMetricAlarm", ErrorsAlarm("manual"));
  RecordError(0);
  EXPECT_EQ(Describe("manual")["StateValue"], "OK");
  Ok("SetAlarmState",
     {{"AlarmName", "manual"}, {"StateValue", "ALARM"}, {"StateReason", "rehearsing a rollback"}});
  Json alarm = Describe("manual");
  EXPECT_EQ(alarm["StateValue"], "ALARM");
  EXPECT_EQ(alarm["StateReason"], "rehearsing a rollback");
  RecordError(0);  // new data re-evaluates
  EXPECT_EQ(Describe("manual")["StateValue"], "OK");

  auto missing =
      Call("SetAlarmState", {{"AlarmName", "nope"}, {"StateValue", "OK"}, {"StateReason", "x"}});
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("ResourceNotFound"), std::string::npos);
  auto bad_state =
      Call("SetAlarmState", {{"AlarmName", "manual"}, {"StateValue", "RED"}, {"StateReason", "x"}});
  EXPECT_EQ(bad_state.status, 400);
  auto bad_data = Call("SetAlarmState", {{"AlarmName", "manual"},
                                         {"StateValue", "OK"},
                                         {"StateReason", "x"},
                                         {"StateReasonData", "{nope"}});
  EXPECT_NE(bad_data.body.find("InvalidFormat"), std::string::npos);
}

TEST_F(CloudWatchAlarmTest, PercentileAlarmsAndFilters) {
  Ok("PutMetricAlarm", {{"AlarmName", "p99-latency"},
                        {"Namespace", "App"},
                        {"MetricName", "Latency"},
                        {"ExtendedStatistic", "p99"},
                        {"Period", 60},
                        {"EvaluationPeriods", 1},
                        {"Threshold", 500},
                        {"ComparisonOperator", "GreaterThanThreshold"}});
  Json values = Json::array();
  for (int i = 0; i < 99; ++i) values.push_back(100);
  values.push_back(900);
  values.push_back(900);
  Ok("PutMetricData",
     {{"Namespace", "App"}, {"MetricData", {{{"MetricName", "Latency"}, {"Values", values}}}}});
  EXPECT_EQ(Describe("p99-latency")["StateValue"], "ALARM");
  EXPECT_EQ(Describe("p99-latency")["ExtendedStatistic"], "p99");

  Json by_state = Ok("DescribeAlarms", {{"StateValue", "ALARM"}});
  EXPECT_EQ(by_state["MetricAlarms"].size(), 1u);
  Json by_prefix = Ok("DescribeAlarms", {{"AlarmNamePrefix", "p99"}});
  EXPECT_EQ(by_prefix["MetricAlarms"].size(), 1u);
  Json for_metric =
      Ok("DescribeAlarmsForMetric", {{"Namespace", "App"}, {"MetricName", "Latency"}});
  EXPECT_EQ(for_metric["MetricAlarms"].size(), 1u);
  auto both = Call("DescribeAlarms", {{"AlarmNames", {"a"}}, {"AlarmNamePrefix", "a"}});
  EXPECT_EQ(both.status, 400);
}

TEST_F(CloudWatchAlarmTest, PagesAndDeletes) {
  for (int i = 0; i < 5; ++i) Ok("PutMetricAlarm", ErrorsAlarm("alarm-" + std::to_string(i)));
  Json page = Ok("DescribeAlarms", {{"MaxRecords", 2}});
  ASSERT_EQ(page["MetricAlarms"].size(), 2u);
  std::vector<std::string> names;
  while (true) {
    for (const auto& a : page["MetricAlarms"]) names.push_back(a["AlarmName"]);
    if (!page.contains("NextToken")) break;
    page = Ok("DescribeAlarms", {{"MaxRecords", 2}, {"NextToken", page["NextToken"]}});
  }
  EXPECT_EQ(names.size(), 5u);
  auto missing = Call("DeleteAlarms", {{"AlarmNames", {"alarm-0", "ghost"}}});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Ok("DescribeAlarms", Json::object())["MetricAlarms"].size(), 5u);  // nothing deleted
  Ok("DeleteAlarms", {{"AlarmNames", {"alarm-0", "alarm-1"}}});
  EXPECT_EQ(Ok("DescribeAlarms", Json::object())["MetricAlarms"].size(), 3u);
}

TEST_F(CloudWatchAlarmTest, ValidatesAlarmConfiguration) {
  std::vector<Json> bad = {
      ErrorsAlarm("x", {{"ComparisonOperator", "Bigger"}}),
      ErrorsAlarm("x", {{"Period", 45}}),
      ErrorsAlarm("x", {{"EvaluationPeriods", 0}}),
      ErrorsAlarm("x", {{"DatapointsToAlarm", 2}}),
      ErrorsAlarm("x", {{"TreatMissingData", "sometimes"}}),
      ErrorsAlarm("x", {{"ExtendedStatistic", "p90"}}),
      ErrorsAlarm("x", {{"Statistic", "Median"}}),
      ErrorsAlarm("x", {{"Metrics", Json::array()}}),
      ErrorsAlarm("", Json::object()),
  };
  for (const auto& body : bad) {
    auto r = Call("PutMetricAlarm", body);
    EXPECT_EQ(r.status, 400) << body.dump() << " -> " << r.body;
  }
  EXPECT_TRUE(Ok("DescribeAlarms", Json::object())["MetricAlarms"].empty());
}

TEST_F(CloudWatchAlarmTest, QueryProtocolDescribeAlarms) {
  Ok("PutMetricAlarm", ErrorsAlarm("xml-alarm"));
  Request r;
  r.method = "POST";
  r.body = "Action=DescribeAlarms&Version=2010-08-01&AlarmNames.member.1=xml-alarm";
  auto out = cw_->Handle(r, {"000000000000", "test", "us-east-1", ""});
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_NE(out.body.find("<DescribeAlarmsResult><CompositeAlarms></CompositeAlarms>"
                          "<MetricAlarms><member>"),
            std::string::npos)
      << out.body;
  EXPECT_NE(out.body.find("<AlarmName>xml-alarm</AlarmName>"), std::string::npos);
  EXPECT_NE(out.body.find("<StateUpdatedTimestamp>2027-01-15T08:00:00.000Z"), std::string::npos);
}

}  // namespace
}  // namespace ferry::sandbox::cloudwatch
