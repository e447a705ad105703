// Rollback to an earlier execution (Engine::StartRollback), step timeouts and prune protection.
#include <algorithm>

#include "engine/engine.h"
#include "engine/engine_fixture.h"

namespace ferry::engine {
namespace {

using store::ExecutionStatus;
using testing::DeployRequest;
using testing::EngineTest;
using testing::RollbackRequest;
using ::testing::HasSubstr;

class EngineRollbackTest : public EngineTest {
 protected:
  std::string DeployOk(const std::string& sha, std::vector<std::string> aliases = {"dev"}) {
    auto e = StartDeploy(Request(sha, aliases));
    EXPECT_TRUE(e.ok()) << e.error().message;
    auto done = Drive(e->id);
    EXPECT_EQ(done.status, ExecutionStatus::kSucceeded) << done.error.value_or("");
    return e->id;
  }

  // What DeployService builds from the deployment records of `execution`.
  RollbackRequest RollbackTo(const std::string& execution) {
    RollbackRequest r;
    r.application = "shop";
    r.service = "orders";
    r.environment = "dev";
    r.to_execution = execution;
    r.actor = "bob";
    r.target.region = "us-east-1";
    store::DeploymentFilter filter;
    filter.execution_id = execution;
    auto records = store_->deployments().List(filter);
    EXPECT_TRUE(records.ok());
    for (const auto& rec : *records) {
      lambda::RestoreFunction f;
      f.function_name = rec.function;
      auto aliases = ParseJson(rec.aliases_json);
      for (const auto& [name, state] : aliases->items()) {
        lambda::AliasState a;
        a.name = name;
        a.version = state["version"].get<std::string>();
        f.aliases.push_back(a);
      }
      r.functions.push_back(f);
    }
    std::sort(r.functions.begin(), r.functions.end(),
              [](const auto& a, const auto& b) { return a.function_name < b.function_name; });
    return r;
  }

  store::DeploymentState StateOf(const std::string& execution) {
    store::DeploymentFilter filter;
    filter.execution_id = execution;
    auto records = store_->deployments().List(filter);
    EXPECT_TRUE(records.ok() && !records->empty());
    return records->front().state;
  }

  int CallsStartingWith(const std::string& prefix) {
    auto calls = api_.Calls();
    return static_cast<int>(std::count_if(
        calls.begin(), calls.end(), [&](const std::string& c) { return c.rfind(prefix, 0) == 0; }));
  }
};

TEST_F(EngineRollbackTest, RestoresEveryAliasWithOneGuardedCallEachAndPublishesNothing) {
  const std::string first = DeployOk("SHA-1", {"dev", "live"});
  const std::string second = DeployOk("SHA-2", {"dev", "live"});
  const std::string third = DeployOk("SHA-3", {"dev", "live"});
  ASSERT_EQ(Alias("orders-api", "live"), "3");
  const int publishes = api_.publishes();
  const int updates = CallsStartingWith("RollbackUpdateAlias");

  auto e = StartRollback(RollbackTo(first));
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->workflow, "rollback");
  EXPECT_EQ(e->trigger, "rollback");
  auto done = Drive(e->id);
  EXPECT_EQ(done.status, ExecutionStatus::kSucceeded) << done.error.value_or("");
  for (const char* fn : {"orders-api", "orders-worker"}) {
    EXPECT_EQ(Alias(fn, "dev"), "1");
    EXPECT_EQ(Alias(fn, "live"), "1");
  }
  EXPECT_EQ(api_.publishes(), publishes) << "a rollback republishes nothing";
  EXPECT_EQ(CallsStartingWith("RollbackUpdateAlias") - updates, 4) << "one call per alias";
  EXPECT_EQ(CallsStartingWith("RollbackCreateAlias") + CallsStartingWith("RollbackDelete"), 0);
  // The deployments rolled away from say so; the target is what serves now.
  EXPECT_EQ(StateOf(first), store::DeploymentState::kSucceeded);
  EXPECT_EQ(StateOf(second), store::DeploymentState::kRolledBack);
  EXPECT_EQ(StateOf(third), store::DeploymentState::kRolledBack);

  // Again: nothing to change, no call that mutates.
  const int before = CallsStartingWith("Rollback");
  EXPECT_EQ(Drive(StartRollback(RollbackTo(first))->id).status,
            ExecutionStatus::kSucceeded);
  EXPECT_EQ(CallsStartingWith("Rollback"), before);
}

TEST_F(EngineRollbackTest, PrunedTargetVersionFailsBeforeAnyChangeNamingTheVersions) {
  const std::string first = DeployOk("SHA-1");
  DeployOk("SHA-2");
  std::erase_if(api_.World().at("orders-api").versions,
                [](const auto& v) { return v.version == "1"; });
  const int updates = CallsStartingWith("Rollback");
  auto done = Drive(StartRollback(RollbackTo(first))->id);
  EXPECT_EQ(done.status, ExecutionStatus::kFailed);
  EXPECT_THAT(done.error.value_or(""), HasSubstr("cannot roll back to execution " + first +
                                                 ": version 1 of orders-api no longer exists"));
  EXPECT_THAT(done.error.value_or(""), HasSubstr("nothing was changed"));
  EXPECT_EQ(CallsStartingWith("Rollback"), updates);
  EXPECT_EQ(Alias("orders-worker", "dev"), "2") << "no function is half restored";
}

TEST_F(EngineRollbackTest, ARestoreFailingMidwayPutsTheAliasesBack) {
  const std::string first = DeployOk("SHA-1", {"dev", "live"});
  DeployOk("SHA-2", {"dev", "live"});
  api_.fault = [](const std::string& op, const std::string& fn) -> std::optional<Error> {
    if (op == "UpdateAlias" && fn == "orders-worker")
      return Error{ErrorCode::kPermissionDenied, "no"};
    return std::nullopt;
  };
  auto e = StartRollback(RollbackTo(first));
  ASSERT_TRUE(e.ok());
  auto steps = [&] { return *store_->executions().Steps(e->id); };
  // Run until the restore failed, then let the undo through.
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(engine_->RunOnce().ok());
    if (store_->executions().Get(e->id)->status == ExecutionStatus::kRollingBack) break;
    ASSERT_TRUE(agent_->RunOne().ok());
  }
  ASSERT_EQ(store_->executions().Get(e->id)->status, ExecutionStatus::kRollingBack);
  EXPECT_EQ(Alias("orders-api", "dev"), "1") << "the restore got through the first function";
  api_.fault = nullptr;
  auto done = Drive(e->id);
  EXPECT_EQ(done.status, ExecutionStatus::kRolledBack) << done.error.value_or("");
  for (const char* fn : {"orders-api", "orders-worker"}) {
    EXPECT_EQ(Alias(fn, "dev"), "2");
    EXPECT_EQ(Alias(fn, "live"), "2");
  }
  EXPECT_EQ(steps().back().kind, "lambda.rollback");
}

