#include "engine/engine.h"

#include "engine/engine_fixture.h"

namespace ferry::engine {
namespace {

using delegate::lambda::DesiredFunction;
using store::ExecutionStatus;
using testing::EngineTest;
using ::testing::HasSubstr;

TEST_F(EngineTest, DeploySucceedsAndRecordsEachFunction) {
  auto e = engine_->StartDeploy(Request("SHA-1"));
  ASSERT_TRUE(e.ok()) << e.error().message;
  auto done = Drive(e->id);
  EXPECT_EQ(done.status, ExecutionStatus::kSucceeded) << done.error.value_or("");
  EXPECT_EQ(Alias("orders-api", "dev"), "1");
  EXPECT_EQ(Alias("orders-worker", "dev"), "1");

  auto steps = store_->executions().Steps(e->id);
  ASSERT_TRUE(steps.ok());
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ((*steps)[0].status, store::StepStatus::kSucceeded);
  EXPECT_EQ((*steps)[1].status, store::StepStatus::kSucceeded);  // prune
  auto outputs = ParseJson((*steps)[0].outputs_json);
  ASSERT_TRUE(outputs.ok());
  EXPECT_EQ((*outputs)["deployments"].size(), 2u) << (*steps)[0].outputs_json << (*steps)[0].state;
  EXPECT_EQ(outputs->dump().find("s3cr3t"), std::string::npos)
      << "snapshots and records never hold environment values";

  store::DeploymentFilter filter;
  filter.execution_id = e->id;
  auto records = store_->deployments().List(filter);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  for (const auto& r : *records) {
    EXPECT_EQ(r.version, "1");
    EXPECT_TRUE(r.created_function);
    EXPECT_EQ(r.state, store::DeploymentState::kSucceeded);
  }
  auto logs = store_->logs().Read({.execution_id = e->id});
  ASSERT_TRUE(logs.ok());
  bool saw_publish = false;
  for (const auto& line : *logs)
    saw_publish |= line.text.find("PublishVersion") != std::string::npos;
  EXPECT_TRUE(saw_publish);
  EXPECT_EQ(LastLogLine(e->id), "execution succeeded");

  // The same deployment again publishes nothing.
  auto again = engine_->StartDeploy(Request("SHA-1"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Drive(again->id).status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(api_.publishes(), 2);
}

// The prune task leaves out a function the deploy left within the versions to keep: no reads, no
// calls for it.
TEST_F(EngineTest, PruneSkipsFunctionsWithinTheVersionsToKeep) {
  auto prune_functions = [&](const std::string& execution_id) {
    store::TaskFilter filter;
    filter.execution_id = execution_id;
    auto tasks = store_->tasks().List(filter);
    EXPECT_TRUE(tasks.ok());
    for (const auto& t : *tasks) {
      if (t.kind == delegate::lambda::kPruneTask) {
        return ParseJson(t.payload_json)->value("functions", Json::array()).size();
      }
    }
    ADD_FAILURE() << "no prune task";
    return size_t{0};
  };
  for (int build = 1; build <= 3; ++build) {
    DeployRequest request = Request("SHA-" + std::to_string(build));
    request.keep_versions = 2;
    auto e = engine_->StartDeploy(request);
    ASSERT_TRUE(e.ok()) << e.error().message;
    ASSERT_EQ(Drive(e->id).status, ExecutionStatus::kSucceeded);
    // Builds 1 and 2 leave each function with 1 and 2 versions; build 3 with 3: prune both.
    EXPECT_EQ(prune_functions(e->id), build <= 2 ? 0u : 2u) << "build " << build;
  }
}

TEST_F(EngineTest, FailureRollsBackEveryAliasToItsSnapshot) {
  ASSERT_EQ(Drive(engine_->StartDeploy(Request("SHA-1", {"dev", "live"}))->id).status,
            ExecutionStatus::kSucceeded);
  api_.fault = [](const std::string& op, const std::string& fn) -> std::optional<Error> {
    if (op == "TagResource" && fn == "orders-worker") {
      return Error{ErrorCode::kPermissionDenied, "not authorized to tag"};
    }
    return std::nullopt;
  };
  DeployRequest r = Request("SHA-2", {"dev", "live"});
  r.functions[1].tags["new"] = "tag";
  auto e = engine_->StartDeploy(r);
  ASSERT_TRUE(e.ok());
  auto done = Drive(e->id);
  EXPECT_EQ(done.status, ExecutionStatus::kRolledBack);
  EXPECT_THAT(done.error.value_or(""), HasSubstr("not authorized to tag"));
  EXPECT_EQ(LastLogLine(e->id), "rolled back");
  EXPECT_EQ(Alias("orders-api", "dev"), "1");
  EXPECT_EQ(Alias("orders-api", "live"), "1");
  EXPECT_EQ(Alias("orders-worker", "dev"), "1");
  EXPECT_EQ(Alias("orders-worker", "live"), "1");
  store::DeploymentFilter filter;
  filter.execution_id = e->id;
  auto records = store_->deployments().List(filter);
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->size(), 2u);
  for (const auto& rec : *records) EXPECT_EQ(rec.state, store::DeploymentState::kRolledBack);
}

TEST_F(EngineTest, AbortStrategyLeavesTheFunctionsAsTheyAre) {
  ASSERT_EQ(Drive(engine_->StartDeploy(Request("SHA-1"))->id).status, ExecutionStatus::kSucceeded);
  api_.fault = [](const std::string& op, const std::string& fn) -> std::optional<Error> {
    if (op == "UpdateAlias" && fn == "orders-worker") return Error{ErrorCode::kUnavailable, "5xx"};
    return std::nullopt;
  };
  DeployRequest r = Request("SHA-2");
  r.failure_strategy = FailureStrategy::kAbort;
  auto done = Drive(engine_->StartDeploy(r)->id);
  EXPECT_EQ(done.status, ExecutionStatus::kFailed);
  EXPECT_THAT(LastLogLine(done.id), HasSubstr("execution failed: deploy: "));
  EXPECT_EQ(Alias("orders-api", "dev"), "2");
}

TEST_F(EngineTest, FirstDeployFailureDeletesCreatedFunctions) {
  api_.fault = [](const std::string& op, const std::string& fn) -> std::optional<Error> {
    if (op == "CreateFunction" && fn == "orders-worker") {
      return Error{ErrorCode::kInvalidArgument,
                   "The role defined for the function cannot be "
                   "assumed by Lambda."};
    }
    return std::nullopt;
  };
  DeployRequest r = Request("SHA-1");
  r.functions[1].function_name = "orders-worker";
  auto done = Drive(engine_->StartDeploy(r)->id);
  EXPECT_EQ(done.status, ExecutionStatus::kRolledBack);
  EXPECT_EQ(api_.World().count("orders-api"), 0u);
  EXPECT_EQ(api_.World().count("orders-worker"), 0u);
}

TEST_F(EngineTest, AbortDuringADeployRollsBackAndEndsAborted) {
  ASSERT_EQ(Drive(engine_->StartDeploy(Request("SHA-1"))->id).status, ExecutionStatus::kSucceeded);
  auto e = engine_->StartDeploy(Request("SHA-2"));
  ASSERT_TRUE(e.ok());
  // Snapshot taken, deploy task queued; the deploy of orders-api then happens before the abort
  // arrives (the delegate runs it) — rollback must undo it.
  ASSERT_TRUE(engine_->RunOnce().ok());
  ASSERT_TRUE(*agent_->RunOne());  // snapshot
  ASSERT_TRUE(engine_->RunOnce().ok());
  ASSERT_TRUE(store_->executions().RequestAbort(e->id, "bob").ok());
  auto done = Drive(e->id);
  EXPECT_EQ(done.status, ExecutionStatus::kAborted);
  EXPECT_EQ(LastLogLine(e->id), "aborted by bob");
  EXPECT_EQ(Alias("orders-api", "dev"), "1");
  EXPECT_EQ(Alias("orders-worker", "dev"), "1");
}

TEST_F(EngineTest, ResumesAfterEngineAndDelegateDieMidDeploy) {
  ASSERT_EQ(Drive(engine_->StartDeploy(Request("SHA-1"))->id).status, ExecutionStatus::kSucceeded);
  const int publishes_before = api_.publishes();
  auto e = engine_->StartDeploy(Request("SHA-2"));
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(engine_->RunOnce().ok());
  ASSERT_TRUE(*agent_->RunOne());        // snapshot
  ASSERT_TRUE(engine_->RunOnce().ok());  // deploy task queued
  // A delegate claims the deploy task, gets half-way (orders-api fully deployed, orders-worker
  // updated but not published) and dies without reporting.
  auto claimed = transport_->ClaimNext("doomed", {}, std::chrono::seconds(30));
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  EXPECT_EQ((*claimed)->kind, delegate::lambda::kDeployTask);
  api_.fault = [](const std::string& op, const std::string& fn) -> std::optional<Error> {
    if (op == "PublishVersion" && fn == "orders-worker")
      return Error{ErrorCode::kCancelled, "killed"};
    return std::nullopt;
  };
  struct Ctx : delegate::TaskContext {
    void Log(delegate::TaskLogLevel, const std::string&) override {}
    std::stop_token stop() const override { return {}; }
  } ctx;
  handler_.Run(**claimed, ctx);  // its result is never reported
  api_.fault = nullptr;
  EXPECT_EQ(Alias("orders-api", "dev"), "2");

  // The server process dies too: new store handle, new engine, new delegate.
  engine_.reset();
  Open();
  clock_.Advance(std::chrono::seconds(31));  // leases of the dead engine and delegate expire
  auto done = Drive(e->id);
  EXPECT_EQ(done.status, ExecutionStatus::kSucceeded) << done.error.value_or("");
  EXPECT_EQ(Alias("orders-api", "dev"), "2");
  EXPECT_EQ(Alias("orders-worker", "dev"), "2");
  EXPECT_EQ(api_.publishes(), publishes_before + 2) << "one new version per function, not more";
  auto steps = store_->executions().Steps(e->id);
  auto outputs = ParseJson((*steps)[0].outputs_json);
  // The rollback target is the snapshot from before the first attempt, not the half-deployed
  // state the second attempt found.
  for (const auto& s : (*outputs)["snapshots"]) {
    EXPECT_EQ(s["aliases"][0]["version"], "1") << s.dump();
  }
}

TEST_F(EngineTest, RejectsIncompleteRequests) {
  DeployRequest r = Request("SHA-1");
  r.functions.clear();
  EXPECT_EQ(engine_->StartDeploy(r).error().code, ErrorCode::kInvalidArgument);
  r = Request("SHA-1");
  r.target.region.clear();
  EXPECT_EQ(engine_->StartDeploy(r).error().code, ErrorCode::kInvalidArgument);
  r = Request("SHA-1");
  r.functions[0].config.role.clear();
  EXPECT_EQ(engine_->StartDeploy(r).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(EngineTest, UnknownTargetFailsTheStepWithAMessage) {
  DeployRequest r = Request("SHA-1");
  r.target.region = "mars-north-1";
  auto done = Drive(engine_->StartDeploy(r)->id);
  EXPECT_EQ(done.status, ExecutionStatus::kFailed);
  EXPECT_THAT(done.error.value_or(""), HasSubstr("unknown region"));
}

}  // namespace
}  // namespace ferry::engine
