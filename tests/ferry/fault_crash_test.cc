// 50 deployments with the process running them SIGKILLed at random points and restarted on the
// same data directory. The process is this test binary re-executed as a worker (the engine on a
// loop thread + the embedded delegate, as `ferry server` runs them; see fault_harness.h), with a
// new lease owner each time, as a restarted server has.
//
// After each start the test waits a random delay (seeded; the seed is printed and can be set with
// FERRY_FAULT_SEED), kills the worker, starts a new one and waits for the deployment to end. Every
// sixth deployment names an S3 object that does not exist for one function, so rollbacks are
// killed too. At the end: every execution is succeeded or rolled_back; every alias points at the
// version the last succeeded execution recorded; no code was published twice.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <iostream>
#include <random>

#include "ferry/fault_harness.h"
#include "store/temp_dir.h"

namespace ferry::faults {
namespace {

using store::ExecutionStatus;

constexpr int kDeployments = 50;
constexpr int kDistinctCodes = 7;  // codes repeat: a redeploy must reuse the existing version
const std::vector<std::string> kFunctions = {"crash-api", "crash-worker"};

// Runs only when re-executed as a worker (the environment says so); never returns then.
TEST(FaultWorker, Run) {
  RunWorkerIfAsked();
  GTEST_SKIP() << "runs only as a worker process of FaultCrashTest";
}

std::string SelfPath() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

TEST(FaultCrashTest, FiftyDeploymentsWithTheServerKilledAtRandomPoints) {
  if (!std::filesystem::exists(delegate::lambda::fixtures::SandboxBinary())) {
    GTEST_SKIP() << "no ferry binary at " << delegate::lambda::fixtures::SandboxBinary();
  }
  uint64_t seed = 20261128;
  if (const char* s = std::getenv("FERRY_FAULT_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::cout << "FERRY_FAULT_SEED=" << seed << "\n";
  std::mt19937_64 rng(seed);

  store::testing::TempDir dir;
  SandboxChild sandbox;
  std::string error;
  ASSERT_TRUE(sandbox.Start({}, dir.Sub("sandbox.log"), &error)) << error;
  const std::string data = dir.Sub("data");

  // The test's own view: the store (to start deployments and read results) and the Lambda API;
  // it runs no engine or delegate loop.
  Rig observer;
  RigOptions observer_options;
  observer_options.run_loops = false;
  observer_options.owner = "observer";
  ASSERT_TRUE(observer.Open(sandbox.url(), data, observer_options).ok());

  int generation = 0;
  ChildProcess worker;
  auto start_worker = [&] {
    ++generation;
    ASSERT_TRUE(worker.Start({SelfPath(), "--gtest_filter=FaultWorker.Run"},
                             {{"FERRY_FAULT_WORKER_DATA", data},
                              {"FERRY_FAULT_WORKER_SANDBOX", sandbox.url()},
                              {"FERRY_FAULT_WORKER_OWNER", "worker-" + std::to_string(generation)}},
                             dir.Sub("worker.log")));
  };
  start_worker();

  std::vector<std::string> codes;
  for (int c = 0; c < kDistinctCodes; ++c) codes.push_back(ZipFor("code-" + std::to_string(c)));
  std::vector<std::string> ids;
  std::map<std::string, int> outcomes;
  std::uniform_int_distribution<int> delay_ms(0, 1500);
  for (int i = 0; i < kDeployments; ++i) {
    engine::DeployRequest r = DeployOf(sandbox.url(), kFunctions, codes[i % kDistinctCodes]);
    if (i % 6 == 5) {
      r.functions[1].code = {};
      r.functions[1].code.s3_bucket = "no-such-bucket";
      r.functions[1].code.s3_key = "build-" + std::to_string(i) + ".zip";
    }
    auto started = observer.engine().StartDeploy(r);
    ASSERT_TRUE(started.ok()) << started.error().message;
    ids.push_back(started->id);
    const int delay = delay_ms(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    auto before = observer.store().executions().Get(started->id);
    worker.Kill(SIGKILL);
    start_worker();
    auto done = observer.WaitTerminal(started->id, std::chrono::minutes(2));
    ASSERT_TRUE(done.ok());
    ASSERT_TRUE(store::IsTerminal(done->status))
        << "deployment " << i << " never ended: " << Describe(*done) << "\n"
        << History(observer.store(), done->id);
    std::string status(store::ExecutionStatusName(done->status));
    ++outcomes[status];
    std::cout << "deployment " << i << ": killed after " << delay << " ms ("
              << (before.ok() ? store::ExecutionStatusName(before->status) : "?") << "), ended "
              << status << "\n";
  }
  worker.Kill(SIGKILL);
  for (const auto& [status, n] : outcomes) std::cout << status << ": " << n << "\n";

  auto problems = CheckInvariants(observer, ids, kFunctions,
                                  {ExecutionStatus::kSucceeded, ExecutionStatus::kRolledBack});
  for (const auto& p : problems) ADD_FAILURE() << p;
  // The deployments that fail by design are rolled back; the others mostly succeed.
  EXPECT_GT(outcomes["succeeded"], 0);
  EXPECT_GE(outcomes["rolled_back"], kDeployments / 6);
}

}  // namespace
}  // namespace ferry::faults
