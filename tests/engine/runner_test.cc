// engine::Runner: wakes, sleeps until the engine's next re-check, stops promptly. Time is a
// FakeClock; waits are on conditions with a real-time deadline, never fixed sleeps.
#include "engine/runner.h"

#include <atomic>
#include <functional>
#include <thread>

#include "engine/engine_fixture.h"

namespace ferry::engine {
namespace {

using store::ExecutionStatus;
using testing::DeployRequest;
using testing::EngineTest;
using testing::RollbackRequest;

// Polls `condition` until it holds or a generous real-time deadline passes.
bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::yield();
  }
  return condition();
}

class RunnerTest : public EngineTest {
 protected:
  ExecutionStatus Status(const std::string& id) { return store_->executions().Get(id)->status; }
};

TEST_F(RunnerTest, AWakeRunsTheEngineWithoutWaitingForAPoll) {
  Runner runner(*engine_, clock_, RunnerOptions{.max_idle = std::chrono::hours(1)});
  runner.Start();
  ASSERT_TRUE(Eventually([&] { return runner.rounds() >= 1 && clock_.sleepers() >= 1; }));
  auto e = StartDeploy(Request("SHA-1"));
  ASSERT_TRUE(e.ok());
  runner.Wake();
  EXPECT_TRUE(Eventually([&] { return Status(e->id) == ExecutionStatus::kRunning; }))
      << "the clock never moved: only the wake can have run it";
  runner.Stop();
}

TEST_F(RunnerTest, OnAdvancedRunsAfterARoundThatAdvancedSomething) {
  std::atomic<int> advanced{0};
  Runner runner(*engine_, clock_,
                RunnerOptions{.max_idle = std::chrono::hours(1),
                              .on_advanced = [&advanced] { advanced.fetch_add(1); }});
  runner.Start();
  ASSERT_TRUE(Eventually([&] { return runner.rounds() >= 1 && clock_.sleepers() >= 1; }));
  EXPECT_EQ(advanced.load(), 0) << "an empty round advanced nothing";
  auto e = StartDeploy(Request("SHA-1"));
  ASSERT_TRUE(e.ok());
  runner.Wake();
  EXPECT_TRUE(Eventually([&] { return advanced.load() >= 1; }));
  runner.Stop();
}

TEST_F(RunnerTest, DelegateCompletionsWakeTheRunnerThroughTheTransport) {
  Runner runner(*engine_, clock_, RunnerOptions{.max_idle = std::chrono::hours(1)});
  EmbeddedTransport transport(*store_, [&runner] { runner.Wake(); });
  delegate::DelegateAgent agent(transport, clock_, delegate::AgentOptions{});
  for (const std::string& kind : delegate::LambdaTaskHandler::Kinds()) {
    agent.Register(kind, handler_);
  }
  auto e = StartDeploy(Request("SHA-1"));
  ASSERT_TRUE(e.ok());
  runner.Start();
  // The test thread is the delegate; time never advances.
  EXPECT_TRUE(Eventually([&] {
    EXPECT_TRUE(agent.RunOne().ok());
    return store::IsTerminal(Status(e->id));
  }));
  EXPECT_EQ(Status(e->id), ExecutionStatus::kSucceeded);
  EXPECT_EQ(Alias("orders-api", "dev"), "1");
  runner.Stop();
}

// `ferry server`'s wiring (server_runtime.cc): a result wakes the runner through the transport,
// a round that advanced wakes the agent. With both, a deployment goes snapshot → deploy → prune
// (nothing to prune: no task) → succeeded while the fake clock never moves and every poll interval is an hour: no step waits
// for a runner tick or an agent poll (bench/RESULTS.md, engine overhead).
TEST_F(RunnerTest, ServerWiringRunsAWholeDeploymentWithoutAnyPoll) {
  std::unique_ptr<delegate::DelegateAgent> agent;
  std::atomic<int> agent_wakes{0};
  Runner runner(*engine_, clock_,
                RunnerOptions{.max_idle = std::chrono::hours(1), .on_advanced = [&] {
                                agent_wakes.fetch_add(1);
                                agent->Wake();
                              }});
  EmbeddedTransport transport(*store_, [&runner] { runner.Wake(); });
  delegate::AgentOptions agent_options;
  agent_options.idle_poll = std::chrono::hours(1);
  agent_options.heartbeat = std::chrono::hours(1);
  agent_options.lease = std::chrono::hours(2);
  agent_options.max_concurrent_tasks = 2;
  agent = std::make_unique<delegate::DelegateAgent>(transport, clock_, agent_options);
  for (const std::string& kind : delegate::LambdaTaskHandler::Kinds()) {
    agent->Register(kind, handler_);
  }
  const TimePoint start = clock_.Now();
  std::jthread agent_thread([&agent](std::stop_token stop) { agent->Run(stop); });
  runner.Start();
  // Both loops idle (the runner sleeps max_idle, both agent workers their idle poll).
  ASSERT_TRUE(Eventually([&] { return clock_.sleepers() >= 3; }));
  auto e = StartDeploy(Request("SHA-1"));
  ASSERT_TRUE(e.ok());
  runner.Wake();  // what the API does after creating an execution
  const bool ended = Eventually([&] { return store::IsTerminal(Status(e->id)); });
  runner.Stop();
  agent_thread.request_stop();
  agent_thread.join();
  ASSERT_TRUE(ended) << "an hour-long poll was needed somewhere: status "
                     << store::ExecutionStatusName(Status(e->id));
  ASSERT_EQ(Status(e->id), ExecutionStatus::kSucceeded);
  EXPECT_EQ(Alias("orders-api", "dev"), "1");
  EXPECT_EQ(clock_.Now(), start) << "the fake clock never moved";
  // Two tasks (snapshot, deploy; pruning one version needs none): the agent was woken for each.
  EXPECT_GE(agent_wakes.load(), 2);
}

TEST_F(RunnerTest, SleepsUntilTheEnginesNextRecheck) {
  auto e = StartDeploy(Request("SHA-1"));
  ASSERT_TRUE(e.ok());
  Runner runner(*engine_, clock_, RunnerOptions{.max_idle = std::chrono::hours(1)});
  runner.Start();
  // It starts the execution, which then waits for its snapshot task: re-check in poll (5s).
  ASSERT_TRUE(Eventually(
      [&] { return Status(e->id) == ExecutionStatus::kRunning && clock_.sleepers() >= 1; }));
  const int64_t rounds = runner.rounds();
  clock_.Advance(std::chrono::seconds(5));
  EXPECT_TRUE(Eventually([&] { return runner.rounds() > rounds; }))
      << "woke at the engine's wake time, long before max_idle";
  runner.Stop();
}

TEST_F(RunnerTest, StopInterruptsTheSleepAndIsIdempotent) {
  Runner runner(*engine_, clock_, RunnerOptions{.max_idle = std::chrono::hours(24)});
  runner.Stop();  // not started: no-op
  runner.Start();
  runner.Start();  // already running: no-op
  ASSERT_TRUE(Eventually([&] { return clock_.sleepers() >= 1; }));
  runner.Stop();  // returns although the fake clock never reaches the wake time
  runner.Stop();
  const int64_t rounds = runner.rounds();
  runner.Wake();  // stopped: nothing runs
  EXPECT_EQ(runner.rounds(), rounds);
  runner.Start();  // can start again
  EXPECT_TRUE(Eventually([&] { return runner.rounds() > rounds; }));
}

}  // namespace
}  // namespace ferry::engine
