// A deployment stuck in AWS (PublishVersion hangs: an injected latency) is ended two ways: a user
// aborts it (ends aborted), or the deploy step's timeout passes (ends rolled_back with "timed
// out"). Either way every alias is back where the previous deployment left it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/crypto.h"
#include "common/json.h"
#include "ferry/fault_harness.h"
#include "store/temp_dir.h"

namespace ferry::faults {
namespace {

using store::ExecutionStatus;
using ::testing::HasSubstr;

// PublishVersion answers only after this long: longer than any abort or timeout needs.
constexpr int kHangMs = 10'000;

class FaultAbortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(delegate::lambda::fixtures::SandboxBinary())) {
      GTEST_SKIP() << "no ferry binary at " << delegate::lambda::fixtures::SandboxBinary();
    }
    std::string error;
    ASSERT_TRUE(sandbox_.Start({}, dir_.Sub("sandbox.log"), &error)) << error;
    RigOptions options;
    options.heartbeat = std::chrono::milliseconds(200);
    options.retry.base_delay = std::chrono::milliseconds(100);
    Status opened = rig_.Open(sandbox_.url(), dir_.Sub("data"), options);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    auto first = rig_.engine().StartDeploy(DeployOf(sandbox_.url(), {"fa", "fb"}, ZipFor("v1")));
    ASSERT_TRUE(first.ok()) << first.error().message;
    ids_.push_back(first->id);
    auto done = rig_.WaitTerminal(first->id);
    ASSERT_TRUE(done.ok());
    ASSERT_EQ(done->status, ExecutionStatus::kSucceeded) << Describe(*done);
    Json hang{
        {"service", "lambda"}, {"op", "PublishVersion"}, {"rate", 1.0}, {"latency_ms", kHangMs}};
    ASSERT_EQ(sandbox_.Faults("PUT", DumpJson(hang)), 200);
  }

  // Starts the v2 deployment and waits until it is inside AWS: both functions' $LATEST hold the
  // new code (so aliases must be restored, not merely left alone) and PublishVersion hangs.
  std::string StartStuckDeploy(Duration timeout = engine::kDefaultStepTimeout) {
    const std::string zip = ZipFor("v2");
    const std::string sha = Base64Encode(Sha256(zip));
    engine::DeployRequest r = DeployOf(sandbox_.url(), {"fa", "fb"}, zip);
    r.deploy_timeout = timeout;
    auto started = rig_.engine().StartDeploy(r);
    EXPECT_TRUE(started.ok()) << started.error().message;
    if (!started.ok()) return "";
    ids_.push_back(started->id);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool updated = false;
    while (!updated && std::chrono::steady_clock::now() < deadline) {
      updated = true;
      for (const char* f : {"fa", "fb"}) {
        auto view = View(rig_.lambda(), f);
        updated &= view.ok() && view->latest_sha == sha;
      }
      if (!updated) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    EXPECT_TRUE(updated) << "the deployment never updated the code\n"
                         << History(rig_.store(), started->id);
    return started->id;
  }

  void ExpectAliasesAtVersion1() {
    for (const char* f : {"fa", "fb"}) {
      auto view = View(rig_.lambda(), f);
      ASSERT_TRUE(view.ok()) << view.error().message;
      EXPECT_EQ(view->aliases, (std::map<std::string, std::string>{{"dev", "1"}})) << f;
    }
  }

  void TearDown() override {
    if (!sandbox_.url().empty()) sandbox_.Faults("DELETE");
  }

  store::testing::TempDir dir_;
  SandboxChild sandbox_;
  Rig rig_;
  std::vector<std::string> ids_;
};

TEST_F(FaultAbortTest, AbortDuringDeployEndsAbortedWithAliasesRestored) {
  std::string id = StartStuckDeploy();
  ASSERT_FALSE(id.empty());
  auto aborting = rig_.store().executions().RequestAbort(id, "tester");
  ASSERT_TRUE(aborting.ok()) << aborting.error().message;
  auto e = rig_.WaitTerminal(id);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->status, ExecutionStatus::kAborted) << Describe(*e) << "\n"
                                                  << History(rig_.store(), id);
  ExpectAliasesAtVersion1();
  auto steps = rig_.store().executions().Steps(id);
  ASSERT_TRUE(steps.ok());
  ASSERT_FALSE(steps->empty());
  EXPECT_EQ((*steps)[0].status, store::StepStatus::kCancelled);
  EXPECT_THAT((*steps)[0].error.value_or(""), HasSubstr("tester"));
  bool restored = false;
  for (const auto& s : *steps) {
    restored |= s.kind == "lambda.rollback" && s.status == store::StepStatus::kSucceeded;
  }
  EXPECT_TRUE(restored) << History(rig_.store(), id);
}

TEST_F(FaultAbortTest, DeployStepTimeoutRollsBack) {
  std::string id = StartStuckDeploy(std::chrono::seconds(5));
  ASSERT_FALSE(id.empty());
  auto e = rig_.WaitTerminal(id);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->status, ExecutionStatus::kRolledBack) << Describe(*e) << "\n"
                                                     << History(rig_.store(), id);
  EXPECT_THAT(e->error.value_or(""), HasSubstr("timed out"));
  ExpectAliasesAtVersion1();
}

}  // namespace
}  // namespace ferry::faults
