// Deployments end to end (issue 5, "Tests"): the REST API of a real `ferry server` deploying to a
// real `ferry sandbox`, each checked on the AWS side (aliases, published versions, invocations).
#include <gtest/gtest.h>

#include "ferry/e2e_fixture.h"

namespace ferry::test {
namespace {

TEST_F(DeployE2eTest, FirstDeployCreatesTheFunctionPublishesVersionOneAndCreatesTheAlias) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders"})));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));

  Json e = Deploy("api/api-1.zip");
  ASSERT_EQ(Str(e, "status"), "succeeded") << e.dump(2);
  auto deployments = StepDeployments(e);
  ASSERT_EQ(deployments.count("shop-orders-dev"), 1u) << e.dump(2);
  const Json& d = deployments["shop-orders-dev"];
  EXPECT_EQ(Str(d, "version"), "1");
  // docs/api.md shows "aliases" as an object by name; the server sends an array of AliasState.
  std::string dev_version;
  for (const Json& a : d.value("aliases", Json::array())) {
    if (Str(a, "name") == "dev") dev_version = Str(a, "version");
  }
  EXPECT_EQ(dev_version, "1") << d.dump(2);

  EXPECT_EQ(AliasVersion("shop-orders-dev"), "1");
  EXPECT_EQ(PublishedVersions("shop-orders-dev"), std::vector<std::string>{"1"});
  EXPECT_EQ(InvokeBuild("shop-orders-dev"), "b1");
  auto config = lambda_->GetFunctionConfiguration("shop-orders-dev");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->role, kRole);
  EXPECT_EQ(config->memory_size, 128);

  // The per-function record is listed by the API too.
  ApiResponse records = api_->Get("/api/v1/deployments?application=shop&function=shop-orders-dev");
  ASSERT_EQ(records.status, 200) << records.Describe();
  ASSERT_EQ(records.json["items"].size(), 1u) << records.body;
}

TEST_F(DeployE2eTest, NewCodePublishesANewVersionAndMovesTheAlias) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders"})));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-2.zip", "b2"));
  ASSERT_EQ(Deploy("api/api-1.zip").value("status", ""), "succeeded");

  Json e = Deploy("api/api-2.zip");
  ASSERT_EQ(Str(e, "status"), "succeeded") << e.dump(2);
  const Json d = StepDeployments(e)["shop-orders-dev"];
  EXPECT_EQ(Str(d, "version"), "2") << d.dump(2);
  EXPECT_EQ(AliasVersion("shop-orders-dev"), "2");
  EXPECT_EQ(PublishedVersions("shop-orders-dev"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(InvokeBuild("shop-orders-dev"), "b2");
  // Version 1 still serves the old build (exact rollback target).
  EXPECT_EQ(InvokeBuild("shop-orders-dev", "1"), "b1");
}

TEST_F(DeployE2eTest, DeployingTheSameBuildAgainPublishesNothing) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders"})));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  ASSERT_EQ(Deploy("api/api-1.zip").value("status", ""), "succeeded");
  auto before = lambda_->GetFunctionConfiguration("shop-orders-dev");
  ASSERT_TRUE(before.ok());

  Json e = Deploy("api/api-1.zip");
  ASSERT_EQ(Str(e, "status"), "succeeded") << e.dump(2);
  const Json d = StepDeployments(e)["shop-orders-dev"];
  EXPECT_EQ(Str(d, "version"), "1") << d.dump(2);
  EXPECT_EQ(PublishedVersions("shop-orders-dev"), std::vector<std::string>{"1"});
  EXPECT_EQ(AliasVersion("shop-orders-dev"), "1");
  // Nothing was written: $LATEST's revision is unchanged.
  auto after = lambda_->GetFunctionConfiguration("shop-orders-dev");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->revision_id, before->revision_id);
}

TEST_F(DeployE2eTest, AServiceWithSeveralFunctionsDeploysEachOfThem) {
  ASSERT_NO_FATAL_FAILURE(
      Apply(Entities({"orders", "billing", "mailer"}, Json{{"billing", {{"memory", 256}}}})));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-2.zip", "b2"));

  Json first = Deploy("api/api-1.zip");
  ASSERT_EQ(Str(first, "status"), "succeeded") << first.dump(2);
  EXPECT_EQ(StepDeployments(first).size(), 3u);
  Json second = Deploy("api/api-2.zip");
  ASSERT_EQ(Str(second, "status"), "succeeded") << second.dump(2);
  for (const std::string fn : {"shop-orders-dev", "shop-billing-dev", "shop-mailer-dev"}) {
    SCOPED_TRACE(fn);
    EXPECT_EQ(AliasVersion(fn), "2");
    EXPECT_EQ(PublishedVersions(fn), (std::vector<std::string>{"1", "2"}));
    EXPECT_EQ(InvokeBuild(fn), "b2");
  }
  auto billing = lambda_->GetFunctionConfiguration("shop-billing-dev");
  ASSERT_TRUE(billing.ok());
  EXPECT_EQ(billing->memory_size, 256);
}

