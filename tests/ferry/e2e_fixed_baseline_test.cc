// The verify step's fixed-baseline mode end to end (issue 14, item 2): `ferry up` (ferry server
// with its embedded delegate and ferry sandbox sharing one clock). Build one goes live with a
// deploy-only workflow; 15 s of the sandbox's traffic on prod is the baseline, in a window the
// test reads from the sandbox clock (then moves the clock past it). The workflow then gets a
// verify step in mode fixed-baseline naming that window, and build two is deployed: identical,
// it passes; with the function-fault knob failing 30% of its invocations, it fails and is rolled
// back. The stored verification says which windows were compared.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "common/time.h"
#include "ferry/api_client.h"
#include "support/child_process.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace ferry::test {
namespace {

using std::chrono::seconds;

std::map<std::string, std::string> UserEnv() {
  auto env = SandboxAwsEnv();
  const char* path = std::getenv("PATH");
  env["PATH"] = std::string("/usr/bin:/bin:") + (path != nullptr ? path : "");
  return env;
}

class FixedBaselineE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    up_ = UpProcess::Start(dir_.Sub(""), {}, seconds(180), UserEnv());
    ASSERT_TRUE(up_->ok()) << up_->diagnostics();
    api_ = std::make_unique<ApiClient>(up_->api_url(), up_->token());
    sandbox_ = std::make_unique<httplib::Client>(up_->sandbox_url());

    ApiResponse workflow = api_->Get(kWorkflow);
    ASSERT_EQ(workflow.status, 200) << workflow.Describe();
    spec_ = workflow.json["spec"];
    spec_.erase("trafficShift");
    spec_.erase("alarms");  // they gate traffic shifts, which this workflow has none of
    spec_["strategy"] = "custom";
    spec_["steps"] = Json::array({Json{{"name", "deploy"}, {"type", "deploy"}}});
    ApiResponse put = api_->Put(kWorkflow, spec_);
    ASSERT_EQ(put.status, 200) << put.Describe();

    std::ofstream(dir_.path() / "build.sh")
        << "set -e\nmkdir -p builds && cd builds\n"
        << "for word in one two; do\n"
        << "  mkdir -p $word\n"
        << "  printf 'import time\\n\\ndef handler(event, context):\\n    time.sleep(0.05)\\n"
        << "    return {\"build\": \"%s\"}\\n' $word > $word/app.py\n"
        << "  (cd $word && python3 -m zipfile -c ../$word.zip app.py)\n"
        << "  /usr/bin/aws --endpoint-url " << up_->sandbox_url()
        << " s3 cp $word.zip s3://ferry-sample/hello/hello-fixed-$word.zip\n"
        << "done\n";
    auto built = ChildProcess::Run({"/bin/bash", dir_.Sub("build.sh")},
                                   ProcessOptions{UserEnv(), dir_.Sub("")}, seconds(60));
    ASSERT_EQ(built.exit_code, 0) << built.out << built.err;
    const std::string first = Deploy("hello/hello-fixed-one.zip");
    ASSERT_FALSE(first.empty());
    Json done = api_->WaitForExecution(first, seconds(90));
    ASSERT_EQ(Str(done, "status"), "succeeded") << done.dump() << "\n" << up_->diagnostics();

    // The baseline: one minute of the sandbox clock holding 15 s of build one's traffic.
    const TimePoint start = SandboxNow();
    RunTraffic();
    Advance(60);
    baseline_start_ = FormatRfc3339(start);
    baseline_end_ = FormatRfc3339(start + std::chrono::minutes(1));

