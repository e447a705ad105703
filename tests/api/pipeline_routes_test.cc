// Pipelines and approvals through the real API server and a real engine over SQLite: a run's
// stages start workflow executions (children) one after another, an approval stage waits for a
// member of its user groups who holds `approve`, a rejection or a failed child fails the run, a
// rerun starts from the failed stage, the approval's timeout rejects from stored times, freeze
// windows refuse runs, and hostile bodies are refused with nothing started. The engine is
// advanced by hand (RunOnce with a FakeClock); no delegate runs, so a stage's child is ended
// through the store, as a delegate's results would end it.
#include <algorithm>

#include "api_fixture.h"
#include "config/loader.h"
#include "model/json_codec.h"

namespace ferry::api::testing {
namespace {

constexpr char kPipelineYaml[] = R"(---
kind: Environment
application: shop
name: prod
type: production
infrastructure:
  - name: prod-us
    cloudProvider: local
    executionRole: arn:aws:iam::123456789012:role/shop-prod
---
kind: Workflow
application: shop
name: basic-prod
strategy: basic
environment: prod
service: orders
steps:
  - name: deploy
    type: deploy
---
kind: Pipeline
application: shop
name: release
variables:
  - name: note
    default: nightly
  - name: skipProd
    default: "false"
    allowed: ["true", "false"]
stages:
  - name: dev
    workflow: basic
  - name: approve-prod
    approval:
      userGroups: [release-managers]
      message: "ship ${pipeline.variables.note} to prod?"
      timeout: 2h
      inputs:
        - name: ticket
          required: true
  - name: prod
    workflow: basic-prod
    skipWhen: "${pipeline.variables.skipProd}"
)";

class PipelineRoutesTest : public ApiServerTest {
 protected:
  void SetUp() override {
    ApiServerTest::SetUp();
    config::LoadedConfig loaded =
        config::LoadConfigFiles({{"sample.yaml", SampleConfigYaml() + kPipelineYaml}});
    ASSERT_TRUE(loaded.ok()) << (loaded.problems.empty() ? "" : loaded.problems[0].ToString());
    Json entities = Json::array();
    for (const model::Entity& e : loaded.entities) entities.push_back(model::EncodeEntity(e));
    Reply applied = Post("/api/v1/apply", DumpJson(Json{{"entities", entities}}));
    ASSERT_EQ(applied.status, 200) << applied.body;

    auto& access = store_->access();
    ASSERT_TRUE(access.PutRole("approver", {"approve", "deploy", "view"}, "test").ok());
    for (const char* user : {"alice", "bob"}) {
      ASSERT_TRUE(access.CreateAccount({.name = user}, "test").ok());
      ASSERT_TRUE(access.AddBinding({.role = "approver", .account = user}, "test").ok());
      auto issued = store_->tokens().Issue(
          {.name = std::string(user) + "-cli", .scopes = {"admin"}, .owner = user}, "test");
      ASSERT_TRUE(issued.ok()) << issued.error().ToString();
      tokens_[user] = issued->secret;
    }
    ASSERT_TRUE(access.PutGroup("release-managers", {"alice"}, "test").ok());
    auto viewer = store_->tokens().Issue({.name = "viewer", .scopes = {"read"}}, "test");
    ASSERT_TRUE(viewer.ok());
    tokens_["viewer"] = viewer->secret;
  }

  httplib::Headers As(const std::string& who) {
    return {{"Authorization", "Bearer " + tokens_[who]}};
  }

  std::string StartRun(const std::string& body = "{}") {
    Reply r = Post("/api/v1/applications/shop/pipelines/release/executions", body);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json.value("id", "");
  }

  void Advance() {
    auto ran = engine_->RunOnce();
    ASSERT_TRUE(ran.ok()) << ran.error().ToString();
  }

  store::StepRecord StepOf(const std::string& id, int index) {
    auto step = store_->executions().GetStep(id, index);
    EXPECT_TRUE(step.ok());
    return step.ok() ? *step : store::StepRecord{};
  }

