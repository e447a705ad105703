// Health, readiness, metrics, authentication and hostile HTTP input, against a real server.
#include <gmock/gmock.h>

#include "api_fixture.h"
#include "common/strings.h"

namespace ferry::api::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

void ExpectError(const Reply& reply, int status, const std::string& code) {
  EXPECT_EQ(reply.status, status) << reply.body;
  ASSERT_TRUE(reply.json.is_object()) << reply.body;
  ASSERT_TRUE(reply.json.contains("error")) << reply.body;
  EXPECT_EQ(reply.json["error"]["code"], code) << reply.body;
  EXPECT_FALSE(reply.json["error"]["message"].get<std::string>().empty());
}

TEST_F(ApiServerTest, HealthzNeedsNoToken) {
  Reply reply = GetAnonymous("/healthz");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.json, Json({{"status", "ok"}}));
}

TEST_F(ApiServerTest, ReadyzFollowsTheReadinessCheck) {
  EXPECT_EQ(GetAnonymous("/readyz").json, Json({{"status", "ready"}}));
  ready_ = false;
  ExpectError(GetAnonymous("/readyz"), 503, "unavailable");
}

TEST_F(ApiServerTest, MissingTokenIs401WithJsonError) {
  Reply reply = GetAnonymous("/api/v1/executions");
  ExpectError(reply, 401, "unauthenticated");
  EXPECT_THAT(reply.Header("WWW-Authenticate"), HasSubstr("Bearer"));
  EXPECT_THAT(reply.json["error"]["message"].get<std::string>(), HasSubstr("ferry token create"));
}

TEST_F(ApiServerTest, WrongSchemeUnknownAndRevokedTokensAre401) {
  ExpectError(GetAnonymous("/api/v1/executions", {{"Authorization", "Basic dXNlcjpwYXNz"}}), 401,
              "unauthenticated");
  ExpectError(GetAnonymous("/api/v1/executions", {{"Authorization", "Bearer"}}), 401,
              "unauthenticated");
  std::string unknown = "fry_" + std::string(64, '0');
  Reply reply = GetAnonymous("/api/v1/executions", {{"Authorization", "Bearer " + unknown}});
  ExpectError(reply, 401, "unauthenticated");
  EXPECT_THAT(reply.body, Not(HasSubstr(unknown)));

  ASSERT_EQ(Get("/api/v1/executions").status, 200);
  ASSERT_TRUE(store_->tokens().Revoke("tester", "test").ok());
  ExpectError(Get("/api/v1/executions"), 401, "unauthenticated");
}

TEST_F(ApiServerTest, TokenIsCheckedBeforeRouting) {
  ExpectError(GetAnonymous("/api/v1/no-such-thing"), 401, "unauthenticated");
  ExpectError(Get("/api/v1/no-such-thing/a/b/c"), 404, "not_found");
}

TEST_F(ApiServerTest, UnknownRoutesAndMethodsAreJson404) {
  ExpectError(GetAnonymous("/"), 404, "not_found");
  ExpectError(GetAnonymous("/index.html"), 404, "not_found");
  Reply reply = Delete("/api/v1/executions");
  ExpectError(reply, 404, "not_found");
  EXPECT_THAT(reply.json["error"]["message"].get<std::string>(), HasSubstr("GET"));
  EXPECT_EQ(reply.Header("Allow"), "GET");
}

TEST_F(ApiServerTest, HostilePathSegmentsAreRejected) {
  ExpectError(Get("/api/v1/executions/" + std::string(300, 'a')), 400, "invalid_argument");
  ExpectError(Get("/api/v1/executions/%01abc"), 400, "invalid_argument");
  ExpectError(Get("/api/v1/executions/%zz"), 400, "invalid_argument");
  ExpectError(Get("/api/v1/executions/%ff%fe"), 400, "invalid_argument");
  ExpectError(Get("/api/v1/executions/..%2F..%2Fetc%2Fpasswd"), 404, "not_found");
  // Past httplib's request-line limit: still a JSON error, never a crash.
  Reply huge = Get("/api/v1/executions/" + std::string(20000, 'x'));
  EXPECT_GE(huge.status, 400);
  EXPECT_LT(huge.status, 500);
  ASSERT_TRUE(huge.json.contains("error")) << huge.body;
  EXPECT_EQ(GetAnonymous("/healthz").status, 200);
}

TEST_F(ApiServerTest, OversizedBodyIs413) {
  ApiServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  Reply reply = Post("/api/v1/deployments", std::string(4096, ' '));
  ExpectError(reply, 413, "payload_too_large");
  EXPECT_EQ(GetAnonymous("/healthz").status, 200);
}

TEST_F(ApiServerTest, MetricsCountRequestsByRouteAndReportExecutions) {
  CreateExecution();
  ASSERT_EQ(GetAnonymous("/healthz").status, 200);
  ASSERT_EQ(Get("/api/v1/executions/NOPE").status, 404);
  ASSERT_EQ(Get("/api/v1/executions/OTHER").status, 404);
  Reply reply = GetAnonymous("/metrics");
  ASSERT_EQ(reply.status, 200);
  EXPECT_THAT(reply.Header("Content-Type"), HasSubstr("text/plain; version=0.0.4"));
  const std::string& text = reply.body;
  EXPECT_THAT(text, HasSubstr("ferry_http_requests_total{method=\"GET\",route=\"/healthz\","
                              "status=\"200\"} 1\n"));
  // The route label is the pattern, not the path: hostile paths cannot grow the label set.
  EXPECT_THAT(text, HasSubstr("ferry_http_requests_total{method=\"GET\",route=\"/api/v1/"
                              "executions/{id}\",status=\"404\"} 2\n"));
  EXPECT_THAT(text, Not(HasSubstr("NOPE")));
  EXPECT_THAT(text, HasSubstr("# TYPE ferry_http_request_duration_seconds histogram"));
  EXPECT_THAT(text, HasSubstr("ferry_http_request_duration_seconds_bucket{route=\"/healthz\","
                              "le=\"+Inf\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("ferry_executions{status=\"queued\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("ferry_executions{status=\"succeeded\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("ferry_executions_started_total 1\n"));
  EXPECT_THAT(text, HasSubstr("ferry_executions_finished_total{status=\"succeeded\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("ferry_tasks{status=\"queued\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("ferry_build_info{version=\"test-version\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("process_resident_memory_bytes "));
  EXPECT_THAT(text, HasSubstr("process_start_time_seconds "));
  EXPECT_THAT(text, Not(HasSubstr(token_)));
}

TEST_F(ApiServerTest, StopEndsServing) {
  int port = server_->port();
  server_->Stop();
  server_->Stop();  // idempotent
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1, 0);
  EXPECT_FALSE(client.Get("/healthz"));
}

TEST(ApiServerStartTest, PortInUseIsUnavailable) {
  // Covered through the fixture's helpers in the other tests; here only the bind failure.
  httplib::Server blocker;
  int port = blocker.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  test::TempDir dir;
  FakeClock clock;
  SequentialIdGenerator ids;
  store::SqliteOptions options;
  options.data_dir = dir.Sub("data");
  auto store = store::OpenSqliteStore(options, clock, ids);
  ASSERT_TRUE(store.ok());
  engine::StepRegistry steps;
  engine::Engine engine(**store, clock, steps, {});
  DeployService deploys(**store, engine, clock, {});
  ApiServerOptions server_options;
  server_options.port = port;
  auto server = ApiServer::Start(server_options, {**store, deploys, clock, {}, {}});
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(server.error().message, HasSubstr(std::to_string(port)));
}

}  // namespace
}  // namespace ferry::api::testing
