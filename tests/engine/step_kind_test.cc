// The step-kind registry and the engine core's contract with kinds: throwaway kinds added through
// the registry alone run in executions; an in-engine wait survives a restart with the time it has
// left; timeouts, aborts and the failure strategies (rollback → rollback_failed, abort, ignore)
// apply to any kind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/json.h"
#include "common/time.h"
#include "engine/engine_fixture.h"

namespace ferry::engine {
namespace {

using store::ExecutionStatus;
using store::StepStatus;
using testing::DeployRequest;
using testing::EngineTest;
using ::testing::HasSubstr;

// Succeeds at once, its outputs its inputs.
class EchoStep final : public StepKind {
 public:
  Status Validate(std::string_view inputs) const override {
    auto parsed = ParseJson(inputs);
    if (!parsed.ok() || !parsed->is_object()) {
      return Error{ErrorCode::kInvalidArgument, "echo takes an object"};
    }
    return Ok();
  }
  Result<StepMove> Start(const StepContext& ctx) override {
    return StepMove::Succeed(ctx.step.inputs_json);
  }
};

// Fails at once (critical unless told otherwise).
class FailStep final : public StepKind {
 public:
  explicit FailStep(bool critical = true) : critical_(critical) {}
  Status Validate(std::string_view) const override { return Ok(); }
  Result<StepMove> Start(const StepContext&) override { return StepMove::Fail("it had to"); }
  bool Critical() const override { return critical_; }

 private:
  const bool critical_;
};

// Waits inside the engine for {"seconds": N}, its deadline kept in its outputs so that a
// restarted engine waits only for what is left.
class BakeStep final : public StepKind {
 public:
  Status Validate(std::string_view inputs) const override {
    auto parsed = ParseJson(inputs);
    if (!parsed.ok() || !parsed->is_object() || !parsed->contains("seconds")) {
      return Error{ErrorCode::kInvalidArgument, "bake needs seconds"};
    }
    return Ok();
  }
  Result<StepMove> Start(const StepContext& ctx) override {
    const int64_t seconds = ParseJson(ctx.step.inputs_json)->value("seconds", 0);
    const TimePoint until = ctx.clock.Now() + std::chrono::seconds(seconds);
    return StepMove::Wait("baking", until, DumpJson(Json{{"untilMs", ToUnixMillis(until)}}));
  }
  Result<StepMove> OnWake(const StepContext& ctx) override {
    ++wakes;
    const TimePoint until = FromUnixMillis(ParseJson(ctx.step.outputs_json)->value("untilMs", 0));
    if (ctx.clock.Now() >= until) return StepMove::Succeed(std::nullopt, "baked");
    return StepMove::Wait("baking", until);
  }
  int wakes = 0;
};

class StepKindTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    ASSERT_TRUE(steps_.Register("test.echo", std::make_unique<EchoStep>()).ok());
    ASSERT_TRUE(steps_.Register("test.fail", std::make_unique<FailStep>()).ok());
    ASSERT_TRUE(steps_.Register("test.optional-fail", std::make_unique<FailStep>(false)).ok());
    auto bake = std::make_unique<BakeStep>();
    bake_ = bake.get();
    ASSERT_TRUE(steps_.Register("test.bake", std::move(bake)).ok());
  }

  static ExecutionSpec Spec(std::vector<StepSpec> steps,
                            FailureStrategy strategy = FailureStrategy::kRollback) {
    ExecutionSpec spec;
    spec.application = "shop";
    spec.service = "orders";
    spec.environment = "dev";
    spec.actor = "alice";
    spec.failure_strategy = strategy;
    spec.steps = std::move(steps);
    return spec;
  }

  // A deploy of both test functions as its first step, then `more`.
  ExecutionSpec DeployThen(const std::string& sha, std::vector<StepSpec> more,
                           FailureStrategy strategy = FailureStrategy::kRollback) {
    DeployRequest r = Request(sha);
    r.keep_versions = 0;
    r.failure_strategy = strategy;
    ExecutionSpec spec = SpecOf(r);
    for (auto& s : more) spec.steps.push_back(std::move(s));
    return spec;
  }

  std::vector<store::StepRecord> StepsOf(const std::string& id) {
    auto steps = store_->executions().Steps(id);
    EXPECT_TRUE(steps.ok());
    return steps.ok() ? *steps : std::vector<store::StepRecord>{};
  }

  BakeStep* bake_ = nullptr;
};

