// Service Guard and periodic drift detection end to end (issue 14, items 3 and 4): `ferry up`
// (ferry server with its embedded delegate and ferry sandbox sharing one clock). The sandbox's
// traffic generators invoke prod's alias, its function-fault knob makes the live version fail,
// and moving the sandbox clock to the next minute (or five) starts the server's next periodic
// check, which reads what the invocations put into the sandbox's CloudWatch.
//
// Service Guard (every minute): a healthy minute, then failing minutes, then a healthy one —
// exactly one incident opens for prod's function and Errors, is updated while the errors last,
// and closes when they stop. Periodic drift (every 5 minutes): the alias moved by hand with the
// AWS CLI opens a drift incident naming the change; the next deploy overwrites it and the next
// check closes the incident. `ferry incidents` shows both.
#include <gmock/gmock.h>

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
using ::testing::HasSubstr;

std::map<std::string, std::string> UserEnv() {
  auto env = SandboxAwsEnv();
  const char* path = std::getenv("PATH");
  env["PATH"] = std::string("/usr/bin:/bin:") + (path != nullptr ? path : "");
  return env;
}

class GuardE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    up_ = UpProcess::Start(dir_.Sub(""), {}, seconds(180), UserEnv());
    ASSERT_TRUE(up_->ok()) << up_->diagnostics();
    api_ = std::make_unique<ApiClient>(up_->api_url(), up_->token());
    sandbox_ = std::make_unique<httplib::Client>(up_->sandbox_url());

    // prod's workflow: deploy and move the alias at once.
    const std::string path = "/api/v1/applications/sample/workflows/canary";
    ApiResponse workflow = api_->Get(path);
    ASSERT_EQ(workflow.status, 200) << workflow.Describe();
    Json spec = workflow.json["spec"];
    spec.erase("trafficShift");
    spec.erase("alarms");  // they gate traffic shifts, which this workflow has none of
    spec["strategy"] = "custom";
    spec["steps"] = Json::array({Json{{"name", "deploy"}, {"type", "deploy"}}});
    ApiResponse put = api_->Put(path, spec);
    ASSERT_EQ(put.status, 200) << put.Describe();

    std::ofstream(dir_.path() / "build.sh")
        << "set -e\nmkdir -p builds && cd builds\n"
        << "for word in one two; do\n"
        << "  mkdir -p $word\n"
        << "  printf 'def handler(event, context):\\n    return {\"build\": \"%s\"}\\n' $word"
        << " > $word/app.py\n"
        << "  (cd $word && python3 -m zipfile -c ../$word.zip app.py)\n"
        << "  /usr/bin/aws --endpoint-url " << up_->sandbox_url()
        << " s3 cp $word.zip s3://ferry-sample/hello/hello-guard-$word.zip\n"
        << "done\n";
    auto built = ChildProcess::Run({"/bin/bash", dir_.Sub("build.sh")},
                                   ProcessOptions{UserEnv(), dir_.Sub("")}, seconds(60));
    ASSERT_EQ(built.exit_code, 0) << built.out << built.err;
  }

  void TearDown() override {
    if (up_) (void)up_->process().Terminate(SIGINT);
  }

  Json Deploy(const std::string& key) {
    ApiResponse r = api_->Post("/api/v1/deployments",
                               Json{{"application", "sample"},
                                    {"service", "hello"},
                                    {"environment", "prod"},
                                    {"artifact", {{"s3Bucket", "ferry-sample"}, {"s3Key", key}}}});
    EXPECT_EQ(r.status, 201) << r.Describe();
    return api_->WaitForExecution(Str(r.json, "id"), seconds(90));
  }

  // Sets prod's serviceGuard or driftCheck (a field of the environment's spec).
  void Configure(const std::string& field, const Json& value) {
    const std::string path = "/api/v1/applications/sample/environments/prod";
    ApiResponse env = api_->Get(path);
    ASSERT_EQ(env.status, 200) << env.Describe();
    Json spec = env.json["spec"];
    spec[field] = value;
    ApiResponse put = api_->Put(path, spec);
    ASSERT_EQ(put.status, 200) << put.Describe();
  }

  // Moves the sandbox clock to one second past the next multiple of `period` seconds: the
  // server's next periodic check starts.
  void NextSlot(int period) {
    auto r = sandbox_->Get("/_ferry/clock");
    ASSERT_TRUE(r && r->status == 200);
    auto now = ParseRfc3339(Str(*ParseJson(r->body), "now"));
    ASSERT_TRUE(now.has_value());
    const int64_t ms = ToUnixMillis(*now);
    const int64_t by = (period * 1000 - ms % (period * 1000)) / 1000 + 1;
    auto advanced = sandbox_->Post("/_ferry/clock", DumpJson(Json{{"advance_seconds", by}}),
                                   "application/json");
    ASSERT_TRUE(advanced && advanced->status == 200);
  }

  // 30 invocations a second for 10 s on prod's alias, until the generator finished.
  void Traffic() {
    auto started = sandbox_->Post("/_ferry/traffic",
                                  DumpJson(Json{{"function", "sample-hello-prod"},
                                                {"qualifier", "prod"},
                                                {"ratePerSecond", 30},
                                                {"seconds", 10}}),
                                  "application/json");
    ASSERT_TRUE(started && started->status == 201) << (started ? started->body : "no answer");
    const std::string generator = Str(*ParseJson(started->body), "id");
    const auto deadline = std::chrono::steady_clock::now() + seconds(90);
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = sandbox_->Get("/_ferry/traffic/" + generator);
      if (r && r->status == 200 && Str(*ParseJson(r->body), "state") == "finished") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    FAIL() << "the traffic generator did not finish";
  }

  void Faults(double error_rate) {
    if (error_rate == 0) {
      auto cleared = sandbox_->Delete("/_ferry/function-faults");
      ASSERT_TRUE(cleared && cleared->status == 200);
      return;
    }
    auto set = sandbox_->Post("/_ferry/function-faults",
                              DumpJson(Json{{"function", "sample-hello-prod"},
                                            {"version", "1"},
                                            {"errorRate", error_rate},
                                            {"seed", 7}}),
                              "application/json");
    ASSERT_TRUE(set && set->status == 200) << (set ? set->body : "no answer");
  }

  // GET /api/v1/incidents until `done` holds (or 90 s passed); the last answer.
  Json IncidentsUntil(const std::function<bool(const Json&)>& done) {
    const auto deadline = std::chrono::steady_clock::now() + seconds(90);
    Json items;
    while (std::chrono::steady_clock::now() < deadline) {
      ApiResponse r = api_->Get("/api/v1/incidents");
      if (r.status == 200) {
        items = r.json["items"];
        if (done(items)) return items;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    ADD_FAILURE() << "incidents never reached the expected state: " << items.dump() << "\n"
                  << up_->diagnostics();
    return items;
  }

  ChildProcess::Outcome Ferry(std::vector<std::string> args) {
    auto env = UserEnv();
    env["FERRY_SERVER"] = up_->api_url();
    env["FERRY_TOKEN"] = up_->token();
    auto r = ChildProcess::Run(std::move(args), ProcessOptions{env, ""}, seconds(30));
    EXPECT_EQ(r.out.find(up_->token()), std::string::npos);
    return r;
  }

  TempDir dir_;
  std::unique_ptr<UpProcess> up_;
  std::unique_ptr<ApiClient> api_;
  std::unique_ptr<httplib::Client> sandbox_;
};

size_t CountState(const Json& items, const std::string& state) {
  size_t n = 0;
  for (const Json& i : items) n += Str(i, "state") == state ? 1 : 0;
  return n;
}

TEST_F(GuardE2eTest, OneIncidentOpensWhenTheFunctionStartsFailingAndClosesWhenItRecovers) {
  Json first = Deploy("hello/hello-guard-one.zip");
  ASSERT_EQ(Str(first, "status"), "succeeded") << first.dump() << up_->diagnostics();
  ASSERT_NO_FATAL_FAILURE(
      Configure("serviceGuard", Json{{"enabled", true}, {"interval", "1m"}, {"trailing", "1h"}}));

  // Minute 0: healthy. Its check (at minute 1) has no baseline yet: no data, no incident.
  ASSERT_NO_FATAL_FAILURE(NextSlot(60));
  ASSERT_NO_FATAL_FAILURE(Traffic());
  // Minute 1: half the invocations fail.
  ASSERT_NO_FATAL_FAILURE(NextSlot(60));
  ASSERT_NO_FATAL_FAILURE(Faults(0.5));
  ASSERT_NO_FATAL_FAILURE(Traffic());
  // The check at minute 2 judges minute 1 against the hour before it: one incident opens.
  ASSERT_NO_FATAL_FAILURE(NextSlot(60));
  Json open = IncidentsUntil([](const Json& items) { return CountState(items, "open") == 1; });
  ASSERT_EQ(open.size(), 1u) << open.dump();
  EXPECT_EQ(Str(open[0], "function"), "sample-hello-prod");
  EXPECT_EQ(Str(open[0], "environment"), "prod");
  EXPECT_EQ(Str(open[0], "kind"), "metric");
  EXPECT_EQ(Str(open[0], "subject"), "Errors");
  EXPECT_THAT(Str(open[0], "summary"), HasSubstr("of recent invocations"));
  EXPECT_THAT(Str(open[0], "summary"), HasSubstr("fail"));
  EXPECT_LT(open[0]["details"]["adjustedPValue"].get<double>(), 0.01) << open.dump();
  EXPECT_EQ(open[0]["details"]["alias"], "prod");

  // Minute 2 fails too: the same incident is updated, no second one opens.
  ASSERT_NO_FATAL_FAILURE(Traffic());
  ASSERT_NO_FATAL_FAILURE(NextSlot(60));
  Json updated = IncidentsUntil(
      [](const Json& items) { return items.size() == 1 && items[0].value("checks", 0) == 2; });
  ASSERT_EQ(updated.size(), 1u) << updated.dump();
  EXPECT_EQ(Str(updated[0], "id"), Str(open[0], "id"));

  // Minute 3 is healthy again: the check at minute 4 closes the incident.
  ASSERT_NO_FATAL_FAILURE(Faults(0));
  ASSERT_NO_FATAL_FAILURE(Traffic());
  ASSERT_NO_FATAL_FAILURE(NextSlot(60));
  Json closed = IncidentsUntil([](const Json& items) { return CountState(items, "closed") == 1; });
  ASSERT_EQ(closed.size(), 1u) << closed.dump();  // exactly one incident, ever
  EXPECT_EQ(Str(closed[0], "id"), Str(open[0], "id"));
  EXPECT_EQ(closed[0]["checks"], 2);
  EXPECT_THAT(Str(closed[0], "closeReason"), HasSubstr("Errors: 0% of recent invocations"));
  EXPECT_FALSE(closed[0]["closedAt"].is_null());

  auto none_open = Ferry({"incidents"});
  EXPECT_EQ(none_open.exit_code, 0) << none_open.err;
  EXPECT_THAT(none_open.out, HasSubstr("no open incidents"));
  auto all = Ferry({"incidents", "--all", "--app", "sample"});
  EXPECT_EQ(all.exit_code, 0) << all.err;
  EXPECT_THAT(all.out, HasSubstr("sample-hello-prod"));
  EXPECT_THAT(all.out, HasSubstr("closed"));
  auto json = Ferry({"incidents", "--all", "-o", "json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  auto parsed = ParseJson(json.out);
  ASSERT_TRUE(parsed.ok()) << json.out;
  EXPECT_EQ((*parsed)["items"].size(), 1u);
  auto other = Ferry({"incidents", "--all", "--app", "elsewhere"});
  EXPECT_THAT(other.out, HasSubstr("no incidents"));
}

TEST_F(GuardE2eTest, PeriodicDriftOpensAnIncidentForAnAliasMovedByHandAndClosesAfterADeploy) {
  ASSERT_EQ(Str(Deploy("hello/hello-guard-one.zip"), "status"), "succeeded");
  ASSERT_EQ(Str(Deploy("hello/hello-guard-two.zip"), "status"), "succeeded");
  ASSERT_NO_FATAL_FAILURE(Configure("driftCheck", Json{{"interval", "5m"}}));

  // By hand, with the AWS CLI: prod goes back to version 1.
  auto env = SandboxAwsEnv();
  env["AWS_PAGER"] = "";
  auto moved = ChildProcess::Run(
      {"/usr/bin/aws", "--endpoint-url", up_->sandbox_url(), "lambda", "update-alias",
       "--function-name", "sample-hello-prod", "--name", "prod", "--function-version", "1"},
      ProcessOptions{env, ""}, seconds(60));
  ASSERT_EQ(moved.exit_code, 0) << moved.out << moved.err;

  ASSERT_NO_FATAL_FAILURE(NextSlot(300));
  Json open = IncidentsUntil([](const Json& items) { return CountState(items, "open") == 1; });
  ASSERT_EQ(open.size(), 1u) << open.dump();
  EXPECT_EQ(Str(open[0], "kind"), "drift");
  EXPECT_EQ(Str(open[0], "function"), "sample-hello-prod");
  EXPECT_THAT(Str(open[0], "summary"), HasSubstr("alias prod"));
  EXPECT_THAT(open[0]["details"]["items"].dump(), HasSubstr("version 1"));
  auto listed = Ferry({"incidents"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("drift"));
  EXPECT_THAT(listed.out, HasSubstr("changed outside Ferry"));

  // A deploy puts prod back; the next check finds no drift and closes the incident.
  ASSERT_EQ(Str(Deploy("hello/hello-guard-two.zip"), "status"), "succeeded");
  ASSERT_NO_FATAL_FAILURE(NextSlot(300));
  Json closed = IncidentsUntil([](const Json& items) { return CountState(items, "closed") == 1; });
  ASSERT_EQ(closed.size(), 1u) << closed.dump();
  EXPECT_THAT(Str(closed[0], "closeReason"), HasSubstr("no drift"));
}

}  // namespace
}  // namespace ferry::test
