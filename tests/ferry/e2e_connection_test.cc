// Per-connection credentials end to end: the real `ferry server` deploying through a CloudProvider
// in mode `keys` (a Secret of source `env` holding the secret access key), and with `assumeRole`
// on top, to a real `ferry sandbox` that knows a second account's keys (`--account`). Each
// deployment is checked on the AWS side with that account's own keys (docs/config.md
// "CloudProvider", docs/aws.md "Per-connection credentials").
//
// The secret values are test values, but the tests treat them as secrets all the same: a leak is
// reported by where it was found, never by printing the value, and the server's output printed
// on failure is redacted.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "aws/secrets_clients.h"
#include "common/crypto.h"
#include "aws/sts_client.h"
#include "ferry/e2e_fixture.h"

namespace ferry::test {
namespace {

using std::chrono::seconds;

constexpr char kTenantAccount[] = "111111111111";
constexpr char kTenantKeyId[] = "AKIAFERRYE2ETENANT01";
constexpr char kTenantSecret[] = "e2e-tenant-s3cr3t-7Qx9vL2m";
constexpr char kWrongSecret[] = "e2e-wrong-s3cr3t-Zp4Kd8Wn";
constexpr char kSecretEnv[] = "FERRY_SECRET_E2E_TENANT_SECRET";
constexpr char kWrongEnv[] = "FERRY_SECRET_E2E_WRONG_SECRET";
constexpr char kUnsetEnv[] = "FERRY_SECRET_E2E_NEVER_SET";
// The function's environment uses a secret too: DB_URL carries it between literal text.
constexpr char kDbPassword[] = "e2e-db-s3cr3t-Hq3Vn8Rt";
constexpr char kDbPasswordEnv[] = "FERRY_SECRET_E2E_DB_PASSWORD";
constexpr char kRoleAccount[] = "222222222222";
constexpr char kRoleArn[] = "arn:aws:iam::222222222222:role/deployer";
constexpr char kExternalId[] = "e2e-tenant-7-external";
constexpr char kFunction[] = "shop-orders-dev";
// Values in the tenant account's Secrets Manager (a JSON secret) and SSM (a SecureString).
constexpr char kSmPassword[] = "e2e-sm-s3cr3t-Wd5Jc1Tq";
constexpr char kSmWhole[] = R"({"user":"app","password":"e2e-sm-s3cr3t-Wd5Jc1Tq"})";
constexpr char kSsmKey[] = "e2e-ssm-s3cr3t-Lp7Hx2Ne";
// A `source: ferry` value, stored sealed by the server.
constexpr char kFerryValue[] = "e2e-ferry-s3cr3t-Mb6Tz9Qa";

// Where `needle` occurs in `text` (offset and length of `text`), without the needle itself; ""
// when it does not occur.
std::string Leak(const std::string& text, const std::string& needle, const std::string& where) {
  const size_t at = text.find(needle);
  if (at == std::string::npos) return "";
  return where + " contains a secret at offset " + std::to_string(at) + " of " +
         std::to_string(text.size()) + " bytes\n";
}

std::string Redact(std::string text) {
  for (const std::string secret :
       {kTenantSecret, kWrongSecret, kExternalId, kDbPassword, kSmPassword, kSsmKey, kFerryValue}) {
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "<REDACTED>");
    }
  }
  return text;
}

// Lambda and S3 clients signing with one account's credentials.
struct AccountClients {
  AccountClients(aws::Credentials credentials, const std::string& url, aws::ServiceDeps base)
      : provider(std::move(credentials)),
        deps{base.transport, provider, base.clock, base.ids, base.limiters, base.retry_quota},
        lambda(aws::LambdaServiceConfig(url, "us-east-1"), deps),
        s3_config(aws::S3ServiceConfig(url, "us-east-1")),
        s3(s3_config, deps, aws::S3Options{.path_style = true}) {}
  aws::StaticProvider provider;
  aws::ServiceDeps deps;
  aws::LambdaClient lambda;
  aws::ServiceConfig s3_config;
  aws::S3Client s3;
};

