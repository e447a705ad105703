// Contract: ExecutionStore (see store/execution_store.h): creation with steps, listing,
// compare-and-set transitions, leases for replicas, atomic step transition + task enqueue.
#include <map>
#include <mutex>
#include <thread>

#include "store_contract.h"

namespace ferry::store::testing {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

TEST_P(StoreContractTest, CreateExecutionWithSteps) {
  ExecutionRecord e = CreateExecution();
  ASSERT_FALSE(e.id.empty());
  EXPECT_EQ(e.status, ExecutionStatus::kQueued);
  EXPECT_EQ(e.application, "shop");
  EXPECT_EQ(e.inputs_json, R"({"artifact":"v1"})");
  EXPECT_EQ(e.outputs_json, "{}");
  EXPECT_EQ(e.revision, 1);
  EXPECT_EQ(e.created_at, clock_.Now());
  EXPECT_EQ(e.wake_at, clock_.Now());
  EXPECT_FALSE(e.started_at.has_value());
  EXPECT_FALSE(e.lease_owner.has_value());

  auto got = store().executions().Get(e.id);
  FERRY_ASSERT_OK(got);
  EXPECT_EQ(got->workflow, "basic");
  auto steps = store().executions().Steps(e.id);
  FERRY_ASSERT_OK(steps);
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ((*steps)[0].index, 0);
  EXPECT_EQ((*steps)[0].name, "deploy");
  EXPECT_EQ((*steps)[0].kind, "lambda.deploy");
  EXPECT_EQ((*steps)[0].status, StepStatus::kPending);
  EXPECT_EQ((*steps)[0].state, "");
  EXPECT_EQ((*steps)[0].attempt, 0);
  EXPECT_EQ((*steps)[0].inputs_json, R"({"functions":["api"]})");
  EXPECT_EQ((*steps)[1].name, "verify");

  auto audit = store().audit().List({.subject_type = "execution", .subject_id = e.id});
  FERRY_ASSERT_OK(audit);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].action, "execution.create");
  EXPECT_EQ((*audit)[0].actor, "alice");
}

TEST_P(StoreContractTest, CreateExecutionIsIdempotentPerKey) {
  ExecutionRecord first = CreateExecution("webhook-delivery-42");
  NewExecution again{.application = "shop",
                     .service = "checkout",
                     .environment = "prod",
                     .workflow = "basic",
                     .trigger = "manual",
                     .actor = "alice",
                     .inputs_json = R"({ "artifact": "v1" })",
                     .idempotency_key = "webhook-delivery-42"};
  auto second = store().executions().Create(again);
  FERRY_ASSERT_OK(second);
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->execution.id, first.id);
  NewExecution elsewhere = again;
  elsewhere.environment = "dev";
  EXPECT_EQ(store().executions().Create(elsewhere).error().code, ErrorCode::kConflict);
  EXPECT_EQ(store().executions().List({})->size(), 1u);
}

