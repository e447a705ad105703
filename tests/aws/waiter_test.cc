#include "aws/waiter.h"

#include <gtest/gtest.h>

#include <deque>
#include <thread>

#include "aws/service_client.h"

namespace ferry::aws {
namespace {

using std::chrono::seconds;

Error AwsError(const std::string& code, int status) {
  Error e{MapAwsErrorCode(code, status), "lambda GetFunction: " + code};
  e.details = {{"aws_code", code}, {"http_status", std::to_string(status)}};
  return e;
}

// Answers polls from a script; the last entry repeats.
class Script {
 public:
  explicit Script(std::deque<Result<std::string>> steps) : steps_(std::move(steps)) {}
  WaiterPoll Poll() {
    return [this]() -> Result<std::string> {
      ++calls;
      Result<std::string> r = steps_.front();
      if (steps_.size() > 1) steps_.pop_front();
      return r;
    };
  }
  int calls = 0;

 private:
  std::deque<Result<std::string>> steps_;
};

std::string Config(const std::string& state, const std::string& update = "Successful") {
  return R"({"Configuration":{"State":")" + state + R"(","LastUpdateStatus":")" + update + "\"}}";
}

FakeClock AutoClock() { return FakeClock(TimePoint(seconds(1'800'000'000)), true); }

TEST(WaiterDefinitionsTest, EmbeddedLambdaDefinitionsMatchTheOfficialModel) {
  auto active = LambdaWaiterDefinition("FunctionActiveV2");
  ASSERT_TRUE(active.ok()) << active.error().ToString();
  EXPECT_EQ(active->operation, "GetFunction");
  EXPECT_EQ(active->delay, seconds(1));
  EXPECT_EQ(active->max_attempts, 300);
  ASSERT_EQ(active->acceptors.size(), 3u);
  EXPECT_EQ(active->acceptors[0].argument, "Configuration.State");
  EXPECT_EQ(active->acceptors[0].expected_json, "\"Active\"");
  EXPECT_EQ(active->acceptors[1].state, WaiterState::kFailure);
  auto updated = LambdaWaiterDefinition("FunctionUpdatedV2");
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->acceptors[2].expected_json, "\"InProgress\"");
  auto published = LambdaWaiterDefinition("PublishedVersionActive");
  ASSERT_TRUE(published.ok());
  EXPECT_EQ(published->operation, "GetFunctionConfiguration");
  EXPECT_EQ(published->delay, seconds(5));
  EXPECT_EQ(published->max_attempts, 312);
  for (const char* name : {"FunctionExists", "FunctionActive", "FunctionUpdated"}) {
    EXPECT_TRUE(LambdaWaiterDefinition(name).ok()) << name;
  }
  EXPECT_EQ(LambdaWaiterDefinition("FunctionFlying").error().code, ErrorCode::kNotFound);
}

TEST(WaiterTest, RetriesUntilSuccessOnTheDefinedDelay) {
  FakeClock clock = AutoClock();
  Script script({Config("Pending"), Config("Pending"), Config("Active")});
  auto result = RunWaiter(*LambdaWaiterDefinition("FunctionActiveV2"), script.Poll(), clock);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(script.calls, 3);
  EXPECT_EQ(clock.TotalSlept(), seconds(2));
}

TEST(WaiterTest, SubSecondDelaysForCallersThatShortenTheDefinition) {
  FakeClock clock = AutoClock();
  Script script({Config("Pending"), Config("Pending"), Config("Pending"), Config("Active")});
  WaiterDefinition waiter = *LambdaWaiterDefinition("FunctionActiveV2");
  waiter.delay = std::chrono::milliseconds(20);
  auto result = RunWaiter(waiter, script.Poll(), clock);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(clock.TotalSlept(), std::chrono::milliseconds(60));
}

TEST(WaiterTest, FailureAcceptorStopsWithFailedPrecondition) {
  FakeClock clock = AutoClock();
  Script script({Config("Active", "InProgress"), Config("Active", "Failed")});
  auto result = RunWaiter(*LambdaWaiterDefinition("FunctionUpdatedV2"), script.Poll(), clock);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(result.error().details.at("waiter"), "FunctionUpdatedV2");
}

TEST(WaiterTest, UnmatchedErrorsEndTheWaitAndMatchedErrorsRetry) {
  FakeClock clock = AutoClock();
  Script missing({AwsError("ResourceNotFoundException", 404)});
  auto result = RunWaiter(*LambdaWaiterDefinition("FunctionActiveV2"), missing.Poll(), clock);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.calls, 1);
  // FunctionExists retries on ResourceNotFoundException and succeeds on no error.
  Script appears({AwsError("ResourceNotFoundException", 404), Config("Pending")});
  auto exists = RunWaiter(*LambdaWaiterDefinition("FunctionExists"), appears.Poll(), clock);
  ASSERT_TRUE(exists.ok());
  EXPECT_EQ(appears.calls, 2);
}

TEST(WaiterTest, UnknownStateKeepsPollingUntilMaxAttempts) {
  FakeClock clock = AutoClock();
  Script script({Config("Inactive")});
  WaiterDefinition waiter = *LambdaWaiterDefinition("PublishedVersionActive");
  auto result = RunWaiter(waiter, script.Poll(), clock);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(script.calls, 312);
  EXPECT_EQ(clock.TotalSlept(), seconds(5 * 311));
}

TEST(WaiterTest, MalformedResponsesDoNotMatchPathsAndDoNotCrash) {
  FakeClock clock = AutoClock();
  WaiterDefinition waiter = *LambdaWaiterDefinition("FunctionActiveV2");
  waiter.max_attempts = 3;
  Script script(
      {std::string("{not json"), std::string("[]"), std::string(R"({"Configuration": "Active"})")});
  auto result = RunWaiter(waiter, script.Poll(), clock);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kDeadlineExceeded);
}

TEST(WaiterTest, StopsWhenCancelled) {
  FakeClock clock;  // manual: the waiter blocks in SleepFor until stopped
  std::stop_source stop;
  Script script({Config("Pending")});
  std::optional<Result<std::string>> result;
  std::jthread t([&] {
    result = RunWaiter(*LambdaWaiterDefinition("FunctionActiveV2"), script.Poll(), clock,
                       stop.get_token());
  });
  while (clock.sleepers() == 0) std::this_thread::yield();
  stop.request_stop();
  t.join();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->error().code, ErrorCode::kCancelled);
}

TEST(WaiterTest, PathAllPathAnyAndStatusMatchers) {
  auto defs = ParseWaiterDefinitions(R"({"version":2,"waiters":{
    "AllActive":{"operation":"ListVersionsByFunction","delay":1,"maxAttempts":3,"acceptors":[
      {"matcher":"pathAny","argument":"Versions[].State","expected":"Failed","state":"failure"},
      {"matcher":"pathAll","argument":"Versions[].State","expected":"Active","state":"success"},
      {"matcher":"status","expected":404,"state":"retry"}]}}})");
  ASSERT_TRUE(defs.ok()) << defs.error().ToString();
  const WaiterDefinition& w = defs->at("AllActive");
  FakeClock clock = AutoClock();
  Script ok({AwsError("ResourceNotFoundException", 404),
             std::string(R"({"Versions":[{"State":"Pending"},{"State":"Active"}]})"),
             std::string(R"({"Versions":[{"State":"Active"},{"State":"Active"}]})")});
  EXPECT_TRUE(RunWaiter(w, ok.Poll(), clock).ok());
  EXPECT_EQ(ok.calls, 3);
  Script failed({std::string(R"({"Versions":[{"State":"Active"},{"State":"Failed"}]})")});
  EXPECT_EQ(RunWaiter(w, failed.Poll(), clock).error().code, ErrorCode::kFailedPrecondition);
  // An empty list never satisfies pathAll.
  Script empty({std::string(R"({"Versions":[]})")});
  EXPECT_EQ(RunWaiter(w, empty.Poll(), clock).error().code, ErrorCode::kDeadlineExceeded);
}

TEST(WaiterDefinitionsTest, RejectsMalformedAndUnsupportedDefinitions) {
  for (const char* bad : {
           "",
           "[]",
           R"({"version":1,"waiters":{}})",
           R"({"version":2})",
           R"({"version":2,"waiters":{"W":{"operation":"X","delay":1,"maxAttempts":1,
               "acceptors":[{"matcher":"path","argument":"a[?b=='c']","expected":1,
               "state":"success"}]}}})",
           R"({"version":2,"waiters":{"W":{"operation":"X","delay":1,"maxAttempts":1,
               "acceptors":[{"matcher":"regex","argument":"a","expected":1,"state":"success"}]}}})",
           R"({"version":2,"waiters":{"W":{"operation":"X","delay":-1,"maxAttempts":1,
               "acceptors":[]}}})",
           R"({"version":2,"waiters":{"W":{"operation":"X","delay":1,"maxAttempts":1,
               "acceptors":[{"matcher":"path","argument":"a","expected":1,"state":"maybe"}]}}})",
       }) {
    EXPECT_FALSE(ParseWaiterDefinitions(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace ferry::aws
