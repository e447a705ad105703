// Alarm gates (lambda/alarm_gate.h): selectors as written in the configuration, the verdict of a
// reading, and the cloudwatch.alarm-gate codecs with malformed and hostile input.
#include "lambda/alarm_gate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/time.h"

namespace ferry::lambda {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

TEST(AlarmGateTest, NamesAndPrefixesAsWritten) {
  auto s = ParseAlarmSelector({"orders-errors", "orders-latency-*", "orders-errors"});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_THAT(s->names, ElementsAre("orders-errors")) << "each once";
  EXPECT_THAT(s->prefixes, ElementsAre("orders-latency-"));
  EXPECT_EQ(DescribeAlarms(*s), "orders-errors, orders-latency-*");
  auto merged = MergeAlarms(*s, *ParseAlarmSelector({"prod-*", "orders-errors"}));
  EXPECT_THAT(merged.names, ElementsAre("orders-errors"));
  EXPECT_THAT(merged.prefixes, ElementsAre("orders-latency-", "prod-"));
}

TEST(AlarmGateTest, MalformedAndHostileSelectorsAreRefused) {
  const std::string huge(300, 'a');
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {""}, {"*"}, {"a*b"}, {"**"}, {huge}, {"tab\there"}, {std::string("nul\0x", 5)},
           std::vector<std::string>(101, "a")}) {
    auto s = ParseAlarmSelector(bad);
    ASSERT_FALSE(s.ok()) << ::testing::PrintToString(bad).substr(0, 60);
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(s.error().message, Not(HasSubstr(huge)));
  }
}

TEST(AlarmGateTest, MissingAlarmsAndTheFirstInAlarmDecide) {
  AlarmSelector s{{"a", "gone"}, {"lat-", "none-"}};
  std::vector<AlarmState> read = {{"a", "OK", "", {}},
                                  {"lat-p99", "ALARM", "Threshold Crossed", {}},
                                  {"lat-p50", "ALARM", "", {}}};
  AlarmVerdict v = JudgeAlarms(s, read);
  EXPECT_THAT(v.missing, ElementsAre("gone", "none-*"));
  ASSERT_TRUE(v.fired.has_value());
  EXPECT_EQ(v.fired->name, "lat-p50") << "the first by name, whatever order CloudWatch sent";
  read[1].state = read[2].state = "INSUFFICIENT_DATA";
  EXPECT_FALSE(JudgeAlarms(s, read).fired.has_value()) << "only ALARM closes the gate";
  EXPECT_THAT(JudgeAlarms(AlarmSelector{{"a"}, {}}, read).missing, IsEmpty());
}

TEST(AlarmGateTest, TaskAndResultRoundTrip) {
  AlarmGateTask t;
  t.target.region = "eu-west-1";
  t.alarms = {{"a"}, {"p-"}};
  t.until = FromUnixMillis(1'800'000'123'000);
  t.poll = std::chrono::milliseconds(1500);
  auto back = DecodeAlarmGateTask(EncodeAlarmGateTask(t));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->alarms, t.alarms);
  EXPECT_EQ(back->until, t.until);
  EXPECT_EQ(back->poll, t.poll);

  AlarmGateResult r;
  r.alarms = {{"a", "ALARM", "Threshold Crossed: 1 datapoint", FromUnixMillis(1'800'000'100'000)}};
  r.fired = r.alarms[0];
  r.fired_seen_at = FromUnixMillis(1'800'000'101'000);
  r.seen = {{FromUnixMillis(1'800'000'000'000), {"a", "OK", "", {}}},
            {FromUnixMillis(1'800'000'101'000), r.alarms[0]}};
  r.checks = 34;
  auto rb = DecodeAlarmGateResult(EncodeAlarmGateResult(r));
  ASSERT_TRUE(rb.ok()) << rb.error().message;
  EXPECT_EQ(rb->fired, r.fired);
  EXPECT_EQ(rb->seen, r.seen);
  EXPECT_EQ(rb->checks, 34);
}

TEST(AlarmGateTest, MalformedAndHostilePayloadsAreRefused) {
  const std::string huge(20 * 1024 * 1024, 'x');
  for (const std::string& bad : std::vector<std::string>{
           "[]", "{", R"({"alarms": {"names": ["a"]}})",
           R"({"target": {"region": "r"}, "alarms": {}})",
           R"({"target": {"region": "r"}, "alarms": {"names": [""]}})",
           R"({"target": {"region": "r"}, "alarms": {"names": "a"}})",
           R"({"target": {"region": "r"}, "alarms": {"names": ["a"]}, "pollMillis": 5})",
           R"({"target": {"region": "r"}, "alarms": {"names": ["a"]}, "until": "soon"})",
           R"({"target": {"region": "r"}, "alarms": {"names": [")" + huge + R"("]}})",
       }) {
    auto t = DecodeAlarmGateTask(bad);
    ASSERT_FALSE(t.ok()) << bad.substr(0, 100);
    EXPECT_THAT(t.error().message, Not(HasSubstr("xxxxxxxx")));
  }
  EXPECT_FALSE(DecodeAlarmGateResult(R"({"seen": [{"name": "a"}]})").ok()) << "a time is needed";
  EXPECT_FALSE(DecodeAlarmGateResult(R"({"fired": {"state": "ALARM"}})").ok());
}

}  // namespace
}  // namespace ferry::lambda
