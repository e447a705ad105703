// `ferry drift` end to end: the real binary against a real `ferry server` and `ferry sandbox`,
// with changes made by hand through the AWS CLI (an independent client): an alias moved, memory
// changed, a tag set and an environment key added. `ferry drift` reports each field (exit 2),
// `ferry plan` shows what it would put back, the next deploy says what it overwrites, and after
// it there is no drift (exit 0). Also: never deployed, bad arguments.
#include <gmock/gmock.h>

#include "ferry/e2e_fixture.h"

namespace ferry::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Outcome = ChildProcess::Outcome;

class DriftE2eTest : public DeployE2eTest {
 protected:
  Outcome Ferry(std::vector<std::string> args) {
    Outcome r = ChildProcess::Run(
        std::move(args),
        ProcessOptions{{{"FERRY_SERVER", server_->url()}, {"FERRY_TOKEN", server_->token()}}, ""},
        std::chrono::seconds(120));
    EXPECT_THAT(r.out + r.err, Not(HasSubstr(server_->token())));
    return r;
  }

  // The AWS CLI against the sandbox, as an operator changing a function by hand.
  void Aws(std::vector<std::string> args) {
    const std::string aws = FindOnPath("aws");
    ASSERT_FALSE(aws.empty()) << "the AWS CLI (Debian's awscli) is not installed";
    std::vector<std::string> command = {aws, "--endpoint-url", sandbox_->url(), "--output",
                                        "json"};
    command.insert(command.end(), args.begin(), args.end());
    Outcome r = ChildProcess::Run(std::move(command),
                                  ProcessOptions{{{"AWS_ACCESS_KEY_ID", "test"},
                                                  {"AWS_SECRET_ACCESS_KEY", "test"},
                                                  {"AWS_DEFAULT_REGION", "us-east-1"},
                                                  {"AWS_EC2_METADATA_DISABLED", "true"},
                                                  {"AWS_CONFIG_FILE", "/dev/null"},
                                                  {"AWS_PAGER", ""}},
                                                 ""},
                                  std::chrono::seconds(120));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
};

TEST_F(DriftE2eTest, ReportsWhatWasChangedByHandAndTheNextDeployPutsItBack) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders"})));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-2.zip", "b2"));
  ASSERT_EQ(Str(Deploy("api/api-1.zip"), "status"), "succeeded");
  ASSERT_EQ(Str(Deploy("api/api-2.zip"), "status"), "succeeded");

  // As Ferry left it: no drift.
  Outcome clean = Ferry({"drift", "shop/api", "--env", "dev"});
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_THAT(clean.out, HasSubstr("shop-orders-dev: no drift"));
  EXPECT_THAT(clean.out, HasSubstr("No drift"));

  // By hand, with the AWS CLI.
  ASSERT_NO_FATAL_FAILURE(Aws({"lambda", "update-alias", "--function-name", "shop-orders-dev",
                               "--name", "dev", "--function-version", "1"}));
  ASSERT_NO_FATAL_FAILURE(Aws({"lambda", "update-function-configuration", "--function-name",
                               "shop-orders-dev", "--memory-size", "512"}));
  auto config = lambda_->GetFunctionConfiguration("shop-orders-dev");
  ASSERT_TRUE(config.ok()) << config.error().message;
  ASSERT_NO_FATAL_FAILURE(Aws({"lambda", "tag-resource", "--resource", config->function_arn,
                               "--tags", "owner=someone-else"}));

  Outcome drift = Ferry({"drift", "shop/api", "--env", "dev"});
  EXPECT_EQ(drift.exit_code, 2) << drift.out << drift.err;
  EXPECT_THAT(drift.out, HasSubstr("shop-orders-dev: changed outside Ferry"));
  EXPECT_THAT(drift.out, HasSubstr("alias dev: version 2 → version 1"));
  EXPECT_THAT(drift.out, HasSubstr("MemorySize: 128 MB → 512 MB"));
  EXPECT_THAT(drift.out, HasSubstr("tag owner: absent → someone-else"));
  EXPECT_THAT(drift.out, HasSubstr("1 of 1 function changed outside Ferry"));

  // Without --env: every environment of the application Ferry deployed the service to (prod
  // never was: not an error).
  Outcome all = Ferry({"drift", "shop/api"});
  EXPECT_EQ(all.exit_code, 2) << all.out << all.err;
  EXPECT_THAT(all.out, HasSubstr("drift of shop/api in dev"));
  EXPECT_THAT(all.out, Not(HasSubstr("in prod")));
  // Without a target: everything.
  Outcome everything = Ferry({"drift", "-o", "json"});
  EXPECT_EQ(everything.exit_code, 2) << everything.out << everything.err;
  auto json = ParseJson(everything.out);
  ASSERT_TRUE(json.ok()) << everything.out;
  ASSERT_EQ(json->size(), 1u) << everything.out;
  EXPECT_EQ((*json)[0]["environment"], "dev");
  const Json& items = (*json)[0]["plan"]["functions"][0]["drift"];
  ASSERT_TRUE(items.is_array()) << everything.out;
  EXPECT_GE(items.size(), 3u);

  // ferry plan says what a deploy would put back, and what changed.
  Outcome plan = Ferry({"plan", "shop/api", "--env", "dev", "--s3", "s3://artifacts/api/api-2.zip"});
  EXPECT_EQ(plan.exit_code, 2) << plan.out << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("update configuration: MemorySize"));
  EXPECT_THAT(plan.out, HasSubstr("move alias dev from version 1 to version 2"));
  EXPECT_THAT(plan.out, HasSubstr("changed outside Ferry: MemorySize: 128 MB → 512 MB"));

  // The next deploy says what it found and puts it back; then there is no drift.
  Json redeployed = Deploy("api/api-2.zip");
  ASSERT_EQ(Str(redeployed, "status"), "succeeded") << redeployed.dump(2);
  Outcome logs = Ferry({"logs", Str(redeployed, "id")});
  EXPECT_THAT(logs.out, HasSubstr("changed outside Ferry since Ferry last left it"));
  EXPECT_THAT(logs.out, HasSubstr("MemorySize: 128 MB → 512 MB"));
  Outcome after = Ferry({"drift", "shop/api", "--env", "dev"});
  // The tag owner=someone-else stays: Ferry never declared it, so a deploy leaves it (and the
  // new record holds it).
  EXPECT_EQ(after.exit_code, 0) << after.out << after.err;
  EXPECT_THAT(after.out, HasSubstr("shop-orders-dev: no drift"));
  EXPECT_EQ(AliasVersion("shop-orders-dev"), "2");
}

TEST_F(DriftE2eTest, NeverDeployedAndBadArgumentsAreClearErrors) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders"})));
  Outcome never = Ferry({"drift", "shop/api", "--env", "dev"});
  EXPECT_EQ(never.exit_code, 1) << never.out << never.err;
  EXPECT_THAT(never.err, HasSubstr("Ferry never deployed service \"api\""));
  Outcome nothing = Ferry({"drift"});
  EXPECT_EQ(nothing.exit_code, 0) << nothing.out << nothing.err;
  EXPECT_THAT(nothing.out, HasSubstr("Nothing to check"));
  for (std::vector<std::string> bad :
       {std::vector<std::string>{"drift", "shop"}, {"drift", "--env", "dev"},
        {"drift", "shop/api", "--env", "../x"}, {"drift", "shop/api", "--env", std::string(300, 'e')},
        {"drift", "nope/api", "--env", "dev"}}) {
    Outcome r = Ferry(bad);
    EXPECT_EQ(r.exit_code, 1) << bad[1] << ": " << r.out << r.err;
    EXPECT_FALSE(r.err.empty());
  }
}

}  // namespace
}  // namespace ferry::test
