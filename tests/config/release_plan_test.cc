// What a workflow runs (config/release_plan.h): strategies, schedules and presets, step lists,
// and the problems `ferry validate` reports about them, located in the file.
#include "config/release_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.h"
#include "config/test_util.h"

namespace ferry::config {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
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
      case Kind::kInvokeTest:
        out.push_back(s.name + ": invoke " + s.invoke_test->function);
        break;
      case Kind::kHook:
        out.push_back(s.name + ": hook " + s.hook->function);
        break;
      case Kind::kVerify:
        out.push_back(s.name + ": verify " + std::string(lambda::VerifyModeName(s.verify->mode)));
        break;
      case Kind::kApproval:
        out.push_back(s.name + ": approval by " + std::to_string(s.approval->user_groups.size()) +
                      " group(s)");
        break;
    }
  }
  return out;
}

// A workflow's approval step: its groups, message, outcome at timeout and timeout; hostile
// parameters refused at their path.
TEST(ReleasePlanTest, ApprovalStepsWaitForAPerson) {
  model::Workflow w = Workflow(model::WorkflowStrategy::kCustom);
  w.steps = {Step("deploy", model::StepType::kDeploy),
             Step("ok", model::StepType::kApproval,
                  {{"userGroups", "release-managers, sre"},
                   {"message", "ship?"},
                   {"timeoutOutcome", "approve"}})};
  w.steps[1].timeout = "2h";
  auto plan = PlanRelease(w);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_THAT(Describe(*plan), ElementsAre("deploy: deploy", "ok: approval by 2 group(s)"));
  EXPECT_EQ(plan->steps[1].approval->user_groups,
            (std::vector<std::string>{"release-managers", "sre"}));
  EXPECT_TRUE(plan->steps[1].approval->approve_on_timeout);
  EXPECT_EQ(plan->steps[1].timeout, std::chrono::hours(2));
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"timeoutOutcome", "maybe"},
           {"userGroups", "Bad Group"},
           {"userGroups", "a,,b"},
           {"message", std::string(17 * 1024, 'm')},
           {"inputs", "[]"}}) {
    model::Workflow bad = w;
    bad.steps[1].with = {{key, value}};
    ReleaseProblem problem;
    EXPECT_FALSE(PlanRelease(bad, &problem).ok()) << key << "=" << value;
    EXPECT_THAT(problem.path, HasSubstr("/steps/1/")) << key;
  }
  model::Workflow long_wait = w;
  long_wait.steps[1].timeout = "800h";
  EXPECT_FALSE(PlanRelease(long_wait).ok());
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
                                           "verify: verify canary", "promote: 100%"));
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
  w.steps = {Step("ship", model::StepType::kDeploy),
             Step("pause", model::StepType::kWait, {{"duration", "1s"}})};
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
    w.traffic_shift =
        model::TrafficShift{std::nullopt, std::nullopt, "Linear10PercentEvery1Minute"};
    cases.push_back(
        {w, "/trafficShift/preset", "is a linear schedule, but the strategy is canary"});
    w.traffic_shift->preset = "Canary10Percent5Hours";
    cases.push_back({w, "/trafficShift/preset", "unknown traffic preset"});
  }
  {
    auto w = canary;
    w.steps = {Step("deploy", model::StepType::kDeploy),
               Step("wait", model::StepType::kWait, {{"duration", "1m"}})};
    cases.push_back({w, "/steps", "needs a traffic-shift step"});
    w.steps = {Step("shift", model::StepType::kTrafficShift),
               Step("deploy", model::StepType::kDeploy)};
    cases.push_back({w, "/steps/0", "shifts traffic before any deploy step"});
    w.steps = {Step("deploy", model::StepType::kDeploy),
               Step("half", model::StepType::kTrafficShift, {{"percent", "50"}})};
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
    cases.push_back(
        {w, "/alarms", "alarms gate traffic shifts, and this workflow shifts no traffic"});
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
  EXPECT_THAT(::testing::PrintToString(lines),
              HasSubstr("c.yaml:8:11: trafficShift.preset: unknown traffic preset"));
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
  EXPECT_THAT(
      ::testing::PrintToString(testing::Lines(loaded)),
      HasSubstr("e.yaml:8:25: alarms[1]: alarm \\\"bad*name\\\": a '*' may only end a prefix"));
  loaded = LoadConfigFiles({{"c.yaml", both}});
  EXPECT_THAT(::testing::PrintToString(testing::Lines(loaded)),
              HasSubstr("give a preset, or percent and interval, not both"));
}

