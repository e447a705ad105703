// Contract: LogStore (see store/log_store.h): gapless per-execution sequences, follow from a
// sequence, masking and truncation.
#include <thread>

#include "common/secret_mask.h"
#include "store/limits.h"
#include "store_contract.h"

namespace ferry::store::testing {
namespace {

TEST_P(StoreContractTest, LogAppendAndFollowFromASequence) {
  ExecutionRecord e = CreateExecution();
  auto& logs = store().logs();
  auto last = logs.Append(e.id, {{.step_index = 0, .source = "engine", .text = "snapshot"},
                                 {.step_index = 0, .source = "engine", .text = "publish"}});
  FERRY_ASSERT_OK(last);
  EXPECT_EQ(*last, 2);
  clock_.Advance(std::chrono::seconds(1));
  last = logs.Append(
      e.id, {{.step_index = 1, .level = LogLevel::kWarn, .source = "delegate-1", .text = "slow"}});
  FERRY_ASSERT_OK(last);
  EXPECT_EQ(*last, 3);

  auto all = logs.Read({.execution_id = e.id});
  FERRY_ASSERT_OK(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].sequence, 1);
  EXPECT_EQ((*all)[0].text, "snapshot");
  EXPECT_EQ((*all)[2].level, LogLevel::kWarn);
  EXPECT_EQ((*all)[2].source, "delegate-1");
  EXPECT_EQ((*all)[2].at, clock_.Now());

  // A follower that has seen line 2 gets only line 3, then nothing until more arrives.
  auto tail = logs.Read({.execution_id = e.id, .after_sequence = 2});
  FERRY_ASSERT_OK(tail);
  ASSERT_EQ(tail->size(), 1u);
  EXPECT_EQ((*tail)[0].text, "slow");
  EXPECT_TRUE(logs.Read({.execution_id = e.id, .after_sequence = 3})->empty());
  EXPECT_EQ(logs.Read({.execution_id = e.id, .step_index = 0})->size(), 2u);
  auto limited = logs.Read({.execution_id = e.id, .limit = 2});
  FERRY_ASSERT_OK(limited);
  EXPECT_EQ(limited->size(), 2u);