TEST_F(StepKindTest, AKindAddedThroughTheRegistryAloneRuns) {
  auto e = engine_->Start(Spec({{"say", "test.echo", R"({"hello":"world"})", {}}}));
  ASSERT_TRUE(e.ok()) << e.error().message;
  auto done = Drive(e->id);
  EXPECT_EQ(done.status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(ParseJson(done.outputs_json)->at("say").at("hello"), "world");
  EXPECT_EQ(steps_.Register("test.echo", std::make_unique<EchoStep>()).error().code,
            ErrorCode::kConflict);
}

TEST_F(StepKindTest, UnknownKindsAndInvalidInputsAreRefusedWhenTheExecutionIsCreated) {
  auto unknown = engine_->Start(Spec({{"x", "test.nope", "{}", {}}}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(unknown.error().message, HasSubstr("\"test.nope\""));
  auto invalid = engine_->Start(Spec({{"bake", "test.bake", "{}", {}}}));
  ASSERT_FALSE(invalid.ok());
  EXPECT_THAT(invalid.error().message, HasSubstr("step bake: bake needs seconds"));
}

// A 10-minute bake: the execution waits (status waiting), the engine asks to be woken at its end,
// and an engine that restarts 4 minutes in waits the 6 that are left, not 10 more.
TEST_F(StepKindTest, AnInEngineWaitSurvivesARestartWithTheTimeItHasLeft) {
  auto e = engine_->Start(Spec({{"bake", "test.bake", R"({"seconds":600})", {}},
                                {"after", "test.echo", "{}", {}}}));
  ASSERT_TRUE(e.ok()) << e.error().message;
  const TimePoint start = clock_.Now();
  ASSERT_TRUE(engine_->RunOnce().ok());
  EXPECT_EQ(store_->executions().Get(e->id)->status, ExecutionStatus::kWaiting);
  EXPECT_EQ(StepsOf(e->id)[0].status, StepStatus::kWaiting);
  auto wake = engine_->TakeNextWake();
  ASSERT_TRUE(wake.has_value());
  EXPECT_EQ(*wake, start + std::chrono::minutes(10)) << "woken at the bake's end, not polled";

  clock_.Advance(std::chrono::minutes(4));
  engine_.reset();  // the server is killed; a new one starts on the same data
  Open();
  clock_.Advance(std::chrono::seconds(31));  // the dead engine's lease would have expired
  EXPECT_EQ(store_->executions().Get(e->id)->wake_at, start + std::chrono::minutes(10))
      << "the timer is in the store";
  ASSERT_TRUE(engine_->RunOnce().ok());
  EXPECT_EQ(*engine_->RunOnce(), 0) << "nothing to do before the bake's end";
  EXPECT_EQ(store_->executions().Get(e->id)->status, ExecutionStatus::kWaiting);

  clock_.Advance(std::chrono::minutes(6));
  auto done = Drive(e->id);
  EXPECT_EQ(done.status, ExecutionStatus::kSucceeded);
  EXPECT_GE(clock_.Now() - start, std::chrono::minutes(10));
  EXPECT_LT(clock_.Now() - start, std::chrono::minutes(11)) << "no second full bake";
}

TEST_F(StepKindTest, AWaitPastItsStepTimeoutFails) {
  auto e = engine_->Start(
      Spec({{"bake", "test.bake", R"({"seconds":600})", std::chrono::minutes(2)}},
           FailureStrategy::kAbort));
  ASSERT_TRUE(e.ok()) << e.error().message;
  auto done = Drive(e->id);
  EXPECT_EQ(done.status, ExecutionStatus::kFailed);
  EXPECT_THAT(done.error.value_or(""), HasSubstr("timed out after 2m"));
}

// An abort while a step waits inside the engine: nothing runs, so nothing is waited for; the
// deploy before it is rolled back.
TEST_F(StepKindTest, AnAbortDuringAWaitRollsBackTheStepsBeforeIt) {
  ASSERT_EQ(Drive(StartDeploy(Request("SHA-1"))->id).status, ExecutionStatus::kSucceeded);
  auto e = engine_->Start(DeployThen("SHA-2", {{"bake", "test.bake", R"({"seconds":600})", {}}}));
  ASSERT_TRUE(e.ok()) << e.error().message;
  for (int i = 0; i < 10 && store_->executions().Get(e->id)->status != ExecutionStatus::kWaiting;
       ++i) {
    ASSERT_TRUE(engine_->RunOnce().ok());
    ASSERT_TRUE(agent_->RunOne().ok());
  }
  ASSERT_EQ(store_->executions().Get(e->id)->status, ExecutionStatus::kWaiting);
  ASSERT_EQ(Alias("orders-api", "dev"), "2");
  ASSERT_TRUE(store_->executions().RequestAbort(e->id, "carol").ok());
  auto done = Drive(e->id);
  EXPECT_EQ(done.status, ExecutionStatus::kAborted);
  EXPECT_EQ(StepsOf(e->id)[1].status, StepStatus::kCancelled);
  EXPECT_EQ(Alias("orders-api", "dev"), "1");
  EXPECT_EQ(Alias("orders-worker", "dev"), "1");
}

// Under the abort strategy an abort ends the execution where it is: nothing is undone.
TEST_F(StepKindTest, AnAbortUnderTheAbortStrategyUndoesNothing) {
  ASSERT_EQ(Drive(StartDeploy(Request("SHA-1"))->id).status, ExecutionStatus::kSucceeded);
  auto e = engine_->Start(DeployThen("SHA-2", {{"bake", "test.bake", R"({"seconds":600})", {}}},
                                     FailureStrategy::kAbort));
  ASSERT_TRUE(e.ok()) << e.error().message;
  for (int i = 0; i < 10 && store_->executions().Get(e->id)->status != ExecutionStatus::kWaiting;
       ++i) {
    ASSERT_TRUE(engine_->RunOnce().ok());
    ASSERT_TRUE(agent_->RunOne().ok());
  }
  ASSERT_TRUE(store_->executions().RequestAbort(e->id, "carol").ok());
  auto done = Drive(e->id);
  EXPECT_EQ(done.status, ExecutionStatus::kAborted);
  EXPECT_EQ(LastLogLine(e->id), "aborted by carol");
  EXPECT_EQ(Alias("orders-api", "dev"), "2") << "left as it was";
}

// The ignore strategy records a failure and carries on.
TEST_F(StepKindTest, TheIgnoreStrategyRunsTheNextStepAfterAFailure) {
  auto e = engine_->Start(Spec({{"first", "test.fail", "{}", {}},
                                {"then", "test.echo", R"({"ran":true})", {}}},
                               FailureStrategy::kIgnore));
  ASSERT_TRUE(e.ok()) << e.error().message;
  auto done = Drive(e->id);
  EXPECT_EQ(done.status, ExecutionStatus::kSucceeded);
  auto steps = StepsOf(e->id);
  EXPECT_EQ(steps[0].status, StepStatus::kFailed);
  EXPECT_EQ(steps[0].error.value_or(""), "it had to");
  EXPECT_EQ(steps[1].status, StepStatus::kSucceeded);
}

// A failure of a kind that is not critical (like pruning) never fails the execution.
TEST_F(StepKindTest, ANonCriticalFailureDoesNotFailTheExecution) {
  auto e = engine_->Start(Spec({{"tidy", "test.optional-fail", "{}", {}},
                                {"then", "test.echo", "{}", {}}}));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(Drive(e->id).status, ExecutionStatus::kSucceeded);
}

// A step after a deploy fails; the deploy's undo (a lambda.rollback step) then fails too: the
// execution ends rollback_failed, saying why — a person has to look.
TEST_F(StepKindTest, ARollbackThatFailsEndsRollbackFailed) {
  ASSERT_EQ(Drive(StartDeploy(Request("SHA-1"))->id).status, ExecutionStatus::kSucceeded);
  api_.fault = [](const std::string& op, const std::string& fn) -> std::optional<Error> {
    if (op == "UpdateAlias" && fn == "orders-worker") {
      return Error{ErrorCode::kPermissionDenied, "not authorized to perform lambda:UpdateAlias"};
    }
    return std::nullopt;
  };
  auto e = engine_->Start(DeployThen("SHA-2", {{"check", "test.fail", "{}", {}}}));
  ASSERT_TRUE(e.ok()) << e.error().message;
  // The deploy's own UpdateAlias goes through; the rollback's (once the deploy step succeeded)
  // is refused.
  auto deny = api_.fault;
  api_.fault = [&](const std::string& op, const std::string& fn) -> std::optional<Error> {
    if (store_->executions().GetStep(e->id, 0)->status != StepStatus::kSucceeded) {
      return std::nullopt;
    }
    return deny(op, fn);
  };
  auto done = Drive(e->id);
  EXPECT_EQ(done.status, ExecutionStatus::kRollbackFailed);
  EXPECT_THAT(done.error.value_or(""), HasSubstr("rollback failed: rollback: orders-worker"));
  EXPECT_THAT(done.error.value_or(""), HasSubstr("not authorized"));
  EXPECT_THAT(LastLogLine(e->id), HasSubstr("rollback failed"));
  EXPECT_EQ(Alias("orders-api", "dev"), "1") << "every function is tried";
  EXPECT_EQ(Alias("orders-worker", "dev"), "2");
}

// Undo steps run newest first: the undo of a later step before the undo of an earlier one.
TEST_F(StepKindTest, UndoStepsRunNewestFirst) {
  class Undoable final : public StepKind {
   public:
    Status Validate(std::string_view) const override { return Ok(); }
    Result<StepMove> Start(const StepContext&) override { return StepMove::Succeed(); }
    Result<std::vector<store::NewStep>> Undo(const StepContext& ctx) override {
      return std::vector<store::NewStep>{
          {"undo", "test.echo", DumpJson(Json{{"undoes", ctx.step.name}}), {}, {}}};
    }
  };
  ASSERT_TRUE(steps_.Register("test.undoable", std::make_unique<Undoable>()).ok());
  auto e = engine_->Start(Spec({{"a", "test.undoable", "{}", {}},
                                {"b", "test.undoable", "{}", {}},
                                {"c", "test.fail", "{}", {}}}));
  ASSERT_TRUE(e.ok());
  auto done = Drive(e->id);
  EXPECT_EQ(done.status, ExecutionStatus::kRolledBack);
  auto steps = StepsOf(e->id);
  ASSERT_EQ(steps.size(), 5u);
  EXPECT_EQ(steps[3].name, "undo");
  EXPECT_EQ(steps[3].undo_of, 1);
  EXPECT_EQ(steps[4].name, "undo-a") << "names are made unique";
  EXPECT_EQ(steps[4].undo_of, 0);
  EXPECT_THAT(steps[3].outputs_json, HasSubstr("\"b\""));
}

}  // namespace
}  // namespace ferry::engine
