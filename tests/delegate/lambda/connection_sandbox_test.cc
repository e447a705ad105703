// Per-connection credentials end to end: LambdaTaskHandler over AwsLambdaApiProvider against a
// `ferry sandbox` child that knows a second account's keys. The sandbox's STS issues AssumeRole
// credentials in the role's account and does not check ExternalId (docs/sandbox.md), so the
// account a call was signed for shows in the deployed function's ARN.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "aws/curl_transport.h"
#include "aws/rate_limiter.h"
#include "aws/retry.h"
#include "common/json.h"
#include "delegate/lambda/aws_lambda_provider.h"
#include "lambda/state_codec.h"
#include "lambda/target_codec.h"
#include "support/function_zip.h"
#include "support/prerequisite.h"
#include "support/sandbox_process.h"
#include "support/static_credentials.h"

namespace ferry::delegate {
namespace {

using namespace ::ferry::lambda;  // NOLINT: the domain types under test

using ::testing::HasSubstr;
using ::testing::Not;

using test::MakeZip;
using test::SandboxProcess;
using test::StaticCredentials;

constexpr char kKeyId[] = "AKIAFERRYTEST00001";
constexpr char kSecret[] = "conn-s3cr3t-value-0001";
constexpr char kWrongSecret[] = "wrong-s3cr3t-value-0002";

class NullContext final : public TaskContext {
 public:
  void Log(TaskLogLevel, const std::string& text) override { lines.push_back(text); }
  std::stop_token stop() const override { return {}; }
  std::vector<std::string> lines;
};

class ConnectionSandboxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = SandboxProcess::Start(
        "", {"--account", std::string("111111111111:") + kKeyId + ":" + kSecret});
  }
  static void TearDownTestSuite() { shared_.reset(); }

  void SetUp() override {
    FERRY_TEST_REQUIRE(test::MissingFerryBinary());
    ASSERT_TRUE(shared_->ok()) << shared_->diagnostics();
    auto transport = aws::CurlTransport::Create();
    ASSERT_TRUE(transport.ok());
    curl_ = std::move(transport).value();
    SecretResolver secrets = [this](std::string_view name) -> Result<std::string> {
      ++resolved_;
      auto it = secrets_.find(std::string(name));
      if (it == secrets_.end()) {
        return Error{ErrorCode::kNotFound, "no secret named " + std::string(name)};
      }
      return it->second;
    };
    provider_ = std::make_unique<AwsLambdaApiProvider>(
        *curl_, own_, clock_, ids_, limiters_, quota_,
        WaiterOptions{std::chrono::milliseconds(20), 500}, aws::RetryOptions{}, secrets);
    handler_ = std::make_unique<LambdaTaskHandler>(*provider_, LambdaTaskOptions{.secrets = secrets});
  }

  LambdaTarget Target(TargetCredentials credentials) {
    LambdaTarget t;
    t.region = "us-east-1";
    t.endpoint = shared_->url();
    t.cloud_provider = "prod";
    t.credentials = std::move(credentials);
    return t;
  }

  static TargetCredentials Keys(std::string secret_name) {
    TargetCredentials c;
    c.mode = TargetCredentialsMode::kKeys;
    c.access_key_id = kKeyId;
    c.secret_name = std::move(secret_name);
    return c;
  }

  static TargetAssumeRole Role(const std::string& account) {
    return TargetAssumeRole{"arn:aws:iam::" + account + ":role/deployer", "tenant-7-external",
                            "ferry-test", 900};
  }

  // Runs lambda.deploy through the handler.
  TaskResult Deploy(const LambdaTarget& target, const std::string& function,
                    std::map<std::string, SecretText> secret_environment = {}) {
    DesiredFunction d;
    d.secret_environment = std::move(secret_environment);
    d.function_name = function;
    d.config.runtime = "python3.12";
    d.config.handler = "app.handler";
    d.config.role = "arn:aws:iam::000000000000:role/lambda-role";
    d.code.zip_file = zip_;
    d.aliases = {"live"};
    Json payload{{"target", TargetToJson(target)}, {"functions", Json::array({ToJson(d)})}};
    TaskAssignment task;
    task.task_id = "t-" + function;
    task.kind = kDeployTask;
    task.payload_json = DumpJson(payload);
    NullContext context;
    TaskResult result = handler_->Run(task, context);
    for (const auto& line : context.lines) {
      EXPECT_THAT(line, Not(HasSubstr("s3cr3t")));
      EXPECT_THAT(line, Not(HasSubstr("tenant-7-external")));
    }
    return result;
  }

