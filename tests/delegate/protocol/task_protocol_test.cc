#include "delegate/protocol/task_protocol.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "delegate/protocol/agent.h"

namespace ferry::delegate {
namespace {

using ::testing::HasSubstr;

TaskAssignment Assignment() {
  TaskAssignment a;
  a.task_id = "01TASK";
  a.kind = "lambda.deploy";
  a.payload_json = R"({"functions":[]})";
  a.attempt = 2;
  a.owner = "delegate-1";
  a.execution_id = "01EXEC";
  a.step_index = 0;
  return a;
}

TEST(TaskProtocolTest, MessagesRoundTrip) {
  TaskAssignment a = Assignment();
  auto back = DecodeAssignment(EncodeAssignment(a));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->task_id, a.task_id);
  EXPECT_EQ(back->kind, a.kind);
  EXPECT_EQ(back->payload_json, a.payload_json);
  EXPECT_EQ(back->attempt, 2);
  EXPECT_EQ(back->execution_id, a.execution_id);
  EXPECT_EQ(back->step_index, 0);

  TaskAssignment who;
  auto result = DecodeResult(EncodeResult(a, {false, R"({"x":1})", "boom"}), &who);
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->succeeded);
  EXPECT_EQ(result->result_json, R"({"x":1})");
  EXPECT_EQ(result->error, "boom");
  EXPECT_EQ(who.task_id, "01TASK");
  EXPECT_EQ(who.owner, "delegate-1");

  const TimePoint written = TimePoint(std::chrono::milliseconds(1'800'000'000'123));
  auto lines = DecodeLogLines(
      EncodeLogLines(a, {{TaskLogLevel::kWarn, "slow", written}, {TaskLogLevel::kInfo, "no time"}}),
      &who);
  ASSERT_TRUE(lines.ok());
  ASSERT_EQ(lines->size(), 2u);
  EXPECT_EQ((*lines)[0].level, TaskLogLevel::kWarn);
  EXPECT_EQ((*lines)[0].text, "slow");
  EXPECT_EQ((*lines)[0].at, written);
  EXPECT_FALSE((*lines)[1].at.has_value());
}

TEST(TaskProtocolTest, MalformedAndHostileMessagesAreRejected) {
  const char* bad[] = {
      "",
      "not json",
      "[]",
      R"({"taskId": "t", "owner": "o", "attempt": 1, "kind": "k"})",  // no payload
      R"({"taskId": "t", "owner": "o", "attempt": 1, "kind": "k", "payload": []})",
      R"({"taskId": 5, "owner": "o", "attempt": 1, "kind": "k", "payload": {}})",
      R"({"taskId": "t", "owner": "o", "attempt": -1, "kind": "k", "payload": {}})",
      R"({"taskId": "t", "owner": "o", "attempt": 1, "kind": "k", "payload": {}, "stepIndex": -3})",
  };
  for (const char* text : bad) {
    auto a = DecodeAssignment(text);
    EXPECT_FALSE(a.ok()) << text;
  }
  std::string deep(100000, '[');
  EXPECT_FALSE(DecodeAssignment(deep).ok());
  std::string huge =
      R"({"taskId": "t", "owner": "o", "attempt": 1, "kind": "k", "payload": {"x": ")" +
      std::string(kMaxTaskMessageBytes, 'a') + "\"}}";
  auto too_big = DecodeAssignment(huge);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code, ErrorCode::kPayloadTooLarge);

  EXPECT_FALSE(DecodeResult(R"({"taskId": "t", "owner": "o", "attempt": 1})", nullptr).ok());
  EXPECT_FALSE(
      DecodeLogLines(
          R"({"taskId": "t", "owner": "o", "attempt": 1, "lines": [{"level": "loud", "text": "x"}]})",
          nullptr)
          .ok());
  for (const char* at : {R"("yesterday")", "12", R"("2026-13-40T00:00:00Z")", "[]"}) {
    EXPECT_FALSE(DecodeLogLines(std::string(R"({"taskId": "t", "owner": "o", "attempt": 1, )") +
                                    R"("lines": [{"level": "info", "text": "x", "at": )" + at +
                                    "}]}",
                                nullptr)
                     .ok())
        << at;
  }
  std::string many = R"({"taskId": "t", "owner": "o", "attempt": 1, "lines": [)";
  for (int i = 0; i < 1001; ++i)
    many += std::string(i ? "," : "") + R"({"level": "info", "text": "x"})";
  many += "]}";
  EXPECT_FALSE(DecodeLogLines(many, nullptr).ok());
}

