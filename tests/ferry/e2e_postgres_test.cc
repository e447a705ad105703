// `ferry server --store postgres://…` end to end: a real PostgreSQL 15 (support/postgres_server.h,
// one server for this binary, a fresh database per test), real `ferry server` and `ferry sandbox`
// children, configuration applied and deployments run through the REST API. Then two servers
// (replicas) on one database: a deployment started through one is followed to the end through
// the other. No mock; when PostgreSQL is missing the tests fail saying so.
#include <chrono>
#include <thread>

#include "ferry/e2e_fixture.h"
#include "support/postgres_server.h"
#include "support/prerequisite.h"

namespace ferry::test {
namespace {

class PostgresE2eTest : public DeployE2eTest {
 protected:
  void SetUp() override {
    FERRY_TEST_REQUIRE(MissingPostgres());
    ASSERT_TRUE(SharedPostgres().ok()) << SharedPostgres().diagnostics();
    url_ = SharedPostgres().CreateDatabase();
    ASSERT_FALSE(url_.empty()) << SharedPostgres().diagnostics();
    server_options_.store_url = url_;
    DeployE2eTest::SetUp();
  }

  std::string url_;
};

TEST_F(PostgresE2eTest, AppliesAndDeploysThroughAServerOnPostgres) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders"})));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  Json e = Deploy("api/api-1.zip");
  ASSERT_EQ(Str(e, "status"), "succeeded") << e.dump(2) << Errors(e);
  EXPECT_EQ(Routing(), "1");
  EXPECT_NE(Logs(Str(e, "id")).find("succeeded"), std::string::npos) << Logs(Str(e, "id"));

  // Nothing went to the data directory: the server kept everything in PostgreSQL.
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("data") + "/ferry.db"));
  // The CLI's store commands reach the same database.
  auto listed = ChildProcess::Run({"token", "list", "--store", url_});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("e2e"), std::string::npos) << listed.out;

  // A second deploy of a new build after a restart of the server: the state survived.
  server_->KillAndRestart();
  ASSERT_TRUE(server_->ok()) << server_->diagnostics();
  api_ = std::make_unique<ApiClient>(server_->url(), server_->token());
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-2.zip", "b2"));
  Json second = Deploy("api/api-2.zip");
  ASSERT_EQ(Str(second, "status"), "succeeded") << second.dump(2) << Errors(second);
  EXPECT_EQ(Routing(), "2");
}

TEST_F(PostgresE2eTest, TwoReplicasOnOneDatabaseBothServeTheApi) {
  ServerOptions options = server_options_;
  options.create_token = false;  // the first server's token lives in the shared database
  auto replica = ServerProcess::Start(dir_.Sub("data-replica"), options);
  ASSERT_TRUE(replica->ok()) << replica->diagnostics();
  ApiClient other(replica->url(), server_->token());

  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders"})));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  // Started through the replica, followed through the first server.
  ApiResponse started =
      other.Post("/api/v1/deployments",
                 Json{{"application", "shop"},
                      {"service", "api"},
                      {"environment", "dev"},
                      {"artifact", {{"s3Bucket", kBucket}, {"s3Key", "api/api-1.zip"}}}});
  ASSERT_EQ(started.status, 201) << started.Describe();
  Json done = api_->WaitForExecution(Str(started.json, "id"));
  ASSERT_EQ(Str(done, "status"), "succeeded") << done.dump(2) << Errors(done);
  EXPECT_EQ(Routing(), "1");
  // Both see the same execution.
  ApiResponse seen = other.Get("/api/v1/executions/" + Str(started.json, "id"));
  EXPECT_EQ(Str(seen.json, "status"), "succeeded");

  // And the other way round, several deploys in a row: whichever replica's engine and delegate
  // pick each up, every one finishes exactly once.
  for (int build = 2; build <= 4; ++build) {
    const std::string key = "api/api-" + std::to_string(build) + ".zip";
    ASSERT_NO_FATAL_FAILURE(UploadBuild(key, "b" + std::to_string(build)));
    Json e = Deploy(key);
    ASSERT_EQ(Str(e, "status"), "succeeded") << e.dump(2) << Errors(e);
    Json followed = other.WaitForExecution(Str(e, "id"));
    EXPECT_EQ(Str(followed, "status"), "succeeded");
  }
  EXPECT_EQ(Routing(), "4");
  if (HasFailure()) std::cerr << "replica output:\n" << replica->diagnostics() << "\n";
}