  static std::string FunctionArn(const TaskResult& r) {
    auto json = ParseJson(r.result_json);
    if (!json.ok()) return "";
    return (*json)["deployments"][0].value("functionArn", "");
  }

  static inline std::unique_ptr<SandboxProcess> shared_;
  SystemClock clock_;
  SequentialIdGenerator ids_;
  StaticCredentials own_;  // test/test: the sandbox's account 000000000000
  aws::RateLimiterRegistry limiters_{clock_};
  aws::RetryQuota quota_;
  std::map<std::string, std::string> secrets_{{"prod-key", kSecret}, {"wrong-key", kWrongSecret}};
  int resolved_ = 0;
  std::unique_ptr<aws::CurlTransport> curl_;
  std::unique_ptr<AwsLambdaApiProvider> provider_;
  std::unique_ptr<LambdaTaskHandler> handler_;
  const std::string zip_ = MakeZip("def handler(e, c):\n    return 1\n");
};

TEST_F(ConnectionSandboxTest, DelegateModeUsesTheDelegatesOwnCredentials) {
  TaskResult r = Deploy(Target({}), "conn-own");
  ASSERT_TRUE(r.succeeded) << r.error;
  EXPECT_THAT(FunctionArn(r), HasSubstr(":000000000000:function:conn-own"));
}

TEST_F(ConnectionSandboxTest, KeysModeSignsWithTheConnectionsKeys) {
  TaskResult r = Deploy(Target(Keys("prod-key")), "conn-keys");
  ASSERT_TRUE(r.succeeded) << r.error;
  EXPECT_THAT(FunctionArn(r), HasSubstr(":111111111111:function:conn-keys"));
  EXPECT_EQ(resolved_, 1);

  // A second task reuses the clients (the secret is read again, to notice a rotation).
  TaskResult again = Deploy(Target(Keys("prod-key")), "conn-keys");
  ASSERT_TRUE(again.succeeded) << again.error;
  EXPECT_EQ(resolved_, 2);
}

TEST_F(ConnectionSandboxTest, AssumeRoleOnTheDelegatesChainSignsWithTheRolesAccount) {
  TargetCredentials c;
  c.assume_role = Role("222222222222");
  TaskResult r = Deploy(Target(c), "conn-role");
  ASSERT_TRUE(r.succeeded) << r.error;
  EXPECT_THAT(FunctionArn(r), HasSubstr(":222222222222:function:conn-role"));
}

TEST_F(ConnectionSandboxTest, AssumeRoleOnTheConnectionsKeys) {
  TargetCredentials c = Keys("prod-key");
  c.assume_role = Role("333333333333");
  TaskResult r = Deploy(Target(c), "conn-keys-role");
  ASSERT_TRUE(r.succeeded) << r.error;
  EXPECT_THAT(FunctionArn(r), HasSubstr(":333333333333:function:conn-keys-role"));
}