class ConnectionE2eTest : public DeployE2eTest {
 protected:
  ConnectionE2eTest() {
    sandbox_flags_ = {"--account",
                      std::string(kTenantAccount) + ":" + kTenantKeyId + ":" + kTenantSecret};
    server_options_.env[kSecretEnv] = kTenantSecret;
    server_options_.env[kWrongEnv] = kWrongSecret;
    server_options_.env[kDbPasswordEnv] = kDbPassword;
    server_options_.env[kUnsetEnv] = "";  // unset in the server, whatever the test's env holds
    // The key sealing `source: ferry` values; `file` secrets (tenant.key) live in dir_.
    const auto key = dir_.Write("secret.key", Base64Encode(SecureRandomBytes(32)) + "\n");
    std::filesystem::permissions(key, std::filesystem::perms::owner_read |
                                          std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::replace);
    server_options_.extra_args = {"--secret-key-file", key.string(), "--secret-dir",
                                  dir_.path().string()};
  }

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DeployE2eTest::SetUp());
    tenant_ = std::make_unique<AccountClients>(
        aws::Credentials{kTenantKeyId, kTenantSecret, "", std::nullopt, "tenant"}, sandbox_->url(),
        *deps_);
  }

  // Replaces DeployE2eTest's: the server's output is printed with the secrets redacted.
  void TearDown() override {
    if (HasFailure() && server_) {
      std::cerr << "ferry server output (secrets redacted):\n"
                << Redact(server_->diagnostics()) << "\n";
    }
  }

  // Clients of the role's account, with credentials from the sandbox's STS AssumeRole.
  std::unique_ptr<AccountClients> AssumeRoleClients(const aws::Credentials& source) {
    aws::StsClient sts(*http_, SystemClock::Instance(),
                       aws::StsConfig{sandbox_->url(), "us-east-1"});
    auto assumed = sts.AssumeRole(source, {kRoleArn, "e2e-check", kExternalId, seconds(900)});
    if (!assumed.ok()) {
      ADD_FAILURE() << "AssumeRole: " << Redact(assumed.error().message);
      return nullptr;
    }
    return std::make_unique<AccountClients>(assumed->credentials, sandbox_->url(), *deps_);
  }

  // Creates `bucket` in the clients' account and puts a zip there whose handler returns `tag`.
  void UploadTo(AccountClients& account, const std::string& bucket, const std::string& key,
                const std::string& tag) {
    aws::ServiceClient raw(account.s3_config, account.deps);
    aws::OperationCall create;
    create.operation = "CreateBucket";
    create.api_class = aws::ApiClass::kS3Write;
    create.method = "PUT";
    create.path_and_query = "/" + bucket;
    auto created = raw.Call(create);
    ASSERT_TRUE(created.ok()) << created.error().message;

    const auto work = dir_.path() / ("zip-" + bucket);
    std::filesystem::create_directories(work);
    std::ofstream(work / "index.py") << "def handler(event, context):\n"
                                     << "    return {'build': '" << tag << "'}\n";
    auto zipped = ChildProcess::Run({"/usr/bin/zip", "-q", "-X", "fn.zip", "index.py"},
                                    ProcessOptions{{}, work.string()});
    ASSERT_EQ(zipped.exit_code, 0) << zipped.err;
    std::ifstream in(work / "fn.zip", std::ios::binary);
    aws::PutObjectRequest put;
    put.bucket = bucket;
    put.key = key;
    put.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    auto r = account.s3.PutObject(put);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  // Secrets tenant-key / wrong-key / unset-key (source env), file-key (source file: DIR/tenant.key,
  // see WriteKeyFile), ferry-key (source ferry), CloudProvider "tenant" with
  // `credentials` (and `assume_role` when not null) at the sandbox, and service shop/api with one
  // function "orders" deployed to environment dev through "tenant" with a basic workflow.
  Json ConnectionEntities(const Json& credentials, const Json& assume_role,
                          const std::string& bucket, const std::string& role_account) const {
    const std::string key_file = (dir_.path() / "tenant.key").string();
    Json provider = {{"kind", "CloudProvider"},     {"name", "tenant"},
                     {"credentials", credentials},  {"region", "us-east-1"},
                     {"endpoint", sandbox_->url()}, {"localSandbox", true}};
    if (!assume_role.is_null()) provider["assumeRole"] = assume_role;
    auto secret = [](const std::string& name, const std::string& env) {
      return Json{{"kind", "Secret"}, {"name", name}, {"source", "env"}, {"ref", env}};
    };
    return Json::array(
        {secret("tenant-key", kSecretEnv),
         secret("wrong-key", kWrongEnv),
         secret("db-password", kDbPasswordEnv),
         secret("unset-key", kUnsetEnv),
         {{"kind", "Secret"}, {"name", "file-key"}, {"source", "file"}, {"ref", key_file}},
         {{"kind", "Secret"}, {"name", "ferry-key"}},
         provider,
         {{"kind", "Application"}, {"name", "shop"}},
         {{"kind", "Service"},
          {"application", "shop"},
          {"name", "api"},
          {"type", "lambda"},
          {"artifact",
           {{"cloudProvider", "tenant"},
            {"s3", {{"bucket", bucket}, {"prefix", "api/"}, {"filter", "api-(.+)\\.zip"}}}}},
          {"defaults",
           {{"runtime", "python3.12"},
            {"memory", 128},
            {"timeout", 5},
            {"environment", {{"DB_URL", "pg://app:${secrets.db-password}@db/orders"}}}}},
          {"functions", Json::array({{{"name", "orders"},
                                      {"functionName", "shop-orders-${env.name}"},
                                      {"handler", "index.handler"}}})}},
         {{"kind", "Environment"},
          {"application", "shop"},
          {"name", "dev"},
          {"type", "non-production"},
          {"infrastructure",
           Json::array({{{"name", "tenant-dev"},
                         {"cloudProvider", "tenant"},
                         {"region", "us-east-1"},
                         {"executionRole", "arn:aws:iam::" + role_account + ":role/e2e"}}})}},
         {{"kind", "Workflow"},
          {"application", "shop"},
          {"name", "basic"},
          {"strategy", "basic"},
          {"environment", "dev"},
          {"service", "api"},
          {"failureStrategy", "rollback"},
          {"steps", Json::array({{{"name", "deploy"}, {"type", "deploy"}}})}}});
  }

  // Creates a secret or parameter in the tenant account through the sandbox's awsJson API.
  void PutAwsSecret(const std::string& signing_name, const std::string& target, const Json& body) {
    aws::ServiceConfig config = signing_name == "ssm"
                                    ? aws::SsmServiceConfig(sandbox_->url(), "us-east-1")
                                    : aws::SecretsManagerServiceConfig(sandbox_->url(), "us-east-1");
    aws::ServiceClient raw(config, tenant_->deps);
    aws::OperationCall call;
    call.operation = target.substr(target.find('.') + 1);
    call.api_class = aws::ApiClass::kSsmGetParameter;
    call.method = "POST";
    call.body = DumpJson(body);
    call.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", target}};
    auto r = raw.Call(call);
    ASSERT_TRUE(r.ok()) << Redact(r.error().message);
  }

  // ConnectionEntities(Keys("tenant-key")) with two more Secrets read through "tenant" — sm-password
  // (Secrets Manager shop/db, key `json_key`) and ssm-key (SSM /shop/api-key) — used by the
  // function's SM_PASSWORD and API_KEY.
  Json AwsSecretEntities(const std::string& json_key) const {
    Json entities = ConnectionEntities(Keys("tenant-key"), nullptr, "tenant-builds", kTenantAccount);
    entities.push_back({{"kind", "Secret"},
                        {"name", "sm-password"},
                        {"source", "aws-secrets-manager"},
                        {"ref", "shop/db"},
                        {"jsonKey", json_key},
                        {"cloudProvider", "tenant"}});
    entities.push_back({{"kind", "Secret"}, {"name", "app-token"}, {"source", "ferry"}});
    entities.push_back({{"kind", "Secret"},
                        {"name", "ssm-key"},
                        {"source", "aws-ssm-parameter"},
                        {"ref", "/shop/api-key"},
                        {"cloudProvider", "tenant"}});
    for (Json& e : entities) {
      if (Str(e, "kind") != "Service") continue;
      e["defaults"]["environment"]["SM_PASSWORD"] = "${secrets.sm-password}";
      e["defaults"]["environment"]["API_KEY"] = "key=${secrets.ssm-key}";
      e["defaults"]["environment"]["APP_TOKEN"] = "${secrets.app-token}";
    }
    return entities;
  }

  void WriteKeyFile(const std::string& value) {
    std::ofstream(dir_.path() / "tenant.key", std::ios::trunc) << value << "\n";
  }

  static Json Keys(const std::string& secret_name) {
    return {{"mode", "keys"}, {"accessKeyId", kTenantKeyId}, {"secretAccessKey", secret_name}};
  }

  // POST /api/v1/deployments of s3://BUCKET/api/api-1.zip to dev, then the finished execution.
  Json DeployFrom(const std::string& bucket) {
    ApiResponse r =
        api_->Post("/api/v1/deployments",
                   Json{{"application", "shop"},
                        {"service", "api"},
                        {"environment", "dev"},
                        {"artifact", {{"s3Bucket", bucket}, {"s3Key", "api/api-1.zip"}}}});
    EXPECT_EQ(r.status, 201) << Redact(r.Describe());
    if (r.status != 201) return Json();
    Json done = api_->WaitForExecution(Str(r.json, "id"));
    EXPECT_FALSE(done.is_null()) << "execution " << Str(r.json, "id") << " did not finish";
    return done;
  }

  // Every place a user or operator sees: the execution's JSON, its logs and the deployment
  // records through the API, the server's stdout and stderr, and every file of its data
  // directory. Each secret found is reported by place, without its value.
  std::string Leaks(const std::string& execution_id, const std::vector<std::string>& secrets) {
    std::vector<std::pair<std::string, std::string>> places = {
        {"GET execution", api_->Get("/api/v1/executions/" + execution_id).body},
        {"GET logs", api_->Get("/api/v1/executions/" + execution_id + "/logs?limit=1000").body},
        {"GET deployments", api_->Get("/api/v1/deployments").body},
        {"GET cloud providers", api_->Get("/api/v1/cloud-providers").body},
        {"GET secrets", api_->Get("/api/v1/secrets").body},
        {"server stdout", server_->process().output()},
        {"server stderr", server_->process().error_output()}};
    for (const auto& file : std::filesystem::recursive_directory_iterator(server_->data_dir())) {
      if (!file.is_regular_file()) continue;
      std::ifstream in(file.path(), std::ios::binary);
      places.emplace_back(file.path().string(), std::string(std::istreambuf_iterator<char>(in),
                                                            std::istreambuf_iterator<char>()));
    }
    std::string out;
    for (const auto& [where, text] : places) {
      for (const auto& secret : secrets) out += Leak(text, secret, where);
    }
    return out;
  }

  static std::string FunctionArn(const Json& execution) {
    auto deployments = StepDeployments(execution);
    return deployments.count(kFunction) ? Str(deployments[kFunction], "functionArn") : "";
  }

  static bool Absent(aws::LambdaClient& lambda) {
    auto f = lambda.GetFunctionConfiguration(kFunction);
    return !f.ok() && f.error().code == ErrorCode::kNotFound;
  }

  std::unique_ptr<AccountClients> tenant_;
};