// An in-memory transport that records what the agent sends.
class RecordingTransport final : public TaskTransport {
 public:
  std::deque<TaskAssignment> queue;
  std::vector<std::pair<std::string, TaskResult>> completed;
  std::vector<std::string> logs;
  std::vector<std::vector<TaskLogLine>> log_batches;
  size_t logs_when_completed = 0;
  bool lose_lease = false;
  int unanswered_heartbeats = 0;  // the first N heartbeats fail as if the server were down
  FakeClock* clock = nullptr;     // when set, heartbeat_times records each heartbeat's time
  std::vector<TimePoint> heartbeat_times;

  Result<std::optional<TaskAssignment>> ClaimNext(const std::string& id,
                                                  const std::vector<std::string>&,
                                                  Duration) override {
    std::lock_guard lock(mu);
    if (queue.empty()) return std::optional<TaskAssignment>();
    TaskAssignment a = queue.front();
    queue.pop_front();
    a.owner = id;
    return std::optional<TaskAssignment>(a);
  }
  Status Heartbeat(const TaskAssignment&, Duration) override {
    if (lose_lease) return Error{ErrorCode::kFailedPrecondition, "lease lost"};
    std::lock_guard lock(mu);
    if (clock != nullptr) heartbeat_times.push_back(clock->Now());
    if (unanswered_heartbeats > 0) {
      --unanswered_heartbeats;
      return Error{ErrorCode::kUnavailable, "connection refused"};
    }
    return Ok();
  }
  Status AppendLog(const TaskAssignment&, const std::vector<TaskLogLine>& lines) override {
    std::lock_guard lock(mu);
    for (const auto& l : lines) logs.push_back(l.text);
    log_batches.push_back(lines);
    return Ok();
  }
  Status Complete(const TaskAssignment& a, const TaskResult& r) override {
    std::lock_guard lock(mu);
    completed.emplace_back(a.task_id, r);
    logs_when_completed = logs.size();
    return Ok();
  }
  std::mutex mu;
};

class EchoHandler final : public TaskHandler {
 public:
  TaskResult Run(const TaskAssignment& a, TaskContext& ctx) override {
    ctx.Log(TaskLogLevel::kInfo, "running " + a.task_id);
    return TaskResult{true, a.payload_json, ""};
  }
};

// Waits (on the fake clock's sleepers) until its stop token fires: a task that would run forever.
class BlockingHandler final : public TaskHandler {
 public:
  explicit BlockingHandler(FakeClock& clock) : clock_(clock) {}
  TaskResult Run(const TaskAssignment&, TaskContext& ctx) override {
    while (!ctx.stop().stop_requested()) clock_.SleepFor(std::chrono::seconds(1), ctx.stop());
    return TaskResult{false, "{}", "stopped: lease lost"};
  }

 private:
  FakeClock& clock_;
};

