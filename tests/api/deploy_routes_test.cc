// POST /api/v1/deployments and /rollbacks through a real DeployService and engine (executions
// are created; the engine loop is not run at this level).
#include <gmock/gmock.h>

#include <thread>

#include "api_fixture.h"

namespace ferry::api::testing {
namespace {

using ::testing::HasSubstr;

void ExpectError(const Reply& reply, int status, const std::string& code) {
  EXPECT_EQ(reply.status, status) << reply.body;
  ASSERT_TRUE(reply.json.contains("error")) << reply.body;
  EXPECT_EQ(reply.json["error"]["code"], code) << reply.body;
}

const char* kDeploy = R"({"application":"shop","service":"orders","environment":"dev"})";

TEST_F(ApiServerTest, DeploymentCreatesAQueuedExecution) {
  ApplySampleConfig();
  Reply reply = Post("/api/v1/deployments", kDeploy);
  ASSERT_EQ(reply.status, 201) << reply.body;
  const Json& e = reply.json;
  EXPECT_EQ(e["status"], "queued");
  EXPECT_EQ(e["application"], "shop");
  EXPECT_EQ(e["service"], "orders");
  EXPECT_EQ(e["environment"], "dev");
  EXPECT_EQ(e["workflow"], "basic");
  EXPECT_EQ(e["actor"], "token:tester");
  ASSERT_TRUE(e["steps"].is_array());
  ASSERT_FALSE(e["steps"].empty());
  EXPECT_EQ(e["steps"][0]["kind"], "lambda.deploy");
  EXPECT_EQ(e["steps"][0]["status"], "pending");
  EXPECT_EQ(reply.Header("Location"), "/api/v1/executions/" + e["id"].get<std::string>());

  Reply got = Get("/api/v1/executions/" + e["id"].get<std::string>());
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.json["steps"], e["steps"]);
}

TEST_F(ApiServerTest, IdempotencyKeyStartsOneDeployment) {
  ApplySampleConfig();
  Reply first = Post("/api/v1/deployments", kDeploy, {{"Idempotency-Key", "ci-run-42"}});
  ASSERT_EQ(first.status, 201) << first.body;
  clock_.Advance(std::chrono::seconds(2));
  Reply retry = Post("/api/v1/deployments", kDeploy, {{"Idempotency-Key", "ci-run-42"}});
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.json["id"], first.json["id"]);
  Reply list = Get("/api/v1/executions");
  EXPECT_EQ(list.json["items"].size(), 1u);

  ExpectError(Post("/api/v1/deployments", kDeploy, {{"Idempotency-Key", std::string(300, 'k')}}),
              400, "invalid_argument");
  ExpectError(Post("/api/v1/deployments", kDeploy, {{"Idempotency-Key", "has space"}}), 400,
              "invalid_argument");
}

// 201 or 200 is the store's answer, not a guess from timestamps: a retry in the same instant
// is a replay, and of concurrent first requests with one key exactly one created it.
TEST_F(ApiServerTest, IdempotencyKeyRepliesAreExactUnderRaces) {
  ApplySampleConfig();
  Reply first = Post("/api/v1/deployments", kDeploy, {{"Idempotency-Key", "same-instant"}});
  ASSERT_EQ(first.status, 201) << first.body;
  Reply retry = Post("/api/v1/deployments", kDeploy, {{"Idempotency-Key", "same-instant"}});
  EXPECT_EQ(retry.status, 200) << "the clock did not move: still a replay";
  EXPECT_EQ(retry.json["id"], first.json["id"]);

  std::vector<Reply> replies(6);
  {
    std::vector<std::jthread> clients;
    for (size_t i = 0; i < replies.size(); ++i) {
      clients.emplace_back([&, i] {
        // A client of its own per thread (httplib clients are not shared across threads).
        httplib::Client client("127.0.0.1", server_->port());
        auto result =
            client.Post("/api/v1/deployments",
                        {{"Authorization", "Bearer " + token_}, {"Idempotency-Key", "raced"}},
                        kDeploy, "application/json");
        replies[i].status = result ? result->status : -1;
        if (result) {
          replies[i].body = result->body;
          if (auto json = ParseJson(result->body); json.ok()) replies[i].json = *json;
        }
      });
    }
  }
  int created = 0;
  for (const Reply& r : replies) {
    ASSERT_TRUE(r.status == 201 || r.status == 200) << r.status << " " << r.body;
    created += r.status == 201;
    EXPECT_EQ(r.json["id"], replies[0].json["id"]);
  }
  EXPECT_EQ(created, 1);
}

