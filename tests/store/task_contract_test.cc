// Contract: TaskStore (see store/task_store.h): idempotent enqueue, selector matching, leases,
// heartbeats, expiry with a FakeClock, holder-only completion, concurrent claims.
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "store/limits.h"
#include "store_contract.h"

namespace ferry::store::testing {
namespace {

using std::chrono::seconds;

NewTask Task(std::string key, std::vector<std::string> selectors = {},
             std::string payload = R"({"fn":"api"})") {
  return NewTask{.kind = "lambda.deploy_function",
                 .payload_json = std::move(payload),
                 .selectors = std::move(selectors),
                 .idempotency_key = std::move(key)};
}

TaskLease LeaseOf(const TaskRecord& t) { return {t.id, *t.lease_owner, t.attempt}; }

TEST_P(StoreContractTest, EnqueueIsIdempotentPerKey) {
  auto first = store().tasks().Enqueue(Task("exec-1/deploy/api", {"region:eu-west-1"}));
  FERRY_ASSERT_OK(first);
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->task.status, TaskStatus::kQueued);
  EXPECT_EQ(first->task.attempt, 0);
  EXPECT_EQ(first->task.payload_json, R"({"fn":"api"})");
  EXPECT_EQ(first->task.created_at, clock_.Now());
  // Same content, reordered/duplicated selectors: the same task.
  auto again = store().tasks().Enqueue(
      Task("exec-1/deploy/api", {"region:eu-west-1", "region:eu-west-1"}, R"({ "fn" : "api" })"));
  FERRY_ASSERT_OK(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->task.id, first->task.id);
  // The same key for different work is a bug in the caller.
  auto clash = store().tasks().Enqueue(Task("exec-1/deploy/api", {}, R"({"fn":"other"})"));
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, ErrorCode::kConflict);
  EXPECT_EQ(store().tasks().List({})->size(), 1u);
}

