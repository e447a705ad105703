// What a workflow runs (config/release_plan.h): strategies, schedules and presets, step lists,
// and the problems `ferry validate` reports about them, located in the file.
#include "config/release_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.h"
#include "config/test_util.h"

namespace ferry::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using std::chrono::minutes;
using std::chrono::seconds;
using Kind = ReleaseStep::Kind;

model::Workflow Workflow(model::WorkflowStrategy strategy) {
  model::Workflow w;
  w.application = "shop";
  w.name = "w";
  w.environment = "prod";
  w.service = "orders";
  w.strategy = strategy;
  return w;
}

model::Step Step(std::string name, model::StepType type,
                 std::map<std::string, std::string> with = {}) {
  return model::Step{std::move(name), type, std::nullopt, std::move(with)};
}

// "deploy", "traffic 10% hold 5m", "wait 30s" for each step.
std::vector<std::string> Describe(const ReleasePlan& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan.steps) {
    auto secs = std::chrono::duration_cast<seconds>(s.hold).count();
    switch (s.kind) {
      case Kind::kDeploy:
        out.push_back(s.name + ": deploy");
        break;
      case Kind::kShift:
        out.push_back(s.name + ": " + std::to_string(s.percent) + "%" +
                      (secs ? " hold " + std::to_string(secs) + "s" : ""));
        break;
      case Kind::kWait:
        out.push_back(s.name + ": wait " + std::to_string(secs) + "s");
        break;
      case Kind::kOther:
        out.push_back(s.name + ": other");
        break;
    }
  }
  return out;
}

TEST(ReleasePlanTest, BasicDeploysEveryAliasAtOnce) {
  auto plan = PlanRelease(Workflow(model::WorkflowStrategy::kBasic));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_FALSE(plan->shifts_traffic);
  EXPECT_THAT(Describe(*plan), ElementsAre("deploy: deploy"));
}

TEST(ReleasePlanTest, CanaryAndLinearFollowTheirScheduleWithoutSteps) {
  auto w = Workflow(model::WorkflowStrategy::kCanary);
  w.traffic_shift = model::TrafficShift{10, "5m", std::nullopt};
  auto plan = PlanRelease(w);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_TRUE(plan->shifts_traffic);
  EXPECT_THAT(Describe(*plan),
              ElementsAre("deploy: deploy", "traffic-1: 10% hold 300s", "traffic-2: 100%"));

  w = Workflow(model::WorkflowStrategy::kLinear);
  w.traffic_shift = model::TrafficShift{std::nullopt, std::nullopt, "Linear25PercentEvery1Minute"};
  plan = PlanRelease(w);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_THAT(Describe(*plan),
              ElementsAre("deploy: deploy", "traffic-1: 25% hold 60s", "traffic-2: 50% hold 60s",
                          "traffic-3: 75% hold 60s", "traffic-4: 100%"));

  w = Workflow(model::WorkflowStrategy::kCanary);
  w.traffic_shift = model::TrafficShift{std::nullopt, std::nullopt, "AllAtOnce"};
  plan = PlanRelease(w);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_THAT(Describe(*plan), ElementsAre("deploy: deploy", "traffic: 100%"));
}

TEST(ReleasePlanTest, AlarmsGateEveryShift) {
  auto w = Workflow(model::WorkflowStrategy::kLinear);
  w.traffic_shift = model::TrafficShift{50, "1m", std::nullopt};
  w.alarms = {"orders-errors", "orders-latency-*"};
  auto plan = PlanRelease(w);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_THAT(plan->alarms.names, ElementsAre("orders-errors"));
  EXPECT_THAT(plan->alarms.prefixes, ElementsAre("orders-latency-"));
}

