// The approval and pipeline.stages step kinds on a real engine and SQLite store with a FakeClock:
// an approval waits across a restart of store and engine and is released by a stored decision;
// its timeout applies its outcome from stored times; a stage group starts its children once
// (idempotently, even when asked again), waits until every child ended and fails when one did;
// a stage that cannot start fails its step; EngineOptions::on_ended hears every end.
//
// The StageLauncher here starts children as real engine executions of `wait` steps (or of a
// kind that fails): the real launcher (api::PipelineService) resolves configuration, which the
// engine module may not use, and is tested in tests/api/pipeline_routes_test.cc.
#include "engine/steps/pipeline_steps.h"

#include <gtest/gtest.h>

#include "common/json.h"
#include "engine/engine.h"
#include "engine/steps/builtin.h"
#include "engine/steps/lambda_steps.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace ferry::engine {
namespace {

using store::ExecutionStatus;

class FailingStep final : public StepKind {
 public:
  Status Validate(std::string_view) const override { return Ok(); }
  Result<StepMove> Start(const StepContext&) override { return StepMove::Fail("boom"); }
};

class ChildLauncher final : public StageLauncher {
 public:
  Engine* engine = nullptr;
  int calls = 0;
  Result<std::vector<StageStart>> StartStages(const StepContext& ctx) override {
    ++calls;
    std::vector<StageStart> out;
    auto inputs = ParseJson(ctx.step.inputs_json);
    for (const Json& s : (*inputs)["stages"]) {
      StageStart started;
      started.stage = s["name"].get<std::string>();
      if (s.value("unstartable", false)) {
        started.error = "workflow missing";
        out.push_back(started);
        continue;
      }
      ExecutionSpec child;
      child.application = "shop";
      child.service = "orders";
      child.environment = started.stage;
      child.actor = "pipeline";
      child.idempotency_key = ctx.execution.id + "/" + started.stage;
      child.failure_strategy = FailureStrategy::kAbort;
      if (s.value("fails", false)) {
        child.steps.push_back({"fail", "test.fail", "{}"});
      } else {
        child.steps.push_back(steps::WaitStep(std::chrono::seconds(5), "wait"));
      }
      FERRY_ASSIGN_OR_RETURN(auto e, engine->Start(child));
      started.execution_id = e.id;
      out.push_back(started);
    }
    return out;
  }
};

class PipelineStepsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(RegisterBuiltinSteps(steps_).ok());
    ASSERT_TRUE(steps_.Register(steps::kPipelineStages, NewPipelineStagesStep(launcher_)).ok());
    ASSERT_TRUE(steps_.Register("test.fail", std::make_unique<FailingStep>()).ok());
    Open();
  }

  void Open() {
    engine_.reset();
    store_.reset();
    store::SqliteOptions options;
    options.data_dir = dir_.Sub("data");
    auto opened = store::OpenSqliteStore(options, clock_, ids_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
    EngineOptions o;
    o.owner = "engine-" + std::to_string(++engines_);
    o.on_ended = [this](const store::ExecutionRecord& e) { ended_.push_back(e.id); };
    engine_ = std::make_unique<Engine>(*store_, clock_, steps_, o);
    launcher_.engine = engine_.get();
    // A new engine after a "crash": the old one's leases are abandoned.
    ASSERT_TRUE(store_->executions().ExpireLeases("engine-").ok());
  }

  // Runs the engine until nothing is runnable now, moving the clock a second at a time (at most
  // `seconds`), as ferry server's runner would.
  void Run(int seconds = 30) {
    for (int i = 0; i < seconds; ++i) {
      auto ran = engine_->RunOnce();
      ASSERT_TRUE(ran.ok()) << ran.error().ToString();
      clock_.Advance(std::chrono::seconds(1));
    }
  }

  store::ExecutionRecord StartPipeline(std::vector<StepSpec> steps) {
    ExecutionSpec spec;
    spec.application = "shop";
    spec.service = "-";
    spec.environment = "-";
    spec.workflow = "pipeline";
    spec.pipeline = "release";
    spec.actor = "alice";
    spec.failure_strategy = FailureStrategy::kAbort;
    spec.steps = std::move(steps);
    auto e = engine_->Start(spec);
    EXPECT_TRUE(e.ok()) << e.error().ToString();
    return e.ok() ? *e : store::ExecutionRecord{};
  }

  ExecutionStatus StatusOf(const std::string& id) { return store_->executions().Get(id)->status; }

  test::TempDir dir_;
  FakeClock clock_;
  SequentialIdGenerator ids_;
  StepRegistry steps_;
  ChildLauncher launcher_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Engine> engine_;
  int engines_ = 0;
  std::vector<std::string> ended_;
};

ApprovalStepInputs Gate(Duration timeout = std::chrono::hours(1), bool approve = false) {
  ApprovalStepInputs a;
  a.message = "ship it?";
  a.user_groups = {"release-managers"};
  a.timeout = timeout;
  a.approve_on_timeout = approve;
  a.inputs_json = R"([{"name":"ticket"}])";
  return a;
}

