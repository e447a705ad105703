// CloudWatchClient against a scripted stand-in (cpp-httplib) for the wire details and hostile
// responses; the sandbox suite runs it against ferry sandbox's CloudWatch.
#include "aws/cloudwatch_client.h"

#include <gtest/gtest.h>

#include "aws/client_test_support.h"
#include "aws/scripted_server.h"
#include "common/time.h"

namespace ferry::aws {
namespace {

using test_support::ClientEnv;
using test_support::ScriptedServer;

class CloudWatchClientTest : public ::testing::Test {
 protected:
  CloudWatchClientTest()
      : server_([this](httplib::Server& s) {
          s.Post("/", [this](const httplib::Request& req, httplib::Response& res) {
            ++requests_;
            target_ = req.get_header_value("X-Amz-Target");
            content_type_ = req.get_header_value("Content-Type");
            body_ = req.body;
            res.status = status_;
            for (const auto& [k, v] : headers_) res.set_header(k, v);
            res.set_content(response_, "application/x-amz-json-1.0");
          });
        }),
        cw_(CloudWatchServiceConfig(server_.url(), "us-east-1"), env_.deps()) {}

  int status_ = 200;
  std::string response_ = "{}";
  std::map<std::string, std::string> headers_;
  int requests_ = 0;
  std::string target_, content_type_, body_;
  ScriptedServer server_;
  ClientEnv env_;
  CloudWatchClient cw_;
};

TEST_F(CloudWatchClientTest, GetMetricDataSendsAwsJsonAndParsesResults) {
  response_ = R"({"MetricDataResults":[{"Id":"e","Label":"Errors","StatusCode":"Complete",
      "Timestamps":[1800000060,1800000000],"Values":[2.5,1]}],"NextToken":"n2"})";
  headers_ = {{"x-amzn-RequestId", "cw-ok-1"}};
  GetMetricDataRequest request;
  request.queries = {{"e", "AWS/Lambda", "Errors", {{"FunctionName", "orders"}}, 60, "Sum"}};
  request.start_time = FromUnixMillis(1'800'000'000'000);
  request.end_time = FromUnixMillis(1'800'000'600'000);
  auto result = cw_.GetMetricData(request);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(target_, "GraniteServiceVersion20100801.GetMetricData");
  EXPECT_EQ(content_type_, "application/x-amz-json-1.0");
  EXPECT_NE(body_.find(R"("StartTime":1800000000)"), std::string::npos) << body_;
  ASSERT_EQ(result->results.size(), 1u);
  EXPECT_EQ(result->results[0].values, (std::vector<double>{2.5, 1}));
  EXPECT_EQ(result->results[0].timestamps[0], FromUnixMillis(1'800'000'060'000));
  EXPECT_EQ(result->next_token, "n2");
  EXPECT_EQ(result->request_id, "cw-ok-1");
}

TEST_F(CloudWatchClientTest, QueryCompatibleErrorsCarryTheQueryCode) {
  status_ = 400;
  headers_ = {{"x-amzn-query-error", "InvalidParameterValue;Sender"},
              {"x-amzn-RequestId", "cw-req-1"}};
  response_ = R"({"__type":"com.amazonaws.cloudwatch#InvalidParameterValueException",
                 "message":"The parameter StartTime must be before EndTime"})";
  auto result = cw_.DescribeAlarms({});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(AwsCode(result.error()), "InvalidParameterValue");
  EXPECT_EQ(result.error().details.at("request_id"), "cw-req-1");
  EXPECT_NE(result.error().message.find("must be before EndTime"), std::string::npos);
}

TEST_F(CloudWatchClientTest, PutMetricDataIsNotRepeatedAfterA500) {
  status_ = 500;
  response_ = R"({"__type":"InternalServiceFault","message":"boom"})";
  auto status = cw_.PutMetricData("Ferry", {{"Deploys", {}, std::nullopt, 1, "Count"}});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(requests_, 1);
  EXPECT_FALSE(cw_.PutMetricData("Ferry", {{"Bad", {}, std::nullopt, NAN, ""}}).ok());
}

TEST_F(CloudWatchClientTest, MalformedResponsesGiveClearErrors) {
  for (const char* body :
       {R"({"MetricDataResults":{}})", R"({"MetricDataResults":[{"Timestamps":[1],"Values":[]}]})",
        R"({"MetricDataResults":[{"Timestamps":["x"],"Values":[1]}]})",
        R"({"MetricDataResults":[{"Timestamps":[1e300],"Values":[1]}]})", "[", "\"str\""}) {
    response_ = body;
    auto result = cw_.GetMetricData({});
    ASSERT_FALSE(result.ok()) << body;
    EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(result.error().message.find("malformed CloudWatch GetMetricData response"),
              std::string::npos)
        << result.error().message;
  }
  response_ = R"({"MetricAlarms":[{"AlarmName":"x","Dimensions":"oops"}]})";
  EXPECT_EQ(cw_.DescribeAlarms({}).error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace ferry::aws
