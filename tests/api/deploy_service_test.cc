// DeployService over a real SQLite store with entities applied from YAML (config loader), a real
// engine, and an embedded delegate running the Lambda task handlers against a FakeLambdaApi.
#include "api/deploy_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "api/deploy_config.h"
#include "api/service_guard.h"
#include "common/json.h"
#include "common/time.h"
#include "config/loader.h"
#include "config/runnable.h"
#include "delegate/lambda/fake_lambda_api.h"
#include "delegate/lambda/lambda_tasks.h"
#include "delegate/protocol/agent.h"
#include "engine/embedded_transport.h"
#include "engine/steps/builtin.h"
#include "lambda/state_codec.h"
#include "lambda/steps.h"
#include "model/enums.h"
#include "model/json_codec.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace ferry::api {
namespace {

using delegate::fakes::FakeLambdaApi;
using store::ExecutionStatus;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

class FakeProvider final : public delegate::LambdaApiProvider {
 public:
  explicit FakeProvider(FakeLambdaApi& api) : api_(api) {}
  Result<delegate::LambdaApi*> For(const lambda::LambdaTarget& t) override {
    if (t.region != "eu-west-1") return Error{ErrorCode::kInvalidArgument, "unknown region"};
    last_credentials = t.credentials;
    return static_cast<delegate::LambdaApi*>(&api_);
  }
  lambda::TargetCredentials last_credentials;  // of the last For()

 private:
  FakeLambdaApi& api_;
};

constexpr char kConfig[] = R"(
kind: CloudProvider
name: local
credentials:
  mode: delegate
region: eu-west-1
endpoint: http://127.0.0.1:4566
localSandbox: true
delegateSelectors: [local]
---
kind: Secret
name: db-password
source: env
ref: FERRY_SECRET_DEPLOY_TEST_DB_PASSWORD
---
kind: Secret
name: api-key
source: file
ref: @KEYFILE@
---
kind: Secret
name: vault-token
source: ferry
---
kind: Secret
name: unset
source: env
ref: FERRY_SECRET_DEPLOY_TEST_NEVER_SET
---
kind: Application
name: shop
---
kind: Service
application: shop
name: orders
type: lambda
artifact:
  s3:
    bucket: builds
    key: orders/orders.zip
defaults:
  runtime: python3.12
  memory: 256
  timeout: 30
  environment:
    APP_ENV: ${env.name}
    DB_PASSWORD: ${secrets.db-password}
    API_KEY: ${secrets.api-key}
  tags:
    app: ${app.name}
    build: ${artifact.version}
functions:
  - name: api
    functionName: ${app.name}-${env.name}-api
    handler: api.handler
    tracing: Active
    layers: [arn:aws:lambda:eu-west-1:123456789012:layer:deps:3]
    kmsKey: arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b
    deadLetterTarget: arn:aws:sqs:eu-west-1:123456789012:api-dlq
    tags:
      tier: web
  - name: worker
    functionName: ${app.name}-${env.name}-worker
    handler: worker.handler
---
kind: Service
application: shop
name: unpinned
type: lambda
artifact:
  s3:
    bucket: builds
    prefix: unpinned/
defaults:
  runtime: python3.12
functions:
  - name: fn
    functionName: shop-unpinned
    handler: fn.handler
---
kind: Service
application: shop
name: vaulted
type: lambda
artifact:
  s3:
    bucket: builds
    key: vaulted.zip
defaults:
  runtime: python3.12
  environment:
    TOKEN: ${secrets.vault-token}
functions:
  - name: fn
    functionName: shop-vaulted
    handler: fn.handler
---
kind: Service
application: shop
name: unset
type: lambda
artifact:
  s3:
    bucket: builds
    key: unset.zip
defaults:
  runtime: python3.12
  environment:
    TOKEN: ${secrets.unset}
functions:
  - name: fn
    functionName: shop-unset
    handler: fn.handler
---
kind: Service
application: shop
name: boxed
type: lambda
artifact:
  ecr:
    repository: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/boxed
functions:
  - name: fn
    functionName: shop-boxed
    packageType: Image
---
kind: Environment
application: shop
name: dev
type: non-production
infrastructure:
  - name: dev-local
    cloudProvider: local
    executionRole: arn:aws:iam::123456789012:role/shop-dev
    vpc:
      subnets: [subnet-0a1b2c3d4e5f60718]
      securityGroups: [sg-0123456789abcdef0]
---
kind: Environment
application: shop
name: qa
type: non-production
infrastructure:
  - name: qa-local
    cloudProvider: local
    executionRole: arn:aws:iam::123456789012:role/shop-qa
---
kind: Environment
application: shop
name: prod
type: non-production
infrastructure:
  - name: prod-local
    cloudProvider: local
    executionRole: arn:aws:iam::123456789012:role/shop-prod
---
kind: Workflow
application: shop
name: dev-basic
strategy: basic
environment: dev
service: orders
failureStrategy: abort
steps:
  - name: deploy
    type: deploy
    timeout: 10m
---
kind: Workflow
application: shop
name: any-env
strategy: basic
environment: ${workflow.variables.env}
service: unpinned
variables:
  - name: env
    allowed: [dev, qa]
---
kind: Workflow
application: shop
name: qa-one
strategy: basic
environment: qa
service: orders
---
kind: Workflow
application: shop
name: qa-two
strategy: basic
environment: qa
service: orders
---
kind: Workflow
application: shop
name: prod-blue-green
strategy: blue-green
environment: prod
service: orders
---
kind: Workflow
application: shop
name: dev-smoke
strategy: basic
environment: qa
service: vaulted
steps:
  - name: deploy
    type: deploy
  - name: smoke
    type: approval
---
kind: Workflow
application: shop
name: vaulted-dev
strategy: basic
environment: dev
service: vaulted
---
kind: Workflow
application: shop
name: unset-dev
strategy: basic
environment: dev
service: unset
---
kind: Workflow
application: shop
name: boxed-dev
strategy: basic
environment: dev
service: boxed
---
kind: Workflow
application: shop
name: hands-on
strategy: basic
environment: prod
service: unset
failureStrategy: manual-intervention
---
kind: Workflow
application: shop
name: twice
strategy: basic
environment: qa
service: boxed
steps:
  - name: first
    type: deploy
  - name: second
    type: deploy
)";

class DeployServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("FERRY_SECRET_DEPLOY_TEST_DB_PASSWORD", "db-s3cr3t-value", 1);
    key_file_ = dir_.Sub("api-key");
    std::ofstream(key_file_) << "file-s3cr3t-key\n";
    store::SqliteOptions options;
    options.data_dir = dir_.Sub("data");
    auto opened = store::OpenSqliteStore(options, clock_, ids_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
    Apply(kConfig);
    ASSERT_TRUE(engine::RegisterBuiltinSteps(steps_).ok());
    engine_ = std::make_unique<engine::Engine>(*store_, clock_, steps_, engine::EngineOptions{});
    service_ = std::make_unique<DeployService>(
        *store_, *engine_, clock_,
        DeployServiceOptions{.wake_engine = [this] { ++wakes_; }, .secrets = Secrets()});
    transport_ = std::make_unique<engine::EmbeddedTransport>(*store_);
    agent_ = std::make_unique<delegate::DelegateAgent>(
        *transport_, clock_, delegate::AgentOptions{.selectors = {"local"}});
    for (const auto& kind : delegate::LambdaTaskHandler::Kinds()) agent_->Register(kind, handler_);
  }

  // As ferry server's: env variables named FERRY_SECRET_*, files in the test's directory.
  SecretPolicy Secrets() const {
    return {.env_prefix = "FERRY_SECRET_", .file_dir = dir_.path().string()};
  }

  void Apply(std::string yaml) {
    yaml.replace(yaml.find("@KEYFILE@"), 9, key_file_);
    auto loaded = config::LoadConfigFiles({{"config.yaml", yaml}});
    std::string problems;
    for (const auto& p : loaded.problems) problems += p.ToString() + "\n";
    ASSERT_TRUE(loaded.ok()) << problems;
    std::vector<store::EntityWrite> writes;
    for (const auto& e : loaded.entities) {
      writes.push_back({{std::string(model::StoreKindName(model::KindOf(e))),
                         model::ApplicationOf(e), model::NameOf(e)},
                        model::CanonicalJson(e),
                        std::nullopt});
    }
    ASSERT_TRUE(store_->entities().PutAll(writes, "test").ok());
  }

  DeploymentInput Input(std::string service = "orders", std::string env = "dev") {
    DeploymentInput in;
    in.application = "shop";
    in.service = std::move(service);
    in.environment = std::move(env);
    in.actor = "alice";
    return in;
  }

  std::string RecordArtifact(const std::string& version, const std::string& sha) {
    store::NewArtifact a;
    a.source = "builds";
    a.key = "orders/orders.zip";
    a.version = version;
    a.code_sha256 = sha;
    a.location_json = DumpJson(
        Json{{"s3Bucket", "builds"}, {"s3Key", "orders/orders.zip"}, {"s3ObjectVersion", version}});
    auto r = store_->artifacts().Record(a, "test");
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r->artifact.id;
  }

  store::ExecutionRecord Drive(const std::string& id) {
    for (int i = 0; i < 200; ++i) {
      auto e = store_->executions().Get(id);
      if (store::IsTerminal(e->status)) return *e;
      auto advanced = engine_->RunOnce();
      EXPECT_TRUE(advanced.ok()) << advanced.error().message;
      auto ran = agent_->RunOne();
      EXPECT_TRUE(ran.ok());
      if (*advanced == 0 && !*ran) clock_.Advance(std::chrono::seconds(5));
    }
    ADD_FAILURE() << "execution " << id << " did not end";
    return *store_->executions().Get(id);
  }

  std::string DeployArtifact(const std::string& artifact_id) {
    DeploymentInput in = Input();
    in.artifact_id = artifact_id;
    auto e = service_->Deploy(in);
    EXPECT_TRUE(e.ok()) << e.error().message;
    EXPECT_EQ(Drive(e->id).status, ExecutionStatus::kSucceeded);
    return e->id;
  }

  Json StepInputs(const std::string& id, int index = 0) {
    return *ParseJson(store_->executions().GetStep(id, index)->inputs_json);
  }

  std::vector<lambda::DesiredFunction> Functions(const std::string& id) {
    auto inputs = lambda::DecodeDeployStepInputs(store_->executions().GetStep(id, 0)->inputs_json);
    EXPECT_TRUE(inputs.ok());
    return inputs.ok() ? inputs->functions : std::vector<lambda::DesiredFunction>{};
  }

  Error DeployError(const DeploymentInput& in) {
    auto e = service_->Deploy(in);
    EXPECT_FALSE(e.ok());
    return e.ok() ? Error{ErrorCode::kInternal, "succeeded"} : e.error();
  }

  std::string Alias(const std::string& fn, const std::string& alias) {
    const auto* a = api_.World().at(fn).FindAlias(alias);
    return a == nullptr ? "" : a->version;
  }

  test::TempDir dir_;
  std::string key_file_;
  FakeClock clock_;
  SequentialIdGenerator ids_;
  std::unique_ptr<store::Store> store_;
  engine::StepRegistry steps_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<DeployService> service_;
  int wakes_ = 0;
  FakeLambdaApi api_;
  FakeProvider provider_{api_};
  // The embedded delegate reads the secrets environment variables use, as `ferry server` does.
  delegate::LambdaTaskHandler handler_{provider_, {.secrets = [this](std::string_view name) {
                                         return deploy::ResolveSecret(store_->entities(), name,
                                                                      Secrets());
                                       }}};
  std::unique_ptr<engine::EmbeddedTransport> transport_;
  std::unique_ptr<delegate::DelegateAgent> agent_;
};

