// Progressive delivery end to end (issue 13): canary, linear and custom workflows through the
// REST API of a real `ferry server` deploying to a real `ferry sandbox`, the alias's routing
// checked on the AWS side while the traffic is split, after promotion, after an abort and across
// a SIGKILL of the server during a bake.
#include <gtest/gtest.h>

#include <thread>

#include "aws/cloudwatch_client.h"
#include "common/time.h"
#include "ferry/e2e_fixture.h"

namespace ferry::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class TrafficE2eTest : public DeployE2eTest {
 protected:
  // Builds b1 and b2 uploaded, b1 deployed (it creates the function: nothing to shift).
  void DeployB1() {
    ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
    ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-2.zip", "b2"));
    Json e = Deploy("api/api-1.zip");
    ASSERT_EQ(Str(e, "status"), "succeeded") << Errors(e) << Logs(Str(e, "id"));
    ASSERT_EQ(AliasVersion(kFunction), "1");
  }

  // Waits until the alias's routing is `want` (up to `timeout`); true when it was seen.
  bool WaitForRouting(const std::string& want, seconds timeout = seconds(60)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Routing() == want) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  }

  // The steps of an execution of kind `kind`, in order.
  static std::vector<Json> StepsOf(const Json& execution, const std::string& kind) {
    std::vector<Json> out;
    for (const Json& s : execution.value("steps", Json::array())) {
      if (Str(s, "kind") == kind) out.push_back(s);
    }
    return out;
  }

  // A CloudWatch alarm on the function's Errors (Sum >= 1 in a 10 s period; no data is OK),
  // created in the sandbox through its awsJson1_0 API.
  void PutErrorsAlarm(const std::string& name) {
    aws::ServiceClient cloudwatch(aws::CloudWatchServiceConfig(sandbox_->url(), "us-east-1"), *deps_);
    aws::OperationCall call;
    call.operation = "PutMetricAlarm";
    call.api_class = aws::ApiClass::kCloudWatchPutMetricData;
    call.method = "POST";
    call.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                    {"X-Amz-Target", "GraniteServiceVersion20100801.PutMetricAlarm"}};
    call.body = DumpJson(Json{{"AlarmName", name},
                              {"Namespace", "AWS/Lambda"},
                              {"MetricName", "Errors"},
                              {"Dimensions", Json::array({{{"Name", "FunctionName"},
                                                           {"Value", kFunction}}})},
                              {"Statistic", "Sum"},
                              {"Period", 10},
                              {"EvaluationPeriods", 1},
                              {"Threshold", 1},
                              {"ComparisonOperator", "GreaterThanOrEqualToThreshold"},
                              {"TreatMissingData", "notBreaching"}});
    auto r = cloudwatch.Call(call);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  // METHOD PATH on the sandbox's admin routes (docs/sandbox.md); the status and body.
  std::pair<int, std::string> SandboxAdmin(const std::string& method, const std::string& path,
                                           const Json& body = Json()) {
    httplib::Client admin(sandbox_->url());
    httplib::Result r = method == "DELETE" ? admin.Delete(path)
                        : method == "GET"  ? admin.Get(path)
                                           : admin.Post(path, DumpJson(body), "application/json");
    return r ? std::pair(r->status, r->body) : std::pair(0, std::string());
  }

  static constexpr char kFunction[] = "shop-orders-dev";
};