TEST_F(ConnectionE2eTest, KeysModeDeploysIntoTheConnectionsAccountAndNeverShowsTheSecret) {
  ASSERT_NO_FATAL_FAILURE(UploadTo(*tenant_, "tenant-builds", "api/api-1.zip", "tenant-b1"));
  ASSERT_NO_FATAL_FAILURE(
      Apply(ConnectionEntities(Keys("tenant-key"), nullptr, "tenant-builds", kTenantAccount)));

  Json e = DeployFrom("tenant-builds");
  ASSERT_EQ(Str(e, "status"), "succeeded") << Redact(Errors(e));
  EXPECT_NE(FunctionArn(e).find(":111111111111:function:shop-orders-dev"), std::string::npos)
      << FunctionArn(e);

  // On the AWS side: in the connection's account, serving the build; not in the default one.
  auto config = tenant_->lambda.GetFunctionConfiguration(kFunction);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_NE(config->function_arn.find(":111111111111:"), std::string::npos);
  auto alias = tenant_->lambda.GetAlias(kFunction, "dev");
  ASSERT_TRUE(alias.ok()) << alias.error().message;
  EXPECT_EQ(alias->function_version, "1");
  aws::InvokeRequest invoke;
  invoke.function_name = kFunction;
  invoke.qualifier = "dev";
  invoke.payload = "{}";
  auto invoked = tenant_->lambda.Invoke(invoke);
  ASSERT_TRUE(invoked.ok()) << invoked.error().message;
  EXPECT_NE(invoked->payload.find("tenant-b1"), std::string::npos) << invoked->payload;
  EXPECT_TRUE(Absent(*lambda_)) << "the function exists in the default account 000000000000";
  // The delegate read the environment's secret and the function has its value...
  EXPECT_TRUE(config->environment.count("DB_URL") &&
              config->environment.at("DB_URL") ==
                  std::string("pg://app:") + kDbPassword + "@db/orders")
      << "DB_URL is not the rendered secret";

  ApiResponse records = api_->Get("/api/v1/deployments?function=shop-orders-dev");
  ASSERT_EQ(records.status, 200) << records.Describe();
  ASSERT_EQ(records.json["items"].size(), 1u) << records.body;
  EXPECT_NE(Str(records.json["items"][0], "functionArn").find(":111111111111:"), std::string::npos);

  // ...which, like the connection's key, Ferry shows and stores nowhere: the steps keep the
  // secret's name, the deployment record the variable's key.
  EXPECT_EQ(Leaks(Str(e, "id"), {kTenantSecret, kDbPassword}), "");
}

