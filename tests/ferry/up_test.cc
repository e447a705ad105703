// `ferry up`: the README's run command. It must show a deployed sample, print the API URL, the
// sandbox URL, a working token and commands that work as printed, and be safe to re-run on the
// same data directory (no new version when nothing changed).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

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
    // "COMMAND   # exits 1: why": the exit code is part of what the line shows.
    if (auto note = command.find("   # exits 1"); note != std::string::npos) {
      command = command.substr(0, note) + " || test $? -eq 1";
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
