// End to end: the deployer over AwsLambdaApi and the real aws::LambdaClient (curl, SigV4,
// retries) against `ferry sandbox` over HTTP (one sandbox child for the suite; the binary is
// $FERRY_BINARY, else $FERRY_BINARY_DIR/apps/ferry/ferry).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "aws/curl_transport.h"
#include "aws/lambda_client.h"
#include "aws/rate_limiter.h"
#include "aws/retry.h"
#include "delegate/lambda/aws_lambda_api.h"
#include "delegate/lambda/deployer.h"
#include "delegate/lambda/rollback_targets.h"
#include "support/function_zip.h"
#include "support/prerequisite.h"
#include "support/sandbox_process.h"
#include "support/static_credentials.h"

namespace ferry::delegate {
namespace {

using namespace ::ferry::lambda;  // NOLINT: the domain types under test

using ::testing::HasSubstr;

using test::MakeZip;
using test::SandboxProcess;
using test::StaticCredentials;

class SandboxDeployTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shared_ = SandboxProcess::Start(""); }
  static void TearDownTestSuite() { shared_.reset(); }

  void SetUp() override {
    FERRY_TEST_REQUIRE(test::MissingFerryBinary());
    ASSERT_TRUE(shared_->ok()) << shared_->diagnostics();
    auto transport = aws::CurlTransport::Create();
    ASSERT_TRUE(transport.ok());
    curl_ = std::move(transport).value();
    client_ = std::make_unique<aws::LambdaClient>(
        aws::LambdaServiceConfig(shared_->url(), "us-east-1"),
        aws::ServiceDeps{*curl_, credentials_, clock_, ids_, limiters_, quota_});
    api_ = std::make_unique<AwsLambdaApi>(*client_, clock_,
                                          WaiterOptions{std::chrono::milliseconds(20), 500});
    deployer_ = std::make_unique<LambdaDeployer>(*api_, DeployerOptions{.concurrency = 3});
  }

  DesiredFunction Function(const std::string& name, const std::string& zip) {
    DesiredFunction d;
    d.function_name = name;
    d.config.runtime = "python3.12";
    d.config.handler = "app.handler";
    d.config.role = "arn:aws:iam::000000000000:role/lambda-role";
    d.config.environment = {{"STAGE", "dev"}};
    d.code.zip_file = zip;
    d.tags = {{"team", "orders"}};
    d.aliases = {"dev"};
    return d;
  }

  AliasState Alias(const std::string& fn, const std::string& alias) {
    auto a = client_->GetAlias(fn, alias);
    return a.ok() ? FromAws(*a) : AliasState{};
  }

  static inline std::unique_ptr<SandboxProcess> shared_;
  SystemClock clock_;
  SequentialIdGenerator ids_;
  StaticCredentials credentials_;
  aws::RateLimiterRegistry limiters_{clock_};
  aws::RetryQuota quota_;
  std::unique_ptr<aws::CurlTransport> curl_;
  std::unique_ptr<aws::LambdaClient> client_;
  std::unique_ptr<AwsLambdaApi> api_;
  std::unique_ptr<LambdaDeployer> deployer_;
  const std::string v1_ = MakeZip("def handler(e, c):\n    return {'v': 1}\n");
  const std::string v2_ = MakeZip("def handler(e, c):\n    return {'v': 2}\n");
};

TEST_F(SandboxDeployTest, FirstDeployUpdateAndNoOp) {
  ASSERT_FALSE(v1_.empty());
  FunctionDeployment first = deployer_->Deploy(Function("e2e-basic", v1_));
  ASSERT_TRUE(first.ok()) << first.error->message;
  EXPECT_FALSE(first.snapshot.exists);
  EXPECT_EQ(first.version, "1");
  EXPECT_FALSE(first.code_sha256.empty());
  EXPECT_THAT(first.function_arn, HasSubstr(":function:e2e-basic"));
  for (const auto& call : first.calls) {
    EXPECT_FALSE(call.request_ids.empty()) << call.operation;
  }
  EXPECT_EQ(Alias("e2e-basic", "dev").version, "1");

  FunctionDeployment noop = deployer_->Deploy(Function("e2e-basic", v1_));
  ASSERT_TRUE(noop.ok()) << noop.error->message;
  EXPECT_EQ(noop.MutatingCalls(), 0);
  EXPECT_EQ(noop.version, "1");

  DesiredFunction next = Function("e2e-basic", v2_);
  next.config.memory_mb = 256;
  next.previously_managed_tags = first.managed_tags;
  next.tags = {{"team", "payments"}};
  FunctionDeployment update = deployer_->Deploy(next);
  ASSERT_TRUE(update.ok()) << update.error->message;
  EXPECT_EQ(update.version, "2");
  EXPECT_EQ(Alias("e2e-basic", "dev").version, "2");
  auto got = client_->GetFunction("e2e-basic");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->configuration.memory_size, 256);
  EXPECT_EQ(got->tags.at("team"), "payments");
  EXPECT_EQ(deployer_->Deploy(next).MutatingCalls(), 0);
}