TEST(DelegateAgentTest, RunsHandlersReportsResultsAndFailsUnknownKinds) {
  RecordingTransport transport;
  FakeClock clock;
  DelegateAgent agent(transport, clock, AgentOptions{});
  EchoHandler echo;
  agent.Register("echo", echo);
  TaskAssignment a = Assignment();
  a.kind = "echo";
  transport.queue.push_back(a);
  TaskAssignment unknown = Assignment();
  unknown.task_id = "02TASK";
  unknown.kind = "launch.rockets";
  transport.queue.push_back(unknown);

  EXPECT_TRUE(*agent.RunOne());
  EXPECT_TRUE(*agent.RunOne());
  EXPECT_FALSE(*agent.RunOne());
  ASSERT_EQ(transport.completed.size(), 2u);
  EXPECT_TRUE(transport.completed[0].second.succeeded);
  EXPECT_EQ(transport.completed[0].second.result_json, a.payload_json);
  EXPECT_FALSE(transport.completed[1].second.succeeded);
  EXPECT_THAT(transport.completed[1].second.error, HasSubstr("cannot run tasks of kind"));
  EXPECT_EQ(transport.logs, std::vector<std::string>{"running 01TASK"});
}

// Writes `lines` log lines, then waits (on the fake clock) until told to finish.
class ChattyHandler final : public TaskHandler {
 public:
  ChattyHandler(FakeClock& clock, int lines) : clock_(clock), lines_(lines) {}
  TaskResult Run(const TaskAssignment&, TaskContext& ctx) override {
    for (int i = 0; i < lines_; ++i) ctx.Log(TaskLogLevel::kInfo, "line " + std::to_string(i));
    while (!finish.load()) clock_.SleepFor(std::chrono::seconds(1), ctx.stop());
    return TaskResult{true, "{}", ""};
  }
  std::atomic<bool> finish{false};

 private:
  FakeClock& clock_;
  int lines_;
};

TEST(DelegateAgentTest, LogLinesTravelInOrderedBatchesAndAllArriveBeforeTheResult) {
  RecordingTransport transport;
  FakeClock clock;
  DelegateAgent agent(transport, clock, AgentOptions{});
  ChattyHandler chatty(clock, 250);
  chatty.finish = true;
  agent.Register("chatty", chatty);
  TaskAssignment a = Assignment();
  a.kind = "chatty";
  transport.queue.push_back(a);
  EXPECT_TRUE(*agent.RunOne());
  ASSERT_EQ(transport.logs.size(), 250u);
  for (int i = 0; i < 250; ++i) EXPECT_EQ(transport.logs[i], "line " + std::to_string(i));
  EXPECT_EQ(transport.logs_when_completed, 250u) << "every line arrives before the result";
  // 250 lines in 3 transport calls (100, 100, 50), not 250; each line keeps its time.
  ASSERT_EQ(transport.log_batches.size(), 3u);
  EXPECT_EQ(transport.log_batches[0].size(), 100u);
  EXPECT_EQ(transport.log_batches[2].size(), 50u);
  for (const auto& batch : transport.log_batches) {
    for (const TaskLogLine& line : batch) EXPECT_EQ(line.at, clock.Now());
  }
}

