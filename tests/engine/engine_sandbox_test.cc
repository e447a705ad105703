// End to end below the API: Engine + SQLite store + embedded delegate + LambdaTaskHandler over
// the real aws clients against `ferry sandbox` over HTTP.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "aws/curl_transport.h"
#include "aws/rate_limiter.h"
#include "aws/retry.h"
#include "common/json.h"
#include "delegate/lambda/aws_lambda_provider.h"
#include "delegate/protocol/agent.h"
#include "engine/deploy_requests.h"
#include "engine/embedded_transport.h"
#include "engine/engine.h"
#include "engine/steps/builtin.h"
#include "store/sqlite/sqlite_store.h"
#include "support/function_zip.h"
#include "support/prerequisite.h"
#include "support/sandbox_process.h"
#include "support/static_credentials.h"
#include "support/temp_dir.h"

namespace ferry::engine {
namespace {

using lambda::DesiredFunction;
using store::ExecutionStatus;
using test::MakeZip;
using testing::DeployRequest;
using testing::RollbackRequest;

class EngineSandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FERRY_TEST_REQUIRE(test::MissingFerryBinary());
    sandbox_ = test::SandboxProcess::Start("");
    ASSERT_TRUE(sandbox_->ok()) << sandbox_->diagnostics();
    auto curl = aws::CurlTransport::Create();
    ASSERT_TRUE(curl.ok());
    curl_ = std::move(curl).value();
    provider_ = std::make_unique<delegate::AwsLambdaApiProvider>(
        *curl_, credentials_, clock_, ids_, limiters_, quota_,
        delegate::WaiterOptions{std::chrono::milliseconds(20), 1000});
    handler_ = std::make_unique<delegate::LambdaTaskHandler>(*provider_);
    store::SqliteOptions options;
    options.data_dir = dir_.Sub("data");
    auto opened = store::OpenSqliteStore(options, clock_, ids_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
    transport_ = std::make_unique<EmbeddedTransport>(*store_);
    ASSERT_TRUE(RegisterBuiltinSteps(steps_).ok());
    engine_ = std::make_unique<Engine>(
        *store_, clock_, steps_,
        EngineOptions{.owner = "engine-1", .poll = std::chrono::milliseconds(50)});
    agent_ =
        std::make_unique<delegate::DelegateAgent>(*transport_, clock_, delegate::AgentOptions{});
    for (const std::string& kind : delegate::LambdaTaskHandler::Kinds()) {
      agent_->Register(kind, *handler_);
    }
  }

  Result<store::ExecutionRecord> StartDeploy(const DeployRequest& r) {
    return engine_->Start(SpecOf(r));
  }
  Result<store::ExecutionRecord> StartRollback(const RollbackRequest& r) {
    return engine_->Start(SpecOf(r));
  }

  DeployRequest Request(const std::string& zip) {
    DeployRequest r;
    r.actor = "test";
    r.target.region = "us-east-1";
    r.target.endpoint = sandbox_->url();
    for (const char* name : {"eng-api", "eng-worker"}) {
      DesiredFunction d;
      d.function_name = name;
      d.config.runtime = "python3.12";
      d.config.handler = "app.handler";
      d.config.role = "arn:aws:iam::000000000000:role/lambda-role";
      d.code.zip_file = zip;
      d.aliases = {"dev"};
      r.functions.push_back(d);
    }
    return r;
  }

  // Runs engine and delegate until the execution ends or 60 s pass.
  store::ExecutionRecord Drive(const std::string& id) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      auto e = store_->executions().Get(id);
      if (e.ok() && store::IsTerminal(e->status)) return *e;
      auto advanced = engine_->RunOnce();
      auto ran = agent_->RunOne();
      if (advanced.ok() && *advanced == 0 && ran.ok() && !*ran) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // idle: both wait on work
      }
    }
    ADD_FAILURE() << "execution did not end";
    return *store_->executions().Get(id);
  }

  std::string AliasVersion(const std::string& fn) {
    auto api = provider_->For({"us-east-1", sandbox_->url(), ""});
    std::vector<std::string> ids;
    auto f = (*api)->Observe(fn, &ids, {});
    if (!f.ok() || f->FindAlias("dev") == nullptr) return "";
    return f->FindAlias("dev")->version;
  }

  std::unique_ptr<test::SandboxProcess> sandbox_;
  test::TempDir dir_;
  SystemClock clock_;
  RandomIdGenerator ids_{clock_};
  test::StaticCredentials credentials_;
  aws::RateLimiterRegistry limiters_{clock_};
  aws::RetryQuota quota_;
  std::unique_ptr<aws::CurlTransport> curl_;
  std::unique_ptr<delegate::AwsLambdaApiProvider> provider_;
  std::unique_ptr<delegate::LambdaTaskHandler> handler_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<EmbeddedTransport> transport_;
  StepRegistry steps_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<delegate::DelegateAgent> agent_;
};

