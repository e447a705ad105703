// The engine tests' fixture: a real SQLite store in a temp dir, an Engine, an embedded
// delegate (DelegateAgent over EmbeddedTransport) running the Lambda task handlers against a
// FakeLambdaApi, and a FakeClock. Drive() runs engine and delegate until an execution ends.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/json.h"
#include "delegate/lambda/fake_lambda_api.h"
#include "delegate/lambda/lambda_tasks.h"
#include "delegate/protocol/agent.h"
#include "engine/deploy_requests.h"
#include "engine/embedded_transport.h"
#include "engine/engine.h"
#include "engine/steps/builtin.h"
#include "lambda/plan_fixtures.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace ferry::engine::testing {

using lambda::DesiredFunction;
using delegate::fakes::FakeLambdaApi;
using store::ExecutionStatus;
using ::testing::HasSubstr;

class FakeProvider final : public delegate::LambdaApiProvider {
 public:
  explicit FakeProvider(FakeLambdaApi& api) : api_(api) {}
  Result<delegate::LambdaApi*> For(const lambda::LambdaTarget& t) override {
    if (t.region != "us-east-1") return Error{ErrorCode::kInvalidArgument, "unknown region"};
    return static_cast<delegate::LambdaApi*>(&api_);
  }

 private:
  FakeLambdaApi& api_;
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(RegisterBuiltinSteps(steps_).ok());
    Open();
  }

  void Open() {
    store_.reset();
    store::SqliteOptions options;
    options.data_dir = dir_.Sub("data");
    auto opened = store::OpenSqliteStore(options, clock_, ids_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
    transport_ = std::make_unique<EmbeddedTransport>(*store_);
    engine_ = std::make_unique<Engine>(*store_, clock_, steps_, EngineOptions{.owner = NextOwner()});
    agent_ =
        std::make_unique<delegate::DelegateAgent>(*transport_, clock_, delegate::AgentOptions{});
    for (const auto& kind : delegate::LambdaTaskHandler::Kinds()) agent_->Register(kind, handler_);
  }

  Result<store::ExecutionRecord> StartDeploy(const DeployRequest& r) {
    return engine_->Start(SpecOf(r));
  }
  Result<store::ExecutionRecord> StartRollback(const RollbackRequest& r) {
    return engine_->Start(SpecOf(r));
  }

  std::string NextOwner() { return "engine-" + std::to_string(++engines_); }

  DeployRequest Request(const std::string& sha, std::vector<std::string> aliases = {"dev"}) {
    DeployRequest r;
    r.target.region = "us-east-1";
    for (const char* name : {"orders-api", "orders-worker"}) {
      DesiredFunction d = lambda::fixtures::Desired();
      d.function_name = name;
      d.code.code_sha256 = sha;
      d.aliases = aliases;
      r.functions.push_back(d);
    }
    return r;
  }

  // Runs engine and delegate until the execution ends; time moves only when both are idle.
  // The text of the execution's last log line ("" when it has none).
  std::string LastLogLine(const std::string& id) {
    auto lines = store_->logs().Read({.execution_id = id, .limit = 1000});
    EXPECT_TRUE(lines.ok());
    return lines.ok() && !lines->empty() ? lines->back().text : "";
  }

  store::ExecutionRecord Drive(const std::string& id) {
    for (int i = 0; i < 200; ++i) {
      auto e = store_->executions().Get(id);
      EXPECT_TRUE(e.ok());
      if (store::IsTerminal(e->status)) return *e;
      auto advanced = engine_->RunOnce();
      EXPECT_TRUE(advanced.ok()) << advanced.error().message;
      auto ran = agent_->RunOne();
      EXPECT_TRUE(ran.ok());
      if (advanced.ok() && *advanced == 0 && ran.ok() && !*ran)
        clock_.Advance(std::chrono::seconds(5));
    }
    ADD_FAILURE() << "execution " << id << " did not end";
    return *store_->executions().Get(id);
  }

  std::string Alias(const std::string& fn, const std::string& alias) {
    const auto* a = api_.World().at(fn).FindAlias(alias);
    return a == nullptr ? "" : a->version;
  }

  test::TempDir dir_;
  FakeClock clock_;
  SequentialIdGenerator ids_;
  FakeLambdaApi api_;
  FakeProvider provider_{api_};
  // The deployer's waits between transient retries pass at once (a clock of their own that
  // advances by whatever is slept): no real sleeps, and the engine's clock stays the test's.
  FakeClock retry_clock_{TimePoint(std::chrono::seconds(1'800'000'000)), /*auto_advance=*/true};
  delegate::LambdaTaskHandler handler_{provider_, {.clock = &retry_clock_}};
  StepRegistry steps_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<EmbeddedTransport> transport_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<delegate::DelegateAgent> agent_;
  int engines_ = 0;
};

}  // namespace ferry::engine::testing
