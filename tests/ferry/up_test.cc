// `ferry up`: the README's run command. It must show a deployed sample, print the API URL, the
// sandbox URL, a working token and commands that work as printed, and be safe to re-run on the
// same data directory (no new version when nothing changed).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/time.h"
#include "ferry/api_client.h"
#include "support/child_process.h"
#include "support/sandbox_process.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace ferry::test {
namespace {

using std::chrono::seconds;

// /usr/bin first: Debian's AWS CLI v2 (a pyenv AWS CLI v1 may shadow it on PATH).
std::map<std::string, std::string> UserEnv() {
  auto env = SandboxAwsEnv();
  const char* path = std::getenv("PATH");
  env["PATH"] = std::string("/usr/bin:/bin:") + (path != nullptr ? path : "");
  return env;
}

// The published versions of a function, through the AWS CLI against a sandbox.
std::string ListVersions(const std::string& sandbox_url, const std::string& function) {
  auto r = ChildProcess::Run(
      {"/usr/bin/aws", "--endpoint-url", sandbox_url, "lambda", "list-versions-by-function",
       "--function-name", function, "--query", "Versions[].Version", "--output", "text"},
      ProcessOptions{UserEnv(), ""});
  return r.exit_code == 0 ? r.out
                          : "(aws exited " + std::to_string(r.exit_code) + ": " + r.err + ")";
}

// The commands `ferry up` printed under "Try it": every indented line that is not a comment.
std::string PrintedCommands(const std::string& output) {
  std::istringstream in(output.substr(output.find("Try it")));
  std::string line, script = "set -e\n";
  std::getline(in, line);
  while (std::getline(in, line)) {
    if (line.rfind("Next:", 0) == 0) break;
    if (line.rfind("  ", 0) != 0) continue;
    std::string command = line.substr(2);
    if (command.rfind("#", 0) == 0) continue;
    // "COMMAND   # exits N: why": the exit code is part of what the line shows.
    if (auto note = command.find("   # exits "); note != std::string::npos) {
      const char code = command[note + 11];
      command = "if " + command.substr(0, note) + "; then false; else test $? -eq " +
                std::string(1, code) + "; fi";
    }
    script += command + "\n";
  }
  return script;
}

TEST(UpTest, DeploysTheSampleAndPrintsCommandsThatWorkAsPrinted) {
  TempDir dir;
  auto up = UpProcess::Start(dir.Sub(""), {}, seconds(180), UserEnv());
  ASSERT_TRUE(up->ok()) << up->diagnostics();
  const std::string out = up->process().output();
  EXPECT_NE(out.find("sample deployed: sample-hello-dev version 1 behind alias dev"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Hello, ferry!"), std::string::npos) << out;
  EXPECT_EQ(up->token().rfind("fry_", 0), 0u);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "ferry-data" / "ferry.db"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "ferry-data" / "sample" / "app.py"));

  // The token works on the API, and the sample's execution is there.
  ApiClient api(up->api_url(), up->token());
  ApiResponse executions = api.Get("/api/v1/executions?application=sample");
  ASSERT_EQ(executions.status, 200) << executions.Describe();
  ASSERT_EQ(executions.json["items"].size(), 1u) << executions.body;
  EXPECT_EQ(Str(executions.json["items"][0], "status"), "succeeded");
  EXPECT_EQ(ApiClient(up->api_url(), "fry_wrong").Get("/api/v1/executions").status, 401);

  // Every printed command, run as printed in a shell (invoke, new build, deploy, executions,
  // rollback, deploy to prod).
  std::ofstream(dir.path() / "try.sh") << PrintedCommands(out);
  auto tried = ChildProcess::Run({"/bin/bash", dir.Sub("try.sh")},
                                 ProcessOptions{UserEnv(), dir.Sub("")}, seconds(300));
  ASSERT_EQ(tried.exit_code, 0) << PrintedCommands(out) << "\nstdout:\n"
                                << tried.out << "\nstderr:\n"
                                << tried.err;
  // The invoke wrote the alias's answer.
  std::ifstream answer(dir.path() / "out.json");
  std::string payload((std::istreambuf_iterator<char>(answer)), std::istreambuf_iterator<char>());
  EXPECT_NE(payload.find("Hello, world!"), std::string::npos) << payload;
  // The new build became version 2, then the rollback moved dev back to version 1.
  EXPECT_EQ(ListVersions(up->sandbox_url(), "sample-hello-dev"), "$LATEST\t1\t2\n");
  auto alias = ChildProcess::Run({"/usr/bin/aws", "--endpoint-url", up->sandbox_url(), "lambda",
                                  "get-alias", "--function-name", "sample-hello-dev", "--name",
                                  "dev", "--query", "FunctionVersion", "--output", "text"},
                                 ProcessOptions{UserEnv(), ""});
  EXPECT_EQ(alias.out, "1\n") << alias.err;
  // Prod: the artifact became version 1; the broken build (version 2) went out as a canary under
  // traffic, its alarm fired and Ferry rolled back by itself, and the log it printed says why.
  EXPECT_EQ(ListVersions(up->sandbox_url(), "sample-hello-prod"), "$LATEST\t1\t2\n");
  auto prod = ChildProcess::Run(
      {"/usr/bin/aws", "--endpoint-url", up->sandbox_url(), "lambda", "get-alias",
       "--function-name", "sample-hello-prod", "--name", "prod", "--output", "json"},
      ProcessOptions{UserEnv(), ""});
  auto prod_alias = ParseJson(prod.out);
  ASSERT_TRUE(prod_alias.ok()) << prod.out << prod.err;
  EXPECT_EQ(Str(*prod_alias, "FunctionVersion"), "1") << prod.out;
  EXPECT_FALSE(
      prod_alias->contains("RoutingConfig") &&
      !(*prod_alias)["RoutingConfig"].value("AdditionalVersionWeights", Json::object()).empty())
      << "no weights left: " << prod.out;
  EXPECT_NE(tried.out.find("alarm sample-hello-prod-errors is in ALARM"), std::string::npos)
      << tried.out;
  EXPECT_NE(tried.out.find("rolled back"), std::string::npos) << tried.out;

  EXPECT_EQ(up->process().Terminate(SIGINT).value_or(-1), 0) << up->diagnostics();
}

// The sandbox's clock is Ferry's clock under `ferry up`: a test (or a user rehearsing) moves
// it forward and a 10-minute canary bake ends in seconds, the canary promoting as it would after
// ten real minutes. Without the shared clock this test would wait out its 120 s deadline.
TEST(UpTest, AdvancingTheSandboxClockFinishesATenMinuteCanaryInSeconds) {
  TempDir dir;
  auto up = UpProcess::Start(dir.Sub(""), {}, seconds(180), UserEnv());
  ASSERT_TRUE(up->ok()) << up->diagnostics();
  ApiClient api(up->api_url(), up->token());

  // prod's canary, made a 10-minute one: 10% of the traffic for 10 minutes, then 100%.
  const std::string workflow_path = "/api/v1/applications/sample/workflows/canary";
  ApiResponse workflow = api.Get(workflow_path);
  ASSERT_EQ(workflow.status, 200) << workflow.Describe();
  Json spec = workflow.json["spec"];
  spec["trafficShift"] = Json{{"percent", 10}, {"interval", "10m"}};
  ApiResponse put = api.Put(workflow_path, spec);
  ASSERT_EQ(put.status, 200) << put.Describe();

  // Two new builds of the sample, uploaded as a user would: the first creates prod (a first
  // version goes out at once), the second is the canary.
  std::ofstream(dir.path() / "build.sh")
      << "set -e\ncd ferry-data/sample\n"
      << "for word in Hi Hey; do\n"
      << "  mkdir -p $word && sed \"s/Hello/$word/\" app.py > $word/app.py\n"
      << "  (cd $word && python3 -m zipfile -c ../hello-$word.zip app.py)\n"
      << "  /usr/bin/aws --endpoint-url " << up->sandbox_url()
      << " s3 cp hello-$word.zip s3://ferry-sample/hello/hello-$word.zip\n"
      << "done\n";
  auto built = ChildProcess::Run({"/bin/bash", dir.Sub("build.sh")},
                                 ProcessOptions{UserEnv(), dir.Sub("")}, seconds(60));
  ASSERT_EQ(built.exit_code, 0) << built.out << built.err;
  auto deploy = [&](const std::string& key) {
    ApiResponse r = api.Post("/api/v1/deployments",
                             Json{{"application", "sample"},
                                  {"service", "hello"},
                                  {"environment", "prod"},
                                  {"artifact", {{"s3Bucket", "ferry-sample"}, {"s3Key", key}}}});
    EXPECT_EQ(r.status, 201) << r.Describe();
    return Str(r.json, "id");
  };
  Json first = api.WaitForExecution(deploy("hello/hello-Hi.zip"), seconds(60));
  ASSERT_EQ(Str(first, "status"), "succeeded") << first.dump();
  const std::string id = deploy("hello/hello-Hey.zip");
  ASSERT_FALSE(id.empty());

  // The canary holds 10% with its hold ending ten minutes out.
  auto holding = [](const ApiResponse& r) {
    if (r.status != 200 || !r.json.contains("steps")) return false;
    for (const Json& step : r.json["steps"]) {
      if (step.contains("traffic") && step["traffic"].is_object() &&
          step["traffic"].value("percent", 0.0) == 10.0 &&
          step["traffic"].value("holdUntil", Json()).is_string()) {
        return true;
      }
    }
    return false;
  };
  ApiResponse hold = api.PollUntil("/api/v1/executions/" + id + "?outputs=false", holding,
                                   seconds(60));
  ASSERT_TRUE(holding(hold)) << hold.Describe();
  httplib::Client sandbox(up->sandbox_url());
  auto clock_before = sandbox.Get("/_ferry/clock");
  ASSERT_TRUE(clock_before && clock_before->status == 200);
  auto now = ParseRfc3339(Str(*ParseJson(clock_before->body), "now"));
  ASSERT_TRUE(now.has_value()) << clock_before->body;
  for (const Json& step : hold.json["steps"]) {
    if (!step.contains("traffic")) continue;
    auto until = ParseRfc3339(step["traffic"]["holdUntil"].get<std::string>());
    ASSERT_TRUE(until.has_value()) << hold.body;
    EXPECT_GT(*until - *now, std::chrono::minutes(9)) << hold.body;
  }

  // Ten minutes pass on the sandbox's clock; the bake ends and the canary promotes.
  auto advanced = sandbox.Post("/_ferry/clock", R"({"advance_seconds": 600})", "application/json");
  ASSERT_TRUE(advanced && advanced->status == 200) << (advanced ? advanced->body : "no answer");
  Json done = api.WaitForExecution(id, seconds(60));
  ASSERT_EQ(Str(done, "status"), "succeeded")
      << api.Get("/api/v1/executions/" + id + "/logs").body << "\n" << up->diagnostics();
  auto prod = ChildProcess::Run({"/usr/bin/aws", "--endpoint-url", up->sandbox_url(), "lambda",
                                 "get-alias", "--function-name", "sample-hello-prod", "--name",
                                 "prod", "--output", "json"},
                                ProcessOptions{UserEnv(), ""});
  auto prod_alias = ParseJson(prod.out);
  ASSERT_TRUE(prod_alias.ok()) << prod.out << prod.err;
  EXPECT_EQ(Str(*prod_alias, "FunctionVersion"), "2") << prod.out;
  EXPECT_TRUE(!prod_alias->contains("RoutingConfig") ||
              (*prod_alias)["RoutingConfig"].value("AdditionalVersionWeights", Json::object()).empty())
      << "no weights left: " << prod.out;

  EXPECT_EQ(up->process().Terminate(SIGINT).value_or(-1), 0) << up->diagnostics();
}

TEST(UpTest, ExitAfterDeployAndReRunOnTheSameDataPublishesNothingNew) {
  TempDir dir;
  auto first =
      ChildProcess::Run({"up", "--port", "0", "--sandbox-port", "0", "--exit-after-deploy"},
                        ProcessOptions{UserEnv(), dir.Sub("")}, seconds(180));
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("api: http://127.0.0.1:"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("sandbox: http://127.0.0.1:"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("token: fry_"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("7 entities: 7 created"), std::string::npos) << first.out;

  auto second =
      ChildProcess::Run({"up", "--port", "0", "--sandbox-port", "0", "--exit-after-deploy"},
                        ProcessOptions{UserEnv(), dir.Sub("")}, seconds(180));
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(second.out.find("kept from execution"), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("0 created"), std::string::npos) << second.out;

  // Issue 18: every start minted an admin token that never expired. The second start revoked
  // the first's, and its own expires.
  auto tokens = ChildProcess::Run({"token", "list", "--data", dir.Sub("ferry-data"), "-o", "json"},
                                  ProcessOptions{UserEnv(), dir.Sub("")}, seconds(60));
  ASSERT_EQ(tokens.exit_code, 0) << tokens.err;
  Json listed = Json::parse(tokens.out);
  Json items = listed.is_array() ? listed : listed["items"];
  ASSERT_EQ(items.size(), 2u) << tokens.out;
  int valid = 0;
  for (const Json& t : items) {
    EXPECT_FALSE(t["expiresAt"].is_null()) << t.dump();
    if (t["revokedAt"].is_null()) ++valid;
  }
  EXPECT_EQ(valid, 1) << tokens.out;

  // The sandbox state persisted in ferry-data/sandbox: still exactly one published version.
  auto sandbox = SandboxProcess::Start(dir.Sub("ferry-data/sandbox"));
  ASSERT_TRUE(sandbox->ok()) << sandbox->diagnostics();
  EXPECT_EQ(ListVersions(sandbox->url(), "sample-hello-dev"), "$LATEST\t1\n");
}

TEST(UpTest, ADataDirectoryInUseIsRefusedBeforeItsSandboxStarts) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.Sub("ferry-data"));
  ASSERT_TRUE(server->ok()) << server->diagnostics();
  auto r = ChildProcess::Run({"up", "--port", "0", "--sandbox-port", "0", "--exit-after-deploy"},
                             ProcessOptions{UserEnv(), dir.Sub("")}, seconds(60));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("is in use by another ferry server (pid "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--data"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("sandbox started"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("ferry-data/sandbox")))
      << "the refused ferry up must not touch the directory's sandbox state";
}

TEST(UpTest, ABusyPortIsReportedWithWhatToDo) {
  TempDir dir;
  auto sandbox = SandboxProcess::Start("");
  ASSERT_TRUE(sandbox->ok()) << sandbox->diagnostics();
  const std::string port = sandbox->url().substr(sandbox->url().rfind(':') + 1);
  auto r = ChildProcess::Run({"up", "--port", "0", "--sandbox-port", port, "--exit-after-deploy"},
                             ProcessOptions{UserEnv(), dir.Sub("")}, seconds(60));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--sandbox-port 0"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ferry::test
