// Config entities (GET/PUT/DELETE, lists, POST /apply) and artifacts.
#include <gmock/gmock.h>

#include "api_fixture.h"

namespace ferry::api::testing {
namespace {

using ::testing::HasSubstr;

void ExpectError(const Reply& reply, int status, const std::string& code) {
  EXPECT_EQ(reply.status, status) << reply.body;
  ASSERT_TRUE(reply.json.contains("error")) << reply.body;
  EXPECT_EQ(reply.json["error"]["code"], code) << reply.body;
}

TEST_F(ApiServerTest, PutGetAndListAnEntity) {
  Reply created = Put("/api/v1/applications/shop", R"({"description":"The shop"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json["outcome"], "created");
  EXPECT_EQ(created.json["revision"], 1);

  Reply same = Put("/api/v1/applications/shop", R"({"description":"The shop","name":"shop"})");
  ASSERT_EQ(same.status, 200) << same.body;
  EXPECT_EQ(same.json["outcome"], "unchanged");
  EXPECT_EQ(same.json["revision"], 1);

  Reply updated = Put("/api/v1/applications/shop", R"({"description":"The new shop"})");
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.json["outcome"], "updated");
  EXPECT_EQ(updated.json["revision"], 2);

  Reply got = Get("/api/v1/applications/shop");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json["kind"], "Application");
  EXPECT_EQ(got.json["name"], "shop");
  EXPECT_EQ(got.json["revision"], 2);
  EXPECT_EQ(got.json["spec"]["description"], "The new shop");
  EXPECT_FALSE(got.json["spec"].contains("kind"));
  EXPECT_TRUE(got.json["createdAt"].is_string());

  Reply list = Get("/api/v1/applications");
  ASSERT_EQ(list.json["items"].size(), 1u);
  EXPECT_EQ(list.json["items"][0]["name"], "shop");