TEST_F(DeployServiceTest, ResolvesTheConfigurationIntoTheDeployStep) {
  auto e = service_->Deploy(Input());
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(wakes_, 1);
  EXPECT_EQ(e->workflow, "dev-basic");
  EXPECT_EQ(e->actor, "alice");
  EXPECT_EQ(e->trigger, "manual");
  EXPECT_THAT(e->inputs_json, HasSubstr(R"("failureStrategy":"abort")"));

  Json inputs = StepInputs(e->id);
  EXPECT_EQ(inputs["target"], (Json{{"region", "eu-west-1"},
                                    {"endpoint", "http://127.0.0.1:4566"},
                                    {"cloudProvider", "local"}}));
  EXPECT_EQ(inputs["selectors"], Json::array({"local"}));
  EXPECT_EQ(store_->executions().GetStep(e->id, 0)->timeout, std::chrono::minutes(10))
      << "the workflow's deploy step timeout";

  auto functions = Functions(e->id);
  ASSERT_EQ(functions.size(), 2u);
  const auto& api = functions[0];
  EXPECT_EQ(api.function_name, "shop-dev-api");
  EXPECT_EQ(api.config.runtime, "python3.12");
  EXPECT_EQ(api.config.handler, "api.handler");
  EXPECT_EQ(api.config.role, "arn:aws:iam::123456789012:role/shop-dev");
  EXPECT_EQ(api.config.memory_mb, 256);
  EXPECT_EQ(api.config.timeout_seconds, 30);
  EXPECT_EQ(api.config.tracing_mode, "Active");
  EXPECT_THAT(api.config.layers, ElementsAre("arn:aws:lambda:eu-west-1:123456789012:layer:deps:3"));
  EXPECT_EQ(api.config.kms_key_arn,
            "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b");
  EXPECT_EQ(api.config.dead_letter_target, "arn:aws:sqs:eu-west-1:123456789012:api-dlq");
  EXPECT_THAT(api.config.vpc.subnet_ids, ElementsAre("subnet-0a1b2c3d4e5f60718"));
  EXPECT_THAT(api.config.vpc.security_group_ids, ElementsAre("sg-0123456789abcdef0"));
  EXPECT_THAT(api.config.environment, ElementsAre(Pair("APP_ENV", "dev")));
  EXPECT_THAT(api.secret_environment,
              ElementsAre(Pair("API_KEY", SecretText{{"", "api-key"}}),
                          Pair("DB_PASSWORD", SecretText{{"", "db-password"}})));
  EXPECT_EQ(api.code.s3_bucket, "builds");
  EXPECT_EQ(api.code.s3_key, "orders/orders.zip");
  EXPECT_THAT(api.tags, ElementsAre(Pair("app", "shop"), Pair("build", ""), Pair("tier", "web")));
  EXPECT_THAT(api.aliases, ElementsAre("dev")) << "the default alias is the environment's name";
  EXPECT_TRUE(api.previously_managed_tags.empty());
  EXPECT_EQ(functions[1].function_name, "shop-dev-worker");
  EXPECT_EQ(functions[1].config.tracing_mode, "PassThrough");

  // Secrets stay references: no value in the execution, its steps or its task payloads.
  EXPECT_EQ(e->inputs_json.find("s3cr3t"), std::string::npos);
  auto steps = store_->executions().Steps(e->id);
  ASSERT_TRUE(steps.ok());
  for (const auto& step : *steps) {
    EXPECT_EQ(step.inputs_json.find("s3cr3t"), std::string::npos) << step.name;
  }
}

// The delegate reads the secrets just before it deploys: the function gets their values.
TEST_F(DeployServiceTest, TheDelegateRendersSecretsIntoTheFunctionsEnvironment) {
  DeployArtifact(RecordArtifact("v1", "SHA-1"));
  EXPECT_THAT(api_.World().at("shop-dev-api").config.environment,
              ElementsAre(Pair("API_KEY", "file-s3cr3t-key"), Pair("APP_ENV", "dev"),
                          Pair("DB_PASSWORD", "db-s3cr3t-value")));
}