// Every source in one deployment: env (the connection's key, DB_URL's password), ferry (set with
// `ferry secrets set` from stdin, stored sealed), AWS Secrets Manager (one key of a JSON secret)
// and SSM Parameter Store (a SecureString), the AWS ones read by the delegate through the
// connection in mode keys. The function gets every value; Ferry shows and stores none of them.
TEST_F(ConnectionE2eTest, SecretsOfEverySourceReachTheFunctionAndNothingElse) {
  ASSERT_NO_FATAL_FAILURE(UploadTo(*tenant_, "tenant-builds", "api/api-1.zip", "tenant-b1"));
  ASSERT_NO_FATAL_FAILURE(PutAwsSecret("secretsmanager", "secretsmanager.CreateSecret",
                                       Json{{"Name", "shop/db"}, {"SecretString", kSmWhole}}));
  ASSERT_NO_FATAL_FAILURE(PutAwsSecret(
      "ssm", "AmazonSSM.PutParameter",
      Json{{"Name", "/shop/api-key"}, {"Type", "SecureString"}, {"Value", kSsmKey}}));
  ASSERT_NO_FATAL_FAILURE(Apply(AwsSecretEntities("password")));
  dir_.Write("app-token.txt", std::string(kFerryValue) + "\n");
  auto set = ChildProcess::Run(
      {"/bin/bash", "-c", FerryBinary() + " secrets set app-token < app-token.txt"},
      ProcessOptions{{{"FERRY_SERVER", server_->url()}, {"FERRY_TOKEN", server_->token()}},
                     dir_.Sub("")});
  ASSERT_EQ(set.exit_code, 0) << set.out << set.err;
  EXPECT_NE(set.out.find("secret app-token: version 1"), std::string::npos) << set.out;
  std::filesystem::remove(dir_.path() / "app-token.txt");

  Json e = DeployFrom("tenant-builds");
  ASSERT_EQ(Str(e, "status"), "succeeded") << Redact(Errors(e));
  auto config = tenant_->lambda.GetFunctionConfiguration(kFunction);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_TRUE(config->environment.count("SM_PASSWORD") &&
              config->environment.at("SM_PASSWORD") == kSmPassword)
      << "SM_PASSWORD is not the secret's password key";
  EXPECT_TRUE(config->environment.count("API_KEY") &&
              config->environment.at("API_KEY") == std::string("key=") + kSsmKey)
      << "API_KEY is not the rendered parameter";
  EXPECT_TRUE(config->environment.count("APP_TOKEN") &&
              config->environment.at("APP_TOKEN") == kFerryValue)
      << "APP_TOKEN is not the ferry secret's value";
  EXPECT_TRUE(config->environment.count("DB_URL") &&
              config->environment.at("DB_URL") ==
                  std::string("pg://app:") + kDbPassword + "@db/orders");
  EXPECT_EQ(Leaks(Str(e, "id"),
                  {kTenantSecret, kDbPassword, kSmPassword, kSmWhole, kSsmKey, kFerryValue}),
            "");
}

