// AwsLambdaApi against `ferry sandbox` (owned by the aws module's engineer): the configuration
// members VpcConfig, TracingConfig, KMSKeyArn and DeadLetterConfig are deployed, compared and
// updated like every other field, and each call of a deployment carries its request id (from
// the aws client's results; no transport decorator).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>

#include "aws/curl_transport.h"
#include "aws/lambda_client.h"
#include "aws/rate_limiter.h"
#include "aws/retry.h"
#include "delegate/lambda/aws_lambda_api.h"
#include "delegate/lambda/aws_lambda_provider.h"
#include "delegate/lambda/deployer.h"
#include "support/function_zip.h"
#include "support/prerequisite.h"
#include "support/sandbox_process.h"
#include "support/static_credentials.h"

namespace ferry::delegate {
namespace {

using namespace ::ferry::lambda;  // NOLINT: the domain types under test

using test::MakeZip;
using test::SandboxProcess;
using test::StaticCredentials;

class AwsConfigSandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FERRY_TEST_REQUIRE(test::MissingFerryBinary());
    sandbox_ = SandboxProcess::Start("");
    ASSERT_TRUE(sandbox_->ok()) << sandbox_->diagnostics();
    curl_ = aws::CurlTransport::Create().value();
    client_ = std::make_unique<aws::LambdaClient>(
        aws::LambdaServiceConfig(sandbox_->url(), "us-east-1"),
        aws::ServiceDeps{*curl_, credentials_, clock_, ids_, limiters_, quota_});
    api_ = std::make_unique<AwsLambdaApi>(*client_, clock_,
                                          WaiterOptions{std::chrono::milliseconds(20), 500});
    deployer_ = std::make_unique<LambdaDeployer>(*api_, DeployerOptions{.concurrency = 1});
  }

  DesiredFunction Function() {
    DesiredFunction d;
    d.function_name = "e2e-vpc";
    d.config.runtime = "python3.12";
    d.config.handler = "app.handler";
    d.config.role = "arn:aws:iam::000000000000:role/lambda-role";
    d.config.vpc = {{"subnet-b", "subnet-a"}, {"sg-1"}};
    d.config.tracing_mode = "Active";
    d.config.kms_key_arn = "arn:aws:kms:us-east-1:000000000000:key/k-1";
    d.config.dead_letter_target = "arn:aws:sqs:us-east-1:000000000000:dlq";
    d.code.zip_file = zip_;
    d.aliases = {"dev"};
    return d;
  }

  std::unique_ptr<SandboxProcess> sandbox_;
  SystemClock clock_;
  SequentialIdGenerator ids_;
  StaticCredentials credentials_;
  aws::RateLimiterRegistry limiters_{clock_};
  aws::RetryQuota quota_;
  std::unique_ptr<aws::CurlTransport> curl_;
  std::unique_ptr<aws::LambdaClient> client_;
  std::unique_ptr<AwsLambdaApi> api_;
  std::unique_ptr<LambdaDeployer> deployer_;
  const std::string zip_ = MakeZip("def handler(e, c):\n    return {'v': 1}\n");
};

TEST_F(AwsConfigSandboxTest, VpcTracingKmsAndDeadLetterAreDeployedComparedAndChanged) {
  ASSERT_FALSE(zip_.empty());
  FunctionDeployment first = deployer_->Deploy(Function());
  ASSERT_TRUE(first.ok()) << first.error->message;
  for (const auto& call : first.calls) {
    EXPECT_FALSE(call.request_ids.empty()) << call.operation;
  }
  auto got = client_->GetFunctionConfiguration("e2e-vpc");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_THAT(got->vpc_config.subnet_ids, ::testing::UnorderedElementsAre("subnet-a", "subnet-b"));
  EXPECT_EQ(got->tracing_mode, "Active");
  EXPECT_EQ(got->kms_key_arn, "arn:aws:kms:us-east-1:000000000000:key/k-1");
  EXPECT_EQ(got->dead_letter_target_arn, "arn:aws:sqs:us-east-1:000000000000:dlq");

  // Read back, the same desired state is no change at all.
  EXPECT_EQ(deployer_->Deploy(Function()).MutatingCalls(), 0);

  // Changing (and removing) them is a configuration update and a new version.
  DesiredFunction next = Function();
  next.config.vpc = {};
  next.config.tracing_mode = "";  // PassThrough
  next.config.kms_key_arn = "";
  next.config.dead_letter_target = "arn:aws:sns:us-east-1:000000000000:topic";
  FunctionDeployment update = deployer_->Deploy(next);
  ASSERT_TRUE(update.ok()) << update.error->message;
  EXPECT_EQ(update.version, "2");
  got = client_->GetFunctionConfiguration("e2e-vpc");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->vpc_config.subnet_ids.empty());
  EXPECT_EQ(got->tracing_mode, "PassThrough");
  EXPECT_EQ(got->kms_key_arn, "");
  EXPECT_EQ(got->dead_letter_target_arn, "arn:aws:sns:us-east-1:000000000000:topic");
  EXPECT_EQ(deployer_->Deploy(next).MutatingCalls(), 0);
  for (const auto& call : update.calls) {
    std::printf("%s: %zu request id(s)%s\n", call.operation.c_str(), call.request_ids.size(),
                call.request_ids.empty() ? "" : (" e.g. " + call.request_ids[0]).c_str());
  }
}

// Answers every request with Lambda's throttling error, counting them.
class ThrottlingTransport final : public aws::HttpTransport {
 public:
  Result<aws::HttpResponse> Send(const aws::HttpRequest&) override {
    ++sent;
    aws::HttpResponse r;
    r.status = 429;
    r.headers = {{"x-amzn-errortype", "TooManyRequestsException"},
                 {"x-amzn-requestid", "req-" + std::to_string(sent.load())}};
    r.body = R"({"message": "Rate exceeded", "Reason": "CallerRateLimitExceeded"})";
    return r;
  }
  std::atomic<int> sent{0};
};

TEST(AwsLambdaApiProviderTest, RetryMaxAttemptsIsConfigurable) {
  FakeClock clock(TimePoint(std::chrono::seconds(1'800'000'000)), /*auto_advance=*/true);
  SequentialIdGenerator ids;
  StaticCredentials credentials;
  aws::RateLimiterRegistry limiters(clock);
  aws::RetryQuota quota;
  for (int max_attempts : {3, 8}) {
    ThrottlingTransport transport;
    aws::RetryOptions retry;
    retry.max_attempts = max_attempts;
    AwsLambdaApiProvider provider(transport, credentials, clock, ids, limiters, quota, {}, retry);
    auto api = provider.For(LambdaTarget{"us-east-1", "http://127.0.0.1:9", ""});
    ASSERT_TRUE(api.ok()) << api.error().ToString();
    std::vector<std::string> request_ids;
    auto observed = (*api)->Observe("orders", &request_ids, {});
    ASSERT_FALSE(observed.ok());
    EXPECT_EQ(observed.error().code, ErrorCode::kTooManyRequests);
    EXPECT_EQ(transport.sent.load(), max_attempts);
    // The failed call's request id is recorded too.
    EXPECT_EQ(request_ids, std::vector<std::string>{"req-" + std::to_string(max_attempts)});
  }
}

}  // namespace
}  // namespace ferry::delegate