TEST_F(DeployServiceTest, DeploysARecordedArtifactOrAnS3Location) {
  const std::string id = RecordArtifact("v7", "SHA-7");
  DeploymentInput in = Input();
  in.artifact_id = id;
  auto e = service_->Deploy(in);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->artifact_id, id);
  auto functions = Functions(e->id);
  EXPECT_EQ(functions[0].code.s3_object_version, "v7");
  EXPECT_EQ(functions[0].code.code_sha256, "SHA-7");
  EXPECT_EQ(functions[0].tags.at("build"), "v7") << "${artifact.version}";

  // The same object by location deploys as the recorded artifact.
  in = Input();
  in.artifact = ArtifactLocation{"builds", "orders/orders.zip", "v7"};
  e = service_->Deploy(in);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->artifact_id, id);

  // A location outside the service's artifact source (bucket builds, key orders/orders.zip)
  // is refused (issue 18: a deploy token shipped code from another team's bucket)...
  in.artifact = ArtifactLocation{"other-bucket", "x/y.zip", "abc"};
  EXPECT_EQ(DeployError(in).code, ErrorCode::kPermissionDenied);
  EXPECT_THAT(DeployError(in).message, HasSubstr("outside service orders's artifact source"));
  in.artifact = ArtifactLocation{"builds", "orders/evil.zip", "abc"};
  EXPECT_EQ(DeployError(in).code, ErrorCode::kPermissionDenied) << "same bucket, other key";
  // ...and so is a recorded artifact from outside it.
  {
    store::NewArtifact outside;
    outside.source = "elsewhere";
    outside.key = "x/y.zip";
    outside.version = "abc";
    outside.code_sha256 = "SHA-OUTSIDE";
    outside.location_json = DumpJson(
        Json{{"s3Bucket", "other-bucket"}, {"s3Key", "x/y.zip"}, {"s3ObjectVersion", "abc"}});
    auto recorded = store_->artifacts().Record(outside, "test");
    ASSERT_TRUE(recorded.ok()) << recorded.error().message;
    DeploymentInput by_id = Input();
    by_id.artifact_id = recorded->artifact.id;
    EXPECT_EQ(DeployError(by_id).code, ErrorCode::kPermissionDenied);
  }
  // Allowed (the API lets only admin tokens set this), it deploys as given.
  in.artifact = ArtifactLocation{"other-bucket", "x/z.zip", "abc"};
  in.allow_outside_artifact_source = true;
  e = service_->Deploy(in);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_FALSE(e->artifact_id.has_value());
  EXPECT_EQ(Functions(e->id)[0].code.s3_bucket, "other-bucket");
  EXPECT_EQ(Functions(e->id)[0].code.s3_object_version, "abc");
}

TEST_F(DeployServiceTest, ATemplatizedWorkflowMatchesTheEnvironmentsItAllows) {
  DeploymentInput in = Input("unpinned", "qa");
  in.artifact = ArtifactLocation{"builds", "unpinned/fn-12.zip", ""};
  auto e = service_->Deploy(in);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->workflow, "any-env");
  in.environment = "prod";  // not in allowed
  EXPECT_EQ(DeployError(in).code, ErrorCode::kNotFound);
}

TEST_F(DeployServiceTest, CarriesForwardTheKeysTheLastDeploymentManaged) {
  DeployArtifact(RecordArtifact("v1", "SHA-1"));
  EXPECT_EQ(api_.World().at("shop-dev-api").tags.count("tier"), 1u);
  // The function's spec drops the tier tag.
  std::string yaml = kConfig;
  yaml.replace(yaml.find("    tags:\n      tier: web\n"), 26, "");
  Apply(yaml);
  DeploymentInput in = Input();
  in.artifact_id = RecordArtifact("v2", "SHA-2");
  auto e = service_->Deploy(in);
  ASSERT_TRUE(e.ok()) << e.error().message;
  // The deploy step adds them when it writes the deploy task, from the last deployment record.
  ASSERT_TRUE(engine_->RunOnce().ok());
  store::TaskFilter filter;
  filter.execution_id = e->id;
  auto tasks = store_->tasks().List(filter);
  ASSERT_TRUE(tasks.ok() && tasks->size() == 1u);
  auto task = lambda::DecodeDeployTask(tasks->front().payload_json);
  ASSERT_TRUE(task.ok()) << task.error().message;
  const auto& functions = task->functions;
  EXPECT_THAT(functions[0].previously_managed_tags, ElementsAre("app", "build", "tier"));
  EXPECT_THAT(functions[0].previously_managed_environment,
              ElementsAre("API_KEY", "APP_ENV", "DB_PASSWORD"));
  EXPECT_EQ(Drive(e->id).status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(api_.World().at("shop-dev-api").tags.count("tier"), 0u)
      << "a tag Ferry set and no longer declares is removed";
}

constexpr char kCrossAccountProvider[] = R"(
kind: CloudProvider
name: local
credentials:
  mode: keys
  accessKeyId: AKIAFERRYTEST00001
  secretAccessKey: api-key
assumeRole:
  roleArn: arn:aws:iam::111111111111:role/deployer
  externalId: ferry-tenant-7
  sessionName: ferry-test
  durationSeconds: 900
region: eu-west-1
endpoint: http://127.0.0.1:4566
localSandbox: true
delegateSelectors: [local]
---
kind: Secret
name: api-key
source: file
ref: @KEYFILE@
)";

const Json kCrossAccountCredentials{{"mode", "keys"},
                                    {"accessKeyId", "AKIAFERRYTEST00001"},
                                    {"secretAccessKeySecret", "api-key"},
                                    {"assumeRole",
                                     {{"roleArn", "arn:aws:iam::111111111111:role/deployer"},
                                      {"externalId", "ferry-tenant-7"},
                                      {"sessionName", "ferry-test"},
                                      {"durationSeconds", 900}}}};

TEST_F(DeployServiceTest, TheTargetCarriesTheConnectionsCredentialsWithoutSecretValues) {
  Apply(kCrossAccountProvider);
  auto e = service_->Deploy(Input());
  ASSERT_TRUE(e.ok()) << e.error().message;
  Json inputs = StepInputs(e->id);
  EXPECT_EQ(inputs["target"]["cloudProvider"], "local");
  EXPECT_EQ(inputs["target"]["credentials"], kCrossAccountCredentials);
  EXPECT_THAT(DumpJson(inputs["target"]), ::testing::Not(HasSubstr("s3cr3t")))
      << "the secret's value never enters the payload";
  EXPECT_EQ(Drive(e->id).status, ExecutionStatus::kSucceeded);
  ASSERT_TRUE(provider_.last_credentials.assume_role.has_value());
  EXPECT_EQ(provider_.last_credentials.mode, lambda::TargetCredentialsMode::kKeys);
  EXPECT_EQ(provider_.last_credentials.secret_name, "api-key");
  EXPECT_EQ(provider_.last_credentials.assume_role->external_id, "ferry-tenant-7");
  EXPECT_EQ(provider_.last_credentials.assume_role->duration_seconds, 900);
}

