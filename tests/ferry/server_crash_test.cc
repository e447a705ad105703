// 50 deployments through the REST API of a real `ferry server`, the server's process group
// SIGKILLed at a random point of each and restarted on the same data directory (a new port; the
// token lives in the data directory). Two functions; seven distinct codes uploaded to the
// sandbox's S3, so redeploys repeat codes and must reuse the version already published; every
// sixth deployment names an S3 key that does not exist, so rollbacks get killed too.
//
// After each start the test waits a random delay (seeded; the seed is printed and
// FERRY_FAULT_SEED overrides it), kills the server, restarts it and waits through the REST API for
// the execution to end. At the end: every execution succeeded or rolled_back; every alias points
// exactly at the version the last succeeded execution's outputs name, which exists with the
// recorded CodeSha256; no two published versions of a function hold the same code.
// FERRY_CRASH_DEPLOYMENTS lowers the count for a quick local run.
#include <gtest/gtest.h>

#include <iostream>
#include <random>

#include "ferry/e2e_fixture.h"

namespace ferry::test {
namespace {

constexpr int kDeployments = 50;
constexpr int kDistinctCodes = 7;
const std::vector<std::string> kFunctions = {"shop-api-dev", "shop-worker-dev"};

// `ferry server --lease 5s --heartbeat 1s` when this build knows the flags (a restarted server
// then takes the dead one's executions over at once); else the defaults, only slower.
std::vector<std::string> FastLeaseFlags() {
  auto help = ChildProcess::Run({"server", "--help"});
  if (help.out.find("--lease") == std::string::npos) {
    std::cout << "ferry server has no --lease flag in this build: restarts wait out the default "
                 "lease\n";
    return {};
  }
  return {"--lease", "5s", "--heartbeat", "1s"};
}

class ServerCrashTest : public DeployE2eTest {
 protected:
  ServerCrashTest() { server_options_.extra_args = FastLeaseFlags(); }
};

TEST_F(ServerCrashTest, FiftyDeploymentsWithTheServerKilledAtRandomPoints) {
  uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("FERRY_FAULT_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::cout << "FERRY_FAULT_SEED=" << seed << "\n";
  std::mt19937_64 rng(seed);
  int deployments = kDeployments;
  if (const char* n = std::getenv("FERRY_CRASH_DEPLOYMENTS")) deployments = std::atoi(n);

  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"api", "worker"})));
  for (int c = 0; c < kDistinctCodes; ++c) {
    ASSERT_NO_FATAL_FAILURE(
        UploadBuild("api/api-" + std::to_string(c) + ".zip", "code-" + std::to_string(c)));
  }

  std::vector<std::string> ids;
  std::map<std::string, int> outcomes;
  std::uniform_int_distribution<int> delay_ms(0, 1500);
  for (int i = 0; i < deployments; ++i) {
    const std::string key = i % 6 == 5 ? "api/api-missing-" + std::to_string(i) + ".zip"
                                       : "api/api-" + std::to_string(i % kDistinctCodes) + ".zip";
    const std::string id = StartDeploy(key);
    ASSERT_FALSE(id.empty()) << "deployment " << i;
    ids.push_back(id);
    const int delay = delay_ms(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    const std::string before = Str(api_->Get("/api/v1/executions/" + id).json, "status");
    server_->KillAndRestart();
    ASSERT_TRUE(server_->ok()) << "restart " << i << ": " << server_->diagnostics();
    api_ = std::make_unique<ApiClient>(server_->url(), server_->token());
    Json done = api_->WaitForExecution(id, std::chrono::minutes(3));
    ASSERT_FALSE(done.is_null()) << "deployment " << i << " (" << id
                                 << ") never ended: " << api_->Get("/api/v1/executions/" + id).body;
    const std::string status = Str(done, "status");
    ++outcomes[status];
    std::cout << "deployment " << i << ": killed after " << delay << " ms ("
              << (before.empty() ? "?" : before) << "), ended " << status << std::endl;
  }
  for (const auto& [status, n] : outcomes) std::cout << status << ": " << n << "\n";

  for (const auto& p : CheckDeployInvariants(ids, kFunctions, {"succeeded", "rolled_back"})) {
    ADD_FAILURE() << p;
  }
  EXPECT_GT(outcomes["succeeded"], 0);
  EXPECT_GE(outcomes["rolled_back"], deployments / 6);
}

}  // namespace
}  // namespace ferry::test