TEST_F(EngineRollbackTest, RejectsIncompleteRequests) {
  const std::string first = DeployOk("SHA-1");
  RollbackRequest r = RollbackTo(first);
  r.functions.clear();
  EXPECT_EQ(StartRollback(r).error().code, ErrorCode::kInvalidArgument);
  r = RollbackTo(first);
  r.functions[0].aliases[0].version.clear();
  EXPECT_EQ(StartRollback(r).error().code, ErrorCode::kInvalidArgument);
  r = RollbackTo(first);
  r.to_execution.clear();
  EXPECT_EQ(StartRollback(r).error().code, ErrorCode::kInvalidArgument);
  r = RollbackTo(first);
  r.target.region.clear();
  EXPECT_EQ(StartRollback(r).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(EngineRollbackTest, ATaskPastItsDeadlineIsCancelledAndTheDeployRolledBack) {
  DeployOk("SHA-1");
  DeployRequest r = Request("SHA-2");
  r.deploy_timeout = std::chrono::minutes(2);
  auto e = StartDeploy(r);
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(engine_->RunOnce().ok());  // deploy task queued (Ferry knows both functions)
  (void)engine_->TakeNextWake();
  // A delegate claims the deploy task and hangs.
  auto claimed = transport_->ClaimNext("stuck", {}, std::chrono::minutes(10));
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  ASSERT_EQ((*claimed)->kind, lambda::kDeployTask);

  clock_.Advance(std::chrono::seconds(119));
  ASSERT_TRUE(engine_->RunOnce().ok());
  EXPECT_EQ(store_->executions().Get(e->id)->status, ExecutionStatus::kRunning);
  auto wake = engine_->TakeNextWake();
  ASSERT_TRUE(wake.has_value());
  auto step = store_->executions().GetStep(e->id, 0);
  EXPECT_EQ(*wake, *step->started_at + std::chrono::minutes(2))
      << "a waiting step is re-checked at its deadline";

  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(engine_->RunOnce().ok());
  auto task = store_->tasks().Get((*claimed)->task_id);
  EXPECT_EQ(task->status, store::TaskStatus::kCancelled);
  EXPECT_EQ(transport_->Heartbeat(**claimed, std::chrono::minutes(1)).error().code,
            ErrorCode::kFailedPrecondition)
      << "the stuck delegate learns to stop at its next heartbeat";
  // It never reports: the engine rolls back once its lease has run out.
  clock_.Advance(std::chrono::minutes(10));
  auto done = Drive(e->id);
  EXPECT_EQ(done.status, ExecutionStatus::kRolledBack);
  EXPECT_THAT(done.error.value_or(""), HasSubstr("timed out after 2m"));
  EXPECT_EQ(Alias("orders-api", "dev"), "1");
  EXPECT_EQ(Alias("orders-worker", "dev"), "1");
}

TEST_F(EngineRollbackTest, TimeoutWithAbortStrategyEndsFailed) {
  DeployRequest r = Request("SHA-1");
  r.deploy_timeout = std::chrono::seconds(30);
  r.failure_strategy = FailureStrategy::kAbort;
  auto e = StartDeploy(r);
  ASSERT_TRUE(engine_->RunOnce().ok());  // the snapshot task is queued; no delegate takes it
  clock_.Advance(std::chrono::seconds(31));
  ASSERT_TRUE(engine_->RunOnce().ok());
  auto done = store_->executions().Get(e->id);
  EXPECT_EQ(done->status, ExecutionStatus::kFailed);
  EXPECT_THAT(done->error.value_or(""), HasSubstr("timed out after 30s"));
}

TEST_F(EngineRollbackTest, PruningKeepsTheVersionsOfRecentDeployments) {
  for (int i = 1; i <= 7; ++i) {
    DeployRequest r = Request("SHA-" + std::to_string(i));
    r.keep_versions = 1;
    ASSERT_EQ(Drive(StartDeploy(r)->id).status, ExecutionStatus::kSucceeded);
  }
  std::vector<std::string> versions;
  for (const auto& v : api_.World().at("orders-api").versions) versions.push_back(v.version);
  std::sort(versions.begin(), versions.end(), lambda::VersionLess);
  // keep 1, but the last five successful deployments stay restorable.
  EXPECT_THAT(versions, ::testing::ElementsAre("3", "4", "5", "6", "7"));
}

}  // namespace
}  // namespace ferry::engine