// Function "orders" changes code only; "billing" changes code and configuration, and the sandbox
// refuses every configuration update. Whatever "orders" reached before the failure, the automatic
// rollback puts every alias back on 1.
TEST_F(DeployE2eTest, AFailureMidwayRollsEveryAliasBackAutomatically) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders", "billing"})));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-2.zip", "b2"));
  ASSERT_EQ(Deploy("api/api-1.zip").value("status", ""), "succeeded");

  ASSERT_NO_FATAL_FAILURE(
      Apply(Entities({"orders", "billing"}, Json{{"billing", {{"memory", 512}}}})));
  auto fault = ChildProcess::Run(
      {"/usr/bin/curl", "-sf", "-X", "POST", sandbox_->url() + "/_ferry/faults", "-d",
       R"({"op":"UpdateFunctionConfiguration","rate":1.0,"code":"InvalidParameterValueException"})"});
  ASSERT_EQ(fault.exit_code, 0) << fault.err;

  Json e = Deploy("api/api-2.zip");
  ASSERT_EQ(Str(e, "status"), "rolled_back") << e.dump(2);
  EXPECT_FALSE(Str(e, "error").empty());
  EXPECT_EQ(AliasVersion("shop-orders-dev"), "1");
  EXPECT_EQ(AliasVersion("shop-billing-dev"), "1");
  EXPECT_EQ(InvokeBuild("shop-orders-dev"), "b1");
  EXPECT_EQ(InvokeBuild("shop-billing-dev"), "b1");
  // Whatever orders had reached (its code update, maybe version 2), no alias serves it.
  auto orders_versions = PublishedVersions("shop-orders-dev");
  EXPECT_TRUE(orders_versions == std::vector<std::string>{"1"} ||
              orders_versions == (std::vector<std::string>{"1", "2"}));

  // Once AWS accepts the change again, the same deployment goes through.
  auto cleared = ChildProcess::Run(
      {"/usr/bin/curl", "-sf", "-X", "DELETE", sandbox_->url() + "/_ferry/faults"});
  ASSERT_EQ(cleared.exit_code, 0) << cleared.err;
  Json retry = Deploy("api/api-2.zip");
  ASSERT_EQ(Str(retry, "status"), "succeeded") << retry.dump(2);
  EXPECT_EQ(InvokeBuild("shop-billing-dev"), "b2");
  EXPECT_EQ(lambda_->GetFunctionConfiguration("shop-billing-dev")->memory_size, 512);
}

TEST_F(DeployE2eTest, ManualRollbackRestoresWhatAnOlderExecutionRecorded) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders", "billing"})));
  std::vector<std::string> executions;
  ASSERT_NO_FATAL_FAILURE(DeployBuilds(3, executions));
  ASSERT_EQ(AliasVersion("shop-orders-dev"), "3");

  // Back to the first deployment: one alias update per function, nothing republished.
  Json to_first = Rollback(executions[0]);
  ASSERT_EQ(Str(to_first, "status"), "succeeded") << to_first.dump(2);
  for (const std::string fn : {"shop-orders-dev", "shop-billing-dev"}) {
    SCOPED_TRACE(fn);
    EXPECT_EQ(AliasVersion(fn), "1");
    EXPECT_EQ(InvokeBuild(fn), "b1");
    EXPECT_EQ(PublishedVersions(fn), (std::vector<std::string>{"1", "2", "3"}));
  }

  // And forward again to the second.
  Json to_second = Rollback(executions[1]);
  ASSERT_EQ(Str(to_second, "status"), "succeeded") << to_second.dump(2);
  EXPECT_EQ(AliasVersion("shop-orders-dev"), "2");
  EXPECT_EQ(InvokeBuild("shop-billing-dev"), "b2");

  // An unknown execution is refused with a JSON error.
  ApiResponse bad = api_->Post("/api/v1/rollbacks", Json{{"application", "shop"},
                                                         {"service", "api"},
                                                         {"environment", "dev"},
                                                         {"toExecution", "no-such-execution"}});
  EXPECT_GE(bad.status, 400) << bad.Describe();
  EXPECT_TRUE(bad.json.contains("error")) << bad.body;
}