// An AWS-sourced secret that cannot be read fails the deploy before the function changes, naming
// the secret and where it was looked for, never a value.
TEST_F(ConnectionE2eTest, AnAwsSecretThatCannotBeReadFailsNamingItButNotItsValue) {
  ASSERT_NO_FATAL_FAILURE(UploadTo(*tenant_, "tenant-builds", "api/api-1.zip", "tenant-b1"));
  ASSERT_NO_FATAL_FAILURE(PutAwsSecret("secretsmanager", "secretsmanager.CreateSecret",
                                       Json{{"Name", "shop/db"}, {"SecretString", kSmWhole}}));
  // No SSM parameter /shop/api-key exists yet.
  ASSERT_NO_FATAL_FAILURE(Apply(AwsSecretEntities("password")));
  ApiResponse set = api_->Put("/api/v1/secrets/app-token/value", Json{{"value", kFerryValue}});
  ASSERT_EQ(set.status, 200) << set.Describe();
  Json e = DeployFrom("tenant-builds");
  ASSERT_EQ(Str(e, "status"), "failed") << Redact(e.dump(2));
  std::string errors = Errors(e);
  EXPECT_NE(errors.find("secret \"ssm-key\" (SSM parameter \"/shop/api-key\" in us-east-1 "
                        "through \"tenant\")"),
            std::string::npos)
      << Redact(errors);
  EXPECT_NE(errors.find("ParameterNotFound"), std::string::npos) << Redact(errors);
  EXPECT_TRUE(Absent(tenant_->lambda));

  // The parameter exists now, but the JSON secret has no key "pass".
  ASSERT_NO_FATAL_FAILURE(PutAwsSecret(
      "ssm", "AmazonSSM.PutParameter",
      Json{{"Name", "/shop/api-key"}, {"Type", "SecureString"}, {"Value", kSsmKey}}));
  ASSERT_NO_FATAL_FAILURE(Apply(AwsSecretEntities("pass")));
  Json missing = DeployFrom("tenant-builds");
  ASSERT_EQ(Str(missing, "status"), "failed") << Redact(missing.dump(2));
  errors = Errors(missing);
  EXPECT_NE(errors.find("secret \"sm-password\""), std::string::npos) << Redact(errors);
  EXPECT_NE(errors.find("no key \"pass\""), std::string::npos) << Redact(errors);
  EXPECT_TRUE(Absent(tenant_->lambda));
  EXPECT_EQ(Leaks(Str(e, "id"), {kSmPassword, kSmWhole, kSsmKey, kTenantSecret}), "");
  EXPECT_EQ(Leaks(Str(missing, "id"), {kSmPassword, kSmWhole, kSsmKey, kTenantSecret}), "");
}