TEST(DelegateAgentTest, ALogLineOfARunningTaskArrivesWithinTheFlushInterval) {
  RecordingTransport transport;
  FakeClock clock;
  AgentOptions options;
  options.log_flush = std::chrono::milliseconds(250);
  options.heartbeat = std::chrono::seconds(10);
  DelegateAgent agent(transport, clock, options);
  ChattyHandler chatty(clock, 1);
  agent.Register("chatty", chatty);
  TaskAssignment a = Assignment();
  a.kind = "chatty";
  transport.queue.push_back(a);
  std::thread runner([&] { EXPECT_TRUE(*agent.RunOne()); });
  // The handler sleeps with its line buffered; the companion thread sends it at its next tick.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool arrived = false;
  while (!arrived && std::chrono::steady_clock::now() < deadline) {
    if (clock.sleepers() >= 2) clock.Advance(std::chrono::milliseconds(250));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::lock_guard lock(transport.mu);
    arrived = !transport.logs.empty();
  }
  {
    std::lock_guard lock(transport.mu);
    EXPECT_TRUE(arrived) << "the line waited for the end of the task";
    EXPECT_TRUE(transport.completed.empty()) << "the task is still running";
  }
  chatty.finish = true;
  while (clock.sleepers() > 0) {
    clock.Advance(std::chrono::seconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  runner.join();
  ASSERT_EQ(transport.completed.size(), 1u);
  EXPECT_EQ(transport.logs, std::vector<std::string>{"line 0"});
}

TEST(DelegateAgentTest, LostLeaseStopsTheHandler) {
  RecordingTransport transport;
  transport.lose_lease = true;
  FakeClock clock;
  AgentOptions options;
  options.heartbeat = std::chrono::seconds(10);
  DelegateAgent agent(transport, clock, options);
  BlockingHandler blocking(clock);
  agent.Register("block", blocking);
  TaskAssignment a = Assignment();
  a.kind = "block";
  transport.queue.push_back(a);
  std::thread runner([&] { EXPECT_TRUE(*agent.RunOne()); });
  // Advance (in simulated time) until the heartbeat reports the lost lease and the handler ends.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(transport.mu);
      if (!transport.completed.empty()) break;
    }
    if (clock.sleepers() >= 1) clock.Advance(std::chrono::seconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  runner.join();
  ASSERT_EQ(transport.completed.size(), 1u);
  EXPECT_THAT(transport.completed[0].second.error, HasSubstr("lease lost"));
}

TEST(DelegateAgentTest, AHeartbeatThatDidNotArriveIsRetriedAtTheNextTick) {
  RecordingTransport transport;
  FakeClock clock;
  transport.clock = &clock;
  transport.unanswered_heartbeats = 2;
  AgentOptions options;
  options.log_flush = std::chrono::milliseconds(250);
  options.heartbeat = std::chrono::seconds(3);
  options.lease = std::chrono::seconds(10);
  DelegateAgent agent(transport, clock, options);
  ChattyHandler chatty(clock, 0);
  agent.Register("chatty", chatty);
  TaskAssignment a = Assignment();
  a.kind = "chatty";
  transport.queue.push_back(a);
  const TimePoint start = clock.Now();
  std::thread runner([&] { EXPECT_TRUE(*agent.RunOne()); });
  // Simulated time in 250 ms ticks until four heartbeats went out (two unanswered).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(transport.mu);
      if (transport.heartbeat_times.size() >= 4) break;
    }
    if (clock.sleepers() >= 2) clock.Advance(std::chrono::milliseconds(250));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  chatty.finish = true;
  while (clock.sleepers() > 0) {
    clock.Advance(std::chrono::seconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  runner.join();
  std::lock_guard lock(transport.mu);
  ASSERT_GE(transport.heartbeat_times.size(), 4u);
  // The first at the heartbeat interval; the two retries a tick apart (not 3 s apart, which
  // would let a 7 s outage cost the 10 s lease); then the interval again from the answered one.
  EXPECT_EQ(transport.heartbeat_times[0] - start, std::chrono::seconds(3));
  EXPECT_EQ(transport.heartbeat_times[1] - transport.heartbeat_times[0],
            std::chrono::milliseconds(250));
  EXPECT_EQ(transport.heartbeat_times[2] - transport.heartbeat_times[1],
            std::chrono::milliseconds(250));
  EXPECT_EQ(transport.heartbeat_times[3] - transport.heartbeat_times[2], std::chrono::seconds(3));
}

// The fake clock never advances: only Wake() can end the hour-long idle sleep.
TEST(DelegateAgentTest, WakeEndsTheIdleSleepAndTheTaskIsClaimedAtOnce) {
  RecordingTransport transport;
  FakeClock clock;
  AgentOptions options;
  options.idle_poll = std::chrono::hours(1);
  options.max_concurrent_tasks = 1;
  DelegateAgent agent(transport, clock, options);
  EchoHandler echo;
  agent.Register("echo", echo);
  std::jthread run([&](std::stop_token stop) { agent.Run(stop); });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (clock.sleepers() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_GE(clock.sleepers(), 1) << "the agent never went idle";
  TaskAssignment a = Assignment();
  a.kind = "echo";
  {
    std::lock_guard lock(transport.mu);
    transport.queue.push_back(a);
  }
  agent.Wake();
  bool done = false;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(transport.mu);
      done = !transport.completed.empty();
    }
    if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  run.request_stop();
  run.join();
  ASSERT_TRUE(done) << "the task was not claimed after Wake()";
  EXPECT_TRUE(transport.completed[0].second.succeeded);
}

// Wake from several threads while the agent runs, with nothing to claim: no deadlock, Run still
// stops promptly.
TEST(DelegateAgentTest, WakeIsSafeFromAnyThread) {
  RecordingTransport transport;
  FakeClock clock;
  AgentOptions options;
  options.idle_poll = std::chrono::hours(1);
  options.max_concurrent_tasks = 3;
  DelegateAgent agent(transport, clock, options);
  std::jthread run([&](std::stop_token stop) { agent.Run(stop); });
  {
    std::vector<std::jthread> wakers;
    for (int i = 0; i < 4; ++i) {
      wakers.emplace_back([&] {
        for (int j = 0; j < 200; ++j) agent.Wake();
      });
    }
  }
  run.request_stop();
  run.join();
  EXPECT_TRUE(transport.completed.empty());
}

}  // namespace
}  // namespace ferry::delegate

namespace ferry::delegate {
namespace {

TEST(ClaimRequestTest, RoundTripsAndRefusesHostileInput) {
  ClaimRequest claim{"eu-1", "remote-eu-1-x",          {"region:eu"},
                     "1.0",  std::chrono::seconds(30), std::chrono::seconds(20)};
  auto back = DecodeClaimRequest(EncodeClaimRequest(claim));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->name, "eu-1");
  EXPECT_EQ(back->delegate_id, "remote-eu-1-x");
  EXPECT_EQ(back->selectors, std::vector<std::string>{"region:eu"});
  EXPECT_EQ(back->lease, std::chrono::seconds(30));
  EXPECT_EQ(back->wait, std::chrono::seconds(20));

  for (const char* bad : {"", "[]", "{\"name\":\"a\"}", R"({"name":"a","delegateId":"b"})",
                          R"({"name":"a","delegateId":"b","leaseMs":999})",
                          R"({"name":"a","delegateId":"b","leaseMs":3600001})",
                          R"({"name":"a","delegateId":"b","leaseMs":1000,"waitMs":-1})",
                          R"({"name":"a","delegateId":"b","leaseMs":1000,"waitMs":60001})",
                          R"({"name":"a","delegateId":"b","leaseMs":1000,"selectors":[""]})",
                          R"({"name":"a","delegateId":"b","leaseMs":1000,"selectors":null})",
                          R"({"name":"a","delegateId":"b","leaseMs":1000,"version":7})",
                          R"({"name":"a\u001f","delegateId":"b","leaseMs":1000})",
                          R"({"name":"a","delegateId":"b","leaseMs":1000,"owner":"x"})"}) {
    auto decoded = DecodeClaimRequest(bad);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(HeartbeatMessageTest, RoundTripsAndBoundsTheExtension) {
  TaskAssignment a;
  a.task_id = "t";
  a.owner = "o";
  a.attempt = 2;
  TaskAssignment back;
  auto extension = DecodeHeartbeat(EncodeHeartbeat(a, std::chrono::seconds(10)), &back);
  ASSERT_TRUE(extension.ok()) << extension.error().ToString();
  EXPECT_EQ(*extension, std::chrono::seconds(10));
  EXPECT_EQ(back.task_id, "t");
  EXPECT_EQ(back.attempt, 2);
  EXPECT_FALSE(DecodeHeartbeat(EncodeHeartbeat(a, std::chrono::milliseconds(0)), &back).ok());
  EXPECT_FALSE(DecodeHeartbeat(EncodeHeartbeat(a, std::chrono::hours(2)), &back).ok());
  EXPECT_FALSE(DecodeHeartbeat(R"({"taskId":"t","owner":"o","attempt":1})", &back).ok());
}

}  // namespace
}  // namespace ferry::delegate