// Without a target, a rollback undoes the newest change — also when the newest deployment was a
// redeploy of the same build, which changed nothing (a new user's first try: deploy b2 twice,
// roll back, expect b1). The reply says which execution it undoes.
TEST_F(DeployE2eTest, RollbackWithoutATargetUndoesTheNewestChange) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders"})));
  std::vector<std::string> ids;
  ASSERT_NO_FATAL_FAILURE(DeployBuilds(2, ids));
  ASSERT_EQ(Str(Deploy("api/api-2.zip"), "status"), "succeeded");  // the same build again
  ApiResponse started = api_->Post(
      "/api/v1/rollbacks", Json{{"application", "shop"}, {"service", "api"}, {"environment", "dev"}});
  ASSERT_EQ(started.status, 201) << started.Describe();
  EXPECT_EQ(started.json["rollback"]["undoes"], ids[1]) << started.body;
  EXPECT_NE(Str(started.json["rollback"], "description").find("undoing execution " + ids[1]),
            std::string::npos)
      << started.body;
  Json back = api_->WaitForExecution(Str(started.json, "id"));
  ASSERT_EQ(Str(back, "status"), "succeeded") << back.dump(2);
  EXPECT_EQ(AliasVersion("shop-orders-dev"), "1");
  EXPECT_EQ(InvokeBuild("shop-orders-dev"), "b1");
  // Nothing older changed anything the rollback could restore: the first deployment created the
  // function.
  ApiResponse again = api_->Post(
      "/api/v1/rollbacks", Json{{"application", "shop"}, {"service", "api"}, {"environment", "dev"}});
  EXPECT_EQ(again.status, 412) << again.Describe();
  EXPECT_NE(again.body.find("created shop-orders-dev"), std::string::npos) << again.body;
}

// A function deleted outside Ferry since the deployment being rolled back: never a silent
// "success" with nothing done. A rollback restores a state as a whole, so both kinds (back to an
// execution, and undoing the newest change) check first and fail before any change, naming the
// function that is gone.
TEST_F(DeployE2eTest, RollingBackAFunctionDeletedOutsideFerryFailsAndNamesIt) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders", "billing"})));
  std::vector<std::string> ids;
  ASSERT_NO_FATAL_FAILURE(DeployBuilds(2, ids));
  ASSERT_TRUE(lambda_->DeleteFunction("shop-orders-dev").ok());

  Json to_first = Rollback(ids[0]);
  EXPECT_EQ(Str(to_first, "status"), "failed") << to_first.dump(2);
  EXPECT_NE(Str(to_first, "error").find("shop-orders-dev"), std::string::npos)
      << to_first.dump(2);
  EXPECT_EQ(AliasVersion("shop-billing-dev"), "2") << "checked before any change";

  Json undo = Rollback(std::nullopt);
  EXPECT_EQ(Str(undo, "status"), "failed") << undo.dump(2);
  EXPECT_NE(Str(undo, "error").find("shop-orders-dev no longer exists"), std::string::npos)
      << undo.dump(2);
  EXPECT_NE(Str(undo, "error").find("nothing was changed"), std::string::npos) << undo.dump(2);
  EXPECT_EQ(AliasVersion("shop-billing-dev"), "2");
  EXPECT_EQ(InvokeBuild("shop-billing-dev"), "b2");
}

// Twelve builds: after each deployment the prune step keeps the newest 10 versions (and any an
// alias points at), so versions 1 and 2 are gone at the end.
TEST_F(DeployE2eTest, PruningKeepsTheNewestTenVersions) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders"})));
  for (int build = 1; build <= 12; ++build) {
    const std::string key = "api/api-" + std::to_string(build) + ".zip";
    ASSERT_NO_FATAL_FAILURE(UploadBuild(key, "b" + std::to_string(build)));
    Json e = Deploy(key);
    ASSERT_EQ(Str(e, "status"), "succeeded") << e.dump(2);
  }
  std::vector<std::string> expected;
  for (int v = 3; v <= 12; ++v) expected.push_back(std::to_string(v));
  EXPECT_EQ(PublishedVersions("shop-orders-dev"), expected);
  EXPECT_EQ(AliasVersion("shop-orders-dev"), "12");
  EXPECT_EQ(InvokeBuild("shop-orders-dev"), "b12");

  // Rolling back to a pruned version is refused before anything changes.
  ApiResponse executions = api_->Get("/api/v1/executions?application=shop&limit=200");
  ASSERT_EQ(executions.status, 200) << executions.Describe();
  const Json& items = executions.json["items"];
  ASSERT_GE(items.size(), 12u);
  const std::string oldest = items.back().value("id", "");
  ApiResponse refused = api_->Post("/api/v1/rollbacks", Json{{"application", "shop"},
                                                             {"service", "api"},
                                                             {"environment", "dev"},
                                                             {"toExecution", oldest}});
  EXPECT_EQ(refused.status, 412) << refused.Describe();
  EXPECT_EQ(AliasVersion("shop-orders-dev"), "12");
}

TEST_F(DeployE2eTest, AMissingArtifactFailsWithoutTouchingTheLiveAlias) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders"})));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  ASSERT_EQ(Deploy("api/api-1.zip").value("status", ""), "succeeded");

  Json e = Deploy("api/api-missing.zip");
  EXPECT_EQ(Str(e, "status"), "rolled_back") << e.dump(2);
  EXPECT_NE(Str(e, "error").find("NoSuchKey"), std::string::npos) << Str(e, "error");
  EXPECT_EQ(AliasVersion("shop-orders-dev"), "1");
  EXPECT_EQ(PublishedVersions("shop-orders-dev"), std::vector<std::string>{"1"});
}

}  // namespace
}  // namespace ferry::test