TEST(ReleasePlanTest, AnInvokeTestStepRunsWithItsCheckedParameters) {
  auto w = Workflow(model::WorkflowStrategy::kBasic);
  w.steps = {Step("deploy", model::StepType::kDeploy),
             Step("smoke", model::StepType::kInvokeTest,
                  {{"function", "api"},
                   {"target", "alias"},
                   {"payload", "{\"path\": \"/health\"}"},
                   {"times", "3"},
                   {"expectStatus", "201"},
                   {"expectJson", "body.ok=true\n$.statusCode=201\n"},
                   {"expectRegex", "ok|fine"},
                   {"maxLatency", "2s"}})};
  auto plan = PlanRelease(w);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_THAT(Describe(*plan), ElementsAre("deploy: deploy", "smoke: invoke api"));
  const InvokeTestSpec& t = *plan->steps[1].invoke_test;
  EXPECT_EQ(t.target, lambda::InvokeTargetKind::kAlias);
  EXPECT_EQ(t.payload, "{\"path\": \"/health\"}");
  EXPECT_EQ(t.times, 3);
  EXPECT_EQ(t.expect.status, 201);
  EXPECT_THAT(t.expect.json, ElementsAre(lambda::JsonEquality{"body.ok", "true"},
                                         lambda::JsonEquality{"$.statusCode", "201"}));
  EXPECT_EQ(t.expect.regex, "ok|fine");
  EXPECT_EQ(t.expect.max_latency, seconds(2));

  // Defaults: the new version, {} once, status 200; before any deploy step: the implicit one.
  w.steps = {Step("smoke", model::StepType::kInvokeTest)};
  plan = PlanRelease(w);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_THAT(Describe(*plan), ElementsAre("deploy: deploy", "smoke: invoke "));
  EXPECT_EQ(plan->steps[1].invoke_test->target, lambda::InvokeTargetKind::kVersion);
  EXPECT_EQ(plan->steps[1].invoke_test->payload, "{}");
  EXPECT_EQ(plan->steps[1].invoke_test->times, 1);
  EXPECT_EQ(plan->steps[1].invoke_test->expect.status, 200);
}

TEST(ReleasePlanTest, HooksRunBeforeTheFirstShiftAndAfterTheLast) {
  auto w = Workflow(model::WorkflowStrategy::kCanary);
  w.traffic_shift = model::TrafficShift{10, "5m", std::nullopt};
  w.hooks = model::TrafficHooks{"pre-fn", "arn:aws:lambda:us-east-1:1:function:post-fn", "30s"};
  auto plan = PlanRelease(w);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_THAT(Describe(*plan),
              ElementsAre("deploy: deploy", "pre-traffic-hook: hook pre-fn",
                          "traffic-1: 10% hold 300s", "traffic-2: 100%",
                          "post-traffic-hook: hook arn:aws:lambda:us-east-1:1:function:post-fn"));
  EXPECT_EQ(plan->steps[1].hook->point, lambda::HookPoint::kPreTraffic);
  EXPECT_EQ(plan->steps[1].hook->timeout, seconds(30));
  EXPECT_EQ(plan->steps[4].hook->point, lambda::HookPoint::kPostTraffic);

  // Custom: around the traffic-shift steps, wherever they are; the default timeout is 5 minutes.
  auto custom = Workflow(model::WorkflowStrategy::kCustom);
  custom.hooks = model::TrafficHooks{std::nullopt, "post", std::nullopt};
  custom.steps = {Step("deploy", model::StepType::kDeploy),
                  Step("smoke", model::StepType::kInvokeTest),
                  Step("half", model::StepType::kTrafficShift, {{"percent", "50"}}),
                  Step("all", model::StepType::kTrafficShift, {{"percent", "100"}}),
                  Step("rest", model::StepType::kWait, {{"duration", "1m"}})};
  plan = PlanRelease(custom);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_THAT(Describe(*plan),
              ElementsAre("deploy: deploy", "smoke: invoke ", "half: 50%", "all: 100%",
                          "post-traffic-hook: hook post", "rest: wait 60s"));
  EXPECT_EQ(plan->steps[4].hook->timeout, minutes(5));
}

