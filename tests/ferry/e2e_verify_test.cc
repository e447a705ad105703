// The verify step end to end (issue 14, item 2): `ferry up` (ferry server with its embedded
// delegate and ferry sandbox sharing one clock), a canary workflow that splits prod's traffic
// 50/50, verifies, then promotes. Traffic comes from the sandbox's generators, the new version's
// behaviour from its function-fault knobs; advancing the sandbox clock ends the verification
// window. A canary with a higher error rate, or whose latency doubled, fails verification and
// is rolled back; an identical one passes and is promoted. `ferry verification` shows why.
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

class VerifyE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    up_ = UpProcess::Start(dir_.Sub(""), {}, seconds(180), UserEnv());
    ASSERT_TRUE(up_->ok()) << up_->diagnostics();
    api_ = std::make_unique<ApiClient>(up_->api_url(), up_->token());
    sandbox_ = std::make_unique<httplib::Client>(up_->sandbox_url());

    // prod's canary: half the traffic on the new version, a 2-minute verification (per-second
    // periods: the window is short), then 100%.
    const std::string path = "/api/v1/applications/sample/workflows/canary";
    ApiResponse workflow = api_->Get(path);
    ASSERT_EQ(workflow.status, 200) << workflow.Describe();
    Json spec = workflow.json["spec"];
    spec.erase("trafficShift");
    spec["strategy"] = "custom";
    spec["steps"] = Json::array(
        {Json{{"name", "deploy"}, {"type", "deploy"}},
         Json{{"name", "half"}, {"type", "traffic-shift"}, {"with", {{"percent", "50"}}}},
         Json{{"name", "verify"},
              {"type", "verify"},
              {"with", {{"mode", "canary"}, {"window", "2m"}, {"period", "1s"}}}},
         Json{{"name", "promote"}, {"type", "traffic-shift"}, {"with", {{"percent", "100"}}}}});
    ApiResponse put = api_->Put(path, spec);
    ASSERT_EQ(put.status, 200) << put.Describe();

    // Two builds whose handler takes 50 ms; the first becomes prod's stable version.
    std::ofstream(dir_.path() / "build.sh")
        << "set -e\nmkdir -p builds && cd builds\n"
        << "for word in one two; do\n"
        << "  mkdir -p $word\n"
        << "  printf 'import time\\n\\ndef handler(event, context):\\n    time.sleep(0.05)\\n"
        << "    return {\"build\": \"%s\"}\\n' $word > $word/app.py\n"
        << "  (cd $word && python3 -m zipfile -c ../$word.zip app.py)\n"
        << "  /usr/bin/aws --endpoint-url " << up_->sandbox_url()
        << " s3 cp $word.zip s3://ferry-sample/hello/hello-verify-$word.zip\n"
        << "done\n";
    auto built = ChildProcess::Run({"/bin/bash", dir_.Sub("build.sh")},
                                   ProcessOptions{UserEnv(), dir_.Sub("")}, seconds(60));
    ASSERT_EQ(built.exit_code, 0) << built.out << built.err;
    const std::string first_id = Deploy("hello/hello-verify-one.zip");
    ASSERT_FALSE(first_id.empty());
    Json first = api_->WaitForExecution(first_id, seconds(90));
    ASSERT_EQ(Str(first, "status"), "succeeded") << first.dump() << "\n" << up_->diagnostics();
  }

  void TearDown() override {
    if (up_) (void)up_->process().Terminate(SIGINT);
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

  // Deploys build two with `faults` (a function-fault knob body for version 2, or empty), runs
  // 30 invocations a second for 15 s on prod while the verification waits, then moves the
  // sandbox clock past the window. Returns the ended execution.
  Json CanaryWith(const Json& faults) {
    if (!faults.is_null()) {
      auto set = sandbox_->Post("/_ferry/function-faults", DumpJson(faults), "application/json");
      EXPECT_TRUE(set && set->status == 200) << (set ? set->body : "no answer");
    }
    id_ = Deploy("hello/hello-verify-two.zip");
    auto verifying = [](const ApiResponse& r) {
      if (r.status != 200 || !r.json.contains("steps")) return false;
      for (const Json& step : r.json["steps"]) {
        if (Str(step, "name") == "verify" && Str(step, "status") == "waiting") return true;
      }
      return false;
    };
    ApiResponse waiting =
        api_->PollUntil("/api/v1/executions/" + id_ + "?outputs=false", verifying, seconds(90));
    EXPECT_TRUE(verifying(waiting)) << waiting.Describe() << "\n"
                                    << api_->Get("/api/v1/executions/" + id_ + "/logs").body;
    auto started = sandbox_->Post("/_ferry/traffic",
                                  DumpJson(Json{{"function", "sample-hello-prod"},
                                                {"qualifier", "prod"},
                                                {"ratePerSecond", 30},
                                                {"seconds", 15}}),
                                  "application/json");
    EXPECT_TRUE(started && started->status == 201) << (started ? started->body : "no answer");
    const std::string generator = Str(*ParseJson(started ? started->body : "{}"), "id");
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
    traffic_ = status;
    auto advanced =
        sandbox_->Post("/_ferry/clock", R"({"advance_seconds": 130})", "application/json");
    EXPECT_TRUE(advanced && advanced->status == 200);
    return api_->WaitForExecution(id_, seconds(120));
  }

  // `ferry verification ID -o json` and its table.
  Json Verification(std::string* table = nullptr) {
    auto env = UserEnv();
    env["FERRY_SERVER"] = up_->api_url();
    env["FERRY_TOKEN"] = up_->token();
    if (table != nullptr) {
      auto text = ChildProcess::Run({"verification", id_}, ProcessOptions{env, ""}, seconds(30));
      EXPECT_EQ(text.exit_code, 0) << text.err;
      *table = text.out;
    }
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

  std::string Describe() {
    return "traffic " + traffic_.dump() + "\nlogs:\n" +
           api_->Get("/api/v1/executions/" + id_ + "/logs").body;
  }

  TempDir dir_;
  std::unique_ptr<UpProcess> up_;
  std::unique_ptr<ApiClient> api_;
  std::unique_ptr<httplib::Client> sandbox_;
  std::string id_;
  Json traffic_;
};

TEST_F(VerifyE2eTest, ACanaryWithAHigherErrorRateFailsVerificationAndIsRolledBack) {
  Json done = CanaryWith(
      Json{{"function", "sample-hello-prod"}, {"version", "2"}, {"errorRate", 0.3}, {"seed", 7}});
  EXPECT_EQ(Str(done, "status"), "rolled_back") << done.dump() << Describe();
  std::string table;
  Json v = Verification(&table);
  ASSERT_EQ(v["items"].size(), 1u) << v.dump() << Describe();
  EXPECT_EQ(Str(v["items"][0], "verdict"), "fail") << v.dump();
  const Json* errors = Metric(v, "Errors");
  ASSERT_NE(errors, nullptr) << v.dump();
  EXPECT_EQ(Str(*errors, "outcome"), "fail") << errors->dump();
  EXPECT_GT((*errors)["canary"]["events"].get<double>(), 0) << errors->dump();
  EXPECT_EQ((*errors)["baseline"]["events"].get<double>(), 0) << errors->dump();
  // The queries: per-version dimensions of prod, both sides.
  const Json& queries = v["items"][0]["analysis"]["queries"];
  EXPECT_EQ(queries["canary"][0]["dimensions"]["ExecutedVersion"], "2") << queries.dump();
  EXPECT_EQ(queries["baseline"][0]["dimensions"]["ExecutedVersion"], "1") << queries.dump();
  EXPECT_NE(table.find("Errors"), std::string::npos) << table;
  EXPECT_NE(table.find("fail"), std::string::npos) << table;
  EXPECT_NE(table.find("of canary invocations"), std::string::npos) << table;
}

TEST_F(VerifyE2eTest, ACanaryWhoseLatencyDoubledFailsVerification) {
  Json done =
      CanaryWith(Json{{"function", "sample-hello-prod"}, {"version", "2"}, {"addLatencyMs", 50}});
  EXPECT_EQ(Str(done, "status"), "rolled_back") << done.dump() << Describe();
  Json v = Verification();
  ASSERT_EQ(v["items"].size(), 1u) << v.dump() << Describe();
  EXPECT_EQ(Str(v["items"][0], "verdict"), "fail") << v.dump();
  const Json* duration = Metric(v, "Duration");
  ASSERT_NE(duration, nullptr) << v.dump();
  EXPECT_EQ(Str(*duration, "outcome"), "fail") << duration->dump();
  EXPECT_GT((*duration)["canary"]["median"].get<double>(),
            1.5 * (*duration)["baseline"]["median"].get<double>())
      << duration->dump();
  const Json* errors = Metric(v, "Errors");
  ASSERT_NE(errors, nullptr);
  EXPECT_EQ(Str(*errors, "outcome"), "pass") << errors->dump();
}

TEST_F(VerifyE2eTest, AnIdenticalCanaryPassesAndIsPromoted) {
  Json done = CanaryWith(Json());
  EXPECT_EQ(Str(done, "status"), "succeeded") << done.dump() << Describe();
  Json v = Verification();
  ASSERT_EQ(v["items"].size(), 1u) << v.dump() << Describe();
  EXPECT_TRUE(v["items"][0].value("passed", false)) << v.dump();
  EXPECT_NE(Str(v["items"][0], "verdict"), "fail") << v.dump();
  for (const char* name : {"Errors", "Duration"}) {
    const Json* m = Metric(v, name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_NE(Str(*m, "outcome"), "no-data") << m->dump();
  }
}

}  // namespace
}  // namespace ferry::test
