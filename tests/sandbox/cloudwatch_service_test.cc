// The CloudWatch sandbox driven through Service::Handle in both wire protocols.
#include "sandbox/cloudwatch/cloudwatch_service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/compression.h"
#include "common/json.h"
#include "common/time.h"
#include "support/temp_dir.h"

namespace ferry::sandbox::cloudwatch {
namespace {

Caller TestCaller() {
  return {"000000000000", "test", "us-east-1", "arn:aws:iam::000000000000:root"};
}

// Form-encodes query-protocol parameters.
std::string Form(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    auto enc = [](const std::string& s) {
      std::string e;
      for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
          e += static_cast<char>(c);
        } else {
          char buf[4];
          std::snprintf(buf, sizeof(buf), "%%%02X", c);
          e += buf;
        }
      }
      return e;
    };
    out += enc(k) + "=" + enc(v);
  }
  return out;
}

class CloudWatchServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = CloudWatchService::Create(CloudWatchOptions{}, clock_, ids_);
    ASSERT_TRUE(created.ok()) << created.error().ToString();
    cw_ = std::move(created).value();
  }

  Response Query(std::vector<std::pair<std::string, std::string>> params) {
    Request r;
    r.method = "POST";
    r.raw_path = r.path = "/";
    r.headers["content-type"] = "application/x-www-form-urlencoded; charset=utf-8";
    params.emplace_back("Version", "2010-08-01");
    r.body = Form(params);
    return cw_->Handle(r, TestCaller());
  }

  Response JsonCall(const std::string& action, const Json& body) {
    Request r;
    r.method = "POST";
    r.raw_path = r.path = "/";
    r.headers["content-type"] = "application/x-amz-json-1.0";
    r.headers["x-amz-target"] = "GraniteServiceVersion20100801." + action;
    r.body = body.dump();
    return cw_->Handle(r, TestCaller());
  }

  Json JsonOk(const std::string& action, const Json& body) {
    auto r = JsonCall(action, body);
    EXPECT_EQ(r.status, 200) << action << ": " << r.body;
    auto parsed = ParseJson(r.body);
    return parsed.ok() ? *parsed : Json();
  }

  double Epoch(Duration offset = Duration(0)) {
    return static_cast<double>(ToUnixMillis(clock_.Now() + offset)) / 1000.0;
  }

  FakeClock clock_{TimePoint(std::chrono::seconds(1'800'000'000))};  // minute-aligned
  SequentialIdGenerator ids_;
  std::unique_ptr<CloudWatchService> cw_;
};

TEST_F(CloudWatchServiceTest, QueryProtocolPutAndGetStatistics) {
  auto put = Query({{"Action", "PutMetricData"},
                    {"Namespace", "App"},
                    {"MetricData.member.1.MetricName", "Latency"},
                    {"MetricData.member.1.Dimensions.member.1.Name", "Service"},
                    {"MetricData.member.1.Dimensions.member.1.Value", "api"},
                    {"MetricData.member.1.Unit", "Milliseconds"},
                    {"MetricData.member.1.Values.member.1", "10"},
                    {"MetricData.member.1.Values.member.2", "20"},
                    {"MetricData.member.1.Values.member.3", "30"},
                    {"MetricData.member.1.Counts.member.1", "1"},
                    {"MetricData.member.1.Counts.member.2", "1"},
                    {"MetricData.member.1.Counts.member.3", "2"}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_NE(put.body.find("<PutMetricDataResponse xmlns=\"http://monitoring.amazonaws.com/doc/"
                          "2010-08-01/\"><ResponseMetadata><RequestId>"),
            std::string::npos);
  std::string start = FormatRfc3339(clock_.Now() - std::chrono::minutes(5));
  std::string end = FormatRfc3339(clock_.Now() + std::chrono::minutes(5));
  auto stats = Query({{"Action", "GetMetricStatistics"},
                      {"Namespace", "App"},
                      {"MetricName", "Latency"},
                      {"Dimensions.member.1.Name", "Service"},
                      {"Dimensions.member.1.Value", "api"},
                      {"StartTime", start},
                      {"EndTime", end},
                      {"Period", "60"},
                      {"Statistics.member.1", "Sum"},
                      {"Statistics.member.2", "SampleCount"},
                      {"Statistics.member.3", "Average"},
                      {"Statistics.member.4", "Maximum"}});
  ASSERT_EQ(stats.status, 200) << stats.body;
  EXPECT_NE(stats.body.find("<Sum>90</Sum>"), std::string::npos) << stats.body;
  EXPECT_NE(stats.body.find("<SampleCount>4</SampleCount>"), std::string::npos);
  EXPECT_NE(stats.body.find("<Average>22.5</Average>"), std::string::npos);
  EXPECT_NE(stats.body.find("<Maximum>30</Maximum>"), std::string::npos);
  EXPECT_NE(stats.body.find("<Unit>Milliseconds</Unit>"), std::string::npos);
  EXPECT_NE(stats.body.find("<Label>Latency</Label>"), std::string::npos);

  auto pct = Query({{"Action", "GetMetricStatistics"},
                    {"Namespace", "App"},
                    {"MetricName", "Latency"},
                    {"Dimensions.member.1.Name", "Service"},
                    {"Dimensions.member.1.Value", "api"},
                    {"StartTime", start},
                    {"EndTime", end},
                    {"Period", "60"},
                    {"ExtendedStatistics.member.1", "p50"}});
  EXPECT_NE(pct.body.find("<ExtendedStatistics><entry><key>p50</key><value>20</value></entry>"),
            std::string::npos)
      << pct.body;
  // Another dimension set is another metric.
  auto other = Query({{"Action", "GetMetricStatistics"},
                      {"Namespace", "App"},
                      {"MetricName", "Latency"},
                      {"StartTime", start},
                      {"EndTime", end},
                      {"Period", "60"},
                      {"Statistics.member.1", "Sum"}});
  EXPECT_NE(other.body.find("<Datapoints></Datapoints>"), std::string::npos) << other.body;
}

TEST_F(CloudWatchServiceTest, JsonProtocolGetMetricData) {
  for (int minute = 0; minute < 3; ++minute) {
    JsonOk(
        "PutMetricData",
        {{"Namespace", "Shop"},
         {"MetricData",
          {{{"MetricName", "Orders"},
            {"Timestamp", Epoch(-std::chrono::minutes(minute))},
            {"Value", 10.0 * (minute + 1)},
            {"Unit", "Count"}},
           {{"MetricName", "Orders"},
            {"Timestamp", Epoch(-std::chrono::minutes(minute))},
            {"StatisticValues", {{"SampleCount", 2}, {"Sum", 4}, {"Minimum", 1}, {"Maximum", 3}}},
            {"Unit", "Count"}}}}});
  }
  Json query = {{"StartTime", Epoch(-std::chrono::minutes(10))},
                {"EndTime", Epoch(std::chrono::minutes(1))},
                {"MetricDataQueries",
                 {{{"Id", "sum"},
                   {"MetricStat",
                    {{"Metric", {{"Namespace", "Shop"}, {"MetricName", "Orders"}}},
                     {"Period", 60},
                     {"Stat", "Sum"}}}},
                  {{"Id", "count"},
                   {"Label", "how many"},
                   {"MetricStat",
                    {{"Metric", {{"Namespace", "Shop"}, {"MetricName", "Orders"}}},
                     {"Period", 60},
                     {"Stat", "SampleCount"}}}},
                  {{"Id", "hidden"},
                   {"ReturnData", false},
                   {"MetricStat",
                    {{"Metric", {{"Namespace", "Shop"}, {"MetricName", "Orders"}}},
                     {"Period", 60},
                     {"Stat", "Maximum"}}}}}}};
  Json out = JsonOk("GetMetricData", query);
  ASSERT_EQ(out["MetricDataResults"].size(), 2u) << out.dump();
  const Json& sum = out["MetricDataResults"][0];
  EXPECT_EQ(sum["Id"], "sum");
  EXPECT_EQ(sum["Label"], "Orders");
  EXPECT_EQ(sum["StatusCode"], "Complete");
  EXPECT_EQ(sum["Values"], Json({14.0, 24.0, 34.0}));  // newest first by default
  ASSERT_EQ(sum["Timestamps"].size(), 3u);
  EXPECT_GT(sum["Timestamps"][0].get<double>(), sum["Timestamps"][1].get<double>());
  EXPECT_EQ(out["MetricDataResults"][1]["Label"], "how many");
  EXPECT_EQ(out["MetricDataResults"][1]["Values"], Json({3.0, 3.0, 3.0}));

  query["ScanBy"] = "TimestampAscending";
  query["MaxDatapoints"] = 2;
  Json page1 = JsonOk("GetMetricData", query);
  EXPECT_EQ(page1["MetricDataResults"].size(), 1u);
  EXPECT_EQ(page1["MetricDataResults"][0]["Values"], Json({34.0, 24.0}));
  EXPECT_EQ(page1["MetricDataResults"][0]["StatusCode"], "PartialData");
  ASSERT_TRUE(page1.contains("NextToken"));
  query["NextToken"] = page1["NextToken"];
  Json page2 = JsonOk("GetMetricData", query);
  EXPECT_EQ(page2["MetricDataResults"][0]["Values"], Json({14.0}));
  EXPECT_EQ(page2["MetricDataResults"][1]["Values"], Json({3.0}));
  ASSERT_TRUE(page2.contains("NextToken"));
  query["NextToken"] = page2["NextToken"];
  Json page3 = JsonOk("GetMetricData", query);
  EXPECT_FALSE(page3.contains("NextToken"));
  EXPECT_EQ(page3["MetricDataResults"][0]["Values"], Json({3.0, 3.0}));

  query["NextToken"] = "garbage";
  auto bad = JsonCall("GetMetricData", query);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("InvalidNextToken"), std::string::npos);
}

TEST_F(CloudWatchServiceTest, PercentilesOverPublishedValues) {
  Json values = Json::array();
  for (int i = 1; i <= 100; ++i) values.push_back(i);
  JsonOk("PutMetricData",
         {{"Namespace", "P"}, {"MetricData", {{{"MetricName", "Lat"}, {"Values", values}}}}});
  auto stat = [&](const std::string& s) {
    Json out =
        JsonOk("GetMetricData", {{"StartTime", Epoch(-std::chrono::minutes(1))},
                                 {"EndTime", Epoch(std::chrono::minutes(1))},
                                 {"MetricDataQueries",
                                  {{{"Id", "q"},
                                    {"MetricStat",
                                     {{"Metric", {{"Namespace", "P"}, {"MetricName", "Lat"}}},
                                      {"Period", 60},
                                      {"Stat", s}}}}}}});
    return out["MetricDataResults"][0]["Values"][0].get<double>();
  };
  EXPECT_EQ(stat("p50"), 50);
  EXPECT_EQ(stat("p99"), 99);
  EXPECT_EQ(stat("p99.5"), 100);
  EXPECT_EQ(stat("p0"), 1);
  EXPECT_EQ(stat("p100"), 100);
  EXPECT_EQ(stat("Minimum"), 1);
  EXPECT_EQ(stat("Average"), 50.5);
  auto bad =
      JsonCall("GetMetricData", {{"StartTime", Epoch(-std::chrono::minutes(1))},
                                 {"EndTime", Epoch()},
                                 {"MetricDataQueries",
                                  {{{"Id", "q"},
                                    {"MetricStat",
                                     {{"Metric", {{"Namespace", "P"}, {"MetricName", "Lat"}}},
                                      {"Period", 60},
                                      {"Stat", "p101"}}}}}}});
  EXPECT_EQ(bad.status, 400);
}

TEST_F(CloudWatchServiceTest, ValidatesPutMetricData) {
  struct Case {
    Json body;
    std::string code;
  };
  std::vector<Case> cases = {
      {{{"MetricData", {{{"MetricName", "m"}, {"Value", 1}}}}}, "MissingParameter"},
      {{{"Namespace", "AWS/Lambda"}, {"MetricData", {{{"MetricName", "m"}, {"Value", 1}}}}},
       "InvalidParameterValue"},
      {{{"Namespace", "N"}, {"MetricData", Json::array()}}, "MissingParameter"},
      {{{"Namespace", "N"},
        {"MetricData", {{{"MetricName", "m"}, {"Value", 1}, {"Values", {1, 2}}}}}},
       "InvalidParameterCombination"},
      {{{"Namespace", "N"}, {"MetricData", {{{"MetricName", "m"}}}}},
       "InvalidParameterCombination"},
      {{{"Namespace", "N"},
        {"MetricData", {{{"MetricName", "m"}, {"Values", {1, 2}}, {"Counts", {1}}}}}},
       "InvalidParameterValue"},
      {{{"Namespace", "N"},
        {"MetricData", {{{"MetricName", "m"}, {"Value", 1}, {"Unit", "Parsecs"}}}}},
       "InvalidParameterValue"},
      {{{"Namespace", "N"},
        {"MetricData",
         {{{"MetricName", "m"},
           {"Value", 1},
           {"Timestamp", Epoch(-std::chrono::hours(24 * 15))}}}}},
       "InvalidParameterValue"},
      {{{"Namespace", "N"}, {"MetricData", {{{"MetricName", "m"}, {"Value", "one"}}}}},
       "InvalidParameterValue"},
      {{{"Namespace", "N"}, {"MetricData", {{{"MetricName", "m"}, {"Value", 1e300}}}}},
       "InvalidParameterValue"},
      {{{"Namespace", "N"},
        {"MetricData",
         {{{"MetricName", "m"},
           {"Value", 1},
           {"Dimensions", {{{"Name", "a"}, {"Value", "1"}}, {{"Name", "a"}, {"Value", "2"}}}}}}}},
       "InvalidParameterValue"},
  };
  for (const auto& c : cases) {
    auto r = JsonCall("PutMetricData", c.body);
    EXPECT_EQ(r.status, 400) << c.body.dump();
    EXPECT_NE(r.body.find("com.amazonaws.cloudwatch#"), std::string::npos) << r.body;
    bool has_query_error = false;
    for (const auto& [n, v] : r.headers) {
      if (n == "x-amzn-query-error") has_query_error = v == c.code + ";Sender";
    }
    EXPECT_TRUE(has_query_error) << c.code << ": " << c.body.dump() << " -> " << r.body;
  }
}

TEST_F(CloudWatchServiceTest, HostileBodies) {
  Request r;
  r.method = "POST";
  r.raw_path = r.path = "/";
  r.headers["x-amz-target"] = "GraniteServiceVersion20100801.PutMetricData";
  r.body = "{\"Namespace\": ";
  EXPECT_EQ(cw_->Handle(r, TestCaller()).status, 400);
  r.body = std::string(5000, '[') + std::string(5000, ']');
  EXPECT_EQ(cw_->Handle(r, TestCaller()).status, 400);
  r.body = std::string(2 * 1024 * 1024, ' ');
  EXPECT_EQ(cw_->Handle(r, TestCaller()).status, 413);
  r.body = "[]";
  EXPECT_EQ(cw_->Handle(r, TestCaller()).status, 400);
  r.headers["x-amz-target"] = "GraniteServiceVersion20100801.Explode";
  r.body = "{}";
  auto unknown = cw_->Handle(r, TestCaller());
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("InvalidAction"), std::string::npos);

  auto deep = Query({{"Action", "PutMetricData"},
                     {"Namespace", "N"},
                     {"MetricData.member.99999999.MetricName", "m"}});
  EXPECT_EQ(deep.status, 400);
  EXPECT_NE(deep.body.find("<Code>InvalidParameterValue</Code>"), std::string::npos);
  auto conflict = Query({{"Action", "PutMetricData"},
                         {"Namespace", "N"},
                         {"MetricData", "x"},
                         {"MetricData.member.1.MetricName", "m"}});
  EXPECT_EQ(conflict.status, 400);
  Request bad_escape;
  bad_escape.method = "POST";
  bad_escape.body = "Action=ListMetrics&Namespace=%ZZ";
  EXPECT_EQ(cw_->Handle(bad_escape, TestCaller()).status, 400);
  auto no_action = Query({{"Namespace", "N"}});
  EXPECT_NE(no_action.body.find("MissingAction"), std::string::npos);
  auto unknown_action = Query({{"Action", "DeleteEverything"}});
  EXPECT_NE(unknown_action.body.find("<Code>InvalidAction</Code>"), std::string::npos);
}

std::string Gzipped(std::string_view data) {
  auto gzipped = Gzip(data);
  EXPECT_TRUE(gzipped.ok());
  return gzipped.ok() ? *gzipped : std::string();
}

TEST_F(CloudWatchServiceTest, AcceptsGzipBodiesAndRefusesBombs) {
  Request r;
  r.method = "POST";
  r.headers["x-amz-target"] = "GraniteServiceVersion20100801.PutMetricData";
  r.headers["content-encoding"] = "gzip";
  r.body = Gzipped(R"({"Namespace":"Z","MetricData":[{"MetricName":"m","Value":1}]})");
  ASSERT_EQ(cw_->Handle(r, TestCaller()).status, 200);
  Request q;
  q.method = "POST";
  q.headers["content-encoding"] = "gzip";
  q.body = Gzipped("Action=ListMetrics&Version=2010-08-01&Namespace=Z");
  auto listed = cw_->Handle(q, TestCaller());
  EXPECT_NE(listed.body.find("<MetricName>m</MetricName>"), std::string::npos) << listed.body;
  r.body = Gzipped(std::string(64 * 1024 * 1024, ' '));  // inflates past the limit
  EXPECT_EQ(cw_->Handle(r, TestCaller()).status, 413);
  r.body = "definitely not gzip";
  EXPECT_EQ(cw_->Handle(r, TestCaller()).status, 400);
}

TEST_F(CloudWatchServiceTest, ListMetricsFiltersAndPages) {
  for (const std::string fn : {"a", "b", "c"}) {
    JsonOk("PutMetricData", {{"Namespace", "Fn"},
                             {"MetricData",
                              {{{"MetricName", "Invocations"},
                                {"Value", 1},
                                {"Dimensions", {{{"Name", "FunctionName"}, {"Value", fn}}}}}}}});
  }
  cw_->Record({"000000000000",
               "us-east-1",
               "AWS/Lambda",
               "Errors",
               {{"FunctionName", "orders"}, {"Resource", "orders:live"}},
               1,
               "Count",
               clock_.Now()});
  Json all = JsonOk("ListMetrics", Json::object());
  EXPECT_EQ(all["Metrics"].size(), 4u);
  Json filtered =
      JsonOk("ListMetrics", {{"Dimensions", {{{"Name", "FunctionName"}, {"Value", "b"}}}}});
  ASSERT_EQ(filtered["Metrics"].size(), 1u);
  EXPECT_EQ(filtered["Metrics"][0]["Dimensions"][0]["Value"], "b");
  Json lambda = JsonOk("ListMetrics", {{"Namespace", "AWS/Lambda"}});
  ASSERT_EQ(lambda["Metrics"].size(), 1u);
  EXPECT_EQ(lambda["Metrics"][0]["Dimensions"].size(), 2u);
  auto query = Query({{"Action", "ListMetrics"}, {"Namespace", "Fn"}});
  EXPECT_NE(
      query.body.find("<MetricName>Invocations</MetricName><Namespace>Fn</Namespace></member>"),
      std::string::npos)
      << query.body;
  EXPECT_EQ(JsonCall("ListMetrics", {{"NextToken", "nope"}}).status, 400);
}

TEST_F(CloudWatchServiceTest, StatePersistsAcrossRestarts) {
  test::TempDir temp;
  const std::filesystem::path dir = temp.path() / "cw";
  CloudWatchOptions options;
  options.data_dir = dir;
  {
    auto cw = std::move(CloudWatchService::Create(options, clock_, ids_)).value();
    cw->Record({"000000000000",
                "us-east-1",
                "AWS/Lambda",
                "Duration",
                {{"FunctionName", "f"}},
                12.5,
                "Milliseconds",
                clock_.Now()});
  }
  {
    auto cw = std::move(CloudWatchService::Create(options, clock_, ids_)).value();
    Request r;
    r.method = "POST";
    r.headers["x-amz-target"] = "GraniteServiceVersion20100801.ListMetrics";
    r.body = "{}";
    auto out = cw->Handle(r, TestCaller());
    EXPECT_NE(out.body.find("Duration"), std::string::npos) << out.body;
  }
  { std::ofstream(dir / "state.json", std::ios::trunc) << "{\"format\":1,\"metrics\":[{]"; }
  auto corrupt = CloudWatchService::Create(options, clock_, ids_);
  ASSERT_FALSE(corrupt.ok());
  EXPECT_NE(corrupt.error().message.find("state.json"), std::string::npos);
}

TEST_F(CloudWatchServiceTest, RendersFrontErrors) {
  Request query;
  query.method = "POST";
  query.body = "Action=ListMetrics";
  auto xml = cw_->RenderError(query, {403, "InvalidClientTokenId", "bad key", "rid"});
  EXPECT_EQ(xml.status, 403);
  EXPECT_NE(xml.body.find("<Code>InvalidClientTokenId</Code>"), std::string::npos);
  EXPECT_EQ(cw_->OperationName(query), "ListMetrics");
  Request json;
  json.method = "POST";
  json.headers["x-amz-target"] = "GraniteServiceVersion20100801.GetMetricData";
  auto j = cw_->RenderError(json, {429, "Throttling", "slow down", "rid"});
  EXPECT_EQ(j.status, 429);
  EXPECT_NE(j.body.find("\"__type\""), std::string::npos);
  EXPECT_EQ(cw_->OperationName(json), "GetMetricData");
}

}  // namespace
}  // namespace ferry::sandbox::cloudwatch