TEST_F(EngineSandboxTest, DeployNoOpAndFailureWithAutomaticRollback) {
  const std::string v1 = MakeZip("def handler(e, c):\n    return 1\n");
  const std::string v2 = MakeZip("def handler(e, c):\n    return 2\n");

  auto first = StartDeploy(Request(v1));
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto done = Drive(first->id);
  ASSERT_EQ(done.status, ExecutionStatus::kSucceeded) << done.error.value_or("");
  EXPECT_EQ(AliasVersion("eng-api"), "1");
  EXPECT_EQ(AliasVersion("eng-worker"), "1");

  auto noop = StartDeploy(Request(v1));
  ASSERT_EQ(Drive(noop->id).status, ExecutionStatus::kSucceeded);
  store::DeploymentFilter filter;
  filter.execution_id = noop->id;
  auto records = store_->deployments().List(filter);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  for (const auto& r : *records) EXPECT_EQ(r.version, "1") << "nothing changed: no new version";

  auto update = StartDeploy(Request(v2));
  ASSERT_EQ(Drive(update->id).status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(AliasVersion("eng-api"), "2");

  DeployRequest broken = Request(v1);
  broken.functions[0].code.zip_file = MakeZip("def handler(e, c):\n    return 3\n");
  broken.functions[1].code = {};
  broken.functions[1].code.s3_bucket = "no-such-bucket";
  broken.functions[1].code.s3_key = "missing.zip";
  auto failing = StartDeploy(broken);
  auto rolled = Drive(failing->id);
  EXPECT_EQ(rolled.status, ExecutionStatus::kRolledBack) << rolled.error.value_or("");
  EXPECT_EQ(AliasVersion("eng-api"), "2");
  EXPECT_EQ(AliasVersion("eng-worker"), "2");
  auto logs = store_->logs().Read({.execution_id = failing->id});
  ASSERT_TRUE(logs.ok());
  bool rollback_logged = false;
  for (const auto& line : *logs) rollback_logged |= line.text.find("rollback") != std::string::npos;
  EXPECT_TRUE(rollback_logged);
}

TEST_F(EngineSandboxTest, RollbackToAnEarlierExecutionAndRefusalWhenItsVersionIsGone) {
  std::vector<std::string> executions;
  for (int i = 1; i <= 3; ++i) {
    auto e =
        StartDeploy(Request(MakeZip("def handler(e, c):\n    return " + std::to_string(i) + "\n")));
    ASSERT_TRUE(e.ok()) << e.error().message;
    ASSERT_EQ(Drive(e->id).status, ExecutionStatus::kSucceeded);
    executions.push_back(e->id);
  }
  ASSERT_EQ(AliasVersion("eng-api"), "3");
  auto rollback_to = [&](const std::string& execution) {
    RollbackRequest r;
    r.to_execution = execution;
    r.actor = "test";
    r.target.region = "us-east-1";
    r.target.endpoint = sandbox_->url();
    store::DeploymentFilter filter;
    filter.execution_id = execution;
    auto records = store_->deployments().List(filter);
    EXPECT_TRUE(records.ok());
    for (const auto& rec : *records) {
      lambda::RestoreFunction f;
      f.function_name = rec.function;
      const Json aliases = *ParseJson(rec.aliases_json);
      for (const auto& [name, state] : aliases.items()) {
        lambda::AliasState a;
        a.name = name;
        a.version = state["version"].get<std::string>();
        f.aliases.push_back(a);
      }
      r.functions.push_back(f);
    }
    auto e = StartRollback(r);
    EXPECT_TRUE(e.ok()) << e.error().message;
    return Drive(e->id);
  };
  auto back = rollback_to(executions[0]);
  EXPECT_EQ(back.status, ExecutionStatus::kSucceeded) << back.error.value_or("");
  EXPECT_EQ(AliasVersion("eng-api"), "1");
  EXPECT_EQ(AliasVersion("eng-worker"), "1");

  auto forward = rollback_to(executions[2]);
  EXPECT_EQ(forward.status, ExecutionStatus::kSucceeded) << forward.error.value_or("");
  EXPECT_EQ(AliasVersion("eng-api"), "3");

  auto api = provider_->For({"us-east-1", sandbox_->url(), ""});
  std::vector<std::string> ids;
  ASSERT_TRUE((*api)->DeleteVersion("eng-api", "1", &ids, {}).ok());
  auto refused = rollback_to(executions[0]);
  EXPECT_EQ(refused.status, ExecutionStatus::kFailed);
  EXPECT_THAT(refused.error.value_or(""),
              ::testing::HasSubstr("version 1 of eng-api no longer exists"));
  EXPECT_EQ(AliasVersion("eng-api"), "3");
  EXPECT_EQ(AliasVersion("eng-worker"), "3") << "nothing was changed";
}

}  // namespace
}  // namespace ferry::engine