TEST_F(PipelineStepsTest, AnApprovalWaitsAcrossARestartAndADecisionReleasesIt) {
  auto e = StartPipeline({steps::ApprovalStep(Gate(), "approve")});
  Run(5);
  EXPECT_EQ(StatusOf(e.id), ExecutionStatus::kWaiting);
  auto waiting = store_->approvals().ForStep(e.id, 0);
  ASSERT_TRUE(waiting.ok() && waiting->has_value());
  EXPECT_EQ((*waiting)->message, "ship it?");
  EXPECT_EQ((*waiting)->expires_at, (*waiting)->created_at + std::chrono::hours(1));

  Open();  // the server died and came back
  Run(5);
  auto still = store_->approvals().ForStep(e.id, 0);
  ASSERT_TRUE(still.ok() && still->has_value());
  EXPECT_EQ((*still)->id, (*waiting)->id);  // not opened twice
  EXPECT_EQ(StatusOf(e.id), ExecutionStatus::kWaiting);

  ASSERT_TRUE(store_->approvals()
                  .Decide({.id = (*still)->id, .approve = true, .values_json = R"({"ticket":"T"})"},
                          "user:alice")
                  .ok());
  ASSERT_TRUE(store_->executions().Wake(e.id).ok());
  Run(2);
  EXPECT_EQ(StatusOf(e.id), ExecutionStatus::kSucceeded);
  auto step = store_->executions().GetStep(e.id, 0);
  auto outputs = ParseJson(step->outputs_json);
  EXPECT_EQ((*outputs)["values"]["ticket"], "T");
  EXPECT_EQ((*outputs)["decidedBy"], "user:alice");
  EXPECT_EQ(ended_, std::vector<std::string>{e.id});
}

TEST_F(PipelineStepsTest, TheTimeoutAppliesItsOutcome) {
  auto rejected = StartPipeline({steps::ApprovalStep(Gate(std::chrono::minutes(10)), "a")});
  auto approved = StartPipeline({steps::ApprovalStep(Gate(std::chrono::minutes(10), true), "a")});
  Run(2);
  clock_.Advance(std::chrono::minutes(10));
  Open();  // the expiry comes from stored times, not a timer of the process that opened it
  Run(2);
  EXPECT_EQ(StatusOf(rejected.id), ExecutionStatus::kFailed);
  EXPECT_NE(store_->executions().Get(rejected.id)->error.value_or("").find("timed out"),
            std::string::npos);
  EXPECT_EQ(StatusOf(approved.id), ExecutionStatus::kSucceeded);
  auto a = store_->approvals().ForStep(approved.id, 0);
  EXPECT_TRUE((*a)->timed_out);
  EXPECT_EQ((*a)->decided_by, "timeout");
}

TEST_F(PipelineStepsTest, AGroupWaitsForEveryChildAndFailsWhenOneFailed) {
  StepSpec group{"parallel:a", steps::kPipelineStages,
                 R"({"stages":[{"name":"eu"},{"name":"us","fails":true}]})"};
  StepSpec after{"later", steps::kPipelineStages, R"({"stages":[{"name":"later"}]})"};
  auto e = StartPipeline({group, after});
  Run(20);
  EXPECT_EQ(StatusOf(e.id), ExecutionStatus::kFailed);
  auto step = store_->executions().GetStep(e.id, 0);
  auto stages = (*ParseJson(step->outputs_json))["stages"];
  ASSERT_EQ(stages.size(), 2u);
  EXPECT_EQ(stages[0]["status"], "succeeded");  // the other child ran to its end
  EXPECT_EQ(stages[1]["status"], "failed");
  EXPECT_NE(step->error.value_or("").find("stage us"), std::string::npos);
  EXPECT_EQ(store_->executions().GetStep(e.id, 1)->status, store::StepStatus::kPending);
}

TEST_F(PipelineStepsTest, StagesRunInOrderAndChildrenStartOnce) {
  auto e =
      StartPipeline({StepSpec{"dev", steps::kPipelineStages, R"({"stages":[{"name":"dev"}]})"},
                     StepSpec{"prod", steps::kPipelineStages, R"({"stages":[{"name":"prod"}]})"}});
  Run(30);
  EXPECT_EQ(StatusOf(e.id), ExecutionStatus::kSucceeded);
  auto all = store_->executions().List({.limit = 10});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);  // the pipeline and one child per stage
  // Asked again for the same step (a crash before the step's move committed), the launcher's
  // idempotency keys return the same child.
  const int calls = launcher_.calls;
  auto steps = store_->executions().Steps(e.id);
  auto again =
      launcher_.StartStages(StepContext{*store_->executions().Get(e.id), *steps, (*steps)[0],
                                        *store_, clock_, std::chrono::minutes(1)});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(launcher_.calls, calls + 1);
  EXPECT_EQ(store_->executions().List({.limit = 10})->size(), 3u);
}

TEST_F(PipelineStepsTest, AStageThatCannotStartFailsItsStep) {
  auto e = StartPipeline({StepSpec{"dev", steps::kPipelineStages,
                                   R"({"stages":[{"name":"dev","unstartable":true}]})"}});
  Run(3);
  EXPECT_EQ(StatusOf(e.id), ExecutionStatus::kFailed);
  EXPECT_NE(store_->executions().Get(e.id)->error.value_or("").find("workflow missing"),
            std::string::npos);
}

TEST_F(PipelineStepsTest, MalformedInputsAreRefusedAtStart) {
  ExecutionSpec spec;
  spec.application = "shop";
  spec.service = "-";
  spec.environment = "-";
  for (const char* inputs : {"{}", R"({"stages":[]})", R"({"stages":[{}]})", "[", "7"}) {
    spec.steps = {StepSpec{"s", steps::kPipelineStages, inputs}};
    EXPECT_FALSE(engine_->Start(spec).ok()) << inputs;
  }
  for (const char* inputs :
       {"{}", R"({"timeoutMillis":10})", R"({"timeoutMillis":60000,"timeoutOutcome":"maybe"})",
        R"({"timeoutMillis":60000,"userGroups":"x"})", R"({"timeoutMillis":99999999999999})"}) {
    spec.steps = {StepSpec{"a", steps::kApproval, inputs}};
    EXPECT_FALSE(engine_->Start(spec).ok()) << inputs;
  }
}

}  // namespace
}  // namespace ferry::engine