TEST_F(TrafficE2eTest, ACustomWorkflowSplitsTheTrafficHoldsItThenPromotes) {
  ASSERT_NO_FATAL_FAILURE(ApplyWorkflow(
      {{"strategy", "custom"},
       {"steps", Json::array({{{"name", "deploy"}, {"type", "deploy"}},
                              {{"name", "quarter"},
                               {"type", "traffic-shift"},
                               {"with", {{"percent", "25"}, {"wait", "3s"}}}},
                              {{"name", "promote"},
                               {"type", "traffic-shift"},
                               {"with", {{"percent", "100"}}}}})}}));
  ASSERT_NO_FATAL_FAILURE(DeployB1());

  const std::string id = StartDeploy("api/api-2.zip");
  ASSERT_FALSE(id.empty());
  // While it bakes: the stable version keeps 75%, the new one has 25%.
  EXPECT_TRUE(WaitForRouting("1+2@0.25")) << Routing() << "\n" << Logs(id);
  // A follower (outputs left out) sees the split and when its hold ends.
  Json traffic;
  for (int i = 0; i < 100 && traffic.is_null(); ++i) {
    Json followed = api_->Get("/api/v1/executions/" + id + "?outputs=false").json;
    for (const Json& step : followed.value("steps", Json::array())) {
      if (Str(step, "status") == "waiting" && step.contains("traffic")) traffic = step["traffic"];
    }
    if (traffic.is_null()) std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(traffic.value("percent", 0), 25) << traffic.dump();
  EXPECT_FALSE(Str(traffic, "holdUntil").empty()) << traffic.dump();
  Json e = api_->WaitForExecution(id);
  ASSERT_EQ(Str(e, "status"), "succeeded") << Errors(e) << Logs(id);
  EXPECT_EQ(Routing(), "2") << "promotion leaves no additional weights";
  EXPECT_EQ(InvokeBuild(kFunction), "b2");

  // The record keeps each weight change with its time.
  auto shifts = StepsOf(e, "lambda.shift");
  ASSERT_EQ(shifts.size(), 2u) << e.dump(2);
  const Json& quarter = shifts[0]["outputs"];
  EXPECT_EQ(quarter.value("percent", 0), 25) << quarter.dump(2);
  ASSERT_EQ(quarter["aliases"].size(), 1u);
  EXPECT_EQ(Str(quarter["aliases"][0], "stable"), "1");
  EXPECT_EQ(Str(quarter["aliases"][0], "next"), "2");
  EXPECT_DOUBLE_EQ(quarter["aliases"][0]["alias"]["weights"].value("2", 0.0), 0.25);
  auto shifted = ParseRfc3339(Str(quarter, "shiftedAt"));
  auto until = ParseRfc3339(Str(quarter, "bakeUntil"));
  ASSERT_TRUE(shifted && until) << quarter.dump(2);
  EXPECT_EQ(*until - *shifted, seconds(3));
  EXPECT_EQ(shifts[1]["outputs"].value("percent", 0), 100);
  // The deployment record says what the execution finally left: version 2 on dev.
  ApiResponse records = api_->Get("/api/v1/deployments?execution=" + id);
  ASSERT_EQ(records.status, 200) << records.Describe();
  ASSERT_EQ(records.json["items"].size(), 1u) << records.body;
  EXPECT_NE(records.json["items"][0].dump().find("\"version\":\"2\""), std::string::npos)
      << records.body;

  // Ferry's record of the alias took the new RevisionIds: the next deployment shifts without a
  // drift, and rolling back to the first execution restores version 1.
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-3.zip", "b3"));
  Json third = Deploy("api/api-3.zip");
  ASSERT_EQ(Str(third, "status"), "succeeded") << Errors(third);
  EXPECT_EQ(Logs(Str(third, "id")).find("outside Ferry"), std::string::npos)
      << Logs(Str(third, "id"));
  EXPECT_EQ(Routing(), "3");
}

TEST_F(TrafficE2eTest, ACanaryPresetSplitsTheTrafficAndAnAbortDuringTheBakeRestoresExactly) {
  ASSERT_NO_FATAL_FAILURE(ApplyWorkflow(
      {{"strategy", "canary"}, {"trafficShift", {{"preset", "Canary10Percent5Minutes"}}}}));
  ASSERT_NO_FATAL_FAILURE(DeployB1());

  const std::string id = StartDeploy("api/api-2.zip");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(WaitForRouting("1+2@0.10")) << Routing() << "\n" << Logs(id);
  ApiResponse running = api_->Get("/api/v1/executions/" + id);
  EXPECT_EQ(Str(running.json, "status"), "waiting") << running.body;
  ApiResponse abort = api_->Post("/api/v1/executions/" + id + "/abort", Json::object());
  ASSERT_EQ(abort.status, 202) << abort.Describe();
  Json e = api_->WaitForExecution(id);
  EXPECT_EQ(Str(e, "status"), "aborted") << Errors(e) << Logs(id);
  EXPECT_EQ(Routing(), "1") << "the snapshot: version 1, no weights\n" << Logs(id);
  EXPECT_EQ(InvokeBuild(kFunction), "b1");
}

TEST_F(TrafficE2eTest, AServerKilledDuringABakeResumesWithTheRemainingTime) {
  ASSERT_NO_FATAL_FAILURE(ApplyWorkflow(
      {{"strategy", "canary"}, {"trafficShift", {{"percent", 20}, {"interval", "12s"}}}}));
  ASSERT_NO_FATAL_FAILURE(DeployB1());

  const std::string id = StartDeploy("api/api-2.zip");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(WaitForRouting("1+2@0.20")) << Routing() << "\n" << Logs(id);
  // The bake's end as committed with the move that started it.
  std::string until_before;
  for (int i = 0; i < 100 && until_before.empty(); ++i) {
    Json e = api_->Get("/api/v1/executions/" + id).json;
    auto shifts = StepsOf(e, "lambda.shift");
    if (!shifts.empty()) until_before = Str(shifts[0].value("outputs", Json::object()), "bakeUntil");
    if (until_before.empty()) std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_FALSE(until_before.empty());
  std::this_thread::sleep_for(seconds(2));

  server_->KillAndRestart();
  ASSERT_TRUE(server_->ok()) << server_->diagnostics();
  const TimePoint restarted = SystemClock::Instance().Now();
  api_ = std::make_unique<ApiClient>(server_->url(), server_->token());
  EXPECT_EQ(Routing(), "1+2@0.20") << "the split holds while Ferry is down";
  Json e = api_->WaitForExecution(id, std::chrono::minutes(2));
  ASSERT_EQ(Str(e, "status"), "succeeded") << Errors(e) << Logs(id);
  EXPECT_EQ(Routing(), "2");
  auto shifts = StepsOf(e, "lambda.shift");
  ASSERT_EQ(shifts.size(), 2u);
  EXPECT_EQ(Str(shifts[0]["outputs"], "bakeUntil"), until_before) << "the bake kept its end";
  auto until = ParseRfc3339(until_before);
  auto ended = ParseRfc3339(Str(shifts[0], "endedAt"));
  ASSERT_TRUE(until && ended) << shifts[0].dump(2);
  EXPECT_GE(*ended, *until) << "it held the whole bake";
  // From zero, it would have ended 12 s after the restart; it had about 10 s left.
  EXPECT_LT(*ended, restarted + seconds(12)) << "resumed with the remaining time";
}

TEST_F(TrafficE2eTest, AMissingAlarmFailsBeforeAnyTrafficMovesAndAQuietOneIsWatchedToTheEnd) {
  ASSERT_NO_FATAL_FAILURE(ApplyWorkflow({{"strategy", "basic"}}));
  ASSERT_NO_FATAL_FAILURE(DeployB1());
  ASSERT_NO_FATAL_FAILURE(ApplyWorkflow(
      {{"strategy", "canary"},
       {"trafficShift", {{"percent", 30}, {"interval", "4s"}}},
       {"alarms", Json::array({"shop-orders-errors", "shop-latency-*"})}}));

  Json e = Deploy("api/api-2.zip");
  EXPECT_EQ(Str(e, "status"), "rolled_back") << Errors(e);
  EXPECT_NE(Errors(e).find("no such CloudWatch alarm: shop-orders-errors, shop-latency-*; no "
                           "traffic was shifted"),
            std::string::npos)
      << Errors(e);
  EXPECT_EQ(Routing(), "1") << "no traffic moved";

  // With the alarms there and quiet, the canary is watched through its bake and promotes.
  ASSERT_NO_FATAL_FAILURE(PutErrorsAlarm("shop-orders-errors"));
  ASSERT_NO_FATAL_FAILURE(PutErrorsAlarm("shop-latency-p99"));
  e = Deploy("api/api-2.zip");
  ASSERT_EQ(Str(e, "status"), "succeeded") << Errors(e) << Logs(Str(e, "id"));
  EXPECT_EQ(Routing(), "2");
  auto shifts = StepsOf(e, "lambda.shift");
  ASSERT_EQ(shifts.size(), 2u);
  const Json& seen = shifts[0]["outputs"]["alarmsSeen"];
  ASSERT_GE(seen.size(), 2u) << shifts[0].dump(2);
  EXPECT_EQ(Str(seen[0], "state"), "OK");
  EXPECT_TRUE(shifts[0]["outputs"]["alarmFired"].is_null());
}

TEST_F(TrafficE2eTest, ABuildWhoseHandlerRaisesIsRolledBackByItsAlarmWithTheWeightsRestored) {
  ASSERT_NO_FATAL_FAILURE(PutErrorsAlarm("shop-orders-errors"));
  // The environment's alarm (the workflow names none): it gates every shift into dev.
  ASSERT_NO_FATAL_FAILURE(ApplyWorkflow({{"strategy", "canary"},
                                         {"trafficShift", {{"percent", 50}, {"interval", "2m"}}}},
                                        Json::array({"shop-orders-*"})));
  ASSERT_NO_FATAL_FAILURE(DeployB1());
  ASSERT_NO_FATAL_FAILURE(UploadPython(
      "api/api-3.zip", "def handler(event, context):\n    raise RuntimeError('broken build')\n"));
  // Production traffic on the alias: 20 invocations a second.
  auto traffic = SandboxAdmin("POST", "/_ferry/traffic",
                              {{"function", kFunction}, {"qualifier", "dev"}, {"ratePerSecond", 20}});
  ASSERT_EQ(traffic.first, 201) << traffic.second;

  const std::string id = StartDeploy("api/api-3.zip");
  ASSERT_FALSE(id.empty());
  Json e = api_->WaitForExecution(id);
  SandboxAdmin("DELETE", "/_ferry/traffic");
  ASSERT_EQ(Str(e, "status"), "rolled_back") << Errors(e) << Logs(id);
  EXPECT_EQ(Routing(), "1") << "version 1 and no weights, as before the deployment";
  EXPECT_EQ(InvokeBuild(kFunction), "b1");

  auto shifts = StepsOf(e, "lambda.shift");
  ASSERT_FALSE(shifts.empty());
  EXPECT_NE(Str(shifts[0], "error").find("alarm shop-orders-errors is in ALARM"), std::string::npos)
      << shifts[0].dump(2);
  const Json& out = shifts[0]["outputs"];
  EXPECT_EQ(Str(out["alarmFired"], "name"), "shop-orders-errors") << out.dump(2);
  auto until = ParseRfc3339(Str(out, "bakeUntil"));
  auto ended = ParseRfc3339(Str(shifts[0], "endedAt"));
  ASSERT_TRUE(until && ended) << shifts[0].dump(2);
  EXPECT_LT(*ended, *until) << "the alarm ended the bake early";
  const std::string log = Logs(id);
  EXPECT_NE(log.find("alarm shop-orders-errors is in ALARM"), std::string::npos) << log;
  EXPECT_NE(log.find("rollback"), std::string::npos) << log;
}

}  // namespace
}  // namespace ferry::test