TEST_F(ConnectionE2eTest, AWrongSecretFailsNamingTheConnectionAndTheSecretButNotItsValue) {
  ASSERT_NO_FATAL_FAILURE(UploadTo(*tenant_, "tenant-builds", "api/api-1.zip", "tenant-b1"));
  ASSERT_NO_FATAL_FAILURE(
      Apply(ConnectionEntities(Keys("wrong-key"), nullptr, "tenant-builds", kTenantAccount)));

  Json e = DeployFrom("tenant-builds");
  ASSERT_EQ(Str(e, "status"), "failed") << Redact(e.dump(2));
  const std::string errors = Errors(e);
  EXPECT_NE(errors.find("cloud provider \"tenant\""), std::string::npos) << Redact(errors);
  EXPECT_NE(errors.find("GetCallerIdentity"), std::string::npos) << Redact(errors);
  EXPECT_NE(errors.find("check that secret \"wrong-key\" holds the secret access key"),
            std::string::npos)
      << Redact(errors);
  // The user reads the same reason in the logs.
  EXPECT_NE(Logs(Str(e, "id")).find("cloud provider \"tenant\""), std::string::npos)
      << Redact(Logs(Str(e, "id")));
  EXPECT_TRUE(Absent(tenant_->lambda));
  EXPECT_TRUE(Absent(*lambda_));
  EXPECT_EQ(Leaks(Str(e, "id"), {kWrongSecret, kTenantSecret}), "");

  // A Secret whose environment variable the server lacks: named, with the variable.
  ASSERT_NO_FATAL_FAILURE(
      Apply(ConnectionEntities(Keys("unset-key"), nullptr, "tenant-builds", kTenantAccount)));
  Json unset = DeployFrom("tenant-builds");
  ASSERT_EQ(Str(unset, "status"), "failed") << Redact(unset.dump(2));
  const std::string unset_errors = Errors(unset);
  EXPECT_NE(unset_errors.find("cloud provider \"tenant\""), std::string::npos) << unset_errors;
  EXPECT_NE(unset_errors.find("unset-key"), std::string::npos) << unset_errors;
  EXPECT_NE(unset_errors.find(kUnsetEnv), std::string::npos) << unset_errors;
  EXPECT_TRUE(Absent(tenant_->lambda));

  // A `source: ferry` Secret whose value was never set: named, with how to set it.
  ASSERT_NO_FATAL_FAILURE(
      Apply(ConnectionEntities(Keys("ferry-key"), nullptr, "tenant-builds", kTenantAccount)));
  Json ferry_source = DeployFrom("tenant-builds");
  ASSERT_EQ(Str(ferry_source, "status"), "failed") << Redact(ferry_source.dump(2));
  const std::string ferry_errors = Errors(ferry_source);
  EXPECT_NE(ferry_errors.find("cloud provider \"tenant\""), std::string::npos) << ferry_errors;
  EXPECT_NE(ferry_errors.find("ferry-key"), std::string::npos) << ferry_errors;
  EXPECT_NE(ferry_errors.find("ferry secrets set ferry-key"), std::string::npos) << ferry_errors;
  EXPECT_TRUE(Absent(tenant_->lambda));
}