TEST_F(ConnectionSandboxTest, AWrongSecretIsAClearErrorWithoutTheSecret) {
  TaskResult r = Deploy(Target(Keys("wrong-key")), "conn-wrong");
  ASSERT_FALSE(r.succeeded);
  EXPECT_THAT(r.error, HasSubstr("cloud provider \"prod\""));
  EXPECT_THAT(r.error, HasSubstr("GetCallerIdentity"));
  EXPECT_THAT(r.error, HasSubstr("check that secret \"wrong-key\" holds the secret access key"));
  EXPECT_THAT(r.error, Not(HasSubstr("s3cr3t")));

  TargetCredentials c = Keys("wrong-key");
  c.assume_role = Role("333333333333");
  r = Deploy(Target(c), "conn-wrong-role");
  ASSERT_FALSE(r.succeeded);
  EXPECT_THAT(r.error, HasSubstr("cloud provider \"prod\" (role "
                                 "\"arn:aws:iam::333333333333:role/deployer\")"));
  EXPECT_THAT(r.error, HasSubstr("AssumeRole"));
  EXPECT_THAT(r.error, HasSubstr("sts:ExternalId condition"));
  EXPECT_THAT(r.error, Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(r.error, Not(HasSubstr("tenant-7-external")));
}

// Environment variables that use secrets arrive as references; the delegate reads them just
// before it deploys, and the function gets the values.
TEST_F(ConnectionSandboxTest, SecretEnvironmentIsReadOnTheDelegate) {
  const LambdaTarget target = Target({});
  TaskResult r = Deploy(target, "conn-env",
                        {{"DB_URL", SecretText{{"pg://app:", ""}, {"", "prod-key"}, {"@db", ""}}}});
  ASSERT_TRUE(r.succeeded) << r.error;
  EXPECT_EQ(resolved_, 1);
  EXPECT_THAT(r.result_json, Not(HasSubstr(kSecret))) << "the record keeps keys, not values";
  auto api = provider_->For(target);
  ASSERT_TRUE(api.ok());
  auto observed = (*api)->Observe("conn-env", nullptr, {});
  ASSERT_TRUE(observed.ok()) << observed.error().message;
  EXPECT_EQ(observed->config.environment.at("DB_URL"), std::string("pg://app:") + kSecret + "@db");

  // A secret the delegate cannot read fails the task before any call: nothing is created.
  r = Deploy(target, "conn-env-missing", {{"TOKEN", SecretText{{"", "nowhere"}}}});
  ASSERT_FALSE(r.succeeded);
  EXPECT_THAT(r.error, HasSubstr("conn-env-missing environment.TOKEN: no secret named nowhere"));
  observed = (*api)->Observe("conn-env-missing", nullptr, {});
  ASSERT_TRUE(observed.ok()) << observed.error().message;
  EXPECT_FALSE(observed->exists);

  // A delegate without a resolver says so.
  handler_ = std::make_unique<LambdaTaskHandler>(*provider_);
  r = Deploy(target, "conn-env-bare", {{"TOKEN", SecretText{{"", "prod-key"}}}});
  ASSERT_FALSE(r.succeeded);
  EXPECT_THAT(r.error, HasSubstr("no secret resolver is configured"));
}

// Lambda allows 4 KB of environment (as JSON); past it after the secrets are in, the deploy
// fails before any AWS call, naming the function and the size and never a value.
TEST_F(ConnectionSandboxTest, AnEnvironmentOver4KbAfterSecretsFailsBeforeAnyCall) {
  const LambdaTarget target = Target({});
  TaskResult r = Deploy(
      target, "conn-env-large",
      {{"DB_URL", SecretText{{std::string(4000, 'x'), ""}, {"", "prod-key"}, {"@db", ""}}},
       {"OTHER", SecretText{{std::string(200, 'y'), ""}}}});
  ASSERT_FALSE(r.succeeded);
  EXPECT_THAT(r.error, HasSubstr("function conn-env-large"));
  EXPECT_THAT(r.error, HasSubstr("4096 (4 KB)"));
  EXPECT_THAT(r.error, Not(HasSubstr(kSecret)));
  EXPECT_THAT(r.error, Not(HasSubstr("xxxx")));
  auto api = provider_->For(target);
  ASSERT_TRUE(api.ok());
  auto observed = (*api)->Observe("conn-env-large", nullptr, {});
  ASSERT_TRUE(observed.ok()) << observed.error().message;
  EXPECT_FALSE(observed->exists) << "nothing was created";

  // Just under the limit deploys.
  r = Deploy(target, "conn-env-fits", {{"OTHER", SecretText{{std::string(4000, 'y'), ""}}}});
  EXPECT_TRUE(r.succeeded) << r.error;
}

TEST_F(ConnectionSandboxTest, AMissingSecretIsAClearError) {
  TaskResult r = Deploy(Target(Keys("nowhere")), "conn-missing");
  ASSERT_FALSE(r.succeeded);
  EXPECT_THAT(r.error, HasSubstr("cloud provider \"prod\""));
  EXPECT_THAT(r.error, HasSubstr("cannot read the secret access key from secret \"nowhere\""));
}

TEST_F(ConnectionSandboxTest, AMalformedRoleArnNamesTheConnection) {
  TargetCredentials c;
  c.assume_role = TargetAssumeRole{"arn:aws:iam::12:role/deployer", "", "", 0};
  TaskResult r = Deploy(Target(c), "conn-bad-arn");
  ASSERT_FALSE(r.succeeded);
  EXPECT_THAT(r.error, HasSubstr("cloud provider \"prod\""));
  EXPECT_THAT(r.error, HasSubstr("is not of the form arn:aws:iam::123456789012:role/name"));
}

TEST_F(ConnectionSandboxTest, WithoutAResolverKeysModeIsRefused) {
  AwsLambdaApiProvider bare(*curl_, own_, clock_, ids_, limiters_, quota_);
  auto api = bare.For(Target(Keys("prod-key")));
  ASSERT_FALSE(api.ok());
  EXPECT_EQ(api.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(api.error().message, HasSubstr("cannot read secrets"));
}

}  // namespace
}  // namespace ferry::delegate