  // The GET spec is a valid PUT body (round trip).
  Reply again = Put("/api/v1/applications/shop", DumpJson(got.json["spec"]));
  EXPECT_EQ(again.json["outcome"], "unchanged") << again.body;
}

TEST_F(ApiServerTest, PutValidatesLikeApply) {
  Reply unknown = Put("/api/v1/applications/shop", R"({"descripton":"typo"})");
  ExpectError(unknown, 400, "invalid_argument");
  ASSERT_TRUE(unknown.json["error"]["problems"].is_array()) << unknown.body;
  EXPECT_EQ(unknown.json["error"]["problems"][0]["path"], "/descripton");
  EXPECT_THAT(unknown.json["error"]["problems"][0]["message"].get<std::string>(),
              HasSubstr("description"));

  ExpectError(Put("/api/v1/applications/shop", R"({"description":42})"), 400, "invalid_argument");
  ExpectError(Put("/api/v1/applications/shop", R"({"name":"other"})"), 400, "invalid_argument");
  ExpectError(Put("/api/v1/applications/shop", R"({"kind":"Service"})"), 400, "invalid_argument");
  ExpectError(Put("/api/v1/applications/shop", "{\"description\": "), 400, "invalid_argument");
  ExpectError(Put("/api/v1/applications/shop", "[]"), 400, "invalid_argument");
  ExpectError(Put("/api/v1/applications/shop", ""), 400, "invalid_argument");
  ExpectError(Put("/api/v1/applications/shop", std::string(100, '[')), 400, "invalid_argument");

  // References are checked against the store: no application "shop" yet.
  Reply dangling =
      Put("/api/v1/applications/shop/environments/dev", R"({"type":"non-production"})");
  ExpectError(dangling, 400, "invalid_argument");
  EXPECT_THAT(dangling.body, HasSubstr("shop"));
}

TEST_F(ApiServerTest, IfMatchGuardsWrites) {
  ASSERT_EQ(Put("/api/v1/applications/shop", "{}").status, 201);
  Reply stale = Put("/api/v1/applications/shop", R"({"description":"x"})", {{"If-Match", "7"}});
  ExpectError(stale, 412, "failed_precondition");
  Reply ok = Put("/api/v1/applications/shop", R"({"description":"x"})", {{"If-Match", "\"1\""}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  ExpectError(Put("/api/v1/applications/shop", "{}", {{"If-Match", "abc"}}), 400,
              "invalid_argument");
  ExpectError(Delete("/api/v1/applications/shop", {{"If-Match", "1"}}), 412, "failed_precondition");
}

TEST_F(ApiServerTest, KindsLiveWhereTheyBelong) {
  ExpectError(Get("/api/v1/services"), 404, "not_found");
  ExpectError(Get("/api/v1/applications/shop/secrets"), 404, "not_found");
  Reply typo = Get("/api/v1/cloud-provider");
  ExpectError(typo, 404, "not_found");
  EXPECT_THAT(typo.json["error"]["message"].get<std::string>(), HasSubstr("cloud-providers"));
  ExpectError(Get("/api/v1/applications/nope/services"), 404, "not_found");
  ExpectError(Get("/api/v1/applications/missing"), 404, "not_found");
}

TEST_F(ApiServerTest, ApplyIsAllOrNothing) {
  ApplySampleConfig();
  Reply services = Get("/api/v1/applications/shop/services");
  ASSERT_EQ(services.status, 200) << services.body;
  ASSERT_EQ(services.json["items"].size(), 1u);
  EXPECT_EQ(services.json["items"][0]["kind"], "Service");
  EXPECT_EQ(services.json["items"][0]["spec"]["functions"][0]["name"], "api");

  // One bad document: nothing is written, every problem is listed with its document.
  Json body = {{"entities",
                {{{"kind", "Application"}, {"name", "billing"}},
                 {{"kind", "Environment"},
                  {"application", "billing"},
                  {"name", "dev"},
                  {"type", "sideways"}}}}};
  Reply bad = Post("/api/v1/apply", DumpJson(body));
  ExpectError(bad, 400, "invalid_argument");
  ASSERT_FALSE(bad.json["error"]["problems"].empty());
  bool type_problem = false;
  for (const Json& p : bad.json["error"]["problems"]) {
    type_problem = type_problem || (p["entity"] == 1 && p["path"] == "/type");
  }
  EXPECT_TRUE(type_problem) << bad.body;
  ExpectError(Get("/api/v1/applications/billing"), 404, "not_found");

  Reply again = Post(
      "/api/v1/apply",
      DumpJson(Json{{"entities", Json::array({{{"kind", "Application"}, {"name", "shop"}}})}}));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json["entities"][0]["outcome"], "unchanged");
  EXPECT_EQ(again.json["entities"][0]["kind"], "Application");

  ExpectError(Post("/api/v1/apply", R"({"entities":{}})"), 400, "invalid_argument");
  ExpectError(Post("/api/v1/apply", R"({"entity":[]})"), 400, "invalid_argument");
  ExpectError(Post("/api/v1/apply", R"({"entities":[{"name":"x"}]})"), 400, "invalid_argument");
  ExpectError(Post("/api/v1/apply", R"({"entities":[{"kind":"Gadget","name":"x"}]})"), 400,
              "invalid_argument");
}

TEST_F(ApiServerTest, DeleteRefusesToBreakReferences) {
  ApplySampleConfig();
  Reply referenced = Delete("/api/v1/cloud-providers/local");
  ExpectError(referenced, 409, "conflict");
  EXPECT_THAT(referenced.json["error"]["message"].get<std::string>(), HasSubstr("referenced"));
  ASSERT_TRUE(referenced.json["error"]["problems"].is_array());
  EXPECT_EQ(Get("/api/v1/cloud-providers/local").status, 200);

  Reply workflow = Delete("/api/v1/applications/shop/workflows/basic");
  EXPECT_EQ(workflow.status, 204) << workflow.body;
  ExpectError(Get("/api/v1/applications/shop/workflows/basic"), 404, "not_found");
  ExpectError(Delete("/api/v1/applications/shop/workflows/basic"), 404, "not_found");
}

TEST_F(ApiServerTest, RecordsAndListsArtifacts) {
  std::string sha(43, 'A');
  sha += "=";
  Json artifact = {{"source", "builds"},
                   {"key", "orders/orders-1.zip"},
                   {"version", "v1"},
                   {"location", {{"s3Bucket", "shop-artifacts"}, {"s3Key", "orders/orders-1.zip"}}},
                   {"codeSha256", sha},
                   {"sizeBytes", 1234},
                   {"metadata", {{"commit", "abc123"}}}};
  Reply created = Post("/api/v1/artifacts", DumpJson(artifact));
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = created.json["id"];
  EXPECT_EQ(created.json["location"]["s3Bucket"], "shop-artifacts");
  EXPECT_EQ(created.json["codeSha256"], sha);
  EXPECT_EQ(created.json["metadata"]["commit"], "abc123");

  Reply again = Post("/api/v1/artifacts", DumpJson(artifact));
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json["id"], id);

  Json other = artifact;
  other["codeSha256"] = std::string(43, 'B') + "=";
  ExpectError(Post("/api/v1/artifacts", DumpJson(other)), 409, "conflict");

  Reply got = Get("/api/v1/artifacts/" + id);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json["version"], "v1");
  ExpectError(Get("/api/v1/artifacts/nope"), 404, "not_found");

  Json second = artifact;
  second["version"] = "v2";
  ASSERT_EQ(Post("/api/v1/artifacts", DumpJson(second)).status, 201);
  Reply page = Get("/api/v1/artifacts?source=builds&key=orders%2Forders-1.zip&limit=1");
  ASSERT_EQ(page.status, 200) << page.body;
  ASSERT_EQ(page.json["items"].size(), 1u);
  EXPECT_EQ(page.json["items"][0]["version"], "v2");
  ASSERT_TRUE(page.json["next"].is_string());
  Reply rest = Get("/api/v1/artifacts?limit=1&before=" + page.json["next"].get<std::string>());
  ASSERT_EQ(rest.json["items"].size(), 1u);
  EXPECT_EQ(rest.json["items"][0]["version"], "v1");

  Json bad_types = artifact;
  bad_types["sizeBytes"] = "big";
  ExpectError(Post("/api/v1/artifacts", DumpJson(bad_types)), 400, "invalid_argument");
  Json bad_sha = artifact;
  bad_sha["codeSha256"] = "not-a-sha";
  ExpectError(Post("/api/v1/artifacts", DumpJson(bad_sha)), 400, "invalid_argument");
  Json unknown = artifact;
  unknown["location"]["bucket"] = "x";
  Reply unknown_reply = Post("/api/v1/artifacts", DumpJson(unknown));
  ExpectError(unknown_reply, 400, "invalid_argument");
  EXPECT_THAT(unknown_reply.json["error"]["message"].get<std::string>(),
              HasSubstr("location.bucket"));
  Json missing = artifact;
  missing.erase("location");
  ExpectError(Post("/api/v1/artifacts", DumpJson(missing)), 400, "invalid_argument");
}

}  // namespace
}  // namespace ferry::api::testing
