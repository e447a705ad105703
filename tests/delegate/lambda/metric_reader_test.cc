// AwsMetricReader (the verify step's GetMetricData reads) against a scripted CloudWatch stand-in:
// batching (500 queries a call), NextToken pages, and hostile answers — results for queries not
// asked, queries left unanswered, repeated datapoints, looping tokens, endless pages, malformed
// bodies. A stand-in because neither CloudWatch nor ferry sandbox answers like that; the happy
// path against ferry sandbox is tests/ferry/e2e_verify_test.cc.
#include <gtest/gtest.h>

#include <mutex>

#include "aws/client_test_support.h"
#include "aws/scripted_server.h"
#include "common/json.h"
#include "common/time.h"
#include "delegate/lambda/aws_metric_reader.h"

namespace ferry::delegate {
namespace {

using aws::test_support::ClientEnv;
using aws::test_support::ScriptedServer;

class MetricReaderTest : public ::testing::Test {
 protected:
  MetricReaderTest()
      : server_([this](httplib::Server& s) {
          s.Post("/", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(mu_);
            auto body = ParseJson(req.body);
            res.set_content(answer_(body.ok() ? *body : Json::object(), calls_++),
                            "application/x-amz-json-1.0");
          });
        }),
        cw_(aws::CloudWatchServiceConfig(server_.url(), "us-east-1"), env_.deps()),
        reader_(cw_) {}

  std::vector<MetricQuery> Queries(size_t n) {
    std::vector<MetricQuery> out(n);
    for (auto& q : out) q = {"AWS/Lambda", "Errors", {{"FunctionName", "f"}}, 60, "Sum"};
    return out;
  }
  Result<std::vector<MetricSeries>> Read(size_t n) {
    std::vector<std::string> ids;
    return reader_.Read(Queries(n), start_, start_ + std::chrono::minutes(10), &ids, {});
  }
  // A complete result for every query of `body` with one datapoint at the window's start.
  static Json AllComplete(const Json& body) {
    Json results = Json::array();
    for (const Json& q : body["MetricDataQueries"]) {
      results.push_back({{"Id", q["Id"]},
                         {"StatusCode", "Complete"},
                         {"Timestamps", {1800000000}},
                         {"Values", {1}}});
    }
    return results;
  }

  std::mutex mu_;
  int calls_ = 0;
  std::function<std::string(const Json&, int)> answer_;
  ScriptedServer server_;
  ClientEnv env_;
  aws::CloudWatchClient cw_;
  AwsMetricReader reader_;
  TimePoint start_ = FromUnixMillis(1'800'000'000'000);
};

TEST_F(MetricReaderTest, BatchesFiveHundredQueriesACallAndReadsEveryPage) {
  std::vector<size_t> sizes;
  answer_ = [&](const Json& body, int) {
    sizes.push_back(body["MetricDataQueries"].size());
    Json results = AllComplete(body);
    if (!body.contains("NextToken")) {
      // First page: the first query's first datapoint only, partial; the rest on page two.
      Json first = results[0];
      first["StatusCode"] = "PartialData";
      first["Timestamps"] = {1800000060};
      first["Values"] = {5};
      return DumpJson(Json{{"MetricDataResults", {first}}, {"NextToken", "page-2"}});
    }
    return DumpJson(Json{{"MetricDataResults", results}});
  };
  auto read = Read(1001);
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  EXPECT_EQ(sizes, (std::vector<size_t>{500, 500, 500, 500, 1, 1}));
  ASSERT_EQ(read->size(), 1001u);
  EXPECT_EQ((*read)[0].values, (std::vector<double>{5, 1}));
  EXPECT_EQ((*read)[1000].values, (std::vector<double>{5, 1}));  // the third call's first query
}

TEST_F(MetricReaderTest, HostileAnswersAreClearErrorsNeverPartialSeries) {
  struct Case {
    const char* what;
    std::function<std::string(const Json&, int)> answer;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"a result for a query not asked",
       [](const Json& body, int) {
         Json r = AllComplete(body);
         r.push_back({{"Id", "q99"},
                      {"StatusCode", "Complete"},
                      {"Timestamps", Json::array()},
                      {"Values", Json::array()}});
         return DumpJson(Json{{"MetricDataResults", r}});
       },
       "which was not asked"},
      {"an unanswered query",
       [](const Json&, int) { return std::string(R"({"MetricDataResults":[]})"); },
       "no complete answer"},
      {"a repeated datapoint",
       [](const Json& body, int) {
         Json r = AllComplete(body);
         r[0]["Timestamps"] = {1800000000, 1800000000};
         r[0]["Values"] = {1, 2};
         return DumpJson(Json{{"MetricDataResults", r}});
       },
       "repeated datapoint"},
      {"a datapoint outside the window",
       [](const Json& body, int) {
         Json r = AllComplete(body);
         r[0]["Timestamps"] = {1900000000};
         return DumpJson(Json{{"MetricDataResults", r}});
       },
       "outside the window"},
      {"a looping NextToken",
       [](const Json&, int) {
         return std::string(R"({"MetricDataResults":[],"NextToken":"same"})");
       },
       "repeats an earlier one"},
      {"endless pages",
       [](const Json&, int call) {
         return DumpJson(
             Json{{"MetricDataResults", Json::array()}, {"NextToken", "t" + std::to_string(call)}});
       },
       "more than 100 pages"},
      {"a forbidden query",
       [](const Json& body, int) {
         Json r = AllComplete(body);
         r[0]["StatusCode"] = "Forbidden";
         return DumpJson(Json{{"MetricDataResults", r}});
       },
       "Forbidden"},
      {"an unknown status",
       [](const Json& body, int) {
         Json r = AllComplete(body);
         r[0]["StatusCode"] = "\x1b[31mRed";
         return DumpJson(Json{{"MetricDataResults", r}});
       },
       "status"},
      {"values and timestamps of different lengths",
       [](const Json& body, int) {
         Json r = AllComplete(body);
         r[0]["Values"] = {1, 2, 3};
         return DumpJson(Json{{"MetricDataResults", r}});
       },
       "malformed"},
      {"a body that is not JSON", [](const Json&, int) { return std::string("<html>oops"); },
       "malformed"},
      {"a value that is not a number",
       [](const Json& body, int) {
         Json r = AllComplete(body);
         r[0]["Values"] = {"NaN; DROP TABLE"};
         return DumpJson(Json{{"MetricDataResults", r}});
       },
       "malformed"},
  };
  for (const auto& c : cases) {
    {
      std::lock_guard lock(mu_);
      answer_ = c.answer;
      calls_ = 0;
    }
    auto read = Read(3);
    ASSERT_FALSE(read.ok()) << c.what;
    EXPECT_NE(read.error().message.find(c.expected), std::string::npos)
        << c.what << ": " << read.error().message;
    EXPECT_EQ(read.error().message.find('\x1b'), std::string::npos) << c.what;
  }
}

}  // namespace
}  // namespace ferry::delegate