TEST(ReleasePlanTest, InvokeTestAndHookProblemsNameTheirParameter) {
  struct Case {
    model::Workflow w;
    std::string path;
    std::string says;
  };
  std::vector<Case> cases;
  auto invoke = [&](std::map<std::string, std::string> with, std::string path, std::string says) {
    auto w = Workflow(model::WorkflowStrategy::kBasic);
    w.steps = {Step("deploy", model::StepType::kDeploy),
               Step("smoke", model::StepType::kInvokeTest, std::move(with))};
    cases.push_back({w, std::move(path), std::move(says)});
  };
  invoke({{"nope", "1"}}, "/steps/1/with/nope", "invoke-test steps take function, target");
  invoke({{"target", "latest"}}, "/steps/1/with/target", "must be version");
  invoke({{"payload", "{not json"}}, "/steps/1/with/payload", "must be JSON text");
  invoke({{"payload", "\"" + std::string(300 * 1024, 'x') + "\""}}, "/steps/1/with/payload",
         "larger than 256 KiB");
  invoke({{"times", "0"}}, "/steps/1/with/times", "from 1 to 100");
  invoke({{"times", "101"}}, "/steps/1/with/times", "from 1 to 100");
  invoke({{"times", "1e3"}}, "/steps/1/with/times", "from 1 to 100");
  invoke({{"expectStatus", "42"}}, "/steps/1/with/expectStatus", "from 100 to 599");
  invoke({{"expectJson", "body.ok"}}, "/steps/1/with/expectJson", "PATH=VALUE");
  invoke({{"expectJson", "body..ok=1"}}, "/steps/1/with/expectJson", "member name");
  invoke({{"expectJson", "  \n "}}, "/steps/1/with/expectJson", "at least one");
  invoke({{"expectRegex", "(unclosed"}}, "/steps/1/with/expectRegex", "not valid ECMAScript");
  invoke({{"expectRegex", "(a)\\1"}}, "/steps/1/with/expectRegex", "back-references");
  invoke({{"expectRegex", "((a{100}){100}){100}"}}, "/steps/1/with/expectRegex", "multiply");
  invoke({{"expectRegex", std::string(2000, 'a')}}, "/steps/1/with/expectRegex", "longer than");
  invoke({{"maxLatency", "soon"}}, "/steps/1/with/maxLatency", "must be a duration");
  invoke({{"function", "${workflow.variables.f}"}}, "/steps/1/with/function", "templates");
  {
    auto w = Workflow(model::WorkflowStrategy::kBasic);
    w.hooks = model::TrafficHooks{"pre", std::nullopt, std::nullopt};
    cases.push_back({w, "/hooks", "strategy basic shifts no traffic"});
    w.strategy = model::WorkflowStrategy::kCustom;
    w.steps = {Step("deploy", model::StepType::kDeploy)};
    cases.push_back({w, "/hooks", "custom with traffic-shift steps"});
  }
  {
    auto w = Workflow(model::WorkflowStrategy::kCanary);
    w.traffic_shift = model::TrafficShift{10, "5m", std::nullopt};
    w.hooks = model::TrafficHooks{};
    cases.push_back({w, "/hooks", "give preTraffic, postTraffic or both"});
    w.hooks = model::TrafficHooks{"pre", std::nullopt, "2h"};
    cases.push_back({w, "/hooks/timeout", "from 1s to 15m"});
    w.hooks = model::TrafficHooks{"pre", std::nullopt, "0s"};
    cases.push_back({w, "/hooks/timeout", "from 1s to 15m"});
    w.hooks = model::TrafficHooks{"bad name; rm -rf", std::nullopt, std::nullopt};
    cases.push_back({w, "/hooks/preTraffic", "must be a Lambda function's name"});
    w.hooks = model::TrafficHooks{std::nullopt, std::string(300, 'f'), std::nullopt};
    cases.push_back({w, "/hooks/postTraffic", "must be a Lambda function's name"});
    w.hooks = model::TrafficHooks{"pre", std::nullopt, std::nullopt};
    w.steps = {Step("deploy", model::StepType::kDeploy),
               Step("pre-traffic-hook", model::StepType::kTrafficShift)};
    cases.push_back({w, "/hooks/preTraffic", "names a step of the workflow already"});
  }
  for (const Case& c : cases) {
    ReleaseProblem problem;
    auto plan = PlanRelease(c.w, &problem);
    ASSERT_FALSE(plan.ok()) << c.says;
    EXPECT_EQ(problem.path, c.path) << c.says << ": " << problem.message;
    EXPECT_THAT(problem.message, HasSubstr(c.says)) << c.path;
    EXPECT_EQ(problem.message.find("rm -rf"), std::string::npos);
  }
}