// A pipeline (dev, an approval, dev again) on two replicas: started through one, approved
// through the other, followed to its end; each stage started exactly one execution although
// both replicas' engines ran (leases and the stages' idempotency keys).
TEST_F(PostgresE2eTest, APipelineRunsOnceAcrossTwoReplicas) {
  ServerOptions options = server_options_;
  options.create_token = false;
  auto replica = ServerProcess::Start(dir_.Sub("data-replica"), options);
  ASSERT_TRUE(replica->ok()) << replica->diagnostics();
  ApiClient other(replica->url(), server_->token());

  Json entities = Entities({"orders"});
  entities.push_back(
      {{"kind", "Pipeline"},
       {"application", "shop"},
       {"name", "release"},
       {"stages", Json::array({{{"name", "first"}, {"workflow", "basic"}},
                               {{"name", "gate"}, {"approval", {{"timeout", "1h"}}}},
                               {{"name", "second"}, {"workflow", "basic"}}})}});
  ASSERT_NO_FATAL_FAILURE(Apply(entities));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  ApiResponse started = other.Post(
      "/api/v1/applications/shop/pipelines/release/executions",
      Json{{"artifact", {{"s3Bucket", kBucket}, {"s3Key", "api/api-1.zip"}}}});
  ASSERT_EQ(started.status, 201) << started.Describe();
  const std::string run = Str(started.json, "id");
  std::string approval;
  for (int i = 0; i < 600 && approval.empty(); ++i) {
    ApiResponse waiting = api_->Get("/api/v1/approvals?execution=" + run);
    if (waiting.status == 200 && !waiting.json["items"].empty()) {
      approval = Str(waiting.json["items"][0], "id");
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  ASSERT_FALSE(approval.empty()) << Logs(run);
  ApiResponse decided =
      api_->Post("/api/v1/approvals/" + approval, Json{{"decision", "approve"}});
  ASSERT_EQ(decided.status, 200) << decided.Describe();
  Json done = other.WaitForExecution(run);
  ASSERT_EQ(Str(done, "status"), "succeeded") << done.dump(2) << Logs(run);
  ApiResponse all = api_->Get("/api/v1/executions?application=shop&limit=50");
  int children = 0;
  for (const Json& e : all.json["items"]) {
    if (Str(e, "pipeline") == "release" && Str(e, "workflow") != "pipeline") ++children;
  }
  EXPECT_EQ(children, 2) << all.json.dump(2);
  if (HasFailure()) std::cerr << "replica output:\n" << replica->diagnostics() << "\n";
}

// Replicas with short leases and a slow sandbox, so that a deployment is still running when the
// server holding it is killed.
class PostgresTakeoverTest : public PostgresE2eTest {
 protected:
  PostgresTakeoverTest() {
    sandbox_update_delay_ = "3s";
    server_options_.extra_args = {"--lease", "2s", "--heartbeat", "500ms"};
  }
};

TEST_F(PostgresTakeoverTest, AnotherReplicaFinishesTheDeploymentOfAServerThatWasKilled) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders"})));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  const std::string id = StartDeploy("api/api-1.zip");
  ASSERT_FALSE(id.empty());
  // Wait until the first server's delegate works on it (the function is being created, which
  // the sandbox makes take 3 s), then start a second server and kill the first.
  std::string status;
  for (int i = 0; i < 300 && status != "running"; ++i) {
    status = Str(api_->Get("/api/v1/executions/" + id).json, "status");
    if (status != "running") std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(status, "running");
  ServerOptions options = server_options_;
  options.create_token = false;
  auto replica = ServerProcess::Start(dir_.Sub("data-replica"), options);
  ASSERT_TRUE(replica->ok()) << replica->diagnostics();
  status = Str(api_->Get("/api/v1/executions/" + id).json, "status");
  server_->process().Kill();
  ASSERT_EQ(status, "running") << "the deployment ended before the server was killed";

  // Its leases expire (2 s) and the replica's engine and delegate carry the work on.
  ApiClient other(replica->url(), server_->token());
  Json done = other.WaitForExecution(id);
  EXPECT_EQ(Str(done, "status"), "succeeded") << done.dump(2) << Errors(done) << "\n"
                                              << replica->diagnostics();
  EXPECT_EQ(Routing(), "1");
}

TEST_F(PostgresE2eTest, ThePasswordOfTheStoreUrlNeverShows) {
  // Trust authentication ignores the password, so the server starts and logs its store.
  const std::string secret = "pw-7d1c9e55";
  std::string with_password = url_;
  with_password.replace(with_password.find("ferry@"), 6, "ferry:" + secret + "@");
  ServerOptions options = server_options_;
  options.store_url = with_password;
  options.create_token = false;
  auto replica = ServerProcess::Start(dir_.Sub("data-pw"), options);
  ASSERT_TRUE(replica->ok()) << replica->diagnostics();
  EXPECT_EQ(replica->Stop(), 0);
  // What the server wrote (its command line, the test's own, holds the password of course).
  const std::string written = replica->process().output() + replica->process().error_output();
  EXPECT_EQ(written.find(secret), std::string::npos) << written;
  EXPECT_NE(written.find("ferry:***@"), std::string::npos) << written;

  // A server that cannot reach its store exits 1 saying so, without the password either.
  auto unreachable =
      ChildProcess::Run({"server", "--port", "0", "--store",
                         "postgres://ferry:" + secret + "@127.0.0.1:1/ferry?connect_timeout=5"},
                        {.env = SandboxAwsEnv()});
  EXPECT_EQ(unreachable.exit_code, 1) << unreachable.err;
  EXPECT_NE(unreachable.err.find("cannot connect to PostgreSQL"), std::string::npos)
      << unreachable.err;
  EXPECT_EQ((unreachable.out + unreachable.err).find(secret), std::string::npos);
}

TEST(ServerStoreFlagTest, AStoreThatIsNotAPostgresUrlIsAUsageError) {
  FERRY_TEST_REQUIRE(MissingFerryBinary());
  for (std::string bad : {"mysql://u:hunter2@h/db", "./ferry-data", "postgres:/h/db"}) {
    auto r = ChildProcess::Run({"server", "--port", "0", "--store", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << "\n" << r.err;
    EXPECT_NE(r.err.find("is not a postgres://USER@HOST:PORT/DB URL"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;
  }
  auto token = ChildProcess::Run({"token", "list", "--store", "sqlite://x"});
  EXPECT_EQ(token.exit_code, 1) << token.err;
  EXPECT_NE(token.err.find("is not a postgres://"), std::string::npos) << token.err;
}

}  // namespace
}  // namespace ferry::test
