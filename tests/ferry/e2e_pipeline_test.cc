// Pipelines and approvals end to end: a real `ferry server` and `ferry sandbox` (child
// processes) and the real CLI. A pipeline dev → approval → prod deploys dev, waits for the
// approval across a server SIGKILL and restart, refuses a user outside the approval's group,
// is released by `ferry approve` and deploys prod; a rejected approval fails its run; a stage
// that fails stops the run, and `ferry pipelines rerun` runs it again from that stage.
#include <gmock/gmock.h>

#include <fstream>
#include <thread>

#include "e2e_fixture.h"

namespace ferry::test {
namespace {

using ::testing::HasSubstr;

class PipelineE2eTest : public DeployE2eTest {
 protected:
  ChildProcess::Outcome Ferry(const std::string& args, const std::string& token,
                              const std::string& stdin_file = "/dev/null") {
    ProcessOptions options{{{"FERRY_SERVER", server_->url()}, {"FERRY_TOKEN", token}}, ""};
    return ChildProcess::Run({"/bin/sh", "-c", FerryBinary() + " " + args + " < " + stdin_file},
                             options);
  }

  // Entities({"orders"}) plus environment prod, its workflow and pipeline "release".
  void ApplyPipeline() {
    Json entities = Entities({"orders"});
    entities.push_back({{"kind", "Environment"},
                        {"application", "shop"},
                        {"name", "prod"},
                        {"type", "production"},
                        {"infrastructure", Json::array({{{"name", "sandbox-prod"},
                                                         {"cloudProvider", "sandbox"},
                                                         {"region", "us-east-1"},
                                                         {"executionRole", kRole}}})}});
    entities.push_back({{"kind", "Workflow"},
                        {"application", "shop"},
                        {"name", "basic-prod"},
                        {"strategy", "basic"},
                        {"environment", "prod"},
                        {"service", "api"},
                        {"failureStrategy", "rollback"},
                        {"steps", Json::array({{{"name", "deploy"}, {"type", "deploy"}}})}});
    entities.push_back(
        {{"kind", "Pipeline"},
         {"application", "shop"},
         {"name", "release"},
         {"variables", Json::array({{{"name", "reason"}, {"default", "nightly"}}})},
         {"stages", Json::array({{{"name", "dev"}, {"workflow", "basic"}},
                                 {{"name", "approve-prod"},
                                  {"approval",
                                   {{"userGroups", Json::array({"release-managers"})},
                                    {"message", "ship ${pipeline.variables.reason} to prod?"},
                                    {"timeout", "1h"}}}},
                                 {{"name", "prod"}, {"workflow", "basic-prod"}}})}});
    ASSERT_NO_FATAL_FAILURE(Apply(entities));
  }

  // Users alice (in group release-managers) and bob (not), both with role approver.
  void CreateApprovers() {
    const std::string admin = server_->token();
    const std::string pw = dir_.Sub("pw");
    std::ofstream(pw) << "a long enough passphrase\n";
    for (const char* user : {"alice", "bob"}) {
      auto created = Ferry(std::string("users create ") + user, admin, pw);
      ASSERT_EQ(created.exit_code, 0) << created.err;
    }
    auto role = Ferry(
        "rbac role-set approver --permission approve --permission view --permission deploy", admin);
    ASSERT_EQ(role.exit_code, 0) << role.err;
    ASSERT_EQ(Ferry("rbac group-set release-managers --member alice", admin).exit_code, 0);
    for (const char* user : {"alice", "bob"}) {
      ASSERT_EQ(Ferry(std::string("rbac bind approver --user ") + user, admin).exit_code, 0);
      auto login = Ferry(std::string("login ") + user + " --token-name " + user + "-e2e", "", pw);
      ASSERT_EQ(login.exit_code, 0) << login.err;
      tokens_[user] = login.out.substr(0, login.out.find('\n'));
    }
  }

  // `ferry pipelines run shop/release ...` with the admin token: the execution id.
  std::string Run(const std::string& flags) {
    auto run = Ferry("pipelines run shop/release " + flags, server_->token());
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    return run.out.substr(0, run.out.find('\n'));
  }

  // The approval of `execution` once it waits ("" after 120 s).
  std::string AwaitApproval(const std::string& execution) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
      ApiResponse r = api_->Get("/api/v1/approvals?execution=" + execution);
      if (r.status == 200 && !r.json["items"].empty()) return Str(r.json["items"][0], "id");
      Json e = api_->Get("/api/v1/executions/" + execution).json;
      if (Str(e, "status") == "failed") {
        ADD_FAILURE() << "pipeline failed before its approval: " << e.dump(2) << Logs(execution);
        return "";
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ADD_FAILURE() << "no approval for " << execution;
    return "";
  }