TEST_P(StoreContractTest, CreateExecutionRejectsBadInput) {
  auto& executions = store().executions();
  NewExecution base{.application = "shop",
                    .service = "checkout",
                    .environment = "prod",
                    .workflow = "basic",
                    .trigger = "manual",
                    .actor = "alice"};
  NewExecution no_app = base;
  no_app.application = "";
  EXPECT_EQ(executions.Create(no_app).error().code, ErrorCode::kInvalidArgument);
  NewExecution dup = base;
  dup.steps = {{"a", "k", "{}"}, {"a", "k", "{}"}};
  EXPECT_EQ(executions.Create(dup).error().code, ErrorCode::kInvalidArgument);
  NewExecution bad_inputs = base;
  bad_inputs.inputs_json = "not json";
  EXPECT_EQ(executions.Create(bad_inputs).error().code, ErrorCode::kInvalidArgument);
  NewExecution missing_artifact = base;
  missing_artifact.artifact_id = "nope";
  EXPECT_EQ(executions.Create(missing_artifact).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(executions.List({})->empty());
  EXPECT_EQ(executions.Get("nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(executions.Steps("nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(executions.GetStep("nope", 0).error().code, ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, ListExecutionsNewestFirstWithFiltersAndPaging) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(CreateExecution().id);
    clock_.Advance(seconds(1));
  }
  auto& executions = store().executions();
  NewExecution other{.application = "other",
                     .service = "s",
                     .environment = "dev",
                     .workflow = "w",
                     .trigger = "cron",
                     .actor = "scheduler"};
  FERRY_ASSERT_OK(executions.Create(other));
  auto shop = executions.List({.application = "shop"});
  FERRY_ASSERT_OK(shop);
  ASSERT_EQ(shop->size(), 5u);
  EXPECT_EQ(shop->front().id, ids.back());
  auto page1 = executions.List({.application = "shop", .limit = 2});
  FERRY_ASSERT_OK(page1);
  ASSERT_EQ(page1->size(), 2u);
  auto page2 = executions.List({.application = "shop", .before_id = page1->back().id, .limit = 10});
  FERRY_ASSERT_OK(page2);
  ASSERT_EQ(page2->size(), 3u);
  EXPECT_EQ(page2->front().id, ids[2]);
  EXPECT_EQ(page2->back().id, ids[0]);
  EXPECT_EQ(executions.List({.environment = "dev"})->size(), 1u);
  EXPECT_EQ(executions.List({.status = ExecutionStatus::kRunning})->size(), 0u);
  EXPECT_EQ(executions.List({.limit = 0}).error().code, ErrorCode::kInvalidArgument);
  // An unknown cursor is kNotFound, not an empty page that reads as "no older executions".
  EXPECT_EQ(executions.List({.before_id = "01J0000000000000000000000X"}).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(executions.List({.before_id = std::string("a\nb")}).error().code,
            ErrorCode::kInvalidArgument);
}

TEST_P(StoreContractTest, TransitionIsCompareAndSet) {
  ExecutionRecord e = CreateExecution();
  auto& executions = store().executions();
  clock_.Advance(seconds(2));
  auto running = executions.Transition(
      {.id = e.id, .from = ExecutionStatus::kQueued, .to = ExecutionStatus::kRunning});
  FERRY_ASSERT_OK(running);
  EXPECT_EQ(running->status, ExecutionStatus::kRunning);
  EXPECT_EQ(running->revision, 2);
  EXPECT_EQ(running->started_at, clock_.Now());
  // A stale writer that still believes it is queued loses, and changes nothing.
  auto stale = executions.Transition(
      {.id = e.id, .from = ExecutionStatus::kQueued, .to = ExecutionStatus::kAborted});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(executions.Get(e.id)->status, ExecutionStatus::kRunning);

  clock_.Advance(seconds(3));
  auto done = executions.Transition({.id = e.id,
                                     .from = ExecutionStatus::kRunning,
                                     .to = ExecutionStatus::kSucceeded,
                                     .outputs_json = R"({"version": "7"})"});
  FERRY_ASSERT_OK(done);
  EXPECT_EQ(done->ended_at, clock_.Now());
  EXPECT_EQ(done->started_at, running->started_at);
  EXPECT_EQ(done->outputs_json, R"({"version":"7"})");
  EXPECT_EQ(
      executions
          .Transition(
              {.id = "nope", .from = ExecutionStatus::kQueued, .to = ExecutionStatus::kRunning})
          .error()
          .code,
      ErrorCode::kNotFound);

  auto audit = store().audit().List({.subject_type = "execution", .subject_id = e.id});
  FERRY_ASSERT_OK(audit);
  ASSERT_EQ(audit->size(), 3u);  // create, running, succeeded; the stale write left nothing
  EXPECT_EQ((*audit)[1].action, "execution.transition");
  EXPECT_EQ((*audit)[1].before_sha256, (*audit)[0].after_sha256);
  EXPECT_NE((*audit)[1].after_sha256, (*audit)[1].before_sha256);
}

TEST_P(StoreContractTest, ClaimRunnableLeasesEachExecutionToOneOwner) {
  ExecutionRecord a = CreateExecution();
  ExecutionRecord b = CreateExecution();
  auto& executions = store().executions();
  auto r1 = executions.ClaimRunnable("replica-1", seconds(30), 1);
  FERRY_ASSERT_OK(r1);
  ASSERT_EQ(r1->size(), 1u);
  EXPECT_EQ((*r1)[0].lease_owner, "replica-1");
  EXPECT_EQ((*r1)[0].lease_expires_at, clock_.Now() + seconds(30));
  auto r2 = executions.ClaimRunnable("replica-2", seconds(30), 10);
  FERRY_ASSERT_OK(r2);
  ASSERT_EQ(r2->size(), 1u);
  EXPECT_NE((*r2)[0].id, (*r1)[0].id);
  EXPECT_TRUE(executions.ClaimRunnable("replica-3", seconds(30), 10)->empty());

  // Only the holder may renew or transition under its lease.
  std::string held = (*r1)[0].id;
  EXPECT_EQ(executions.RenewLease(held, "replica-2", seconds(30)).error().code,
            ErrorCode::kFailedPrecondition);
  auto wrong = executions.Transition({.id = held,
                                      .from = ExecutionStatus::kQueued,
                                      .to = ExecutionStatus::kRunning,
                                      .lease_owner = "replica-2"});
  EXPECT_EQ(wrong.error().code, ErrorCode::kFailedPrecondition);
  FERRY_ASSERT_OK(executions.Transition({.id = held,
                                         .from = ExecutionStatus::kQueued,
                                         .to = ExecutionStatus::kRunning,
                                         .lease_owner = "replica-1"}));
  clock_.Advance(seconds(20));
  FERRY_ASSERT_OK(executions.RenewLease(held, "replica-1", seconds(30)));
  clock_.Advance(seconds(20));
  // replica-1 renewed, replica-2 did not: only replica-2's execution is up for grabs.
  auto r3 = executions.ClaimRunnable("replica-3", seconds(30), 10);
  FERRY_ASSERT_OK(r3);
  ASSERT_EQ(r3->size(), 1u);
  EXPECT_EQ((*r3)[0].id, (*r2)[0].id);
  EXPECT_EQ(executions.RenewLease((*r2)[0].id, "replica-2", seconds(30)).error().code,
            ErrorCode::kFailedPrecondition);
  (void)a;
  (void)b;
}

TEST_P(StoreContractTest, ReleaseLeaseSchedulesTheNextWakeUp) {
  ExecutionRecord e = CreateExecution();
  auto& executions = store().executions();
  FERRY_ASSERT_OK(executions.ClaimRunnable("r", seconds(30), 10));
  EXPECT_EQ(executions.ReleaseLease(e.id, "other", std::nullopt).error().code,
            ErrorCode::kFailedPrecondition);
  FERRY_ASSERT_OK(executions.ReleaseLease(e.id, "r", clock_.Now() + seconds(60)));
  auto released = executions.Get(e.id);
  FERRY_ASSERT_OK(released);
  EXPECT_FALSE(released->lease_owner.has_value());
  EXPECT_EQ(released->wake_at, clock_.Now() + seconds(60));
  EXPECT_TRUE(executions.ClaimRunnable("r", seconds(30), 10)->empty());
  clock_.Advance(seconds(60));
  EXPECT_EQ(executions.ClaimRunnable("r", seconds(30), 10)->size(), 1u);
}

TEST_P(StoreContractTest, AWakeDuringTheLeaseIsNotLostOnRelease) {
  ExecutionRecord e = CreateExecution();
  auto& executions = store().executions();
  FERRY_ASSERT_OK(executions.ClaimRunnable("r", seconds(30), 10));
  // An approval arrives while the engine is still working on the execution...
  FERRY_ASSERT_OK(executions.Wake(e.id));
  // ...and the engine, unaware, parks it for an hour.
  FERRY_ASSERT_OK(executions.ReleaseLease(e.id, "r", clock_.Now() + hours(1)));
  EXPECT_EQ(executions.ClaimRunnable("r", seconds(30), 10)->size(), 1u);
  EXPECT_EQ(executions.Wake("nope").error().code, ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, TerminalExecutionsAreNeverClaimedAndLoseTheirLease) {
  ExecutionRecord e = CreateExecution();
  auto& executions = store().executions();
  FERRY_ASSERT_OK(executions.ClaimRunnable("r", seconds(30), 10));
  auto failed = executions.Transition({.id = e.id,
                                       .from = ExecutionStatus::kQueued,
                                       .to = ExecutionStatus::kFailed,
                                       .lease_owner = "r",
                                       .error = "boom"});
  FERRY_ASSERT_OK(failed);
  EXPECT_FALSE(failed->lease_owner.has_value());
  EXPECT_EQ(failed->error, "boom");
  clock_.Advance(hours(1));
  FERRY_ASSERT_OK(executions.Wake(e.id));
  EXPECT_TRUE(executions.ClaimRunnable("r", seconds(30), 10)->empty());
  EXPECT_EQ(executions.AppendSteps(e.id, {{"late", "k", "{}"}}).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(executions.RequestAbort(e.id, "alice").error().code, ErrorCode::kFailedPrecondition);
}

TEST_P(StoreContractTest, ConcurrentExecutionClaimsNeverOverlap) {
  constexpr int kExecutions = 40;
  for (int i = 0; i < kExecutions; ++i) CreateExecution();
  auto second = harness_->Open(clock_, ids_);
  FERRY_ASSERT_OK(second);
  std::mutex mu;
  std::map<std::string, int> claims;  // Guarded by mu.
  std::vector<std::string> errors;    // Guarded by mu.
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    Store& s = t % 2 == 0 ? store() : **second;
    threads.emplace_back([&, t, &s = s] {
      while (true) {
        auto got = s.executions().ClaimRunnable("replica-" + std::to_string(t), hours(1), 3);
        std::lock_guard lock(mu);
        if (!got.ok()) {
          errors.push_back(got.error().ToString());
          return;
        }
        if (got->empty()) return;
        for (const auto& e : *got) ++claims[e.id];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(claims.size(), static_cast<size_t>(kExecutions));
  for (const auto& [id, n] : claims) EXPECT_EQ(n, 1) << id;
}

TEST_P(StoreContractTest, StaleStepTransitionLoses) {
  ExecutionRecord e = CreateExecution();
  auto& executions = store().executions();
  auto step = executions.GetStep(e.id, 0);
  FERRY_ASSERT_OK(step);
  clock_.Advance(seconds(1));
  StepTransition start{.execution_id = e.id,
                       .index = 0,
                       .from_status = StepStatus::kPending,
                       .from_state = "",
                       .to_status = StepStatus::kRunning,
                       .to_state = "snapshot",
                       .expected_revision = step->revision,
                       .new_attempt = true};
  auto first = executions.TransitionStep(start);
  FERRY_ASSERT_OK(first);
  EXPECT_EQ(first->step.status, StepStatus::kRunning);
  EXPECT_EQ(first->step.state, "snapshot");
  EXPECT_EQ(first->step.attempt, 1);
  EXPECT_EQ(first->step.revision, step->revision + 1);
  EXPECT_EQ(first->step.started_at, clock_.Now());
  EXPECT_FALSE(first->task.has_value());
  // A second writer that read the same pending step loses.
  auto second = executions.TransitionStep(start);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(second.error().message.find("another writer"), std::string::npos);
  // Same status and state but an older revision (ABA) also loses.
  auto publish = executions.TransitionStep({.execution_id = e.id,
                                            .index = 0,
                                            .from_status = StepStatus::kRunning,
                                            .from_state = "snapshot",
                                            .to_status = StepStatus::kRunning,
                                            .to_state = "snapshot",
                                            .expected_revision = step->revision});
  EXPECT_EQ(publish.error().code, ErrorCode::kFailedPrecondition);
  auto reread = executions.GetStep(e.id, 0);
  FERRY_ASSERT_OK(reread);
  EXPECT_EQ(reread->revision, first->step.revision);
  EXPECT_EQ(reread->attempt, 1);

  clock_.Advance(seconds(4));
  auto done = executions.TransitionStep({.execution_id = e.id,
                                         .index = 0,
                                         .from_status = StepStatus::kRunning,
                                         .from_state = "snapshot",
                                         .to_status = StepStatus::kSucceeded,
                                         .to_state = "done",
                                         .outputs_json = R"({"version":"3"})"});
  FERRY_ASSERT_OK(done);
  EXPECT_EQ(done->step.ended_at, clock_.Now());
  EXPECT_EQ(done->step.outputs_json, R"({"version":"3"})");
  EXPECT_EQ(executions
                .TransitionStep({.execution_id = e.id,
                                 .index = 9,
                                 .from_status = StepStatus::kPending,
                                 .to_status = StepStatus::kRunning})
                .error()
                .code,
            ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, StepTransitionAndTaskEnqueueCommitTogether) {
  ExecutionRecord e = CreateExecution();
  auto& executions = store().executions();
  NewTask task{.kind = "lambda.deploy_function",
               .payload_json = R"({"fn":"api"})",
               .selectors = {"region:eu-west-1"},
               .idempotency_key = e.id + "/0/1/api"};
  auto moved = executions.TransitionStep({.execution_id = e.id,
                                          .index = 0,
                                          .from_status = StepStatus::kPending,
                                          .from_state = "",
                                          .to_status = StepStatus::kWaiting,
                                          .to_state = "deploying",
                                          .new_attempt = true,
                                          .enqueue = task});
  FERRY_ASSERT_OK(moved);
  ASSERT_TRUE(moved->task.has_value());
  EXPECT_EQ(moved->task->execution_id, e.id);
  EXPECT_EQ(moved->task->step_index, 0);
  EXPECT_EQ(moved->task->status, TaskStatus::kQueued);

  // A conflicting enqueue (same key, other payload) rolls the step transition back too.
  NewTask clash = task;
  clash.payload_json = R"({"fn":"other"})";
  auto failed = executions.TransitionStep({.execution_id = e.id,
                                           .index = 0,
                                           .from_status = StepStatus::kWaiting,
                                           .from_state = "deploying",
                                           .to_status = StepStatus::kWaiting,
                                           .to_state = "deploying-again",
                                           .enqueue = clash});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kConflict);
  auto step = executions.GetStep(e.id, 0);
  FERRY_ASSERT_OK(step);
  EXPECT_EQ(step->state, "deploying");
  EXPECT_EQ(store().tasks().List({.execution_id = e.id})->size(), 1u);
}

TEST_P(StoreContractTest, StepTransitionsNeedTheLeaseWhenNamed) {
  ExecutionRecord e = CreateExecution();
  auto& executions = store().executions();
  FERRY_ASSERT_OK(executions.ClaimRunnable("r1", seconds(30), 10));
  StepTransition t{.execution_id = e.id,
                   .index = 1,
                   .from_status = StepStatus::kPending,
                   .to_status = StepStatus::kSkipped,
                   .lease_owner = "r2"};
  EXPECT_EQ(executions.TransitionStep(t).error().code, ErrorCode::kFailedPrecondition);
  t.lease_owner = "r1";
  FERRY_ASSERT_OK(executions.TransitionStep(t));
  clock_.Advance(seconds(31));
  t.from_status = StepStatus::kSkipped;
  EXPECT_EQ(executions.TransitionStep(t).error().code, ErrorCode::kFailedPrecondition)
      << "an expired lease must not let the old holder write";
}

TEST_P(StoreContractTest, AppendStepsAndRequestAbort) {
  ExecutionRecord e = CreateExecution();
  auto& executions = store().executions();
  auto appended = executions.AppendSteps(e.id, {{"rollback", "lambda.rollback", "{}"}});
  FERRY_ASSERT_OK(appended);
  ASSERT_EQ(appended->size(), 1u);
  EXPECT_EQ((*appended)[0].index, 2);
  EXPECT_EQ(executions.AppendSteps(e.id, {{"deploy", "k", "{}"}}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(executions.Steps(e.id)->size(), 3u);

  FERRY_ASSERT_OK(executions.ClaimRunnable("r", seconds(30), 10));
  FERRY_ASSERT_OK(executions.ReleaseLease(e.id, "r", clock_.Now() + hours(1)));
  auto aborting = executions.RequestAbort(e.id, "bob");
  FERRY_ASSERT_OK(aborting);
  EXPECT_EQ(aborting->abort_requested_by, "bob");
  EXPECT_EQ(aborting->status, ExecutionStatus::kQueued);  // the engine carries it out
  auto again = executions.RequestAbort(e.id, "carol");
  FERRY_ASSERT_OK(again);
  EXPECT_EQ(again->abort_requested_by, "bob");
  EXPECT_EQ(executions.ClaimRunnable("r", seconds(30), 10)->size(), 1u) << "abort wakes it";
  auto audit = store().audit().List({.actor = "bob"});
  FERRY_ASSERT_OK(audit);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].action, "execution.abort_request");
}

TEST_P(StoreContractTest, AVersionChangesWithEveryChangeAReaderCanSee) {
  ExecutionRecord e = CreateExecution();
  auto& executions = store().executions();
  auto version = [&] {
    auto v = executions.Version(e.id);
    EXPECT_TRUE(v.ok()) << v.error().ToString();
    // The cheap read agrees with the version of the full records.
    EXPECT_EQ(*v, VersionOf(*executions.Get(e.id), *executions.Steps(e.id)));
    return *v;
  };
  const ExecutionVersion created = version();
  EXPECT_EQ(created.revision, 1);
  EXPECT_EQ(created.steps, 2);
  EXPECT_EQ(version(), created) << "reading changes nothing";

  FERRY_ASSERT_OK(executions.Transition(
      {.id = e.id, .from = ExecutionStatus::kQueued, .to = ExecutionStatus::kRunning}));
  const ExecutionVersion running = version();
  EXPECT_NE(running, created);
  auto step = executions.GetStep(e.id, 0);
  FERRY_ASSERT_OK(step);
  FERRY_ASSERT_OK(executions.TransitionStep({.execution_id = e.id,
                                             .index = 0,
                                             .from_status = StepStatus::kPending,
                                             .from_state = "",
                                             .to_status = StepStatus::kRunning,
                                             .to_state = "snapshot",
                                             .outputs_json = R"({"snapshots":[]})"}));
  const ExecutionVersion stepped = version();
  EXPECT_NE(stepped, running);
  EXPECT_EQ(stepped.revision, running.revision) << "a step's change is the step's revision";
  FERRY_ASSERT_OK(executions.AppendSteps(e.id, {{"rollback", "lambda.rollback", "{}"}}));
  const ExecutionVersion appended = version();
  EXPECT_EQ(appended.steps, 3);
  EXPECT_NE(appended, stepped);

  EXPECT_EQ(executions.Version("01J0000000000000000000000X").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(executions.Version("a\nb").error().code, ErrorCode::kInvalidArgument);
}

TEST_P(StoreContractTest, ListsCarryNoPayloadsAndCountsGoByStatus) {
  ExecutionRecord a = CreateExecution();
  ExecutionRecord b = CreateExecution();
  auto& executions = store().executions();
  FERRY_ASSERT_OK(executions.Transition({.id = a.id,
                                         .from = ExecutionStatus::kQueued,
                                         .to = ExecutionStatus::kSucceeded,
                                         .outputs_json = R"({"version":"7"})"}));
  auto list = executions.List({});
  FERRY_ASSERT_OK(list);
  ASSERT_EQ(list->size(), 2u);
  for (const ExecutionRecord& e : *list) {
    EXPECT_EQ(e.inputs_json, "{}");
    EXPECT_EQ(e.outputs_json, "{}");
  }
  EXPECT_EQ(executions.Get(a.id)->outputs_json, R"({"version":"7"})");
  EXPECT_EQ(executions.Get(b.id)->inputs_json, R"({"artifact":"v1"})");

  auto counts = executions.CountByStatus();
  FERRY_ASSERT_OK(counts);
  EXPECT_EQ(*counts, (std::map<ExecutionStatus, int64_t>{{ExecutionStatus::kQueued, 1},
                                                          {ExecutionStatus::kSucceeded, 1}}));
}

TEST_P(StoreContractTest, StatusNamesRoundTrip) {
  for (auto s : {ExecutionStatus::kQueued, ExecutionStatus::kRunning, ExecutionStatus::kWaiting,
                 ExecutionStatus::kAborting, ExecutionStatus::kRollingBack,
                 ExecutionStatus::kSucceeded, ExecutionStatus::kFailed, ExecutionStatus::kAborted,
                 ExecutionStatus::kRolledBack, ExecutionStatus::kRollbackFailed}) {
    EXPECT_EQ(ParseExecutionStatus(ExecutionStatusName(s)), s);
  }
  for (auto s :
       {StepStatus::kPending, StepStatus::kRunning, StepStatus::kWaiting, StepStatus::kSucceeded,
        StepStatus::kFailed, StepStatus::kSkipped, StepStatus::kCancelled}) {
    EXPECT_EQ(ParseStepStatus(StepStatusName(s)), s);
  }
  EXPECT_EQ(ExecutionStatusName(ExecutionStatus::kRolledBack), "rolled_back");
  EXPECT_FALSE(ParseExecutionStatus("bogus").has_value());
  EXPECT_TRUE(IsTerminal(ExecutionStatus::kRollbackFailed));
  EXPECT_FALSE(IsTerminal(ExecutionStatus::kRollingBack));
}

}  // namespace
}  // namespace ferry::store::testing