  // The child execution a stage step started.
  std::string ChildOf(const std::string& id, int index, int stage = 0) {
    auto outputs = ParseJson(StepOf(id, index).outputs_json);
    if (!outputs.ok()) return "";
    return (*outputs)["stages"][stage].value("execution", "");
  }

  // Ends a child as its delegate's results would, and wakes its pipeline (ferry server's
  // engine does both through EngineOptions::on_ended).
  void EndChild(const std::string& parent, const std::string& child, store::ExecutionStatus to) {
    Finish(child, to);
    ASSERT_TRUE(store_->executions().Wake(parent).ok());
    clock_.Advance(std::chrono::seconds(1));
    Advance();
  }

  store::ExecutionStatus StatusOf(const std::string& id) {
    auto e = store_->executions().Get(id);
    return e.ok() ? e->status : store::ExecutionStatus::kQueued;
  }

  std::string WaitingApproval() {
    Reply list = Get("/api/v1/approvals");
    EXPECT_EQ(list.status, 200) << list.body;
    if (list.json["items"].empty()) return "";
    return list.json["items"][0].value("id", "");
  }

  std::map<std::string, std::string> tokens_;
};

TEST_F(PipelineRoutesTest, StagesRunInOrderThroughAnApprovalAndShowAsATree) {
  const std::string run = StartRun(R"({"variables":{"note":"v1.2"}})");
  Advance();
  const std::string dev = ChildOf(run, 0);
  ASSERT_FALSE(dev.empty());
  auto child = store_->executions().Get(dev);
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(child->environment, "dev");
  EXPECT_EQ(child->pipeline, "release");
  EXPECT_EQ(child->trigger, "pipeline");
  EndChild(run, dev, store::ExecutionStatus::kSucceeded);

  const std::string approval = WaitingApproval();
  ASSERT_FALSE(approval.empty());
  Reply got = Get("/api/v1/approvals/" + approval);
  EXPECT_EQ(got.json.value("message", ""), "ship v1.2 to prod?");
  EXPECT_EQ(got.json["userGroups"], Json::array({"release-managers"}));
  EXPECT_EQ(StatusOf(run), store::ExecutionStatus::kWaiting);

  // Outside the group: refused, and nothing is decided.
  Reply bob = Post("/api/v1/approvals/" + approval, R"({"decision":"approve"})", As("bob"));
  EXPECT_EQ(bob.status, 403) << bob.body;
  Reply viewer = Post("/api/v1/approvals/" + approval, R"({"decision":"approve"})", As("viewer"));
  EXPECT_EQ(viewer.status, 403) << viewer.body;
  // A required input missing, then an undeclared one: refused.
  Reply missing = Post("/api/v1/approvals/" + approval, R"({"decision":"approve"})", As("alice"));
  EXPECT_EQ(missing.status, 400) << missing.body;
  Reply unknown =
      Post("/api/v1/approvals/" + approval,
           R"({"decision":"approve","variables":{"ticket":"C-1","x":"y"}})", As("alice"));
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_EQ(WaitingApproval(), approval);

  Reply approved =
      Post("/api/v1/approvals/" + approval,
           R"({"decision":"approve","comment":"go","variables":{"ticket":"C-1"}})", As("alice"));
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(approved.json.value("decidedBy", ""), "user:alice");
  EXPECT_EQ(approved.json["values"]["ticket"], "C-1");
  Reply twice = Post("/api/v1/approvals/" + approval, R"({"decision":"reject"})", As("alice"));
  EXPECT_EQ(twice.status, 412) << twice.body;

  Advance();
  const std::string prod = ChildOf(run, 2);
  ASSERT_FALSE(prod.empty());
  EXPECT_EQ(store_->executions().Get(prod)->environment, "prod");
  EndChild(run, prod, store::ExecutionStatus::kSucceeded);
  EXPECT_EQ(StatusOf(run), store::ExecutionStatus::kSucceeded);

  Reply tree = Get("/api/v1/executions/" + run);
  ASSERT_EQ(tree.status, 200);
  ASSERT_EQ(tree.json["children"].size(), 3u) << tree.body;
  EXPECT_EQ(tree.json["children"][0]["execution"], dev);
  EXPECT_EQ(tree.json["children"][1]["approval"], approval);
  EXPECT_EQ(tree.json["children"][2]["status"], "succeeded");
  EXPECT_EQ(tree.json["run"]["variables"]["note"], "v1.2");
  Reply leaf = Get("/api/v1/executions/" + prod);
  EXPECT_EQ(leaf.json["parent"]["execution"], run);
  EXPECT_EQ(leaf.json["parent"]["stage"], "prod");

  // Who decided is in the audit trail.
  auto audit = store_->audit().List({.action = std::string("approval.approve")});
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ(audit->front().actor, "user:alice");
}

TEST_F(PipelineRoutesTest, ARejectionFailsTheRunAndARerunStartsAtTheFailedStage) {
  const std::string run = StartRun();
  Advance();
  EndChild(run, ChildOf(run, 0), store::ExecutionStatus::kSucceeded);
  const std::string approval = WaitingApproval();
  Reply rejected = Post("/api/v1/approvals/" + approval,
                        R"({"decision":"reject","comment":"not tonight"})", As("alice"));
  ASSERT_EQ(rejected.status, 200) << rejected.body;
  Advance();
  auto failed = store_->executions().Get(run);
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->status, store::ExecutionStatus::kFailed);
  EXPECT_EQ(StepOf(run, 2).status, store::StepStatus::kPending);  // prod never started

