// `ferry plan` end to end: the real binary against a real `ferry server` and `ferry sandbox`. For
// each case — nothing to do, a code change, a configuration change, a new function, an alias
// moved outside Ferry — what it says, its exit code (0 no change, 2 changes, 1 error), its JSON,
// and that it changed nothing in Lambda.
#include <gmock/gmock.h>

#include "ferry/e2e_fixture.h"

namespace ferry::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Outcome = ChildProcess::Outcome;

class PlanE2eTest : public DeployE2eTest {
 protected:
  // `ferry plan shop/api --env dev [args...]` as a user runs it.
  Outcome Plan(std::vector<std::string> args) {
    std::vector<std::string> command = {"plan", "shop/api", "--env", "dev"};
    command.insert(command.end(), args.begin(), args.end());
    Outcome r = ChildProcess::Run(
        std::move(command),
        ProcessOptions{{{"FERRY_SERVER", server_->url()}, {"FERRY_TOKEN", server_->token()}}, ""},
        std::chrono::seconds(120));
    EXPECT_THAT(r.out + r.err, Not(HasSubstr(server_->token())));
    return r;
  }

  // What Lambda holds, to check a plan changed nothing.
  std::string Fingerprint(const std::vector<std::string>& functions) {
    std::string out;
    for (const auto& f : functions) {
      auto config = lambda_->GetFunctionConfiguration(f);
      out += f + ":" + (config.ok() ? config->code_sha256 + "/" + config->revision_id : "absent");
      for (const auto& v : PublishedVersions(f)) out += "," + v;
      out += "@" + AliasVersion(f) + ";";
    }
    return out;
  }
};

