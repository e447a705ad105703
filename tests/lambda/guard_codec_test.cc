// lambda.guard's payload and result (lambda/guard.h): round trips, and malformed, oversized and
// hostile input refused with what is wrong.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/json.h"
#include "common/time.h"
#include "lambda/guard.h"

namespace ferry::lambda {
namespace {

using ::testing::HasSubstr;

GuardTask Task() {
  GuardTask t;
  t.target.region = "us-east-1";
  t.target.endpoint = "http://127.0.0.1:4566";
  t.subjects = {{"shop-orders-prod", "live"}, {"shop-api-prod", "prod"}};
  const TimePoint slot = *ParseRfc3339("2026-12-07T10:05:00Z");
  t.recent = {slot - std::chrono::minutes(5), slot};
  t.baselines = {{slot - std::chrono::minutes(65), slot - std::chrono::minutes(5)},
                 {slot - std::chrono::hours(25), slot - std::chrono::hours(24)}};
  t.sensitivity = "high";
  t.metrics = {"Errors", "Duration"};
  return t;
}

TEST(GuardCodecTest, TheTaskRoundTrips) {
  const GuardTask t = Task();
  auto decoded = DecodeGuardTask(EncodeGuardTask(t));
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  EXPECT_EQ(decoded->subjects.size(), 2u);
  EXPECT_EQ(decoded->subjects[1].alias, "prod");
  EXPECT_EQ(decoded->recent.start, t.recent.start);
  EXPECT_EQ(decoded->baselines.size(), 2u);
  EXPECT_EQ(decoded->baselines[1].end, t.baselines[1].end);
  EXPECT_EQ(decoded->sensitivity, "high");
  EXPECT_EQ(decoded->metrics, t.metrics);
  EXPECT_EQ(decoded->period_seconds, 60);
  EXPECT_EQ(decoded->target, t.target);
}

TEST(GuardCodecTest, GuardMetricsAreTheFourLambdaMetrics) {
  auto all = GuardMetrics(GuardMetricNames());
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].name, "Invocations");
  EXPECT_EQ((*all)[0].direction, "decrease");
  EXPECT_EQ((*all)[0].stat, "Sum");
  EXPECT_EQ((*all)[1].name, "Errors");
  EXPECT_TRUE((*all)[1].critical);
  EXPECT_EQ((*all)[3].stat, "p99");
  EXPECT_FALSE(GuardMetrics({"Latency"}).ok());
}

TEST(GuardCodecTest, MalformedTasksAreRefused) {
  const Json good = *ParseJson(EncodeGuardTask(Task()));
  auto refused = [&](const std::function<void(Json&)>& change, const std::string& expected) {
    Json j = good;
    change(j);
    auto decoded = DecodeGuardTask(DumpJson(j));
    ASSERT_FALSE(decoded.ok()) << expected;
    EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(decoded.error().message, HasSubstr(expected));
  };
  refused([](Json& j) { j["subjects"] = Json::array(); }, "subjects must hold 1 to 1000");
  refused(
      [](Json& j) {
        Json many = Json::array();
        for (int i = 0; i < 1001; ++i) many.push_back({{"functionName", "f"}, {"alias", "a"}});
        j["subjects"] = many;
      },
      "subjects must hold 1 to 1000");
  refused([](Json& j) { j["subjects"][0]["alias"] = ""; }, "needs a function name and an alias");
  refused([](Json& j) { j["subjects"][0]["functionName"] = std::string(200, 'f'); },
          "longer than 140");
  refused([](Json& j) { j["subjects"][0]["functionName"] = 7; }, "must be a string");
  refused([](Json& j) { j["subjects"][0]["alias"] = "live\x1b[2J"; }, "control character");
  refused([](Json& j) { j["recent"]["end"] = "yesterday"; }, "recent must be a window");
  refused([](Json& j) { j["recent"]["end"] = j["recent"]["start"]; }, "end after start");
  refused([](Json& j) { j["baselines"] = Json::array(); }, "baselines must hold 1 to 15");
  refused(
      [](Json& j) {
        for (int i = 0; i < 15; ++i) j["baselines"].push_back(j["baselines"][0]);
      },
      "baselines must hold 1 to 15");
  refused([](Json& j) { j["baselines"][0]["start"] = "2026-01-01T00:00:00Z"; }, "at most 24h");
  refused([](Json& j) { j["periodSeconds"] = 7; }, "periodSeconds");
  refused([](Json& j) { j["periodSeconds"] = 1e300; }, "periodSeconds");
  refused([](Json& j) { j["sensitivity"] = "paranoid"; }, "sensitivity must be low");
  refused([](Json& j) { j["metrics"] = Json::array({"Latency"}); }, "metrics must be of");
  refused([](Json& j) { j["metrics"] = Json::array(); }, "metrics must name 1 to 4");
  refused([](Json& j) { j.erase("target"); }, "target");
  EXPECT_FALSE(DecodeGuardTask("{\"subjects\":[{\"functionName\":\"\xff\xfe\"}]}").ok());
  EXPECT_FALSE(DecodeGuardTask("[1,2]").ok());
  EXPECT_FALSE(DecodeGuardTask("{\"subjects\":").ok());
  EXPECT_FALSE(DecodeGuardTask(std::string(100, '[')).ok());
}

TEST(GuardCodecTest, TheResultRoundTripsAndRefusesHostileAnswers) {
  GuardResult r;
  r.findings = {{"shop-orders-prod", "live", "Errors", "fail",
                 "Errors: 49% of recent invocations vs 0% of baseline — fail",
                 R"({"pValue":0.0001})"}};
  r.queries = 8;
  r.calls = 9;
  auto decoded = DecodeGuardResult(EncodeGuardResult(r));
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  ASSERT_EQ(decoded->findings.size(), 1u);
  EXPECT_EQ(decoded->findings[0].outcome, "fail");
  EXPECT_EQ(decoded->findings[0].details_json, R"({"pValue":0.0001})");
  EXPECT_EQ(decoded->calls, 9);

  Json j = *ParseJson(EncodeGuardResult(r));
  j["findings"][0]["outcome"] = "catastrophic";
  EXPECT_FALSE(DecodeGuardResult(DumpJson(j)).ok());
  j = *ParseJson(EncodeGuardResult(r));
  j["findings"][0]["details"] = "not an object";
  EXPECT_FALSE(DecodeGuardResult(DumpJson(j)).ok());
  j = *ParseJson(EncodeGuardResult(r));
  j["findings"][0]["sentence"] = std::string(5000, 's');
  EXPECT_FALSE(DecodeGuardResult(DumpJson(j)).ok());
  EXPECT_FALSE(DecodeGuardResult(std::string(17 * 1024 * 1024, ' ')).ok());
}

}  // namespace
}  // namespace ferry::lambda
