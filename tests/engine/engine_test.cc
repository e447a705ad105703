#include "engine/engine.h"

#include "engine/engine_fixture.h"

namespace ferry::engine {
namespace {

using lambda::DesiredFunction;
using store::ExecutionStatus;
using testing::DeployRequest;
using testing::EngineTest;
using ::testing::HasSubstr;
using testing::RollbackRequest;

TEST_F(EngineTest, DeploySucceedsAndRecordsEachFunction) {
  auto e = StartDeploy(Request("SHA-1"));
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
  auto again = StartDeploy(Request("SHA-1"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Drive(again->id).status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(api_.publishes(), 2);
}

// The prune task leaves out a function the deploy left within the versions to keep: no reads, no
// calls for it.
TEST_F(EngineTest, PruneSkipsFunctionsWithinTheVersionsToKeep) {
  // How many functions the execution's prune task lists (0: there is no prune task).
  auto prune_functions = [&](const std::string& execution_id) {
    store::TaskFilter filter;
    filter.execution_id = execution_id;
    auto tasks = store_->tasks().List(filter);
    EXPECT_TRUE(tasks.ok());
    for (const auto& t : *tasks) {
      if (t.kind == lambda::kPruneTask) {
        auto task = lambda::DecodePruneTask(t.payload_json);
        EXPECT_TRUE(task.ok());
        return task.ok() ? task->functions.size() : size_t{0};
      }
    }
    return size_t{0};
  };
  for (int build = 1; build <= 3; ++build) {
    DeployRequest request = Request("SHA-" + std::to_string(build));
    request.keep_versions = 2;
    auto e = StartDeploy(request);
    ASSERT_TRUE(e.ok()) << e.error().message;
    ASSERT_EQ(Drive(e->id).status, ExecutionStatus::kSucceeded);
    // Builds 1 and 2 leave each function with 1 and 2 versions: the prune step succeeds without
    // a task. Build 3 leaves 3: prune both.
    EXPECT_EQ(prune_functions(e->id), build <= 2 ? 0u : 2u) << "build " << build;
    auto steps = store_->executions().Steps(e->id);
    EXPECT_EQ((*steps)[1].status, store::StepStatus::kSucceeded);
  }
}

TEST_F(EngineTest, FailureRollsBackEveryAliasToItsSnapshot) {
  ASSERT_EQ(Drive(StartDeploy(Request("SHA-1", {"dev", "live"}))->id).status,
            ExecutionStatus::kSucceeded);
  api_.fault = [](const std::string& op, const std::string& fn) -> std::optional<Error> {
    if (op == "TagResource" && fn == "orders-worker") {
      return Error{ErrorCode::kPermissionDenied, "not authorized to tag"};
    }
    return std::nullopt;
  };
  DeployRequest r = Request("SHA-2", {"dev", "live"});
  r.functions[1].tags["new"] = "tag";
  auto e = StartDeploy(r);
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
  ASSERT_EQ(Drive(StartDeploy(Request("SHA-1"))->id).status, ExecutionStatus::kSucceeded);
  api_.fault = [](const std::string& op, const std::string& fn) -> std::optional<Error> {
    if (op == "UpdateAlias" && fn == "orders-worker") return Error{ErrorCode::kUnavailable, "5xx"};
    return std::nullopt;
  };
  DeployRequest r = Request("SHA-2");
  r.failure_strategy = FailureStrategy::kAbort;
  auto done = Drive(StartDeploy(r)->id);
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
  auto done = Drive(StartDeploy(r)->id);
  EXPECT_EQ(done.status, ExecutionStatus::kRolledBack);
  EXPECT_EQ(api_.World().count("orders-api"), 0u);
  EXPECT_EQ(api_.World().count("orders-worker"), 0u);
}

// An abort while the deploy task runs: the engine cancels the task and waits until its delegate
// has stopped and reported how far it got, then rolls back exactly what it did.
TEST_F(EngineTest, AbortDuringADeployWaitsForTheDelegateThenRollsBackWhatItDid) {
  ASSERT_EQ(Drive(StartDeploy(Request("SHA-1"))->id).status, ExecutionStatus::kSucceeded);
  auto e = StartDeploy(Request("SHA-2"));
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(engine_->RunOnce().ok());  // Ferry knows both functions: the deploy task is queued
  auto claimed = transport_->ClaimNext("busy", {}, std::chrono::minutes(10));
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  ASSERT_EQ((*claimed)->kind, lambda::kDeployTask);
  // The delegate deploys orders-api; the abort arrives before it reports.
  api_.fault = [](const std::string& op, const std::string& fn) -> std::optional<Error> {
    if (op == "UpdateFunctionCode" && fn == "orders-worker") {
      return Error{ErrorCode::kCancelled, "deploying orders-worker aborted"};
    }
    return std::nullopt;
  };
  struct Ctx : delegate::TaskContext {
    void Log(delegate::TaskLogLevel, const std::string&) override {}
    std::stop_token stop() const override { return {}; }
  } ctx;
  delegate::TaskResult result = handler_.Run(**claimed, ctx);
  api_.fault = nullptr;
  ASSERT_EQ(Alias("orders-api", "dev"), "2");
  ASSERT_TRUE(store_->executions().RequestAbort(e->id, "bob").ok());

  ASSERT_TRUE(engine_->RunOnce().ok());
  EXPECT_EQ(store_->tasks().Get((*claimed)->task_id)->status, store::TaskStatus::kCancelled);
  EXPECT_EQ(store_->executions().Get(e->id)->status, ExecutionStatus::kAborting)
      << "nothing is undone while the delegate may still be changing things";
  ASSERT_TRUE(engine_->RunOnce().ok());
  EXPECT_EQ(store_->executions().Get(e->id)->status, ExecutionStatus::kAborting);
  // The delegate learns of the cancellation at its heartbeat, stops and reports.
  EXPECT_EQ(transport_->Heartbeat(**claimed, std::chrono::minutes(1)).error().code,
            ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(transport_->Complete(**claimed, result).ok()) << "a cancelled task's report is kept";

  auto done = Drive(e->id);
  EXPECT_EQ(done.status, ExecutionStatus::kAborted);
  EXPECT_EQ(LastLogLine(e->id), "aborted by bob");
  EXPECT_EQ(Alias("orders-api", "dev"), "1") << "what the task did is undone";
  EXPECT_EQ(Alias("orders-worker", "dev"), "1");
}

// The same abort when the delegate died: the engine waits for the task's lease to run out, then
// rolls back by version (what the deployment published) since nobody reported.
TEST_F(EngineTest, AbortWhileTheDelegateIsGoneWaitsForItsLeaseThenRollsBack) {
  ASSERT_EQ(Drive(StartDeploy(Request("SHA-1"))->id).status, ExecutionStatus::kSucceeded);
  auto e = StartDeploy(Request("SHA-2"));
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(engine_->RunOnce().ok());
  auto claimed = transport_->ClaimNext("doomed", {}, std::chrono::seconds(30));
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  struct Ctx : delegate::TaskContext {
    void Log(delegate::TaskLogLevel, const std::string&) override {}
    std::stop_token stop() const override { return {}; }
  } ctx;
  (void)handler_.Run(**claimed, ctx);  // deploys both, then dies without reporting
  ASSERT_EQ(Alias("orders-api", "dev"), "2");
  // Someone moves orders-worker's alias by hand meanwhile: not the deployment's doing.
  for (auto& a : api_.World().at("orders-worker").aliases) {
    a.version = "1";
    a.revision_id = api_.NewRevisionForTest();
  }
  ASSERT_TRUE(store_->executions().RequestAbort(e->id, "bob").ok());
  ASSERT_TRUE(engine_->RunOnce().ok());
  EXPECT_EQ(store_->executions().Get(e->id)->status, ExecutionStatus::kAborting);
  clock_.Advance(std::chrono::seconds(31));  // the dead delegate's lease runs out
  auto done = Drive(e->id);
  EXPECT_EQ(done.status, ExecutionStatus::kAborted) << done.error.value_or("");
  EXPECT_EQ(Alias("orders-api", "dev"), "1");
  EXPECT_EQ(Alias("orders-worker", "dev"), "1");
}

TEST_F(EngineTest, ResumesAfterEngineAndDelegateDieMidDeploy) {
  ASSERT_EQ(Drive(StartDeploy(Request("SHA-1"))->id).status, ExecutionStatus::kSucceeded);
  const int publishes_before = api_.publishes();
  auto e = StartDeploy(Request("SHA-2"));
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(engine_->RunOnce().ok());  // deploy task queued (Ferry knows both functions)
  // A delegate claims the deploy task, gets half-way (orders-api fully deployed, orders-worker
  // updated but not published) and dies without reporting.
  auto claimed = transport_->ClaimNext("doomed", {}, std::chrono::seconds(30));
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  EXPECT_EQ((*claimed)->kind, lambda::kDeployTask);
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
  EXPECT_EQ(StartDeploy(r).error().code, ErrorCode::kInvalidArgument);
  r = Request("SHA-1");
  r.target.region.clear();
  EXPECT_EQ(StartDeploy(r).error().code, ErrorCode::kInvalidArgument);
  r = Request("SHA-1");
  r.functions[0].config.role.clear();
  EXPECT_EQ(StartDeploy(r).error().code, ErrorCode::kInvalidArgument);
}

// What a caller records beside the engine's own member (a deployment's freeze override).
TEST_F(EngineTest, RecordsTheCallersInputsBesideItsOwn) {
  ExecutionSpec spec = SpecOf(Request("SHA-1"));
  spec.recorded_inputs["freezeOverride"] = R"({"reason":"INC-42","by":"token:alice"})";
  auto started = engine_->Start(spec);
  ASSERT_TRUE(started.ok()) << started.error().message;
  EXPECT_THAT(started->inputs_json,
              HasSubstr(R"("freezeOverride":{"by":"token:alice","reason":"INC-42"})"));
  EXPECT_THAT(started->inputs_json, HasSubstr(R"("failureStrategy":"rollback")"));
  // The engine's own member wins over a caller's of the same name; malformed JSON is refused.
  spec.recorded_inputs = {{"failureStrategy", R"("ignore")"}};
  spec.idempotency_key = "other";
  EXPECT_THAT(engine_->Start(spec)->inputs_json, HasSubstr(R"("failureStrategy":"rollback")"));
  spec.recorded_inputs = {{"x", "{not json"}};
  spec.idempotency_key = "third";
  EXPECT_FALSE(engine_->Start(spec).ok());
}

TEST_F(EngineTest, UnknownTargetFailsTheStepWithAMessage) {
  DeployRequest r = Request("SHA-1");
  r.target.region = "mars-north-1";
  auto done = Drive(StartDeploy(r)->id);
  EXPECT_EQ(done.status, ExecutionStatus::kFailed);
  EXPECT_THAT(done.error.value_or(""), HasSubstr("unknown region"));
}

}  // namespace
}  // namespace ferry::engine