TEST_F(PlanE2eTest, SaysWhatADeployWouldDoAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders"})));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-2.zip", "b2"));

  // A new function: created, published, aliased.
  Outcome fresh = Plan({"--s3", "s3://artifacts/api/api-1.zip"});
  EXPECT_EQ(fresh.exit_code, 2) << fresh.out << fresh.err;
  EXPECT_THAT(fresh.out, HasSubstr("shop-orders-dev: create"));
  EXPECT_THAT(fresh.out, HasSubstr("create alias dev at the new version"));
  EXPECT_THAT(fresh.out, HasSubstr("1 of 1 function would change."));
  EXPECT_FALSE(lambda_->GetFunctionConfiguration("shop-orders-dev").ok()) << "nothing created";

  Json deployed = Deploy("api/api-1.zip");
  ASSERT_EQ(Str(deployed, "status"), "succeeded") << deployed.dump(2);
  const std::string before = Fingerprint({"shop-orders-dev"});

  // Nothing to do: the same build.
  Outcome same = Plan({"--s3", "s3://artifacts/api/api-1.zip"});
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err;
  EXPECT_THAT(same.out, HasSubstr("shop-orders-dev: no change"));
  EXPECT_THAT(same.out, HasSubstr("No changes"));

  // A code change: update, publish, move the alias from 1.
  Outcome code = Plan({"--s3", "s3://artifacts/api/api-2.zip", "-v"});
  EXPECT_EQ(code.exit_code, 2) << code.out << code.err;
  EXPECT_THAT(code.out, HasSubstr("update code (CodeSha256 "));
  EXPECT_THAT(code.out, HasSubstr("publish a version"));
  EXPECT_THAT(code.out, HasSubstr("move alias dev from version 1 to the new version"));
  EXPECT_THAT(code.out, HasSubstr("* UpdateFunctionCode shop-orders-dev from s3://artifacts/"))
      << "-v lists the calls";
  EXPECT_THAT(code.out, HasSubstr("update configuration: Environment"))
      << "BUILD is the artifact version: 2 now";

  // JSON for scripts: the API's plan.
  Outcome json = Plan({"--s3", "s3://artifacts/api/api-2.zip", "-o", "json"});
  EXPECT_EQ(json.exit_code, 2) << json.err;
  auto plan = ParseJson(json.out);
  ASSERT_TRUE(plan.ok()) << json.out;
  EXPECT_EQ((*plan)["status"], "succeeded");
  EXPECT_EQ((*plan)["changes"], true);
  ASSERT_EQ((*plan)["functions"].size(), 1u);
  EXPECT_EQ((*plan)["functions"][0]["updateCode"], true);
  EXPECT_EQ((*plan)["functions"][0]["aliasMoves"][0]["from"], "1");

  // A configuration change: the field is named, never a value.
  Json changed = Entities({"orders"}, Json{{"orders", {{"memory", 256}}}});
  ASSERT_NO_FATAL_FAILURE(Apply(changed));
  Outcome config = Plan({"--s3", "s3://artifacts/api/api-1.zip"});
  EXPECT_EQ(config.exit_code, 2) << config.out << config.err;
  EXPECT_THAT(config.out, HasSubstr("update configuration: MemorySize"));
  EXPECT_THAT(config.out, Not(HasSubstr("update code")));
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders"})));

  // An alias moved outside Ferry: the plan moves it back.
  ASSERT_EQ(Str(Deploy("api/api-2.zip"), "status"), "succeeded");
  aws::UpdateAliasRequest moved;
  moved.function_name = "shop-orders-dev";
  moved.name = "dev";
  moved.function_version = "1";
  ASSERT_TRUE(lambda_->UpdateAlias(moved).ok());
  Outcome drift = Plan({"--s3", "s3://artifacts/api/api-2.zip"});
  EXPECT_EQ(drift.exit_code, 2) << drift.out << drift.err;
  EXPECT_THAT(drift.out, HasSubstr("move alias dev from version 1 to version 2"));
  EXPECT_THAT(drift.out, Not(HasSubstr("publish")));

  EXPECT_NE(before, Fingerprint({"shop-orders-dev"})) << "(the deploys did change it)";
  const std::string now = Fingerprint({"shop-orders-dev"});
  ASSERT_EQ(Plan({"--s3", "s3://artifacts/api/api-1.zip"}).exit_code, 2);
  EXPECT_EQ(Fingerprint({"shop-orders-dev"}), now) << "a plan changes nothing";

  // `ferry rollback` says on stderr which change it undoes (the last deploy of build 2).
  Outcome rollback = ChildProcess::Run(
      {"rollback", "shop/api", "--env", "dev", "--wait"},
      ProcessOptions{{{"FERRY_SERVER", server_->url()}, {"FERRY_TOKEN", server_->token()}}, ""},
      std::chrono::seconds(120));
  EXPECT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;
  EXPECT_THAT(rollback.err, HasSubstr("rolling back: undoing execution "));
  EXPECT_THAT(rollback.err, HasSubstr("shop-orders-dev:dev → 1"));
}

TEST_F(PlanE2eTest, ErrorsExitOne) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders"})));
  Outcome unknown = Plan({"--s3", "s3://artifacts/api/api-404.zip"});
  EXPECT_EQ(unknown.exit_code, 2) << "a function that does not exist yet plans a create";
  Outcome usage = ChildProcess::Run(
      {"plan", "not-a-target", "--env", "dev"},
      ProcessOptions{{{"FERRY_SERVER", server_->url()}, {"FERRY_TOKEN", server_->token()}}, ""},
      std::chrono::seconds(60));
  EXPECT_EQ(usage.exit_code, 1) << "plan's usage errors are 1, not 2 (2 means changes)";
  Outcome missing = ChildProcess::Run(
      {"plan", "shop/nope", "--env", "dev"},
      ProcessOptions{{{"FERRY_SERVER", server_->url()}, {"FERRY_TOKEN", server_->token()}}, ""},
      std::chrono::seconds(60));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("nope"));

  // A deployed function whose package is gone: the DryRun fails, the plan says so, exit 1.
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  ASSERT_EQ(Str(Deploy("api/api-1.zip"), "status"), "succeeded");
  Outcome gone = Plan({"--s3", "s3://artifacts/api/api-404.zip"});
  EXPECT_EQ(gone.exit_code, 1) << gone.out << gone.err;
  EXPECT_THAT(gone.out + gone.err, HasSubstr("NoSuchKey"));
}

}  // namespace
}  // namespace ferry::test
