#include "api_fixture.h"

#include "engine/steps/pipeline_steps.h"

#include "config/loader.h"
#include "engine/steps/builtin.h"
#include "model/json_codec.h"

namespace ferry::api::testing {

std::string Reply::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

Reply ToReply(const httplib::Result& result) {
  Reply out;
  if (!result) {
    ADD_FAILURE() << "request failed: " << httplib::to_string(result.error());
    return out;
  }
  out.status = result->status;
  out.body = result->body;
  out.headers = result->headers;
  auto parsed = ParseJson(out.body);
  if (parsed.ok()) out.json = std::move(*parsed);
  return out;
}

void ApiServerTest::SetUp() {
  dir_ = std::make_unique<test::TempDir>();
  store::SqliteOptions options;
  options.data_dir = dir_->Sub("data");
  auto store = store::OpenSqliteStore(options, clock_, ids_);
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  store_ = std::move(*store);
  ASSERT_TRUE(engine::RegisterBuiltinSteps(steps_).ok());
  engine_ = std::make_unique<engine::Engine>(*store_, clock_, steps_, engine::EngineOptions{});
  notifier_ = std::make_unique<notify::Notifier>(*store_, notify::NotifierOptions{});
  DeployServiceOptions deploy_options;
  deploy_options.notifier = notifier_.get();
  deploys_ = std::make_unique<DeployService>(*store_, *engine_, clock_, deploy_options);
  pipelines_ = std::make_unique<PipelineService>(*store_, *engine_, *deploys_, clock_,
                                                 PipelineServiceOptions{});
  ASSERT_TRUE(steps_
                  .Register(engine::steps::kPipelineStages,
                            engine::NewPipelineStagesStep(*pipelines_))
                  .ok());
  delegate_tasks_ = std::make_unique<engine::EmbeddedTransport>(*store_, [this] { ++wakes_; });
  auto registry = store::OpenSqliteDelegateRegistry(*store_);
  ASSERT_TRUE(registry.ok()) << registry.error().ToString();
  delegates_ = std::move(*registry);
  auto issued = store_->tokens().Issue({"tester", {"admin"}, std::nullopt}, "test");
  ASSERT_TRUE(issued.ok()) << issued.error().ToString();
  token_ = issued->secret;
  ApiServerOptions server_options;
  server_options.stream_poll = std::chrono::milliseconds(10);
  StartServer(server_options);
}

void ApiServerTest::StartServer(ApiServerOptions options) {
  if (server_) server_->Stop();
  options.host = "127.0.0.1";
  options.port = 0;
  if (options.threads == ApiServerOptions{}.threads) options.threads = 8;
  options.version = "test-version";
  auto server = ApiServer::Start(
      options,
      ApiDependencies{*store_, *deploys_, clock_, [this] { return ready_.load(); },
                      [this] { ++wakes_; }, &changes_, delegate_tasks_.get(), delegates_.get(),
                      &secret_keys_, pipelines_.get()});
  ASSERT_TRUE(server.ok()) << server.error().ToString();
  server_ = std::move(*server);
  client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  client_->set_read_timeout(10, 0);
}

void ApiServerTest::TearDown() {
  if (server_) server_->Stop();
  server_.reset();
}

namespace {
httplib::Headers WithToken(httplib::Headers headers, const std::string& token) {
  if (headers.find("Authorization") == headers.end()) {
    headers.emplace("Authorization", "Bearer " + token);
  }
  return headers;
}
}  // namespace

Reply ApiServerTest::Get(const std::string& path, const httplib::Headers& headers) {
  return ToReply(client_->Get(path, WithToken(headers, token_)));
}

Reply ApiServerTest::GetAnonymous(const std::string& path, const httplib::Headers& headers) {
  return ToReply(client_->Get(path, headers));
}

Reply ApiServerTest::Post(const std::string& path, const std::string& body,
                          const httplib::Headers& headers) {
  return ToReply(client_->Post(path, WithToken(headers, token_), body, "application/json"));
}

Reply ApiServerTest::Put(const std::string& path, const std::string& body,
                         const httplib::Headers& headers) {
  return ToReply(client_->Put(path, WithToken(headers, token_), body, "application/json"));
}

Reply ApiServerTest::Delete(const std::string& path, const httplib::Headers& headers) {
  return ToReply(client_->Delete(path, WithToken(headers, token_)));
}

store::ExecutionRecord ApiServerTest::CreateExecution(const std::string& app,
                                                      const std::string& service,
                                                      const std::string& env) {
  store::NewExecution e;
  e.application = app;
  e.service = service;
  e.environment = env;
  e.workflow = "basic";
  e.trigger = "manual";
  e.actor = "test";
  e.steps = {{"deploy", "lambda.deploy", "{}"}, {"prune", "lambda.prune", "{}"}};
  auto created = store_->executions().Create(e);
  EXPECT_TRUE(created.ok()) << created.error().ToString();
  clock_.Advance(std::chrono::milliseconds(5));  // distinct, ordered timestamps
  return created->execution;
}

void ApiServerTest::Finish(const std::string& id, store::ExecutionStatus to) {
  auto running = store_->executions().Transition(
      {id, store::ExecutionStatus::kQueued, store::ExecutionStatus::kRunning});
  ASSERT_TRUE(running.ok()) << running.error().ToString();
  auto ended = store_->executions().Transition({id, store::ExecutionStatus::kRunning, to});
  ASSERT_TRUE(ended.ok()) << ended.error().ToString();
}

std::string ApiServerTest::SampleConfigYaml() {
  return R"(kind: CloudProvider
name: local
credentials:
  mode: delegate
region: us-east-1
---
kind: Application
name: shop
---
kind: Environment
application: shop
name: dev
type: non-production
infrastructure:
  - name: dev-us
    cloudProvider: local
    executionRole: arn:aws:iam::123456789012:role/shop-dev
---
kind: Workflow
application: shop
name: basic
strategy: basic
environment: dev
service: orders
steps:
  - name: deploy
    type: deploy
---
kind: Service
application: shop
name: orders
type: lambda
artifact:
  cloudProvider: local
  s3:
    bucket: shop-artifacts
    key: orders/orders-1.zip
defaults:
  runtime: python3.12
  memory: 256
  timeout: 30
functions:
  - name: api
    functionName: shop-${env.name}-orders-api
    handler: app.handler
)";
}

void ApiServerTest::ApplySampleConfig() {
  config::LoadedConfig loaded = config::LoadConfigFiles({{"sample.yaml", SampleConfigYaml()}});
  ASSERT_TRUE(loaded.ok()) << (loaded.problems.empty() ? "" : loaded.problems[0].ToString());
  Json entities = Json::array();
  for (const model::Entity& e : loaded.entities) entities.push_back(model::EncodeEntity(e));
  Reply reply = Post("/api/v1/apply", DumpJson(Json{{"entities", entities}}));
  ASSERT_EQ(reply.status, 200) << reply.body;
}

}  // namespace ferry::api::testing
