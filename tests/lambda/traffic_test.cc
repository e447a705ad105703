// Traffic schedules and alias routing (lambda/traffic.h), and the lambda.shift codecs.
#include "lambda/traffic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/time.h"
#include "lambda/steps.h"
#include "lambda/tasks.h"

namespace ferry::lambda {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using std::chrono::minutes;

TEST(TrafficTest, CanaryHoldsItsShareThenPromotes) {
  auto s = ShiftsOf({TrafficScheduleKind::kCanary, 10, minutes(5)});
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(*s, ElementsAre(TrafficShiftStep{10, minutes(5)}, TrafficShiftStep{100, {}}));
}

TEST(TrafficTest, LinearAddsItsShareEveryIntervalAndEndsAtOneHundred) {
  auto s = ShiftsOf({TrafficScheduleKind::kLinear, 30, minutes(1)});
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(*s, ElementsAre(TrafficShiftStep{30, minutes(1)}, TrafficShiftStep{60, minutes(1)},
                              TrafficShiftStep{90, minutes(1)}, TrafficShiftStep{100, {}}));
  auto ten = ShiftsOf({TrafficScheduleKind::kLinear, 10, minutes(1)});
  ASSERT_TRUE(ten.ok());
  EXPECT_EQ(ten->size(), 10u) << "10%, 20%, … 90%, then 100%";
  EXPECT_EQ(ten->at(8).percent, 90);
  auto all = ShiftsOf({});
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(*all, ElementsAre(TrafficShiftStep{100, {}}));
}

TEST(TrafficTest, SchedulesOutsideTheirBoundsAreRefused) {
  EXPECT_FALSE(ShiftsOf({TrafficScheduleKind::kCanary, 0, minutes(5)}).ok());
  EXPECT_FALSE(ShiftsOf({TrafficScheduleKind::kCanary, 100, minutes(5)}).ok());
  EXPECT_FALSE(ShiftsOf({TrafficScheduleKind::kLinear, 10, Duration{0}}).ok());
}

TEST(TrafficTest, CodeDeployPresetsAreSchedules) {
  struct Case {
    const char* name;
    TrafficScheduleKind kind;
    int percent;
    int minutes;
  };
  for (const Case& c : std::vector<Case>{
           {"Canary10Percent5Minutes", TrafficScheduleKind::kCanary, 10, 5},
           {"Canary10Percent10Minutes", TrafficScheduleKind::kCanary, 10, 10},
           {"Canary10Percent15Minutes", TrafficScheduleKind::kCanary, 10, 15},
           {"Canary10Percent30Minutes", TrafficScheduleKind::kCanary, 10, 30},
           {"Linear10PercentEvery1Minute", TrafficScheduleKind::kLinear, 10, 1},
           {"Linear10PercentEvery2Minutes", TrafficScheduleKind::kLinear, 10, 2},
           {"Linear10PercentEvery3Minutes", TrafficScheduleKind::kLinear, 10, 3},
           {"Linear10PercentEvery10Minutes", TrafficScheduleKind::kLinear, 10, 10},
           {"Canary25Percent1Minute", TrafficScheduleKind::kCanary, 25, 1},
       }) {
    auto s = ParseTrafficPreset(c.name);
    ASSERT_TRUE(s.ok()) << c.name << ": " << s.error().message;
    EXPECT_EQ(s->kind, c.kind) << c.name;
    EXPECT_EQ(s->percent, c.percent) << c.name;
    EXPECT_EQ(s->interval, minutes(c.minutes)) << c.name;
  }
  auto all = ParseTrafficPreset("AllAtOnce");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->kind, TrafficScheduleKind::kAllAtOnce);
}

TEST(TrafficTest, MalformedAndHostilePresetsAreRefusedWithTheAcceptedForms) {
  const std::string huge(100000, 'C');
  for (const std::string& bad :
       {std::string("Canary0Percent5Minutes"), std::string("Canary100Percent5Minutes"),
        std::string("Canary10Percent0Minutes"), std::string("Canary10Percent9999Minutes"),
        std::string("canary10percent5minutes"), std::string("Linear10Percent1Minute"),
        std::string(""), std::string("AllAtOnce "), std::string("Canary10Percent5Minutes\n"),
        std::string("Canary\x00", 7), huge}) {
    auto s = ParseTrafficPreset(bad);
    ASSERT_FALSE(s.ok()) << bad.substr(0, 40);
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(s.error().message, Not(HasSubstr(std::string(200, 'C'))));
  }
  EXPECT_THAT(ParseTrafficPreset("Blue").error().message, HasSubstr("Canary10Percent5Minutes"));
}

TEST(TrafficTest, RoutingKeepsTheStableVersionUntilPromotion) {
  EXPECT_EQ(RoutingAt("3", "4", 10), (AliasRouting{"3", {{"4", 0.1}}}));
  EXPECT_EQ(RoutingAt("3", "4", 100), (AliasRouting{"4", {}}));
  EXPECT_EQ(RoutingAt("4", "4", 10), (AliasRouting{"4", {}})) << "nothing new to shift to";
  EXPECT_EQ(PercentOf("4", "3", {{"4", 0.1}}), 10);
  EXPECT_EQ(PercentOf("4", "4", {}), 100);
  EXPECT_EQ(PercentOf("4", "3", {}), 0);
  EXPECT_EQ(DescribeRouting("3", {{"4", 0.1}}), "version 3 90%, version 4 10%");
  EXPECT_EQ(DescribeRouting("4", {}), "version 4 100%");
  EXPECT_TRUE(SameRouting({"3", {{"4", 0.1}}}, {"3", {{"4", 0.1000000001}}}));
  EXPECT_FALSE(SameRouting({"3", {{"4", 0.1}}}, {"3", {{"4", 0.2}}}));
  EXPECT_FALSE(SameRouting({"3", {{"4", 0.1}}}, {"3", {}}));
  EXPECT_FALSE(SameRouting({"3", {}}, {"4", {}}));
}