TEST_F(DeployServiceTest, DelegateModeWithAssumeRoleCarriesOnlyTheRole) {
  std::string yaml = kCrossAccountProvider;
  const std::string keys =
      "  mode: keys\n  accessKeyId: AKIAFERRYTEST00001\n  secretAccessKey: api-key\n";
  yaml.replace(yaml.find(keys), keys.size(), "  mode: delegate\n");
  Apply(yaml);
  auto e = service_->Deploy(Input());
  ASSERT_TRUE(e.ok()) << e.error().message;
  Json expected = kCrossAccountCredentials;
  expected["mode"] = "delegate";
  expected.erase("accessKeyId");
  expected.erase("secretAccessKeySecret");
  EXPECT_EQ(StepInputs(e->id)["target"]["credentials"], expected);
}

TEST_F(DeployServiceTest, RollbackCarriesTheConnectionsCredentials) {
  Apply(kCrossAccountProvider);
  DeployArtifact(RecordArtifact("v1", "SHA-1"));
  const std::string second = DeployArtifact(RecordArtifact("v2", "SHA-2"));
  auto e = service_->Rollback({"shop", "orders", "dev", std::nullopt, "bob", std::nullopt});
  ASSERT_TRUE(e.ok()) << e.error().message;
  Json inputs = StepInputs(e->execution.id);
  EXPECT_EQ(inputs["undoExecution"], second);
  EXPECT_EQ(inputs["target"]["credentials"], kCrossAccountCredentials);
  provider_.last_credentials = {};
  EXPECT_EQ(Drive(e->execution.id).status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(provider_.last_credentials.access_key_id, "AKIAFERRYTEST00001");
}

// Without --to, a rollback undoes the newest change: it restores what the newest succeeded
// deployment that changed something found before it, and says which one. Deploying the same build
// twice changes nothing the second time, so a rollback after it still undoes the build.
TEST_F(DeployServiceTest, RollbackUndoesTheNewestChange) {
  RollbackInput rb{"shop", "orders", "dev", std::nullopt, "bob", std::nullopt};
  auto nothing = service_->Rollback(rb);
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(nothing.error().message, HasSubstr("none that succeeded yet"));
  const std::string first = DeployArtifact(RecordArtifact("v1", "SHA-1"));
  auto created = service_->Rollback(rb);
  ASSERT_FALSE(created.ok());
  EXPECT_THAT(created.error().message, HasSubstr("created shop-dev-"));
  EXPECT_THAT(created.error().message, HasSubstr("nothing before it to roll back to"));
  const std::string second = DeployArtifact(RecordArtifact("v2", "SHA-2"));
  const std::string third = DeployArtifact(RecordArtifact("v3", "SHA-3"));
  const std::string again = DeployArtifact(RecordArtifact("v3", "SHA-3"));  // the same build
  ASSERT_EQ(Alias("shop-dev-api", "dev"), "3");

  auto e = service_->Rollback(rb);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->execution.workflow, "rollback");
  EXPECT_TRUE(e->undo);
  EXPECT_EQ(e->target, third) << "the no-op redeploy " << again << " changed nothing";
  EXPECT_THAT(e->description, HasSubstr("undoing execution " + third));
  EXPECT_THAT(e->description, HasSubstr("shop-dev-api:dev → 2"));
  Json inputs = StepInputs(e->execution.id);
  EXPECT_EQ(inputs["undoExecution"], third);
  EXPECT_EQ(inputs["target"]["endpoint"], "http://127.0.0.1:4566");
  EXPECT_EQ(Drive(e->execution.id).status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(Alias("shop-dev-api", "dev"), "2");
  EXPECT_EQ(Alias("shop-dev-worker", "dev"), "2");

  // Once more: the change before (the third deployment and the no-op are rolled back now).
  e = service_->Rollback(rb);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->target, second);
  EXPECT_EQ(Drive(e->execution.id).status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(Alias("shop-dev-api", "dev"), "1");

  // --to forward again.
  rb.to_execution = third;
  e = service_->Rollback(rb);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_FALSE(e->undo);
  EXPECT_THAT(e->description, HasSubstr("restoring what execution " + third + " "));
  EXPECT_EQ(Drive(e->execution.id).status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(Alias("shop-dev-api", "dev"), "3");
  (void)first;
}

// A freeze refuses new deployments but never a rollback: rolling back is the safe action.
TEST_F(DeployServiceTest, AFreezeRefusesDeploymentsButNotRollbacks) {
  DeployArtifact(RecordArtifact("v1", "SHA-1"));
  DeployArtifact(RecordArtifact("v2", "SHA-2"));
  ASSERT_EQ(Alias("shop-dev-api", "dev"), "2");
  model::FreezeWindow window;
  window.name = "all-year";
  window.time_zone = "UTC";
  window.start = "2027-01-01T00:00";
  window.end = "2027-12-31T00:00";
  ASSERT_TRUE(store_->entities()
                  .PutAll({{{"freeze_window", "", "all-year"},
                            model::CanonicalJson(model::Entity(window)),
                            std::nullopt}},
                          "test")
                  .ok());
  DeploymentInput in = Input();
  in.artifact_id = RecordArtifact("v3", "SHA-3");
  auto refused = service_->Deploy(in);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(refused.error().message,
            "deployments to shop/dev are frozen by window 'all-year' until 2027-12-31 00:00 UTC; "
            "an admin may override with a reason");

  auto rollback = service_->Rollback({"shop", "orders", "dev", std::nullopt, "bob", std::nullopt});
  ASSERT_TRUE(rollback.ok()) << rollback.error().message;
  EXPECT_EQ(Drive(rollback->execution.id).status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(Alias("shop-dev-api", "dev"), "1");

  in.freeze_override_reason = "INC-42";
  auto overridden = service_->Deploy(in);
  ASSERT_TRUE(overridden.ok()) << overridden.error().message;
  EXPECT_THAT(overridden->inputs_json, HasSubstr(R"("reason":"INC-42")"));
  EXPECT_EQ(Drive(overridden->id).status, ExecutionStatus::kSucceeded);
}

TEST_F(DeployServiceTest, RollbackRejectsTargetsThatAreNotDeploymentsOfTheService) {
  const std::string first = DeployArtifact(RecordArtifact("v1", "SHA-1"));
  RollbackInput rb{"shop", "orders", "dev", std::string("01NOPE"), "bob", std::nullopt};
  EXPECT_EQ(service_->Rollback(rb).error().code, ErrorCode::kNotFound);
  rb.environment = "qa";
  rb.to_execution = first;
  auto other = service_->Rollback(rb);
  EXPECT_EQ(other.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(other.error().message, HasSubstr("not shop/orders in qa"));
  rb.environment = "dev";
  DeployArtifact(RecordArtifact("v2", "SHA-2"));
  auto rollback = service_->Rollback(rb);
  ASSERT_TRUE(rollback.ok());
  Drive(rollback->execution.id);
  rb.to_execution = rollback->execution.id;
  auto of_rollback = service_->Rollback(rb);
  EXPECT_EQ(of_rollback.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(of_rollback.error().message, HasSubstr("it is a rollback"));
  rb.application = "nope";
  EXPECT_EQ(service_->Rollback(rb).error().code, ErrorCode::kNotFound);
}

TEST_F(DeployServiceTest, RollbackToPrunedVersionsIsRefusedNamingThem) {
  // Pruning keeps 10 versions (and those of the last 10 successful deployments): the 12th
  // deployment prunes versions 1 and 2.
  std::vector<std::string> executions;
  for (int i = 1; i <= 12; ++i) {
    executions.push_back(
        DeployArtifact(RecordArtifact("v" + std::to_string(i), "SHA-" + std::to_string(i))));
  }
  ASSERT_EQ(api_.World().at("shop-dev-api").FindVersion("1"), nullptr);
  RollbackInput rb{"shop", "orders", "dev", executions[0], "bob", std::nullopt};
  auto r = service_->Rollback(rb);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(r.error().message, HasSubstr("version 1 of shop-dev-api"));
  EXPECT_THAT(r.error().message, HasSubstr("version 1 of shop-dev-worker"));
  rb.to_execution = executions[2];
  r = service_->Rollback(rb);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Drive(r->execution.id).status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(Alias("shop-dev-api", "dev"), "3");
}

TEST_F(DeployServiceTest, MissingEntitiesAreNamed) {
  DeploymentInput in = Input();
  in.application = "shopp";
  Error e = DeployError(in);
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_THAT(e.message, HasSubstr("no application \"shopp\"; did you mean \"shop\"?"));
  in = Input("order");
  e = DeployError(in);
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_THAT(e.message, HasSubstr("no service \"order\" in application shop"));
  in = Input("orders", "stage");
  EXPECT_EQ(DeployError(in).code, ErrorCode::kNotFound);
  in = Input();
  in.workflow = "missing";
  EXPECT_EQ(DeployError(in).code, ErrorCode::kNotFound);
  in.workflow = "qa-one";
  e = DeployError(in);
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(e.message, HasSubstr("deploys service orders to environment qa, not orders to dev"));
  in = Input();
  in.application.clear();
  EXPECT_EQ(DeployError(in).code, ErrorCode::kInvalidArgument);
}

TEST_F(DeployServiceTest, WorkflowChoiceErrors) {
  Error e = DeployError(Input("orders", "qa"));
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(e.message, HasSubstr("several workflows deploy orders to qa: qa-one, qa-two"));
  DeploymentInput in = Input("orders", "qa");
  in.workflow = "qa-two";
  EXPECT_TRUE(service_->Deploy(in).ok());

  e = DeployError(Input("orders", "prod"));
  EXPECT_EQ(e.code, ErrorCode::kUnimplemented);
  EXPECT_THAT(e.message, HasSubstr("blue-green strategy"));
  // An approval step runs (docs/pipelines.md): vaulted's workflow is chosen, and the deployment
  // stops at its secret, which needs a key this service was not given.
  e = DeployError(Input("vaulted", "qa"));
  EXPECT_THAT(e.message, HasSubstr("needs a secret key"));
  e = DeployError(Input("unpinned", "prod"));
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_THAT(e.message, HasSubstr("no workflow deploying unpinned to prod"));
}

TEST_F(DeployServiceTest, ArtifactErrors) {
  Error e = DeployError(Input("unpinned"));
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(e.message, HasSubstr("no artifact to deploy"));
  DeploymentInput in = Input();
  in.artifact_id = "01UNKNOWN";
  EXPECT_EQ(DeployError(in).code, ErrorCode::kNotFound);
  in.artifact = ArtifactLocation{"builds", "k.zip", ""};
  EXPECT_EQ(DeployError(in).code, ErrorCode::kInvalidArgument);
  for (const auto& bad :
       {ArtifactLocation{"", "k.zip", ""}, ArtifactLocation{"b", "", ""},
        ArtifactLocation{"Bad_Bucket", "k.zip", ""},
        ArtifactLocation{"b", std::string(2000, 'k'), ""}, ArtifactLocation{"b", "k\xff.zip", ""},
        ArtifactLocation{std::string(64, 'b'), "k.zip", ""}}) {
    in = Input();
    in.artifact = bad;
    EXPECT_EQ(DeployError(in).code, ErrorCode::kInvalidArgument) << bad.s3_bucket;
  }
}

TEST_F(DeployServiceTest, SecretErrorsNameTheSecretAndNeverItsValue) {
  // source ferry without a secret key: named, with how to configure one.
  Error e = DeployError(Input("vaulted"));
  EXPECT_EQ(e.code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(e.message, HasSubstr("vault-token"));
  EXPECT_THAT(e.message, HasSubstr("--secret-key-file"));
  e = DeployError(Input("unset"));
  EXPECT_THAT(e.message, HasSubstr("FERRY_SECRET_DEPLOY_TEST_NEVER_SET is not set"));
  std::filesystem::remove(key_file_);
  e = DeployError(Input());
  EXPECT_THAT(e.message, HasSubstr("api-key"));
  EXPECT_EQ(e.message.find("s3cr3t"), std::string::npos);
}

// Issue 18: `file` and `env` secrets could read any file and any variable of the server
// (/etc/passwd ended up in a function's environment), and a FIFO hung the reader forever.
TEST_F(DeployServiceTest, FileAndEnvSecretsAreConfined) {
  auto with_secret = [&](const std::string& source, const std::string& ref) {
    std::string yaml = kConfig;
    size_t at = yaml.find("ref: FERRY_SECRET_DEPLOY_TEST_DB_PASSWORD");
    size_t source_at = yaml.rfind("source: env", at);
    yaml.replace(at, std::string("ref: FERRY_SECRET_DEPLOY_TEST_DB_PASSWORD").size(),
                 "ref: " + ref);
    yaml.replace(source_at, std::string("source: env").size(), "source: " + source);
    Apply(yaml);
    return DeployError(Input());
  };
  ::setenv("HOME_LIKE_SECRET", "s3cr3t-home", 1);
  Error e = with_secret("env", "HOME_LIKE_SECRET");
  EXPECT_EQ(e.code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(e.message, HasSubstr("must start with \"FERRY_SECRET_\""));
  EXPECT_EQ(e.message.find("s3cr3t"), std::string::npos);

  e = with_secret("file", "/etc/passwd");
  EXPECT_EQ(e.code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(e.message, HasSubstr("outside the secret directory"));
  EXPECT_EQ(e.message.find("root:"), std::string::npos);
  e = with_secret("file", "../../../../../../../etc/passwd");
  EXPECT_THAT(e.message, HasSubstr("outside the secret directory"));
  std::filesystem::create_symlink("/etc/passwd", dir_.Sub("link"));
  e = with_secret("file", "link");
  EXPECT_THAT(e.message, HasSubstr("outside the secret directory"));

  // A FIFO with no writer: refused at once instead of waited on.
  ASSERT_EQ(::mkfifo(dir_.Sub("fifo").c_str(), 0600), 0);
  e = with_secret("file", "fifo");
  EXPECT_EQ(e.code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(e.message, HasSubstr("is not a regular file"));

  // Inside the directory, by a relative path, it reads.
  std::ofstream(dir_.Sub("db")) << "db-s3cr3t-file\n";
  Apply([&] {
    std::string yaml = kConfig;
    size_t at = yaml.find("ref: FERRY_SECRET_DEPLOY_TEST_DB_PASSWORD");
    size_t source_at = yaml.rfind("source: env", at);
    yaml.replace(at, std::string("ref: FERRY_SECRET_DEPLOY_TEST_DB_PASSWORD").size(), "ref: db");
    yaml.replace(source_at, std::string("source: env").size(), "source: file");
    return yaml;
  }());
  DeployArtifact(RecordArtifact("v1", "SHA-1"));
  EXPECT_THAT(api_.World().at("shop-dev-api").config.environment,
              ::testing::Contains(Pair("DB_PASSWORD", "db-s3cr3t-file")));
}

// The deploy path refuses (501) exactly what `ferry validate` warned about: both come from
// config/runnable.h, so every refusal is the message of a warning of the same configuration.
TEST_F(DeployServiceTest, EveryRefusalIsAWarningOfValidate) {
  std::string yaml = kConfig;
  yaml.replace(yaml.find("@KEYFILE@"), 9, key_file_);
  auto loaded = config::LoadConfigFiles({{"config.yaml", yaml}});
  ASSERT_TRUE(loaded.ok());
  std::vector<std::string> warnings, refusals;
  for (const auto& w : loaded.warnings) warnings.push_back(w.message);
  for (const auto& e : loaded.entities) {
    for (const auto& part : config::EntityNotRunnable(e)) {
      refusals.push_back(part.message);
      EXPECT_THAT(warnings, ::testing::Contains(part.Warning()));
    }
  }

  DeploymentInput image = Input("boxed");
  image.artifact = ArtifactLocation{"builds", "boxed.zip", ""};
  image.allow_outside_artifact_source = true;  // boxed's source is ECR; the zip is outside it
  const std::vector<std::pair<DeploymentInput, std::string>> refused = {
      {Input("orders", "prod"), "blue-green strategy"},
      {image, "function fn is an image function"},
      {Input("unset", "prod"), "failure strategy manual-intervention"},
      {Input("boxed", "qa"), "several deploy steps (first, second)"},
  };
  for (const auto& [in, expected] : refused) {
    Error e = DeployError(in);
    EXPECT_EQ(e.code, ErrorCode::kUnimplemented) << e.message;
    EXPECT_THAT(e.message, HasSubstr(expected));
    EXPECT_THAT(e.message, HasSubstr("not yet implemented"));
    // The secret's refusal comes with the context of the function that uses it.
    EXPECT_THAT(refusals, ::testing::Contains(::testing::Truly([&e = e](const std::string& r) {
                  return e.message.size() >= r.size() &&
                         e.message.compare(e.message.size() - r.size(), r.size(), r) == 0;
                })))
        << e.message;
  }
  EXPECT_EQ(warnings.size(), 4u) << ::testing::PrintToString(warnings);
  EXPECT_EQ(refusals.size(), 4u);
}

TEST_F(DeployServiceTest, HostileNamesFailCleanly) {
  for (const std::string& name :
       {std::string(5000, 'a'), std::string("a\0b", 3), std::string("../../etc"),
        std::string("\xff\xfe"), std::string("x\ny")}) {
    DeploymentInput in = Input();
    in.service = name;
    auto e = service_->Deploy(in);
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.error().code, ErrorCode::kInternal) << e.error().message;
    RollbackInput rb{"shop", "orders", "dev", name, "bob", std::nullopt};
    auto r = service_->Rollback(rb);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().code, ErrorCode::kInternal) << r.error().message;
  }
}

// Periodic checks (api/service_guard.h) over this suite's store and fake Lambda: two guards on
// one store (two replicas) claim each check once; drift found by hand opens one incident, a
// deploy closes it; a Service Guard task that cannot read metrics changes no incident.
TEST_F(DeployServiceTest, PeriodicChecksAreClaimedOnceAndDriftOpensAndClosesAnIncident) {
  const std::string artifact = RecordArtifact("v1", std::string(64, 'a'));
  DeployArtifact(artifact);
  auto env = store_->entities().Get({"environment", "shop", "dev"});
  ASSERT_TRUE(env.ok());
  Json spec = *ParseJson(env->spec_json);
  spec["driftCheck"] = {{"interval", "10m"}};
  spec["serviceGuard"] = {{"interval", "5m"}};
  ASSERT_TRUE(store_->entities()
                  .Put({{"environment", "shop", "dev"}, DumpJson(spec), std::nullopt}, "test")
                  .ok());

  ServiceGuard first(*store_, *service_, clock_, {});
  ServiceGuard second(*store_, *service_, clock_, {});
  auto run_tasks = [&] {
    for (int i = 0; i < 20; ++i) {
      auto ran = agent_->RunOne();
      ASSERT_TRUE(ran.ok());
      if (!*ran) break;
    }
  };
  auto tick = [](ServiceGuard& g) {
    auto r = g.Tick();
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : GuardTickReport{};
  };
  EXPECT_EQ(tick(first).claimed, 2);   // this slot's Service Guard and drift checks
  EXPECT_EQ(tick(second).claimed, 0);  // the other replica finds them claimed
  run_tasks();
  EXPECT_EQ(tick(second).applied + tick(first).applied, 2);
  auto incidents = store_->incidents().List({});
  ASSERT_TRUE(incidents.ok());
  EXPECT_TRUE(incidents->empty());  // no drift; the metrics could not be read (no CloudWatch)

  // By hand: dev's alias points elsewhere.
  api_.World().at("shop-dev-api").aliases.front().version = "$LATEST";
  clock_.Advance(std::chrono::minutes(10));
  EXPECT_EQ(tick(first).claimed, 2);
  run_tasks();
  tick(second);
  auto open = store_->incidents().List({.state = "open"});
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].kind, "drift");
  EXPECT_EQ((*open)[0].function, "shop-dev-api");
  EXPECT_THAT((*open)[0].summary, ::testing::HasSubstr("alias dev"));
  auto reports = store_->incidents().DriftReports("shop", "dev");
  ASSERT_TRUE(reports.ok());
  ASSERT_FALSE(reports->empty());
  for (const auto& r : *reports) EXPECT_EQ(r.drifted, r.function == "shop-dev-api") << r.function;

  // Still drifted at the next check: the same incident, updated.
  clock_.Advance(std::chrono::minutes(10));
  tick(first);
  run_tasks();
  tick(first);
  open = store_->incidents().List({.state = "open"});
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].checks, 2);

  // A deploy puts it back; the next check closes the incident.
  DeployArtifact(artifact);
  clock_.Advance(std::chrono::minutes(10));
  tick(first);
  run_tasks();
  tick(first);
  EXPECT_TRUE(store_->incidents().List({.state = "open"})->empty());
  auto closed = store_->incidents().List({.state = "closed"});
  ASSERT_EQ(closed->size(), 1u);
  EXPECT_THAT((*closed)[0].close_reason, ::testing::HasSubstr("no drift"));
}

TEST(GuardWindowsTest, TheRecentWindowTheTrailingOneAndThePreviousDaysSameHours) {
  const TimePoint slot = *ParseRfc3339("2026-12-07T09:05:00Z");
  GuardWindows w = GuardWindowsAt(slot, std::chrono::minutes(5), std::chrono::hours(1), 2);
  EXPECT_EQ(FormatRfc3339(w.recent.start), "2026-12-07T09:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(w.recent.end), "2026-12-07T09:05:00.000Z");
  ASSERT_EQ(w.baselines.size(), 3u);
  EXPECT_EQ(FormatRfc3339(w.baselines[0].start), "2026-12-07T08:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(w.baselines[0].end), "2026-12-07T09:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(w.baselines[1].start), "2026-12-06T08:05:00.000Z");
  EXPECT_EQ(FormatRfc3339(w.baselines[1].end), "2026-12-06T09:05:00.000Z");
  EXPECT_EQ(FormatRfc3339(w.baselines[2].end), "2026-12-05T09:05:00.000Z");
}

}  // namespace
}  // namespace ferry::api
