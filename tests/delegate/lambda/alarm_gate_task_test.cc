// The cloudwatch.alarm-gate task as a delegate runs it (LambdaTaskHandler over a fake
// AlarmReader and a FakeClock): one check, a watch that ends at its time, one that stops at the
// first alarm in ALARM, missing alarms, a reader that fails (the gate fails closed) and a
// cancelled watch. CloudWatch itself is exercised end to end in tests/ferry/e2e_traffic_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <mutex>
#include <thread>

#include "delegate/lambda/lambda_tasks.h"

namespace ferry::delegate {
namespace {

using ::testing::HasSubstr;

// Answers each Read with the next scripted reading (the last one repeats).
class ScriptedAlarms final : public AlarmReader {
 public:
  std::deque<Result<std::vector<lambda::AlarmState>>> readings;
  int reads = 0;
  Result<std::vector<lambda::AlarmState>> Read(const lambda::AlarmSelector&,
                                               std::vector<std::string>*,
                                               std::stop_token) override {
    std::lock_guard lock(mu_);
    ++reads;
    auto next = readings.front();
    if (readings.size() > 1) readings.pop_front();
    return next;
  }

 private:
  std::mutex mu_;
};

class AlarmsOnlyProvider final : public LambdaApiProvider {
 public:
  explicit AlarmsOnlyProvider(AlarmReader& reader) : reader_(reader) {}
  Result<LambdaApi*> For(const lambda::LambdaTarget&) override {
    return Error{ErrorCode::kUnimplemented, "no Lambda here"};
  }
  Result<AlarmReader*> AlarmsFor(const lambda::LambdaTarget&) override { return &reader_; }

 private:
  AlarmReader& reader_;
};

class Context final : public TaskContext {
 public:
  void Log(TaskLogLevel, const std::string& text) override { lines.push_back(text); }
  std::stop_token stop() const override { return source.get_token(); }
  std::vector<std::string> lines;
  std::stop_source source;
};

class AlarmGateTaskTest : public ::testing::Test {
 protected:
  TaskResult Run(const lambda::AlarmGateTask& task) {
    AlarmsOnlyProvider provider(reader_);
    LambdaTaskHandler handler(provider, LambdaTaskOptions{.clock = &clock_});
    TaskAssignment a;
    a.kind = lambda::kAlarmGateTask;
    a.payload_json = lambda::EncodeAlarmGateTask(task);
    return handler.Run(a, context_);
  }
  lambda::AlarmGateTask Gate(std::optional<TimePoint> until = std::nullopt) {
    lambda::AlarmGateTask t;
    t.target.region = "us-east-1";
    t.alarms = {{"errors"}, {}};
    t.until = until;
    t.poll = std::chrono::seconds(3);
    return t;
  }
  static std::vector<lambda::AlarmState> State(const std::string& state) {
    return {lambda::AlarmState{"errors", state, state == "ALARM" ? "Threshold Crossed" : "", {}}};
  }

  ScriptedAlarms reader_;
  FakeClock clock_{TimePoint(std::chrono::seconds(1'800'000'000)), /*auto_advance=*/true};
  Context context_;
};

TEST_F(AlarmGateTaskTest, OneCheckReadsOnce) {
  reader_.readings = {State("OK")};
  TaskResult r = Run(Gate());
  ASSERT_TRUE(r.succeeded) << r.error;
  auto result = lambda::DecodeAlarmGateResult(r.result_json);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->checks, 1);
  EXPECT_FALSE(result->fired.has_value());
}

TEST_F(AlarmGateTaskTest, AQuietWatchEndsAtItsTimeAndRecordsEachChange) {
  reader_.readings = {State("INSUFFICIENT_DATA"), State("OK")};
  TaskResult r = Run(Gate(clock_.Now() + std::chrono::seconds(30)));
  ASSERT_TRUE(r.succeeded) << r.error;
  auto result = lambda::DecodeAlarmGateResult(r.result_json);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->checks, 11) << "at 0, 3, …, 30 s";
  ASSERT_EQ(result->seen.size(), 2u) << "INSUFFICIENT_DATA, then OK";
  EXPECT_EQ(result->seen[1].alarm.state, "OK");
  EXPECT_GE(clock_.Now(), TimePoint(std::chrono::seconds(1'800'000'030)));
}

TEST_F(AlarmGateTaskTest, AWatchStopsAtTheFirstAlarmInAlarm) {
  reader_.readings = {State("OK"), State("OK"), State("ALARM")};
  TaskResult r = Run(Gate(clock_.Now() + std::chrono::minutes(10)));
  ASSERT_TRUE(r.succeeded) << "the task did its job; the step decides";
  auto result = lambda::DecodeAlarmGateResult(r.result_json);
  ASSERT_TRUE(result.ok());
  ASSERT_TRUE(result->fired.has_value());
  EXPECT_EQ(result->fired->reason, "Threshold Crossed");
  EXPECT_EQ(result->checks, 3);
  EXPECT_EQ(result->fired_seen_at, TimePoint(std::chrono::seconds(1'800'000'006)));
}

TEST_F(AlarmGateTaskTest, MissingAlarmsAndAFailingReaderFailTheTask) {
  reader_.readings = {std::vector<lambda::AlarmState>{}};
  TaskResult r = Run(Gate());
  EXPECT_FALSE(r.succeeded);
  EXPECT_THAT(r.error, HasSubstr("no such CloudWatch alarm: errors"));
  reader_.readings = {Error{ErrorCode::kUnavailable, "CloudWatch is down"}};
  r = Run(Gate(clock_.Now() + std::chrono::minutes(1)));
  EXPECT_FALSE(r.succeeded) << "a gate that cannot be read is closed";
  EXPECT_THAT(r.error, HasSubstr("cannot read the alarms (errors): CloudWatch is down"));
}

TEST_F(AlarmGateTaskTest, ACancelledWatchStops) {
  reader_.readings = {State("OK")};
  context_.source.request_stop();
  TaskResult r = Run(Gate(clock_.Now() + std::chrono::hours(1)));
  EXPECT_FALSE(r.succeeded);
  EXPECT_EQ(r.error, "cancelled");
  EXPECT_EQ(reader_.reads, 1);
}

TEST_F(AlarmGateTaskTest, AMalformedPayloadFailsNamingIt) {
  AlarmsOnlyProvider provider(reader_);
  LambdaTaskHandler handler(provider, LambdaTaskOptions{.clock = &clock_});
  TaskAssignment a;
  a.kind = lambda::kAlarmGateTask;
  a.payload_json = R"({"target": {"region": "us-east-1"}, "alarms": {"names": []}})";
  TaskResult r = handler.Run(a, context_);
  EXPECT_FALSE(r.succeeded);
  EXPECT_THAT(r.error, HasSubstr("the gate names no alarm"));
}

}  // namespace
}  // namespace ferry::delegate