TEST(ReleasePlanTest, AScheduleStepStopsBelowOneHundredWhenALaterShiftPromotes) {
  auto w = Workflow(model::WorkflowStrategy::kCanary);
  w.traffic_shift = model::TrafficShift{10, "10m", std::nullopt};
  w.steps = {Step("deploy", model::StepType::kDeploy),
             Step("canary", model::StepType::kTrafficShift),
             Step("verify", model::StepType::kVerify),
             Step("promote", model::StepType::kTrafficShift, {{"percent", "100"}})};
  auto plan = PlanRelease(w);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_THAT(Describe(*plan), ElementsAre("deploy: deploy", "canary: 10% hold 600s",
                                           "verify: other", "promote: 100%"));
}

TEST(ReleasePlanTest, CustomRunsItsStepsAsWritten) {
  auto w = Workflow(model::WorkflowStrategy::kCustom);
  w.steps = {Step("ship", model::StepType::kDeploy),
             Step("five", model::StepType::kTrafficShift, {{"percent", "5"}, {"wait", "2m"}}),
             Step("pause", model::StepType::kWait, {{"duration", "30s"}}),
             Step("half", model::StepType::kTrafficShift, {{"percent", "50"}, {"wait", "1h"}}),
             Step("all", model::StepType::kTrafficShift, {{"percent", "100"}})};
  w.steps[1].timeout = "3m";
  auto plan = PlanRelease(w);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_TRUE(plan->shifts_traffic);
  EXPECT_THAT(Describe(*plan), ElementsAre("ship: deploy", "five: 5% hold 120s", "pause: wait 30s",
                                           "half: 50% hold 3600s", "all: 100%"));
  EXPECT_EQ(plan->steps[1].timeout, minutes(3));

  // Without a traffic-shift step, custom moves every alias with the deploy step.
  w.steps = {Step("ship", model::StepType::kDeploy), Step("pause", model::StepType::kWait, {{"duration", "1s"}})};
  plan = PlanRelease(w);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_FALSE(plan->shifts_traffic);
  // Without a deploy step, one comes first.
  w.steps = {Step("pause", model::StepType::kWait, {{"duration", "1s"}})};
  plan = PlanRelease(w);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_THAT(Describe(*plan), ElementsAre("deploy: deploy", "pause: wait 1s"));
}