  Reply rerun = Post("/api/v1/executions/" + run + "/rerun", "{}");
  ASSERT_EQ(rerun.status, 201) << rerun.body;
  const std::string again = rerun.json.value("id", "");
  EXPECT_EQ(rerun.json["run"]["rerunOf"], run);
  EXPECT_EQ(rerun.json["run"]["fromStage"], "approve-prod");
  ASSERT_EQ(rerun.json["steps"].size(), 2u);  // the approval and prod, not dev
  // Rerunning the same failed execution again returns that rerun.
  Reply same = Post("/api/v1/executions/" + run + "/rerun", "{}");
  EXPECT_EQ(same.json.value("id", ""), again);
  Reply not_failed = Post("/api/v1/executions/" + again + "/rerun", "{}");
  EXPECT_EQ(not_failed.status, 412) << not_failed.body;
}

TEST_F(PipelineRoutesTest, AFailedStageStopsTheRun) {
  const std::string run = StartRun();
  Advance();
  EndChild(run, ChildOf(run, 0), store::ExecutionStatus::kRolledBack);
  auto failed = store_->executions().Get(run);
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->status, store::ExecutionStatus::kFailed);
  EXPECT_NE(failed->error.value_or("").find("rolled_back"), std::string::npos);
  EXPECT_EQ(WaitingApproval(), "");
  Reply rerun = Post("/api/v1/executions/" + run + "/rerun", "{}");
  ASSERT_EQ(rerun.status, 201) << rerun.body;
  EXPECT_EQ(rerun.json["run"]["fromStage"], "dev");
  EXPECT_EQ(rerun.json["steps"].size(), 3u);
}

TEST_F(PipelineRoutesTest, TheApprovalTimeoutRejectsFromStoredTimes) {
  const std::string run = StartRun();
  Advance();
  EndChild(run, ChildOf(run, 0), store::ExecutionStatus::kSucceeded);
  const std::string approval = WaitingApproval();
  ASSERT_FALSE(approval.empty());
  clock_.Advance(std::chrono::hours(2) + std::chrono::seconds(1));
  Advance();
  auto decided = store_->approvals().Get(approval);
  ASSERT_TRUE(decided.ok());
  EXPECT_EQ(decided->status, store::ApprovalStatus::kRejected);
  EXPECT_TRUE(decided->timed_out);
  EXPECT_EQ(StatusOf(run), store::ExecutionStatus::kFailed);
  Reply late = Post("/api/v1/approvals/" + approval,
                    R"({"decision":"approve","variables":{"ticket":"x"}})", As("alice"));
  EXPECT_EQ(late.status, 412);
}