  std::map<std::string, std::string> tokens_;
};

TEST_F(PipelineE2eTest, DevThenApprovalSurvivingAServerKillThenProd) {
  ASSERT_NO_FATAL_FAILURE(ApplyPipeline());
  ASSERT_NO_FATAL_FAILURE(CreateApprovers());
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));

  const std::string run = Run("--s3 s3://artifacts/api/api-1.zip --var reason=hotfix");
  ASSERT_FALSE(run.empty());
  const std::string approval = AwaitApproval(run);
  ASSERT_FALSE(approval.empty());
  EXPECT_EQ(InvokeBuild("shop-orders-dev", "dev"), "b1");
  EXPECT_THAT(AliasVersion("shop-orders-prod", "prod"), HasSubstr("("));  // not deployed yet

  server_->KillAndRestart();
  ASSERT_TRUE(server_->ok()) << server_->diagnostics();
  api_ = std::make_unique<ApiClient>(server_->url(), server_->token());
  auto listed = Ferry("approvals", tokens_["alice"]);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr(approval));
  EXPECT_THAT(listed.out, HasSubstr("ship hotfix to prod?"));

  auto refused = Ferry("approve " + approval, tokens_["bob"]);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("release-managers"));

  auto approved = Ferry("approve " + approval + " --comment 'ticket CHG-7'", tokens_["alice"]);
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  EXPECT_THAT(approved.out, HasSubstr("approved by user:alice"));

  Json done = api_->WaitForExecution(run);
  ASSERT_EQ(Str(done, "status"), "succeeded") << done.dump(2) << Logs(run);
  EXPECT_EQ(InvokeBuild("shop-orders-prod", "prod"), "b1");

  auto tree = Ferry("executions get " + run, server_->token());
  EXPECT_THAT(tree.out, HasSubstr("stages:"));
  EXPECT_THAT(tree.out, HasSubstr("approval " + approval));
  auto decided = api_->Get("/api/v1/approvals/" + approval).json;
  EXPECT_EQ(Str(decided, "decidedBy"), "user:alice");
  EXPECT_EQ(Str(decided, "comment"), "ticket CHG-7");
}

TEST_F(PipelineE2eTest, ARejectionFailsTheRunAndAFailedStageIsRerunFromThere) {
  ASSERT_NO_FATAL_FAILURE(ApplyPipeline());
  ASSERT_NO_FATAL_FAILURE(CreateApprovers());
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));

  const std::string rejected_run = Run("--s3 s3://artifacts/api/api-1.zip");
  const std::string approval = AwaitApproval(rejected_run);
  ASSERT_FALSE(approval.empty());
  auto rejected = Ferry("reject " + approval + " --comment 'not tonight'", tokens_["alice"]);
  ASSERT_EQ(rejected.exit_code, 0) << rejected.err;
  Json failed = api_->WaitForExecution(rejected_run);
  EXPECT_EQ(Str(failed, "status"), "failed");
  EXPECT_THAT(Str(failed, "error"), HasSubstr("not tonight"));

  // A build that is not there yet: dev fails (and rolls itself back), the run stops there.
  const std::string broken = Run("--s3 s3://artifacts/api/api-2.zip");
  Json stopped = api_->WaitForExecution(broken);
  ASSERT_EQ(Str(stopped, "status"), "failed") << stopped.dump(2);
  EXPECT_THAT(Str(stopped, "error"), HasSubstr("stage dev"));

  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-2.zip", "b2"));
  auto rerun = Ferry("pipelines rerun " + broken, server_->token());
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  const std::string again = rerun.out.substr(0, rerun.out.find('\n'));
  const std::string second = AwaitApproval(again);
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(InvokeBuild("shop-orders-dev", "dev"), "b2");
  ASSERT_EQ(Ferry("approve " + second, tokens_["alice"]).exit_code, 0);
  Json done = api_->WaitForExecution(again);
  EXPECT_EQ(Str(done, "status"), "succeeded") << done.dump(2) << Logs(again);
  EXPECT_EQ(InvokeBuild("shop-orders-prod", "prod"), "b2");
}

}  // namespace
}  // namespace ferry::test