    spec_["steps"] = Json::array(
        {Json{{"name", "deploy"}, {"type", "deploy"}}, Json{{"name", "verify"},
                                                            {"type", "verify"},
                                                            {"with",
                                                             {{"mode", "fixed-baseline"},
                                                              {"baselineStart", baseline_start_},
                                                              {"baselineEnd", baseline_end_},
                                                              {"window", "2m"},
                                                              {"period", "1s"}}}}});
    put = api_->Put(kWorkflow, spec_);
    ASSERT_EQ(put.status, 200) << put.Describe();
  }

  void TearDown() override {
    if (up_) (void)up_->process().Terminate(SIGINT);
  }

  TimePoint SandboxNow() {
    auto r = sandbox_->Get("/_ferry/clock");
    EXPECT_TRUE(r && r->status == 200);
    auto now = ParseRfc3339(Str(*ParseJson(r ? r->body : "{}"), "now"));
    EXPECT_TRUE(now.has_value());
    return now.value_or(TimePoint{});
  }

  void Advance(int by_seconds) {
    auto advanced = sandbox_->Post("/_ferry/clock", DumpJson(Json{{"advance_seconds", by_seconds}}),
                                   "application/json");
    EXPECT_TRUE(advanced && advanced->status == 200);
  }

  std::string Deploy(const std::string& key) {
    ApiResponse r = api_->Post("/api/v1/deployments",
                               Json{{"application", "sample"},
                                    {"service", "hello"},
                                    {"environment", "prod"},
                                    {"artifact", {{"s3Bucket", "ferry-sample"}, {"s3Key", key}}}});
    EXPECT_EQ(r.status, 201) << r.Describe();
    return Str(r.json, "id");
  }

  // 30 invocations a second for 15 s on prod, until the generator says it finished.
  void RunTraffic() {
    auto started = sandbox_->Post("/_ferry/traffic",
                                  DumpJson(Json{{"function", "sample-hello-prod"},
                                                {"qualifier", "prod"},
                                                {"ratePerSecond", 30},
                                                {"seconds", 15}}),
                                  "application/json");
    ASSERT_TRUE(started && started->status == 201) << (started ? started->body : "no answer");
    const std::string generator = Str(*ParseJson(started->body), "id");
    const auto deadline = std::chrono::steady_clock::now() + seconds(90);
    Json status;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = sandbox_->Get("/_ferry/traffic/" + generator);
      if (r && r->status == 200) {
        status = *ParseJson(r->body);
        if (Str(status, "state") == "finished") break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_EQ(Str(status, "state"), "finished") << status.dump();
  }

  // Deploys build two with `faults` (a function-fault knob body, or null), runs the traffic
  // while the verification waits, then moves the clock past the window.
  Json DeployTwoWith(const Json& faults) {
    if (!faults.is_null()) {
      auto set = sandbox_->Post("/_ferry/function-faults", DumpJson(faults), "application/json");
      EXPECT_TRUE(set && set->status == 200) << (set ? set->body : "no answer");
    }
    id_ = Deploy("hello/hello-fixed-two.zip");
    auto verifying = [](const ApiResponse& r) {
      if (r.status != 200 || !r.json.contains("steps")) return false;
      for (const Json& step : r.json["steps"]) {
        if (Str(step, "name") == "verify" && Str(step, "status") == "waiting") return true;
      }
      return false;
    };
    ApiResponse waiting =
        api_->PollUntil("/api/v1/executions/" + id_ + "?outputs=false", verifying, seconds(90));
    EXPECT_TRUE(verifying(waiting)) << waiting.Describe() << "\n" << Logs();
    RunTraffic();
    Advance(130);
    return api_->WaitForExecution(id_, seconds(120));
  }

  Json Verification() {
    auto env = UserEnv();
    env["FERRY_SERVER"] = up_->api_url();
    env["FERRY_TOKEN"] = up_->token();
    auto json = ChildProcess::Run({"verification", id_, "-o", "json"}, ProcessOptions{env, ""},
                                  seconds(30));
    EXPECT_EQ(json.exit_code, 0) << json.err;
    auto parsed = ParseJson(json.out);
    EXPECT_TRUE(parsed.ok()) << json.out;
    return parsed.ok() ? *parsed : Json();
  }

  static const Json* Metric(const Json& verification, const std::string& name) {
    for (const Json& m : verification["items"][0]["analysis"]["metrics"]) {
      if (Str(m, "name") == name) return &m;
    }
    return nullptr;
  }

  std::string Logs() { return api_->Get("/api/v1/executions/" + id_ + "/logs").body; }

  static constexpr char kWorkflow[] = "/api/v1/applications/sample/workflows/canary";
  TempDir dir_;
  std::unique_ptr<UpProcess> up_;
  std::unique_ptr<ApiClient> api_;
  std::unique_ptr<httplib::Client> sandbox_;
  Json spec_;
  std::string baseline_start_, baseline_end_;
  std::string id_;
};

TEST_F(FixedBaselineE2eTest, AnIdenticalVersionPassesAgainstTheStoredWindow) {
  Json done = DeployTwoWith(Json());
  EXPECT_EQ(Str(done, "status"), "succeeded") << done.dump() << Logs();
  Json v = Verification();
  ASSERT_EQ(v["items"].size(), 1u) << v.dump() << Logs();
  EXPECT_EQ(Str(v["items"][0], "mode"), "fixed-baseline") << v.dump();
  EXPECT_TRUE(v["items"][0].value("passed", false)) << v.dump();
  const Json& analysis = v["items"][0]["analysis"];
  EXPECT_EQ(ParseRfc3339(Str(analysis["baselineWindow"], "start")), ParseRfc3339(baseline_start_))
      << analysis.dump();
  EXPECT_EQ(ParseRfc3339(Str(analysis["baselineWindow"], "end")), ParseRfc3339(baseline_end_))
      << analysis.dump();
  for (const char* name : {"Errors", "Duration"}) {
    const Json* m = Metric(v, name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_NE(Str(*m, "outcome"), "no-data") << m->dump();
  }
}

TEST_F(FixedBaselineE2eTest, AWorseVersionFailsAgainstTheStoredWindowAndIsRolledBack) {
  Json done = DeployTwoWith(
      Json{{"function", "sample-hello-prod"}, {"version", "2"}, {"errorRate", 0.3}, {"seed", 7}});
  EXPECT_EQ(Str(done, "status"), "rolled_back") << done.dump() << Logs();
  Json v = Verification();
  ASSERT_EQ(v["items"].size(), 1u) << v.dump() << Logs();
  EXPECT_EQ(Str(v["items"][0], "verdict"), "fail") << v.dump();
  const Json* errors = Metric(v, "Errors");
  ASSERT_NE(errors, nullptr) << v.dump();
  EXPECT_EQ(Str(*errors, "outcome"), "fail") << errors->dump();
  EXPECT_GT((*errors)["canary"]["events"].get<double>(), 0) << errors->dump();
  EXPECT_EQ((*errors)["baseline"]["events"].get<double>(), 0) << errors->dump();
  // Both sides read the alias as a whole: no ExecutedVersion dimension.
  const Json& queries = v["items"][0]["analysis"]["queries"];
  EXPECT_FALSE(queries["baseline"][0]["dimensions"].contains("ExecutedVersion")) << queries.dump();
}

}  // namespace
}  // namespace ferry::test