  // Sequences are per execution.
  ExecutionRecord other = CreateExecution();
  EXPECT_EQ(*logs.Append(other.id, {{.source = "engine", .text = "x"}}), 1);
}

TEST_P(StoreContractTest, ALogLineKeepsTheTimeItWasWrittenButNeverAFutureOne) {
  ExecutionRecord e = CreateExecution();
  const TimePoint written = clock_.Now();
  clock_.Advance(std::chrono::milliseconds(250));  // the batch arrives a little later
  FERRY_ASSERT_OK(store().logs().Append(
      e.id, {{.source = "delegate-1", .text = "written earlier", .at = written},
             {.source = "delegate-1", .text = "a skewed clock", .at = clock_.Now() + std::chrono::hours(1)},
             {.source = "engine", .text = "no time given"}}));
  auto lines = store().logs().Read({.execution_id = e.id});
  FERRY_ASSERT_OK(lines);
  ASSERT_EQ(lines->size(), 3u);
  EXPECT_EQ((*lines)[0].at, written);
  EXPECT_EQ((*lines)[1].at, clock_.Now());
  EXPECT_EQ((*lines)[2].at, clock_.Now());
}

TEST_P(StoreContractTest, LogRejectsUnknownExecutionsAndBadInput) {
  auto& logs = store().logs();
  EXPECT_EQ(logs.Append("nope", {{.source = "engine", .text = "x"}}).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(logs.Read({.execution_id = "nope"}).error().code, ErrorCode::kNotFound);
  ExecutionRecord e = CreateExecution();
  EXPECT_EQ(logs.Append(e.id, {{.source = "", .text = "x"}}).error().code,
            ErrorCode::kInvalidArgument);
  std::vector<NewLogLine> too_many(kMaxPageSize + 1, NewLogLine{.source = "e", .text = "x"});
  EXPECT_EQ(logs.Append(e.id, too_many).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(logs.Read({.execution_id = e.id, .limit = 0}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(logs.Read({.execution_id = e.id})->empty());
}

TEST_P(StoreContractTest, LogLinesAreMaskedTruncatedAndMadeValidUtf8) {
  ExecutionRecord e = CreateExecution();
  SecretMasker::Global().Register("s3cr3t-value-for-store-test");
  auto& logs = store().logs();
  std::string huge(kMaxLogLineBytes * 2, 'x');
  FERRY_ASSERT_OK(
      logs.Append(e.id, {{.source = "d", .text = "password is s3cr3t-value-for-store-test"},
                         {.source = "d", .text = huge},
                         {.source = "d", .text = "bad \xff\xfe bytes"}}));
  auto lines = logs.Read({.execution_id = e.id});
  FERRY_ASSERT_OK(lines);
  ASSERT_EQ(lines->size(), 3u);
  EXPECT_EQ((*lines)[0].text.find("s3cr3t"), std::string::npos) << (*lines)[0].text;
  EXPECT_LE((*lines)[1].text.size(), kMaxLogLineBytes);
  EXPECT_NE((*lines)[1].text.find("[truncated]"), std::string::npos);
  EXPECT_EQ((*lines)[2].text.find('\xff'), std::string::npos);
  SecretMasker::Global().Unregister("s3cr3t-value-for-store-test");
}

TEST_P(StoreContractTest, ConcurrentLogAppendsStayGapless) {
  ExecutionRecord e = CreateExecution();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto appended = store().logs().Append(
            e.id, {{.source = "t" + std::to_string(t), .text = std::to_string(i)}});
        EXPECT_TRUE(appended.ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  auto lines = store().logs().Read({.execution_id = e.id, .limit = 1000});
  FERRY_ASSERT_OK(lines);
  ASSERT_EQ(lines->size(), 100u);
  for (size_t i = 0; i < lines->size(); ++i) {
    EXPECT_EQ((*lines)[i].sequence, static_cast<int64_t>(i) + 1);
  }
}

// After an abort a delegate may still send output; the execution's final line stays last:
// lines appended once the execution ended are dropped (issue 18, item 5).
TEST_P(StoreContractTest, LinesAppendedAfterTheFinalLineAreDropped) {
  ExecutionRecord e = CreateExecution();
  auto& executions = store().executions();
  FERRY_ASSERT_OK(store().logs().Append(e.id, {{.source = "engine", .text = "started"}}));
  FERRY_ASSERT_OK(executions.Transition(
      {.id = e.id, .from = ExecutionStatus::kQueued, .to = ExecutionStatus::kRunning}));
  FERRY_ASSERT_OK(executions.Transition(
      {.id = e.id,
       .from = ExecutionStatus::kRunning,
       .to = ExecutionStatus::kAborted,
       .log = {{.source = "engine", .text = "execution aborted"}}}));
  auto late = store().logs().Append(e.id, {{.source = "delegate", .text = "late output"},
                                           {.source = "delegate", .text = "more"}});
  FERRY_ASSERT_OK(late);
  EXPECT_EQ(*late, 2) << "the last sequence the execution has";
  auto lines = store().logs().Read({.execution_id = e.id});
  FERRY_ASSERT_OK(lines);
  ASSERT_EQ(lines->size(), 2u);
  EXPECT_EQ(lines->back().text, "execution aborted");
}

// The line that says how an execution ended commits with the status: a follower that reads the
// terminal status and then the log always finds it; a transition that loses writes no line.
TEST_P(StoreContractTest, TransitionLogLinesCommitWithTheStatus) {
  ExecutionRecord e = CreateExecution();
  auto& executions = store().executions();
  SecretMasker::Global().Register("s3cr3t-in-a-transition-line");
  FERRY_ASSERT_OK(store().logs().Append(e.id, {{.source = "engine", .text = "started"}}));
  FERRY_ASSERT_OK(executions.Transition(
      {.id = e.id, .from = ExecutionStatus::kQueued, .to = ExecutionStatus::kRunning}));
  auto done = executions.Transition(
      {.id = e.id,
       .from = ExecutionStatus::kRunning,
       .to = ExecutionStatus::kFailed,
       .log = {{.level = LogLevel::kError,
                .source = "engine",
                .text = "execution failed: s3cr3t-in-a-transition-line was refused"}}});
  FERRY_ASSERT_OK(done);
  auto lines = store().logs().Read({.execution_id = e.id});
  FERRY_ASSERT_OK(lines);
  ASSERT_EQ(lines->size(), 2u);
  EXPECT_EQ(lines->back().sequence, 2);
  EXPECT_EQ(lines->back().level, LogLevel::kError);
  EXPECT_EQ(lines->back().text.find("s3cr3t"), std::string::npos)
      << "transition log lines are masked like appended ones";
  SecretMasker::Global().Unregister("s3cr3t-in-a-transition-line");

  // A stale writer loses: neither its status nor its line is written.
  auto stale =
      executions.Transition({.id = e.id,
                             .from = ExecutionStatus::kRunning,
                             .to = ExecutionStatus::kSucceeded,
                             .log = {{.source = "engine", .text = "execution succeeded"}}});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(store().logs().Read({.execution_id = e.id})->size(), 2u);

  // Bad lines are refused before anything is written.
  ExecutionRecord other = CreateExecution();
  auto bad = executions.Transition({.id = other.id,
                                    .from = ExecutionStatus::kQueued,
                                    .to = ExecutionStatus::kRunning,
                                    .log = {{.step_index = -1, .source = "engine", .text = "x"}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(executions.Get(other.id)->status, ExecutionStatus::kQueued);
}

}  // namespace
}  // namespace ferry::store::testing