// docs/aws.md: "The Secret is read again for every task, so a rotated key is picked up by the
// next task" -- both ways: a fixed key starts working, a revoked one stops.
TEST_F(ConnectionE2eTest, AFileSecretIsReadAgainForEveryTask) {
  ASSERT_NO_FATAL_FAILURE(UploadTo(*tenant_, "tenant-builds", "api/api-1.zip", "tenant-b1"));
  WriteKeyFile(kWrongSecret);
  ASSERT_NO_FATAL_FAILURE(
      Apply(ConnectionEntities(Keys("file-key"), nullptr, "tenant-builds", kTenantAccount)));

  Json wrong = DeployFrom("tenant-builds");
  ASSERT_EQ(Str(wrong, "status"), "failed") << Redact(Errors(wrong));
  EXPECT_NE(Errors(wrong).find("check that secret \"file-key\""), std::string::npos)
      << Redact(Errors(wrong));

  WriteKeyFile(kTenantSecret);
  Json fixed = DeployFrom("tenant-builds");
  ASSERT_EQ(Str(fixed, "status"), "succeeded") << Redact(Errors(fixed));
  EXPECT_TRUE(tenant_->lambda.GetFunctionConfiguration(kFunction).ok());

  WriteKeyFile(kWrongSecret);
  Json revoked = DeployFrom("tenant-builds");
  EXPECT_EQ(Str(revoked, "status"), "failed")
      << "the delegate kept signing with the key it read before:\n"
      << Redact(Errors(revoked));

  for (const Json* e : {&wrong, &fixed, &revoked}) {
    EXPECT_EQ(Leaks(Str(*e, "id"), {kTenantSecret, kWrongSecret}), "");
  }
}

