// `ferry server` as one process per data directory: a second server on the directory is refused
// (other commands still open the store), a SIGKILLed server's abandoned leases are taken over at
// once by the next server on the directory and its deployment ends, and bad --lease/--heartbeat
// values are usage errors (exit 2).
#include <gtest/gtest.h>

#include <thread>

#include "ferry/e2e_fixture.h"

namespace ferry::test {
namespace {

using std::chrono::seconds;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class ServerRuntimeTest : public DeployE2eTest {
 protected:
  // Each function update takes 2 s in the sandbox: the deployment is still running when killed.
  ServerRuntimeTest() { sandbox_update_delay_ = "2s"; }
};

TEST_F(ServerRuntimeTest, ASecondServerOnTheDataDirectoryIsRefusedButOtherCommandsWork) {
  auto second = ChildProcess::Run({"server", "--data", server_->data_dir(), "--port", "0"},
                                  ProcessOptions{SandboxAwsEnv(), ""}, seconds(60));
  EXPECT_EQ(second.exit_code, 1) << second.out << second.err;
  EXPECT_TRUE(Contains(second.err, "data directory " + server_->data_dir() +
                                       " is in use by another ferry server (pid "))
      << second.err;
  std::string problem;
  EXPECT_FALSE(CreateToken(server_->data_dir(), "while-running", &problem).empty()) << problem;
  // The first server still serves.
  EXPECT_EQ(api_->Get("/api/v1/executions").status, 200);
}

TEST_F(ServerRuntimeTest, ARestartedServerTakesOverAKilledServersDeploymentAtOnce) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"api"})));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "code-1"));
  const std::string id = StartDeploy("api/api-1.zip");
  ASSERT_FALSE(id.empty());
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  std::string status;
  while (std::chrono::steady_clock::now() < deadline) {
    status = Str(api_->Get("/api/v1/executions/" + id).json, "status");
    if (status != "queued") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(status, "running");
  // Give the embedded delegate time to claim the deploy task (the sandbox holds each function
  // update for 2 s, so it is still leased when the server dies).
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  server_->KillAndRestart();
  ASSERT_TRUE(server_->ok()) << server_->diagnostics();
  const std::string log = server_->process().error_output();
  EXPECT_TRUE(Contains(log, "tasks left by a previous server")) << log;
  EXPECT_TRUE(Contains(log, "resumed ")) << log;

  api_ = std::make_unique<ApiClient>(server_->url(), server_->token());
  Json done = api_->WaitForExecution(id, std::chrono::minutes(2));
  ASSERT_FALSE(done.is_null()) << api_->Get("/api/v1/executions/" + id).body;
  EXPECT_EQ(Str(done, "status"), "succeeded") << Errors(done);
}

TEST(ServerFlagsTest, BadLeaseAndHeartbeatValuesAreUsageErrors) {
  TempDir dir;
  struct Case {
    std::vector<std::string> flags;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--heartbeat", "10s", "--lease", "5s"}, "--heartbeat 10s must be shorter than --lease 5s"},
      {{"--lease", "0"}, "--lease \"0\" is not a duration"},
      {{"--lease", "0s"}, "--lease \"0s\" must be between 1ms and 24h"},
      {{"--lease", "abc"}, "--lease \"abc\" is not a duration"},
      {{"--lease", "-5s"}, "is not a duration"},
      {{"--lease", "999999999h"}, "must be between 1ms and 24h"},
      {{"--heartbeat", "\x01"}, "--heartbeat"},
      {{"--delegate-selectors", "a,,b"}, "has an empty selector"},
  };
  for (const std::string command : {"server", "up"}) {
    for (const Case& c : cases) {
      std::vector<std::string> args = {command, "--data", dir.Sub("data"), "--port", "0"};
      if (command == "up") args.insert(args.end(), {"--sandbox-port", "0"});
      args.insert(args.end(), c.flags.begin(), c.flags.end());
      auto r = ChildProcess::Run(args, {}, seconds(60));
      EXPECT_EQ(r.exit_code, 2) << command << " " << c.flags[1] << ": " << r.out << r.err;
      EXPECT_TRUE(Contains(r.err, c.message)) << command << ": " << r.err;
    }
  }
}

}  // namespace
}  // namespace ferry::test