TEST_F(ApiServerTest, DeploymentOfMissingEntitiesIs404) {
  Reply reply = Post("/api/v1/deployments", kDeploy);
  ExpectError(reply, 404, "not_found");
  ApplySampleConfig();
  ExpectError(
      Post("/api/v1/deployments", R"({"application":"shop","service":"nope","environment":"dev"})"),
      404, "not_found");
  ExpectError(Post("/api/v1/deployments",
                   R"({"application":"shop","service":"orders","environment":"prod"})"),
              404, "not_found");
  ExpectError(
      Post("/api/v1/deployments", R"({"application":"shop","service":"orders","environment":"dev",)"
                                  R"("artifactId":"01NOPE"})"),
      404, "not_found");
}

TEST_F(ApiServerTest, DeploymentInputIsStrict) {
  ApplySampleConfig();
  for (const char* body : {
           "",
           "{",
           "null",
           "[]",
           "\"deploy\"",
           R"({"application":"shop","service":"orders"})",
           R"({"application":1,"service":"orders","environment":"dev"})",
           R"({"application":"shop","service":"orders","environment":"dev","env":"x"})",
           R"({"application":"shop","service":"orders","environment":"dev","workflow":7})",
           R"({"application":"","service":"orders","environment":"dev"})",
           R"({"application":"shop","service":"orders","environment":"dev",)"
           R"("artifactId":"a","artifact":{"s3Bucket":"b","s3Key":"k"}})",
           R"({"application":"shop","service":"orders","environment":"dev",)"
           R"("artifact":{"s3Bucket":"b"}})",
           R"({"application":"shop","service":"orders","environment":"dev",)"
           R"("artifact":{"s3Bucket":"b","s3Key":"k","extra":1}})",
           R"({"application":"shop","service":"orders","environment":"dev","artifact":"s3://b/k"})",
       }) {
    SCOPED_TRACE(body);
    ExpectError(Post("/api/v1/deployments", body), 400, "invalid_argument");
  }
  Reply typo = Post("/api/v1/deployments",
                    R"({"application":"shop","service":"orders","enviroment":"dev"})");
  EXPECT_THAT(typo.json["error"]["message"].get<std::string>(), HasSubstr("environment"));
  std::string long_name(5000, 'a');
  ExpectError(Post("/api/v1/deployments", R"({"application":")" + long_name +
                                              R"(","service":"orders","environment":"dev"})"),
              400, "invalid_argument");
  EXPECT_EQ(Get("/api/v1/executions").json["items"].size(), 0u);
}

TEST_F(ApiServerTest, RollbackInputIsStrict) {
  ExpectError(Post("/api/v1/rollbacks", R"({"application":"shop"})"), 400, "invalid_argument");
  ExpectError(Post("/api/v1/rollbacks", R"({"application":"shop","service":"orders",)"
                                        R"("environment":"dev","to":"x"})"),
              400, "invalid_argument");
  Reply missing =
      Post("/api/v1/rollbacks", R"({"application":"shop","service":"orders","environment":"dev"})");
  EXPECT_GE(missing.status, 400) << missing.body;
  EXPECT_LT(missing.status, 500) << missing.body;
}

}  // namespace
}  // namespace ferry::api::testing