TEST_F(PipelineRoutesTest, SkipWhenSkipsAStage) {
  const std::string run = StartRun(R"({"variables":{"skipProd":"true"}})");
  Advance();
  EndChild(run, ChildOf(run, 0), store::ExecutionStatus::kSucceeded);
  Reply approved = Post("/api/v1/approvals/" + WaitingApproval(),
                        R"({"decision":"approve","variables":{"ticket":"T"}})", As("alice"));
  ASSERT_EQ(approved.status, 200);
  Advance();
  EXPECT_EQ(StatusOf(run), store::ExecutionStatus::kSucceeded);
  Reply tree = Get("/api/v1/executions/" + run);
  EXPECT_TRUE(tree.json["children"][2].contains("skipped")) << tree.body;
  EXPECT_FALSE(tree.json["children"][2].contains("execution"));
}

TEST_F(PipelineRoutesTest, HostileRunBodiesAreRefusedAndStartNothing) {
  const std::string path = "/api/v1/applications/shop/pipelines/release/executions";
  Json many = Json::object();
  for (int i = 0; i < 70; ++i) many["v" + std::to_string(i)] = "x";
  for (const std::string& body : std::vector<std::string>{
           R"({"variables":{"nope":"x"}})", R"({"variables":{"skipProd":"maybe"}})",
           R"({"variables":"note=x"})", R"({"variables":{"note":1}})",
           R"({"variables":{"1bad":"x"}})", R"({"variables":{"note":"a\u0001b"}})",
           DumpJson(Json{{"variables", {{"note", std::string(5000, 'x')}}}}),
           DumpJson(Json{{"variables", many}}), R"({"surprise":true})",
           R"({"artifactId":"a","artifact":{"s3Bucket":"b","s3Key":"k"}})",
           R"({"freezeOverride":"because"})", R"([])", R"({"variables":)"}) {
    Reply r = Post(path, body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
  }
  EXPECT_EQ(Post("/api/v1/applications/shop/pipelines/nope/executions", "{}").status, 404);
  EXPECT_EQ(Post(path, "{}", As("viewer")).status, 403);
  auto executions = store_->executions().List({});
  ASSERT_TRUE(executions.ok());
  EXPECT_TRUE(executions->empty());
}

TEST_F(PipelineRoutesTest, HostileDecisionsAreRefusedAndDecideNothing) {
  const std::string run = StartRun();
  Advance();
  EndChild(run, ChildOf(run, 0), store::ExecutionStatus::kSucceeded);
  const std::string approval = WaitingApproval();
  const std::string path = "/api/v1/approvals/" + approval;
  for (const std::string& body : std::vector<std::string>{
           R"({})", R"({"decision":"maybe"})", R"({"decision":true})",
           R"({"decision":"approve","comment":5})",
           DumpJson(Json{{"decision", "reject"}, {"comment", std::string(3000, 'c')}}),
           R"({"decision":"reject","comment":"a\u0000b"})",
           R"({"decision":"approve","variables":{"ticket":7}})",
           R"({"decision":"approve","extra":1})", "not json"}) {
    Reply r = Post(path, body, As("alice"));
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
  }
  EXPECT_EQ(Post("/api/v1/approvals/nope", R"({"decision":"approve"})", As("alice")).status, 404);
  EXPECT_EQ(Get("/api/v1/approvals?status=bogus").status, 400);
  EXPECT_EQ(WaitingApproval(), approval);
}

TEST_F(PipelineRoutesTest, AnActiveFreezeWindowRefusesARun) {
  Json window = model::EncodeEntity(model::FreezeWindow{.name = "holidays",
                                                        .time_zone = "UTC",
                                                        .start = "2027-01-10T00:00",
                                                        .end = "2027-01-20T00:00"});
  Reply put = Post("/api/v1/apply", DumpJson(Json{{"entities", Json::array({window})}}));
  ASSERT_EQ(put.status, 200) << put.body;
  Reply refused = Post("/api/v1/applications/shop/pipelines/release/executions", "{}");
  EXPECT_EQ(refused.status, 412) << refused.body;
  EXPECT_NE(refused.body.find("holidays"), std::string::npos);
  auto executions = store_->executions().List({});
  ASSERT_TRUE(executions.ok());
  EXPECT_TRUE(executions->empty());
}

}  // namespace
}  // namespace ferry::api::testing