TEST(ReleasePlanTest, ValidateReportsInvokeTestAndHookProblemsAtTheirPlaceInTheFile) {
  const std::string yaml = R"(kind: Workflow
application: shop
name: w
environment: dev
service: orders
strategy: basic
hooks:
  preTraffic: my-hook
steps:
  - name: deploy
    type: deploy
  - name: smoke
    type: invoke-test
    with:
      times: "500"
)";
  LoadedConfig loaded = LoadConfigFiles({{"c.yaml", yaml}});
  EXPECT_THAT(::testing::PrintToString(testing::Lines(loaded)),
              HasSubstr("c.yaml:15:14: steps[1].with.times: must be a whole number from 1 to 100"));
  std::string hooks = yaml;
  hooks.replace(hooks.find("\"500\""), 5, "\"5\"");
  loaded = LoadConfigFiles({{"c.yaml", hooks}});
  EXPECT_THAT(::testing::PrintToString(testing::Lines(loaded)),
              HasSubstr("c.yaml:7:1: hooks: hooks run before the first traffic shift"));
}

}  // namespace
// A verify step's parameters: every mistake is a problem at its parameter, said plainly.
TEST(ReleasePlanTest, VerifyStepsRefuseHostileParameters) {
  auto problem_of = [](std::map<std::string, std::string> with) {
    auto w = Workflow(model::WorkflowStrategy::kCustom);
    w.steps = {Step("deploy", model::StepType::kDeploy),
               Step("half", model::StepType::kTrafficShift, {{"percent", "50"}}),
               Step("verify", model::StepType::kVerify, std::move(with)),
               Step("promote", model::StepType::kTrafficShift, {{"percent", "100"}})};
    ReleaseProblem problem;
    auto plan = PlanRelease(w, &problem);
    return plan.ok() ? std::string("ok") : problem.path + ": " + problem.message;
  };
  std::string many = "[";
  for (int i = 0; i < 18; ++i) {
    many += std::string(i ? "," : "") + R"({"name":"m)" + std::to_string(i) +
            R"(","namespace":"N","metric":"M"})";
  }
  many += "]";
  const std::vector<std::pair<std::map<std::string, std::string>, std::string>> cases = {
      {{{"mode", "shadow"}}, "/steps/2/with/mode: must be canary, previous or fixed-baseline"},
      {{{"window", "0s"}}, "/steps/2/with/window: must be a duration"},
      {{{"window", "30s"}}, "/steps/2/with/window: must be from 1m to 24h"},
      {{{"window", "9999h"}}, "/steps/2/with/window: must be from 1m to 24h"},
      {{{"window", "24h"}, {"period", "1s"}},
       "/steps/2/with/period: the window must hold 1 to 1,440"},
      {{{"period", "7s"}}, "/steps/2/with/period: must be 1s, 5s, 10s, 20s, 30s or whole minutes"},
      {{{"sensitivity", "extreme"}}, "/steps/2/with/sensitivity: must be low, medium or high"},
      {{{"marginal", "maybe"}}, "/steps/2/with/marginal: must be pass or fail"},
      {{{"defaultMetrics", "Errors,Latency"}}, "/steps/2/with/defaultMetrics: must be all, none"},
      {{{"defaultMetrics", "none"}}, "/steps/2/with: verifies no metric"},
      {{{"metrics", many}}, "/steps/2/with/metrics: too many metrics: 21, at most 20"},
      {{{"metrics", "{not json"}}, "/steps/2/with/metrics: metrics must be a JSON array"},
      {{{"metrics", std::string(70 * 1024, '[')}},
       "/steps/2/with/metrics: metrics is larger than 64 KiB"},
      {{{"metrics", R"([{"name":"Errors","namespace":"N","metric":"M"}])"}},
       "/steps/2/with/metrics: metric \"Errors\" is repeated"},
      {{{"metrics", R"([{"name":"x","namespace":"N","metric":"M","stat":"p101.555"}])"}},
       "is not a CloudWatch statistic"},
      {{{"metrics", R"([{"name":"x","namespace":"N","metric":"M","evil":1}])"}},
       "unknown metric field"},
      {{{"metrics", R"([{"name":"x","namespace":"N","metric":"M","kind":"rate"}])"}},
       "a rate needs exposure"},
      {{{"metrics", R"([{"name":"x","namespace":"N","metric":"M","weight":-1}])"}},
       "weight must be a number from 0 to 1000"},
      {{{"mode", "fixed-baseline"}},
       "/steps/2/with/baselineStart: required by mode fixed-baseline"},
      {{{"mode", "fixed-baseline"}, {"baselineStart", "2026-12-01T10:00:00Z"}},
       "/steps/2/with/baselineEnd: required by mode fixed-baseline"},
      {{{"baselineStart", "2026-12-01T10:00:00Z"}},
       "/steps/2/with/baselineStart: only mode fixed-baseline"},
      {{{"mode", "fixed-baseline"},
        {"baselineStart", "yesterday"},
        {"baselineEnd", "2026-12-01T10:00:00Z"}},
       "/steps/2/with/baselineStart: must be an RFC 3339 time"},
      {{{"mode", "fixed-baseline"},
        {"baselineStart", "2026-12-01T10:00:00Z"},
        {"baselineEnd", std::string(5000, '9')}},
       "/steps/2/with/baselineEnd: must be an RFC 3339 time"},
      {{{"mode", "fixed-baseline"},
        {"baselineStart", "2026-12-01T10:00:00Z"},
        {"baselineEnd", "2026-12-01T09:00:00Z"}},
       "/steps/2/with/baselineEnd: the baseline window must last from 1m to 24h"},
      {{{"mode", "fixed-baseline"},
        {"baselineStart", "2026-12-01T10:00:00Z"},
        {"baselineEnd", "2026-12-09T10:00:00Z"}},
       "/steps/2/with/baselineEnd: the baseline window must last from 1m to 24h"},
      {{{"mode", "fixed-baseline"},
        {"period", "1s"},
        {"baselineStart", "2026-12-01T10:00:00Z"},
        {"baselineEnd", "2026-12-01T11:00:00Z"}},
       "/steps/2/with/period: the baseline window must hold 1 to 1,440 periods"},
      {{{"mode", "fixed-baseline"},
        {"baselineStart", "${workflow.variables.from}"},
        {"baselineEnd", "2026-12-01T11:00:00Z"}},
       "/steps/2/with/baselineStart"},
      {{{"colour", "red"}}, "/steps/2/with/colour: verify steps take mode, window"},
  };
  for (const auto& [with, expected] : cases) {
    EXPECT_THAT(problem_of(with), HasSubstr(expected));
  }
  EXPECT_EQ(problem_of({{"mode", "canary"}, {"window", "2m"}, {"period", "1s"}}), "ok");
  EXPECT_EQ(problem_of({{"mode", "previous"}, {"sensitivity", "${workflow.variables.s}"}}), "ok");
  EXPECT_EQ(problem_of({{"mode", "fixed-baseline"},
                        {"baselineStart", "2026-12-01T10:00:00Z"},
                        {"baselineEnd", "2026-12-01T10:30:00+00:00"}}),
            "ok");
}

TEST(ReleasePlanTest, ACanaryVerificationNeedsTheTrafficSplit) {
  auto w = Workflow(model::WorkflowStrategy::kBasic);
  w.steps = {Step("deploy", model::StepType::kDeploy),
             Step("verify", model::StepType::kVerify, {{"mode", "canary"}})};
  ReleaseProblem problem;
  EXPECT_FALSE(PlanRelease(w, &problem).ok());
  EXPECT_EQ(problem.path, "/steps/1/with/mode");
  EXPECT_THAT(problem.message, HasSubstr("after a traffic shift below 100%"));
  w.steps[1].with = {{"mode", "previous"}};
  auto plan = PlanRelease(w);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_THAT(Describe(*plan), ElementsAre("deploy: deploy", "verify: verify previous"));
  ASSERT_TRUE(plan->steps[1].verify.has_value());
  EXPECT_EQ(plan->steps[1].verify->metrics.size(), 3u);  // Errors, Throttles, Duration
}

}  // namespace ferry::config