TEST_P(StoreContractTest, EnqueueRejectsBadInput) {
  auto& tasks = store().tasks();
  EXPECT_EQ(tasks.Enqueue(Task("")).error().code, ErrorCode::kInvalidArgument);
  NewTask no_kind = Task("k");
  no_kind.kind = "";
  EXPECT_EQ(tasks.Enqueue(no_kind).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(tasks.Enqueue(Task("k", {""})).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(tasks.Enqueue(Task("k", {"bad\nselector"})).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(tasks.Enqueue(Task("k", {}, "[1,2]")).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(tasks.Enqueue(Task("k", {}, "{")).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(
      tasks.Enqueue(Task("k", {}, "{\"x\":\"" + std::string(kMaxDocumentBytes, 'x') + "\"}"))
          .error()
          .code,
      ErrorCode::kPayloadTooLarge);
  NewTask zero = Task("k");
  zero.max_attempts = 0;
  EXPECT_EQ(tasks.Enqueue(zero).error().code, ErrorCode::kInvalidArgument);
  NewTask orphan = Task("k");
  orphan.execution_id = "no-such-execution";
  EXPECT_EQ(tasks.Enqueue(orphan).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(tasks.List({})->empty());
  EXPECT_EQ(tasks.Get("missing").error().code, ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, ClaimMatchesSelectorsAsASubsetInFifoOrder) {
  auto& tasks = store().tasks();
  FERRY_ASSERT_OK(tasks.Enqueue(Task("a", {"account:1", "region:us-east-1"})));
  FERRY_ASSERT_OK(tasks.Enqueue(Task("b", {"account:1", "region:eu-west-1"})));
  FERRY_ASSERT_OK(tasks.Enqueue(Task("c", {})));
  FERRY_ASSERT_OK(tasks.Enqueue(Task("d", {"account:1", "region:eu-west-1"})));

  // A delegate in eu-west-1 never sees us-east-1 work; an unconstrained task goes to anyone.
  std::vector<std::string> eu = {"region:eu-west-1", "account:1", "extra"};
  std::vector<std::string> order;
  while (true) {
    auto claimed = tasks.ClaimNext("delegate-eu", eu, seconds(30));
    FERRY_ASSERT_OK(claimed);
    if (!claimed->has_value()) break;
    EXPECT_EQ((*claimed)->status, TaskStatus::kLeased);
    EXPECT_EQ((*claimed)->lease_owner, "delegate-eu");
    EXPECT_EQ((*claimed)->attempt, 1);
    EXPECT_EQ((*claimed)->lease_expires_at, clock_.Now() + seconds(30));
    order.push_back((*claimed)->idempotency_key);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"b", "c", "d"}));
  auto none = tasks.ClaimNext("delegate-nothing", {}, seconds(30));
  FERRY_ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  auto us = tasks.ClaimNext("delegate-us", {"account:1", "region:us-east-1"}, seconds(30));
  FERRY_ASSERT_OK(us);
  ASSERT_TRUE(us->has_value());
  EXPECT_EQ((*us)->idempotency_key, "a");
}

TEST_P(StoreContractTest, ClaimRejectsBadArguments) {
  auto& tasks = store().tasks();
  EXPECT_EQ(tasks.ClaimNext("", {}, seconds(30)).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(tasks.ClaimNext("d", {}, seconds(0)).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(tasks.ClaimNext("d", {}, std::chrono::hours(25)).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(tasks.ClaimNext("d", {"\x01"}, seconds(1)).error().code, ErrorCode::kInvalidArgument);
}

TEST_P(StoreContractTest, ExpiredLeaseIsReclaimedAndTheOldHolderLoses) {
  auto& tasks = store().tasks();
  FERRY_ASSERT_OK(tasks.Enqueue(Task("t")));
  auto first = tasks.ClaimNext("d1", {}, seconds(30));
  FERRY_ASSERT_OK(first);
  ASSERT_TRUE(first->has_value());
  TaskLease old_lease = LeaseOf(**first);

  clock_.Advance(seconds(29));
  auto nothing = tasks.ClaimNext("d2", {}, seconds(30));
  FERRY_ASSERT_OK(nothing);
  EXPECT_FALSE(nothing->has_value()) << "claimed before the lease expired";

  clock_.Advance(seconds(1));
  auto second = tasks.ClaimNext("d2", {}, seconds(30));
  FERRY_ASSERT_OK(second);
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->id, old_lease.task_id);
  EXPECT_EQ((*second)->attempt, 2);
  EXPECT_EQ((*second)->lease_owner, "d2");

  auto beat = tasks.Heartbeat(old_lease, seconds(30));
  ASSERT_FALSE(beat.ok());
  EXPECT_EQ(beat.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(beat.error().message.find("reclaimed"), std::string::npos) << beat.error().message;
  auto late = tasks.Complete(old_lease, {.succeeded = true});
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);

  auto done = tasks.Complete(LeaseOf(**second), {.succeeded = true, .result_json = R"({"v":"7"})"});
  FERRY_ASSERT_OK(done);
  EXPECT_EQ(done->status, TaskStatus::kSucceeded);
  EXPECT_EQ(done->result_json, R"({"v":"7"})");
  EXPECT_EQ(done->ended_at, clock_.Now());
  // Completing twice is refused too: the result is recorded once.
  EXPECT_EQ(tasks.Complete(LeaseOf(**second), {.succeeded = false}).error().code,
            ErrorCode::kFailedPrecondition);
}

TEST_P(StoreContractTest, SameDelegateReclaimingGetsANewAttempt) {
  auto& tasks = store().tasks();
  FERRY_ASSERT_OK(tasks.Enqueue(Task("t")));
  auto first = tasks.ClaimNext("d1", {}, seconds(10));
  FERRY_ASSERT_OK(first);
  clock_.Advance(seconds(11));
  auto second = tasks.ClaimNext("d1", {}, seconds(10));
  FERRY_ASSERT_OK(second);
  ASSERT_TRUE(second->has_value());
  // A stale worker of the same delegate (attempt 1) cannot complete attempt 2's work.
  EXPECT_EQ(tasks.Complete(LeaseOf(**first), {.succeeded = true}).error().code,
            ErrorCode::kFailedPrecondition);
  FERRY_EXPECT_OK(tasks.Complete(LeaseOf(**second), {.succeeded = true}));
}

TEST_P(StoreContractTest, HeartbeatExtendsTheLease) {
  auto& tasks = store().tasks();
  FERRY_ASSERT_OK(tasks.Enqueue(Task("t")));
  auto claimed = tasks.ClaimNext("d1", {}, seconds(30));
  FERRY_ASSERT_OK(claimed);
  TaskLease lease = LeaseOf(**claimed);
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(seconds(20));
    auto beat = tasks.Heartbeat(lease, seconds(30));
    FERRY_ASSERT_OK(beat);
    EXPECT_EQ(beat->lease_expires_at, clock_.Now() + seconds(30));
    EXPECT_EQ(beat->heartbeat_at, clock_.Now());
    auto other = tasks.ClaimNext("d2", {}, seconds(30));
    FERRY_ASSERT_OK(other);
    EXPECT_FALSE(other->has_value());
  }
  // A heartbeat after expiry is refused: the holder must stop, the task goes back to the queue.
  clock_.Advance(seconds(31));
  auto late = tasks.Heartbeat(lease, seconds(30));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(late.error().message.find("expired"), std::string::npos) << late.error().message;
}

TEST_P(StoreContractTest, CompletionJustAfterExpiryCountsWhenNobodyReclaimed) {
  auto& tasks = store().tasks();
  FERRY_ASSERT_OK(tasks.Enqueue(Task("t")));
  auto claimed = tasks.ClaimNext("d1", {}, seconds(30));
  FERRY_ASSERT_OK(claimed);
  clock_.Advance(seconds(45));
  auto done = tasks.Complete(LeaseOf(**claimed), {.succeeded = false, .error = "AccessDenied"});
  FERRY_ASSERT_OK(done);
  EXPECT_EQ(done->status, TaskStatus::kFailed);
  EXPECT_EQ(done->error, "AccessDenied");
  auto next = tasks.ClaimNext("d2", {}, seconds(30));
  FERRY_ASSERT_OK(next);
  EXPECT_FALSE(next->has_value());
}

TEST_P(StoreContractTest, LeaseExpiryOnTheLastAttemptFailsTheTask) {
  auto& tasks = store().tasks();
  ExecutionRecord e = CreateExecution();
  NewTask task = Task("t");
  task.max_attempts = 2;
  task.execution_id = e.id;
  FERRY_ASSERT_OK(tasks.Enqueue(task));
  for (int attempt = 1; attempt <= 2; ++attempt) {
    auto claimed = tasks.ClaimNext("d", {}, seconds(10));
    FERRY_ASSERT_OK(claimed);
    ASSERT_TRUE(claimed->has_value());
    EXPECT_EQ((*claimed)->attempt, attempt);
    clock_.Advance(seconds(11));
  }
  // Hold the execution's lease far in the future so only the task failure can wake it.
  FERRY_ASSERT_OK(store().executions().ClaimRunnable("engine", std::chrono::hours(1), 10));
  FERRY_ASSERT_OK(
      store().executions().ReleaseLease(e.id, "engine", clock_.Now() + std::chrono::hours(1)));
  auto none = tasks.ClaimNext("d", {}, seconds(10));
  FERRY_ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  auto listed = tasks.List({.execution_id = e.id});
  FERRY_ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].status, TaskStatus::kFailed);
  ASSERT_TRUE((*listed)[0].error.has_value());
  EXPECT_NE((*listed)[0].error->find("lease expired"), std::string::npos);
  auto runnable = store().executions().ClaimRunnable("engine", seconds(30), 10);
  FERRY_ASSERT_OK(runnable);
  ASSERT_EQ(runnable->size(), 1u) << "the failed task must wake its execution";
}

TEST_P(StoreContractTest, CancelStopsTheHolder) {
  auto& tasks = store().tasks();
  auto queued = tasks.Enqueue(Task("q"));
  FERRY_ASSERT_OK(queued);
  auto cancelled = tasks.Cancel(queued->task.id, "alice");
  FERRY_ASSERT_OK(cancelled);
  EXPECT_EQ(cancelled->status, TaskStatus::kCancelled);
  EXPECT_EQ(tasks.Cancel(queued->task.id, "alice").error().code, ErrorCode::kFailedPrecondition);

  EXPECT_TRUE(cancelled->ended_at.has_value()) << "nobody held it: stopped at once";
  EXPECT_TRUE(HasStopped(*cancelled, clock_.Now()));

  FERRY_ASSERT_OK(tasks.Enqueue(Task("l")));
  auto claimed = tasks.ClaimNext("d", {}, seconds(30));
  FERRY_ASSERT_OK(claimed);
  ASSERT_TRUE(claimed->has_value());
  auto held = tasks.Cancel((*claimed)->id, "bob");
  FERRY_ASSERT_OK(held);
  EXPECT_EQ(held->status, TaskStatus::kCancelled);
  EXPECT_FALSE(held->ended_at.has_value()) << "its delegate may still be working";
  EXPECT_FALSE(HasStopped(*held, clock_.Now()));
  auto beat = tasks.Heartbeat(LeaseOf(**claimed), seconds(30));
  ASSERT_FALSE(beat.ok());
  EXPECT_NE(beat.error().message.find("cancelled"), std::string::npos) << beat.error().message;
  // The holder stops and reports how far it got: kept, and the task stays cancelled.
  auto reported = tasks.Complete(LeaseOf(**claimed),
                                 {.succeeded = true, .result_json = R"({"done":1})"});
  FERRY_ASSERT_OK(reported);
  EXPECT_EQ(reported->status, TaskStatus::kCancelled);
  EXPECT_EQ(reported->result_json, R"({"done":1})");
  EXPECT_NE(reported->error.value_or("").find("cancelled by bob"), std::string::npos);
  EXPECT_TRUE(HasStopped(*reported, clock_.Now()));
  EXPECT_EQ(tasks.Complete(LeaseOf(**claimed), {.succeeded = true}).error().code,
            ErrorCode::kFailedPrecondition)
      << "once";
  EXPECT_EQ(tasks.Cancel("missing", "bob").error().code, ErrorCode::kNotFound);
}

// A holder that never reports: its cancelled task has stopped once the lease has run out (or
// was expired for a dead owner), and nobody can claim it again.
TEST_P(StoreContractTest, ACancelledTaskWhoseHolderVanishedStopsWithItsLease) {
  auto& tasks = store().tasks();
  FERRY_ASSERT_OK(tasks.Enqueue(Task("gone")));
  auto claimed = tasks.ClaimNext("dead-delegate", {}, seconds(30));
  FERRY_ASSERT_OK(claimed);
  ASSERT_TRUE(claimed->has_value());
  auto held = tasks.Cancel((*claimed)->id, "bob");
  FERRY_ASSERT_OK(held);
  EXPECT_FALSE(HasStopped(*held, clock_.Now()));
  EXPECT_TRUE(HasStopped(*held, clock_.Now() + seconds(31)));
  auto again = tasks.ClaimNext("other", {}, seconds(30));
  FERRY_ASSERT_OK(again);
  EXPECT_FALSE(again->has_value());
  auto expired = tasks.ExpireLeases("dead-");
  FERRY_ASSERT_OK(expired);
  EXPECT_EQ(*expired, 1);
  auto now = tasks.Get((*claimed)->id);
  FERRY_ASSERT_OK(now);
  EXPECT_TRUE(HasStopped(*now, clock_.Now()));
}

TEST_P(StoreContractTest, CompletionWakesTheExecution) {
  ExecutionRecord e = CreateExecution();
  auto& executions = store().executions();
  auto claimed = executions.ClaimRunnable("engine", seconds(60), 10);
  FERRY_ASSERT_OK(claimed);
  ASSERT_EQ(claimed->size(), 1u);
  NewTask task = Task("t");
  task.execution_id = e.id;
  task.step_index = 0;
  FERRY_ASSERT_OK(store().tasks().Enqueue(task));
  // The engine parks the execution for an hour: it waits on the task.
  FERRY_ASSERT_OK(executions.ReleaseLease(e.id, "engine", clock_.Now() + std::chrono::hours(1)));
  EXPECT_TRUE(executions.ClaimRunnable("engine", seconds(60), 10)->empty());
  auto leased = store().tasks().ClaimNext("d", {}, seconds(30));
  FERRY_ASSERT_OK(leased);
  FERRY_ASSERT_OK(store().tasks().Complete(LeaseOf(**leased), {.succeeded = true}));
  auto woken = executions.ClaimRunnable("engine", seconds(60), 10);
  FERRY_ASSERT_OK(woken);
  ASSERT_EQ(woken->size(), 1u);
  EXPECT_EQ((*woken)[0].id, e.id);
}

TEST_P(StoreContractTest, ConcurrentClaimsNeverDoubleClaim) {
  constexpr int kTasks = 120;
  constexpr int kThreads = 8;
  for (int i = 0; i < kTasks; ++i) {
    FERRY_ASSERT_OK(store().tasks().Enqueue(Task("task-" + std::to_string(i))));
  }
  // Half the threads go through a second Store on the same database: another connection set,
  // as a second server process would have.
  auto second = harness_->Open(clock_, ids_);
  FERRY_ASSERT_OK(second);
  std::mutex mu;
  std::map<std::string, std::string> owner_of;  // Guarded by mu.
  std::vector<std::string> errors;              // Guarded by mu.
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    Store& s = t % 2 == 0 ? store() : **second;
    threads.emplace_back([&, t, &s = s] {
      std::string me = "delegate-" + std::to_string(t);
      while (true) {
        auto claimed = s.tasks().ClaimNext(me, {}, std::chrono::minutes(10));
        std::lock_guard lock(mu);
        if (!claimed.ok()) {
          errors.push_back(claimed.error().ToString());
          return;
        }
        if (!claimed->has_value()) return;
        auto [it, inserted] = owner_of.emplace((*claimed)->id, me);
        if (!inserted) errors.push_back("double claim of " + (*claimed)->id);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(owner_of.size(), static_cast<size_t>(kTasks));
  auto leased = store().tasks().List({.status = TaskStatus::kLeased, .limit = 1000});
  FERRY_ASSERT_OK(leased);
  EXPECT_EQ(leased->size(), static_cast<size_t>(kTasks));
  for (const auto& task : *leased) EXPECT_EQ(task.attempt, 1);
}

}  // namespace
}  // namespace ferry::store::testing