TEST_F(ConnectionE2eTest, AssumeRoleOnTheConnectionsKeysDeploysIntoTheRolesAccount) {
  auto role = AssumeRoleClients(tenant_->provider.Resolve().value());
  ASSERT_NE(role, nullptr);
  ASSERT_NO_FATAL_FAILURE(UploadTo(*role, "role-builds", "api/api-1.zip", "role-b1"));
  const Json assume = {
      {"roleArn", kRoleArn}, {"externalId", kExternalId}, {"sessionName", "ferry-e2e"}};
  ASSERT_NO_FATAL_FAILURE(
      Apply(ConnectionEntities(Keys("tenant-key"), assume, "role-builds", kRoleAccount)));

  Json e = DeployFrom("role-builds");
  ASSERT_EQ(Str(e, "status"), "succeeded") << Redact(Errors(e));
  EXPECT_NE(FunctionArn(e).find(":222222222222:function:shop-orders-dev"), std::string::npos)
      << FunctionArn(e);
  auto config = role->lambda.GetFunctionConfiguration(kFunction);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_NE(config->function_arn.find(":222222222222:"), std::string::npos);
  EXPECT_TRUE(Absent(tenant_->lambda)) << "the function exists in the keys' own account";
  EXPECT_TRUE(Absent(*lambda_)) << "the function exists in the default account";

  EXPECT_EQ(Leaks(Str(e, "id"), {kTenantSecret}), "");
  // docs/aws.md: the external id is kept out of logs and errors.
  std::string external;
  external += Leak(api_->Get("/api/v1/executions/" + Str(e, "id") + "/logs?limit=1000").body,
                   kExternalId, "GET logs");
  external += Leak(server_->process().error_output(), kExternalId, "server stderr");
  external += Leak(server_->process().output(), kExternalId, "server stdout");
  EXPECT_EQ(external, "");
}

TEST_F(ConnectionE2eTest, AssumeRoleOnTheServersOwnChainDeploysIntoTheRolesAccount) {
  auto role = AssumeRoleClients(aws::Credentials{"test", "test", "", std::nullopt, "default"});
  ASSERT_NE(role, nullptr);
  ASSERT_NO_FATAL_FAILURE(UploadTo(*role, "role-builds", "api/api-1.zip", "role-b1"));
  const Json assume = {{"roleArn", kRoleArn}, {"externalId", kExternalId}};
  ASSERT_NO_FATAL_FAILURE(
      Apply(ConnectionEntities({{"mode", "delegate"}}, assume, "role-builds", kRoleAccount)));

  Json e = DeployFrom("role-builds");
  ASSERT_EQ(Str(e, "status"), "succeeded") << Redact(Errors(e));
  EXPECT_NE(FunctionArn(e).find(":222222222222:function:shop-orders-dev"), std::string::npos)
      << FunctionArn(e);
  EXPECT_TRUE(role->lambda.GetFunctionConfiguration(kFunction).ok());
  EXPECT_TRUE(Absent(*lambda_));
}

}  // namespace
}  // namespace ferry::test
