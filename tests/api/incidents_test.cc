// GET /api/v1/incidents: newest first, ?state and ?application, only the applications the
// caller may view, and malformed queries refused (docs/api.md, "Incidents").
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

class IncidentsTest : public ApiServerTest {
 protected:
  // One open Errors incident of shop's orders and one of application "other", then shop's closed.
  void Seed() {
    auto seen = [](const std::string& app, const std::string& fn, bool anomalous) {
      return store::IncidentObservation{app,
                                        "dev",
                                        fn,
                                        store::kIncidentKindMetric,
                                        "Errors",
                                        anomalous,
                                        anomalous ? "Errors: 30% — fail" : "Errors: 0% — pass",
                                        R"({"pValue":0.0001})"};
    };
    ASSERT_TRUE(store_->incidents()
                    .ClaimCheck({"k1", store::kIncidentKindMetric, "shop", "dev", clock_.Now(), {}})
                    .ok());
    ASSERT_TRUE(store_->incidents()
                    .ApplyCheck("k1", {seen("shop", "shop-orders-dev", true),
                                       seen("other", "other-web-dev", true)})
                    .ok());
  }
};

TEST_F(IncidentsTest, ListsIncidentsByStateAndApplication) {
  Seed();
  Reply all = Get("/api/v1/incidents");
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_EQ(all.json["items"].size(), 2u);
  const Json& first = all.json["items"][0];
  EXPECT_EQ(first["kind"], "metric");
  EXPECT_EQ(first["subject"], "Errors");
  EXPECT_EQ(first["state"], "open");
  EXPECT_EQ(first["details"]["pValue"], 0.0001);
  EXPECT_TRUE(first["closedAt"].is_null());
  Reply shop = Get("/api/v1/incidents?application=shop&state=open");
  ASSERT_EQ(shop.json["items"].size(), 1u);
  EXPECT_EQ(shop.json["items"][0]["function"], "shop-orders-dev");
  EXPECT_TRUE(Get("/api/v1/incidents?state=closed").json["items"].empty());
  EXPECT_TRUE(Get("/api/v1/incidents?application=nobody").json["items"].empty());
}

TEST_F(IncidentsTest, ACallerSeesOnlyTheApplicationsItMayView) {
  Seed();
  ASSERT_TRUE(store_->access().CreateAccount({.name = "carol"}, "test").ok());
  ASSERT_TRUE(
      store_->access()
          .AddBinding({.role = "viewer", .account = "carol", .applications = {"other"}}, "test")
          .ok());
  auto issued =
      store_->tokens().Issue({.name = "carol-cli", .scopes = {"read"}, .owner = "carol"}, "test");
  ASSERT_TRUE(issued.ok());
  const httplib::Headers carol = {{"Authorization", "Bearer " + issued->secret}};
  Reply mine = Get("/api/v1/incidents", carol);
  ASSERT_EQ(mine.status, 200) << mine.body;
  ASSERT_EQ(mine.json["items"].size(), 1u);
  EXPECT_EQ(mine.json["items"][0]["application"], "other");
  // Asking for another application's incidents gives none, not 403.
  Reply theirs = Get("/api/v1/incidents?application=shop", carol);
  EXPECT_EQ(theirs.status, 200);
  EXPECT_TRUE(theirs.json["items"].empty());
  EXPECT_EQ(GetAnonymous("/api/v1/incidents").status, 401);
}

TEST_F(IncidentsTest, BadQueriesAre400) {
  for (const char* query : {"state=maybe", "limit=0", "limit=201", "limit=abc", "colour=red",
                            "application=", "application=a&application=b", "state=%00"}) {
    SCOPED_TRACE(query);
    ExpectError(Get(std::string("/api/v1/incidents?") + query), 400, "invalid_argument");
  }
  Reply huge = Get("/api/v1/incidents?application=" + std::string(5000, 'a'));
  EXPECT_GE(huge.status, 400);
  Reply typo = Get("/api/v1/incidents?aplication=shop");
  EXPECT_THAT(typo.json["error"]["message"].get<std::string>(), HasSubstr("application"));
}

}  // namespace
}  // namespace ferry::api::testing
