// Contract: ExpireLeases of ExecutionStore and TaskStore (crash takeover by a server that holds
// the data directory's lock): prefix matching, other owners and ended rows untouched, and the
// claim that follows takes the work at once (a task as attempt + 1).
#include "store_contract.h"

namespace ferry::store::testing {
namespace {

using std::chrono::seconds;

NewTask Task(std::string key) {
  return NewTask{.kind = "lambda.deploy_function",
                 .payload_json = R"({"fn":"api"})",
                 .idempotency_key = std::move(key)};
}

TEST_P(StoreContractTest, ExpireLeasesOfExecutionsMatchesOnlyThePrefix) {
  auto& executions = store().executions();
  ExecutionRecord dead = CreateExecution();
  ExecutionRecord other = CreateExecution();
  ExecutionRecord ended = CreateExecution();
  ASSERT_EQ(executions.ClaimRunnable("server-h-1-a", seconds(30), 1)->size(), 1u);
  ASSERT_EQ(executions.ClaimRunnable("replica-server-h", seconds(30), 1)->size(), 1u);
  ASSERT_EQ(executions.ClaimRunnable("server-h-1-a", seconds(30), 1)->size(), 1u);
  FERRY_ASSERT_OK(executions.Transition({.id = ended.id,
                                         .from = ExecutionStatus::kQueued,
                                         .to = ExecutionStatus::kFailed,
                                         .lease_owner = "server-h-1-a",
                                         .error = "boom"}));
  EXPECT_TRUE(executions.ClaimRunnable("server-h-2-b", seconds(30), 10)->empty());

  auto expired = executions.ExpireLeases("server-");
  FERRY_ASSERT_OK(expired);
  EXPECT_EQ(*expired, 1);  // not the other owner's, not the ended one
  auto claimed = executions.ClaimRunnable("server-h-2-b", seconds(30), 10);
  FERRY_ASSERT_OK(claimed);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].id, dead.id);
  EXPECT_EQ(executions.Get(other.id)->lease_owner, "replica-server-h");
  auto still_ended = executions.Get(ended.id);
  EXPECT_EQ(still_ended->status, ExecutionStatus::kFailed);
  EXPECT_FALSE(still_ended->lease_owner.has_value());
}

TEST_P(StoreContractTest, ExpireLeasesTreatsWildcardsLiterallyAndRejectsEmpty) {
  auto& executions = store().executions();
  CreateExecution();
  ASSERT_EQ(executions.ClaimRunnable("serverX1", seconds(30), 1)->size(), 1u);
  EXPECT_EQ(*executions.ExpireLeases("server_"), 0);
  EXPECT_EQ(*executions.ExpireLeases("%"), 0);
  EXPECT_EQ(executions.ExpireLeases("").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store().tasks().ExpireLeases("").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store().tasks().ExpireLeases("bad\nprefix").error().code, ErrorCode::kInvalidArgument);
}

TEST_P(StoreContractTest, ExpireLeasesOfTasksLetsTheNextClaimTakeThemAsTheNextAttempt) {
  auto& tasks = store().tasks();
  FERRY_ASSERT_OK(tasks.Enqueue(Task("a")));
  FERRY_ASSERT_OK(tasks.Enqueue(Task("b")));
  FERRY_ASSERT_OK(tasks.Enqueue(Task("c")));
  auto dead = tasks.ClaimNext("embedded-server-h-1-a", {}, seconds(30));
  auto remote = tasks.ClaimNext("remote-delegate", {}, seconds(30));
  auto done = tasks.ClaimNext("embedded-server-h-1-a", {}, seconds(30));
  ASSERT_TRUE(dead.ok() && *dead && remote.ok() && *remote && done.ok() && *done);
  FERRY_ASSERT_OK(tasks.Complete({(*done)->id, *(*done)->lease_owner, (*done)->attempt},
                                 TaskOutcome{.succeeded = true, .result_json = "{}"}));
  EXPECT_FALSE(*tasks.ClaimNext("embedded-server-h-2-b", {}, seconds(30)));

  auto expired = tasks.ExpireLeases("embedded-server-");
  FERRY_ASSERT_OK(expired);
  EXPECT_EQ(*expired, 1);
  auto next = tasks.ClaimNext("embedded-server-h-2-b", {}, seconds(30));
  FERRY_ASSERT_OK(next);
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ((*next)->id, (*dead)->id);
  EXPECT_EQ((*next)->attempt, (*dead)->attempt + 1);
  EXPECT_EQ(tasks.Get((*remote)->id)->lease_owner, "remote-delegate");
  EXPECT_EQ(tasks.Get((*done)->id)->status, TaskStatus::kSucceeded);
  EXPECT_FALSE(*tasks.ClaimNext("embedded-server-h-2-b", {}, seconds(30)));
}

}  // namespace
}  // namespace ferry::store::testing