TEST_F(SandboxDeployTest, SeveralFunctionsAndFailureMidwayRollsBackExactly) {
  std::vector<DesiredFunction> fns;
  for (int i = 0; i < 4; ++i) fns.push_back(Function("e2e-multi-" + std::to_string(i), v1_));
  fns[3].aliases = {"dev", "live"};
  for (const auto& r : deployer_->DeployAll(fns)) ASSERT_TRUE(r.ok()) << r.error->message;
  // Put a canary weight on live so the snapshot holds weights.
  aws::UpdateAliasRequest weights;
  weights.function_name = "e2e-multi-3";
  weights.name = "live";
  weights.routing = aws::RoutingWeights{};
  ASSERT_TRUE(deployer_->Deploy(Function("e2e-multi-3", v2_)).ok());  // dev → 2, live → 2
  weights.function_version = "1";
  weights.routing = aws::RoutingWeights{{"2", 0.25}};
  ASSERT_TRUE(client_->UpdateAlias(weights).ok());

  std::vector<DesiredFunction> release;
  for (int i = 0; i < 4; ++i) release.push_back(Function("e2e-multi-" + std::to_string(i), v2_));
  release[3].aliases = {"dev", "live"};
  release[3].config.timeout_seconds = 30;
  release[2].code = CodeSource{};
  release[2].code.s3_bucket = "no-such-bucket";
  release[2].code.s3_key = "missing.zip";
  LambdaDeployer serial(*api_, {.concurrency = 1});
  auto results = serial.DeployAll(release);
  EXPECT_TRUE(results[0].ok());
  EXPECT_TRUE(results[1].ok());
  ASSERT_FALSE(results[2].ok());
  EXPECT_FALSE(results[3].started);
  EXPECT_EQ(Alias("e2e-multi-0", "dev").version, "2");

  auto reports = serial.RollbackAll(fakes::Targets(results));
  for (const auto& r : reports) EXPECT_FALSE(r.error.has_value()) << r.error->message;
  EXPECT_EQ(Alias("e2e-multi-0", "dev").version, "1");
  EXPECT_EQ(Alias("e2e-multi-1", "dev").version, "1");
  EXPECT_EQ(Alias("e2e-multi-2", "dev").version, "1");
  AliasState live = Alias("e2e-multi-3", "live");
  EXPECT_EQ(live.version, "1");
  EXPECT_EQ(live.weights, (RoutingWeights{{"2", 0.25}}));
}

TEST_F(SandboxDeployTest, BadInputsFailAndRollbackDeletesCreatedFunctions) {
  struct Case {
    std::string name;
    std::function<void(DesiredFunction&)> mutate;
  };
  std::vector<Case> cases = {
      {"e2e-bad-role", [](DesiredFunction& d) { d.config.role = "not-a-role"; }},
      {"e2e-corrupt-zip", [](DesiredFunction& d) { d.code.zip_file = "this is not a zip"; }},
      {"e2e-missing-object",
       [](DesiredFunction& d) {
         d.code = CodeSource{};
         d.code.s3_bucket = "no-such-bucket";
         d.code.s3_key = "nothing.zip";
       }},
  };
  for (const auto& c : cases) {
    DesiredFunction d = Function(c.name, v1_);
    c.mutate(d);
    FunctionDeployment r = deployer_->Deploy(d);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_NE(r.error->code, ErrorCode::kInternal) << c.name << ": " << r.error->message;
    auto reports = deployer_->RollbackAll(fakes::Targets({r}));
    for (const auto& report : reports) EXPECT_FALSE(report.error.has_value()) << c.name;
    EXPECT_EQ(client_->GetFunction(c.name).error().code, ErrorCode::kNotFound) << c.name;
  }
}

TEST_F(SandboxDeployTest, PruneKeepsTheNewestTenAndAliasTargets) {
  DesiredFunction d = Function("e2e-prune", v1_);
  d.aliases = {"dev", "stable"};
  ASSERT_TRUE(deployer_->Deploy(d).ok());
  d.aliases = {"dev"};
  for (int i = 2; i <= 13; ++i) {
    DesiredFunction next = Function(
        "e2e-prune", MakeZip("def handler(e, c):\n    return " + std::to_string(i) + "\n"));
    FunctionDeployment r = deployer_->Deploy(next);
    ASSERT_TRUE(r.ok()) << r.error->message;
    ASSERT_EQ(r.version, std::to_string(i));
  }
  PruneReport report = deployer_->Prune("e2e-prune", {});
  ASSERT_FALSE(report.error.has_value()) << report.error->message;
  EXPECT_THAT(report.deleted, ::testing::ElementsAre("2", "3"));
  auto versions = client_->ListAllVersions("e2e-prune");
  ASSERT_TRUE(versions.ok());
  std::vector<std::string> left;
  for (const auto& v : *versions) left.push_back(v.version);
  EXPECT_THAT(left, ::testing::UnorderedElementsAre("$LATEST", "1", "4", "5", "6", "7", "8", "9",
                                                    "10", "11", "12", "13"));
}

}  // namespace
}  // namespace ferry::delegate
