// Bad input reaching AWS mid-deployment: a missing S3 object, a corrupt zip, an invalid role.
// Each runs a good deployment first, then a bad one that must end rolled_back with every alias
// back where the good one left it, functions the bad one created deleted, and an error that
// names the cause.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>

#include "ferry/fault_harness.h"
#include "support/prerequisite.h"
#include "support/temp_dir.h"

namespace ferry::faults {
namespace {

using store::ExecutionStatus;
using ::testing::HasSubstr;

class FaultInputsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FERRY_TEST_REQUIRE(test::MissingFerryBinary());
    std::string error;
    ASSERT_TRUE(sandbox_.Start({}, &error)) << error;
    RigOptions options;
    options.heartbeat = std::chrono::milliseconds(200);
    options.retry.base_delay = std::chrono::milliseconds(100);
    Status opened = rig_.Open(sandbox_.url(), dir_.Sub("data"), options);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
  }

  store::ExecutionRecord Run(const engine::testing::DeployRequest& request) {
    auto started = rig_.engine().Start(engine::testing::SpecOf(request));
    EXPECT_TRUE(started.ok()) << started.error().message;
    if (!started.ok()) return {};
    ids_.push_back(started->id);
    auto done = rig_.WaitTerminal(started->id);
    EXPECT_TRUE(done.ok());
    return done.ok() ? *done : store::ExecutionRecord{};
  }

  // The first, good deployment of fa and fb: both aliases at version 1.
  void DeployGood() {
    auto e = Run(DeployOf(sandbox_.url(), {"fa", "fb"}, ZipFor("good")));
    ASSERT_EQ(e.status, ExecutionStatus::kSucceeded) << Describe(e) << "\n"
                                                     << History(rig_.store(), e.id);
  }

  void ExpectRestored(const store::ExecutionRecord& e) {
    EXPECT_EQ(e.status, ExecutionStatus::kRolledBack) << Describe(e) << "\n"
                                                      << History(rig_.store(), e.id);
    for (const char* f : {"fa", "fb"}) {
      auto view = View(rig_.lambda(), f);
      ASSERT_TRUE(view.ok()) << view.error().message;
      EXPECT_EQ(view->aliases, (std::map<std::string, std::string>{{"dev", "1"}})) << f;
    }
    store::DeploymentFilter filter;
    filter.execution_id = e.id;
    auto records = rig_.store().deployments().List(filter);
    ASSERT_TRUE(records.ok());
    for (const auto& r : *records) {
      EXPECT_EQ(r.state, store::DeploymentState::kRolledBack) << r.function;
    }
    auto problems = CheckInvariants(rig_, ids_, {"fa", "fb"},
                                    {ExecutionStatus::kSucceeded, ExecutionStatus::kRolledBack});
    for (const auto& p : problems) ADD_FAILURE() << p;
  }

  test::TempDir dir_;
  SandboxChild sandbox_;
  Rig rig_;
  std::vector<std::string> ids_;
};

TEST_F(FaultInputsTest, MissingS3ObjectRollsBackAndNamesTheKey) {
  ASSERT_EQ(AwsCli(sandbox_.url(), "s3 mb s3://artifacts"), 0);
  const std::string zip_path = dir_.Sub("good.zip");
  {
    std::ofstream out(zip_path, std::ios::binary);
    out << ZipFor("from-s3");
  }
  ASSERT_EQ(AwsCli(sandbox_.url(), "s3 cp " + zip_path + " s3://artifacts/builds/1.zip"), 0);
  engine::testing::DeployRequest good = DeployOf(sandbox_.url(), {"fa", "fb"}, "");
  for (auto& f : good.functions) {
    f.code = {};
    f.code.s3_bucket = "artifacts";
    f.code.s3_key = "builds/1.zip";
  }
  auto first = Run(good);
  ASSERT_EQ(first.status, ExecutionStatus::kSucceeded) << Describe(first) << "\n"
                                                       << History(rig_.store(), first.id);

  // fa gets new code (it may be published before fb fails); fb's object does not exist; fc is
  // new and must not survive the rollback.
  engine::testing::DeployRequest bad = DeployOf(sandbox_.url(), {"fa", "fb", "fc"}, ZipFor("v2"));
  bad.functions[1].code = {};
  bad.functions[1].code.s3_bucket = "artifacts";
  bad.functions[1].code.s3_key = "builds/2-never-uploaded.zip";
  auto e = Run(bad);
  ExpectRestored(e);
  EXPECT_THAT(e.error.value_or(""), HasSubstr("fb"));
  EXPECT_THAT(History(rig_.store(), e.id), HasSubstr("builds/2-never-uploaded.zip"));
  auto fc = View(rig_.lambda(), "fc");
  ASSERT_TRUE(fc.ok());
  EXPECT_FALSE(fc->exists) << "the rollback deletes the function the deployment created";
}

TEST_F(FaultInputsTest, CorruptZipRollsBack) {
  DeployGood();
  engine::testing::DeployRequest bad = DeployOf(sandbox_.url(), {"fa", "fb", "fc"}, ZipFor("v2"));
  bad.functions[1].code.zip_file = "PK\x03\x04 this is not a zip archive at all";
  bad.functions[2].code.zip_file = std::string(4096, '\xff');  // a new function, corrupt too
  auto e = Run(bad);
  ExpectRestored(e);
  EXPECT_THAT(e.error.value_or(""), ::testing::AnyOf(HasSubstr("fb"), HasSubstr("fc")));
  EXPECT_THAT(History(rig_.store(), e.id), HasSubstr("InvalidParameterValue"));
  auto fc = View(rig_.lambda(), "fc");
  ASSERT_TRUE(fc.ok());
  EXPECT_FALSE(fc->exists);
}

TEST_F(FaultInputsTest, MalformedRoleIsRefusedOrRolledBack) {
  DeployGood();
  // A role that is not an IAM role ARN, on an existing function (an UpdateFunctionConfiguration
  // after the code was updated) and on a new one (CreateFunction).
  engine::testing::DeployRequest bad = DeployOf(sandbox_.url(), {"fa", "fb", "fc"}, ZipFor("v2"));
  bad.functions[1].config.role = "arn:aws:iam::000000000000:user/not-a-role";
  bad.functions[2].config.role = "lambda-role";
  auto started = rig_.engine().Start(engine::testing::SpecOf(bad));
  if (!started.ok()) {
    // Refused before anything changed: acceptable, if it says which role is wrong.
    std::cout << "refused at StartDeploy: " << started.error().message << "\n";
    EXPECT_THAT(started.error().message, HasSubstr("role"));
  } else {
    std::cout << "accepted; AWS refuses the role mid-deployment\n";
    ids_.push_back(started->id);
    auto e = rig_.WaitTerminal(started->id);
    ASSERT_TRUE(e.ok());
    ExpectRestored(*e);
    EXPECT_THAT(History(rig_.store(), e->id), HasSubstr("ole"));  // Role / role
    auto fc = View(rig_.lambda(), "fc");
    ASSERT_TRUE(fc.ok());
    EXPECT_FALSE(fc->exists);
  }
}

}  // namespace
}  // namespace ferry::faults