TEST(ReleasePlanTest, ProblemsNameWhereTheyAre) {
  struct Case {
    model::Workflow w;
    std::string path;
    std::string says;
  };
  auto canary = Workflow(model::WorkflowStrategy::kCanary);
  canary.traffic_shift = model::TrafficShift{10, "5m", std::nullopt};
  auto custom = Workflow(model::WorkflowStrategy::kCustom);
  std::vector<Case> cases;
  {
    auto w = canary;
    w.traffic_shift = model::TrafficShift{std::nullopt, std::nullopt, "Linear10PercentEvery1Minute"};
    cases.push_back({w, "/trafficShift/preset", "is a linear schedule, but the strategy is canary"});
    w.traffic_shift->preset = "Canary10Percent5Hours";
    cases.push_back({w, "/trafficShift/preset", "unknown traffic preset"});
  }
  {
    auto w = canary;
    w.steps = {Step("deploy", model::StepType::kDeploy), Step("wait", model::StepType::kWait, {{"duration", "1m"}})};
    cases.push_back({w, "/steps", "needs a traffic-shift step"});
    w.steps = {Step("shift", model::StepType::kTrafficShift), Step("deploy", model::StepType::kDeploy)};
    cases.push_back({w, "/steps/0", "shifts traffic before any deploy step"});
    w.steps = {Step("deploy", model::StepType::kDeploy), Step("half", model::StepType::kTrafficShift, {{"percent", "50"}})};
    cases.push_back({w, "/steps/1/with/percent", "must reach 100"});
    w.steps = {Step("deploy", model::StepType::kDeploy),
               Step("s", model::StepType::kTrafficShift, {{"percent", "10%"}})};
    cases.push_back({w, "/steps/1/with/percent", "whole number from 1 to 100"});
    w.steps[1].with = {{"percent", "0"}};
    cases.push_back({w, "/steps/1/with/percent", "whole number from 1 to 100"});
    w.steps[1].with = {{"percent", "100"}, {"wait", "soon"}};
    cases.push_back({w, "/steps/1/with/wait", "must be a duration"});
    w.steps[1].with = {{"percent", "100"}, {"payload", "{}"}};
    cases.push_back({w, "/steps/1/with/payload", "traffic-shift steps take percent, wait"});
    w.steps[1].with = {{"wait", "1m"}};
    cases.push_back({w, "/steps/1/with/wait", "the schedule sets the waits"});
    w.steps[1].with = {{"percent", "${workflow.variables.p}"}};
    cases.push_back({w, "/steps/1/with/percent", "whole number"});
    w.steps[1] = Step("w", model::StepType::kWait);
    cases.push_back({w, "/steps/1/with/duration", "required"});
    w.steps[1].timeout = "later";
    cases.push_back({w, "/steps/1/timeout", "must be a duration"});
  }
  {
    auto w = Workflow(model::WorkflowStrategy::kBasic);
    w.alarms = {"orders-errors"};
    cases.push_back({w, "/alarms", "alarms gate traffic shifts, and this workflow shifts no traffic"});
    w = canary;
    w.alarms = {"orders-errors", "a*b"};
    cases.push_back({w, "/alarms/1", "a '*' may only end a prefix"});
  }
  {
    auto w = Workflow(model::WorkflowStrategy::kBasic);
    w.steps = {Step("deploy", model::StepType::kDeploy),
               Step("s", model::StepType::kTrafficShift, {{"percent", "100"}})};
    cases.push_back({w, "/steps/1/type", "strategy basic moves every alias"});
  }
  {
    auto w = custom;
    cases.push_back({w, "/steps", "strategy custom needs steps"});
    w.steps = {Step("deploy", model::StepType::kDeploy), Step("s", model::StepType::kTrafficShift)};
    cases.push_back({w, "/steps/1/with/percent", "has no schedule"});
  }
  for (const Case& c : cases) {
    ReleaseProblem problem;
    auto plan = PlanRelease(c.w, &problem);
    ASSERT_FALSE(plan.ok()) << c.says;
    EXPECT_EQ(problem.path, c.path) << c.says;
    EXPECT_THAT(problem.message, HasSubstr(c.says));
    EXPECT_THAT(plan.error().message, HasSubstr("workflow w: " + c.path));
  }
}

TEST(ReleasePlanTest, ValidateReportsTheProblemAtItsPlaceInTheFile) {
  const std::string yaml = R"(kind: Workflow
application: shop
name: w
environment: dev
service: orders
strategy: canary
trafficShift:
  preset: Canary10Percent5Hours
)";
  LoadedConfig loaded = LoadConfigFiles({{"c.yaml", yaml}});
  std::vector<std::string> lines = testing::Lines(loaded);
  EXPECT_THAT(::testing::PrintToString(lines), HasSubstr("c.yaml:8:11: trafficShift.preset: unknown traffic preset"));
  const std::string both = R"(kind: Workflow
application: shop
name: w
environment: dev
service: orders
strategy: canary
trafficShift:
  preset: Canary10Percent5Minutes
  percent: 10
)";
  const std::string environment = R"(kind: Environment
application: shop
name: prod
type: production
infrastructure:
  - name: eu
    cloudProvider: aws
alarms: [orders-errors, "bad*name"]
)";
  loaded = LoadConfigFiles({{"e.yaml", environment}});
  EXPECT_THAT(::testing::PrintToString(testing::Lines(loaded)),
              HasSubstr("e.yaml:8:25: alarms[1]: alarm \\\"bad*name\\\": a '*' may only end a prefix"));
  loaded = LoadConfigFiles({{"c.yaml", both}});
  EXPECT_THAT(::testing::PrintToString(testing::Lines(loaded)),
              HasSubstr("give a preset, or percent and interval, not both"));
}

}  // namespace
}  // namespace ferry::config