TEST(ShiftCodecTest, TaskResultInputsAndOutputsRoundTrip) {
  ShiftTask task;
  task.target.region = "eu-west-1";
  task.shifts = {AliasShift{"f", "live", {"3", {}}, "rev-1", {"3", {{"4", 0.1}}}}};
  auto t = DecodeShiftTask(EncodeShiftTask(task));
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_EQ(t->shifts.size(), 1u);
  EXPECT_EQ(t->shifts[0].to, task.shifts[0].to);
  EXPECT_EQ(t->shifts[0].revision_id, "rev-1");

  ShiftResult result;
  ShiftReport r;
  r.function_name = "f";
  r.alias = "live";
  r.after = AliasState{"live", "3", {{"4", 0.1}}, "rev-2", "arn:aws:lambda:eu-west-1:1:function:f:live"};
  r.calls = {CallRecord{"UpdateAlias", "UpdateAlias f:live", true, {"req-1"}, ""}};
  result.shifts = {r, ShiftReport{"g", "live", Error{ErrorCode::kFailedPrecondition, "moved"}, {}, {}}};
  auto back = DecodeShiftResult(EncodeShiftResult(result));
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->shifts.size(), 2u);
  EXPECT_EQ(back->shifts[0].after->revision_id, "rev-2");
  EXPECT_EQ(back->shifts[0].calls, r.calls);
  EXPECT_EQ(back->shifts[1].error->code, ErrorCode::kFailedPrecondition);

  ShiftStepInputs in;
  in.target.region = "eu-west-1";
  in.selectors = {"eu"};
  in.deploy_step = "deploy";
  in.percent = 25;
  in.bake = minutes(10);
  auto i = DecodeShiftStepInputs(EncodeShiftStepInputs(in));
  ASSERT_TRUE(i.ok()) << i.error().message;
  EXPECT_EQ(i->percent, 25);
  EXPECT_EQ(i->bake, minutes(10));
  EXPECT_EQ(i->deploy_step, "deploy");

  ShiftStepOutputs out;
  out.percent = 25;
  out.aliases = {ShiftedAlias{"f", "3", "4", *r.after}};
  out.shifted_at = FromUnixMillis(1'800'000'000'000);
  out.bake_until = FromUnixMillis(1'800'000'600'000);
  out.reports = {r};
  auto o = DecodeShiftStepOutputs(EncodeShiftStepOutputs(out));
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->bake_until, out.bake_until) << "the bake's end survives a restart exactly";
  EXPECT_EQ(o->aliases[0].alias.weights.at("4"), 0.1);
  EXPECT_EQ(o->aliases[0].stable, "3");
}

TEST(ShiftCodecTest, MalformedAndHostileInputIsRefusedNamingTheMember) {
  const std::string huge(20 * 1024 * 1024, 'x');
  for (const std::string& bad : std::vector<std::string>{
           "[]",
           "{",
           R"({"shifts": []})",
           R"({"target": {"region": "r"}, "shifts": [{"functionName": "f", "alias": "a"}]})",
           R"({"target": {"region": "r"}, "shifts": [{"functionName": "f", "alias": "a",
               "from": {"version": "1"}, "to": {"version": "2", "weights": {"3": 1.5}}}]})",
           R"({"target": {"region": "r"}, "shifts": [{"functionName": "f", "alias": "a",
               "from": {"version": "1"}, "to": {"version": "1", "weights": {"2": 0.1, "3": 0.1}}}]})",
           R"({"target": {"region": "r"}, "shifts": [{"functionName": "", "alias": "a",
               "from": {"version": "1"}, "to": {"version": "2"}}]})",
           R"({"target": {"region": "r"}, "shifts": [{"functionName": "f", "alias": "a",
               "from": {"version": ""}, "to": {"version": "2"}}]})",
           R"({"target": {"region": "r"}, "shifts": "all"})",
           "{\"target\": {\"region\": \"" + huge + "\"}}",
       }) {
    auto t = DecodeShiftTask(bad);
    ASSERT_FALSE(t.ok()) << bad.substr(0, 120);
    if (bad.size() < 1024) {
      EXPECT_EQ(t.error().code, ErrorCode::kInvalidArgument) << bad;
    }
    EXPECT_THAT(t.error().message, Not(HasSubstr("xxxxxxxx")));
  }
  for (const std::string& bad : std::vector<std::string>{
           R"({"target": {"region": "r"}, "deployStep": "deploy", "percent": 0})",
           R"({"target": {"region": "r"}, "deployStep": "deploy", "percent": 101})",
           R"({"target": {"region": "r"}, "deployStep": "deploy", "percent": 1e300})",
           R"({"target": {"region": "r"}, "deployStep": "", "percent": 10})",
           R"({"target": {"region": "r"}, "percent": 10})",
           R"({"target": {"region": "r"}, "deployStep": "d", "percent": 10, "bakeMillis": -1})",
           R"({"target": {"region": "r"}, "deployStep": "d", "percent": 10, "bakeMillis": 999999999999})",
       }) {
    EXPECT_FALSE(DecodeShiftStepInputs(bad).ok()) << bad;
  }
  EXPECT_FALSE(DecodeShiftStepOutputs(R"({"bakeUntil": "tomorrow"})").ok());
  EXPECT_FALSE(DecodeShiftStepOutputs(R"({"aliases": [{"functionName": "f"}]})").ok());
  EXPECT_FALSE(DecodeShiftResult(R"({"shifts": [{"alias": "a"}]})").ok());
}

}  // namespace
}  // namespace ferry::lambda
