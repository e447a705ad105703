// Freeze windows over HTTP (docs/deploy.md, "Freeze windows"): a real ApiServer, SQLite store,
// engine and DeployService on the fixture's FakeClock, which starts at 2027-01-15 08:00 UTC
// (09:00 CET).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "api_fixture.h"

namespace ferry::api::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kDeploy[] = R"({"application":"shop","service":"orders","environment":"dev"})";

class FreezeTest : public ApiServerTest {
 protected:
  void SetUp() override {
    ApiServerTest::SetUp();
    ApplySampleConfig();
  }
  Reply PutWindow(const std::string& name, const std::string& fields) {
    return Put("/api/v1/freeze-windows/" + name,
               R"({"kind":"FreezeWindow","name":")" + name + R"(",)" + fields + "}");
  }
  // Active now: 2027-01-10 00:00 CET to 2027-01-20 00:00 CET.
  void PutHolidays(const std::string& scope = "") {
    Reply put = PutWindow("holidays", R"("timeZone":"Europe/Berlin",)"
                                      R"("start":"2027-01-10T00:00","end":"2027-01-20T00:00")" +
                                          scope);
    ASSERT_LT(put.status, 300) << put.body;
  }
  std::string DeployToken() {
    auto issued = store_->tokens().Issue({"ci", {"deploy"}, std::nullopt}, "test");
    EXPECT_TRUE(issued.ok());
    return issued.ok() ? issued->secret : "";
  }
  static httplib::Headers As(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }
  static std::string WithOverride(const std::string& reason_json) {
    return R"({"application":"shop","service":"orders","environment":"dev",)"
           R"("freezeOverride":{"reason":)" +
           reason_json + "}}";
  }
  size_t Executions() { return Get("/api/v1/executions").json["items"].size(); }
};

// A refusal is a freeze.refused notification for the applications whose rules ask for it: one
// pending delivery in the outbox (delivering it is notify's; tests/notify), listed by
// GET /api/v1/notifications, whose query is strict.
TEST_F(FreezeTest, ARefusalIsQueuedAsANotificationAndListed) {
  ASSERT_LT(Put("/api/v1/secrets/hook-url", R"({"kind":"Secret","name":"hook-url"})").status, 300);
  ASSERT_LT(Put("/api/v1/notification-channels/team",
                R"({"kind":"NotificationChannel","name":"team","slack":{"urlSecret":"hook-url"}})")
                .status,
            300);
  Reply app = Put("/api/v1/applications/shop",
                  R"({"kind":"Application","name":"shop","notifications":[)"
                  R"({"channel":"team","events":["freeze.refused","execution.failed"]}]})");
  ASSERT_LT(app.status, 300) << app.body;
  PutHolidays();
  EXPECT_EQ(Post("/api/v1/deployments", kDeploy).status, 412);
  Reply listed = Get("/api/v1/notifications");
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.json["items"].size(), 1u) << listed.body;
  const auto& n = listed.json["items"][0];
  EXPECT_EQ(n["channel"], "team");
  EXPECT_EQ(n["event"], "freeze.refused");
  EXPECT_EQ(n["application"], "shop");
  EXPECT_EQ(n["status"], "pending");
  EXPECT_EQ(n["attempts"], 0);
  EXPECT_TRUE(n["executionId"].is_null());
  EXPECT_EQ(Get("/api/v1/notifications?channel=team&status=pending").json["items"].size(), 1u);
  EXPECT_EQ(Get("/api/v1/notifications?status=delivered").json["items"].size(), 0u);
  EXPECT_EQ(Get("/api/v1/notifications?status=bogus").status, 400);
  EXPECT_EQ(Get("/api/v1/notifications?limit=0").status, 400);
  EXPECT_EQ(Get("/api/v1/notifications?limit=100000").status, 400);
  EXPECT_EQ(Get("/api/v1/notifications?secret=1").status, 400);
  EXPECT_EQ(Get("/api/v1/notifications?channel=" + std::string(300, 'c')).status, 400);
  EXPECT_EQ(Get("/api/v1/notifications?channel=a%0Ab").status, 400);
}

TEST_F(FreezeTest, ADeploymentInAnActiveWindowIsRefusedWith412NamingTheWindowAndItsEnd) {
  PutHolidays(R"(,"applications":["shop"],"environmentTypes":["non-production"])");
  Reply refused = Post("/api/v1/deployments", kDeploy);
  EXPECT_EQ(refused.status, 412) << refused.body;
  EXPECT_EQ(refused.json["error"]["code"], "failed_precondition");
  EXPECT_EQ(refused.json["error"]["message"],
            "deployments to shop/dev are frozen by window 'holidays' until 2027-01-20 00:00 CET; "
            "an admin may override with a reason");
  EXPECT_EQ(Executions(), 0u);
  // Plans are not refused: seeing what a deploy would do changes nothing.
  EXPECT_EQ(Post("/api/v1/plans?wait=0", kDeploy).status, 202);
  // Once the window has ended, deployments go through again.
  clock_.Advance(std::chrono::hours(24 * 5));
  EXPECT_EQ(Post("/api/v1/deployments", kDeploy).status, 201);
}

TEST_F(FreezeTest, OnlyAnAdminOverridesAndTheOverrideIsRecorded) {
  PutHolidays();
  const std::string deployer = DeployToken();
  Reply escalated =
      Post("/api/v1/deployments", WithOverride(R"("hotfix for INC-42")"), As(deployer));
  EXPECT_EQ(escalated.status, 403) << escalated.body;
  EXPECT_THAT(escalated.body, HasSubstr("only an admin token may deploy through a freeze window"));
  EXPECT_EQ(Post("/api/v1/deployments", kDeploy, As(deployer)).status, 412);
  EXPECT_EQ(Executions(), 0u);

  Reply started = Post("/api/v1/deployments", WithOverride(R"("hotfix for INC-42")"));
  ASSERT_EQ(started.status, 201) << started.body;
  const Json& record = started.json["freezeOverride"];
  EXPECT_EQ(record["reason"], "hotfix for INC-42");
  EXPECT_EQ(record["by"], "token:tester");
  ASSERT_EQ(record["windows"].size(), 1u);
  EXPECT_EQ(record["windows"][0]["name"], "holidays");
  EXPECT_EQ(record["windows"][0]["until"], "2027-01-19T23:00:00.000Z");
  const std::string id = started.json["id"].get<std::string>();
  EXPECT_EQ(Get("/api/v1/executions/" + id).json["freezeOverride"], record);
  auto events = store_->audit().List({.subject_type = "execution", .subject_id = id});
  ASSERT_TRUE(events.ok());
  bool recorded = false;
  for (const auto& e : *events) {
    if (e.action == "execution.freeze-override") {
      recorded = true;
      EXPECT_EQ(e.actor, "token:tester");
      EXPECT_THAT(e.details_json, HasSubstr("hotfix for INC-42"));
    }
  }
  EXPECT_TRUE(recorded);
  // A deployment that no freeze covers records no override.
  clock_.Advance(std::chrono::hours(24 * 5));
  Reply later = Post("/api/v1/deployments", WithOverride(R"("habit")"));
  ASSERT_EQ(later.status, 201) << later.body;
  EXPECT_FALSE(later.json.contains("freezeOverride"));
}

TEST_F(FreezeTest, MalformedAndHostileOverridesAreRefused) {
  PutHolidays();
  for (const std::string& bad :
       {std::string(R"("")"), std::string(R"("   ")"), "\"" + std::string(501, 'x') + "\"",
        std::string(R"("line\nbreak")"), std::string(R"("bell\u0007")"), std::string("42"),
        std::string("null")}) {
    Reply reply = Post("/api/v1/deployments", WithOverride(bad));
    EXPECT_EQ(reply.status, 400) << bad << ": " << reply.body;
  }
  for (const std::string& body :
       {std::string(R"({"application":"shop","service":"orders","environment":"dev",)"
                    R"("freezeOverride":"because"})"),
        std::string(R"({"application":"shop","service":"orders","environment":"dev",)"
                    R"("freezeOverride":{"reason":"x","windows":["holidays"]}})"),
        std::string(R"({"application":"shop","service":"orders","environment":"dev",)"
                    R"("freezeOverride":[]})")}) {
    EXPECT_EQ(Post("/api/v1/deployments", body).status, 400) << body;
  }
  EXPECT_EQ(Executions(), 0u);
  // 500 characters (multi-byte ones count once) is the limit.
  std::string longest;
  for (int i = 0; i < 500; ++i) longest += "é";
  EXPECT_EQ(Post("/api/v1/deployments", WithOverride("\"" + longest + "\"")).status, 201);
}

TEST_F(FreezeTest, WindowsOutOfScopeDisabledOrNotYetActiveDoNotRefuse) {
  PutHolidays(R"(,"environmentTypes":["production"])");
  ASSERT_LT(PutWindow("later", R"("timeZone":"UTC","start":"2027-02-01T00:00",)"
                               R"("end":"2027-02-02T00:00")")
                .status,
            300);
  ASSERT_LT(PutWindow("off", R"("timeZone":"UTC","enabled":false,)"
                             R"("recurrence":{"cron":"0 0 * * *","duration":"24h"})")
                .status,
            300);
  EXPECT_EQ(Post("/api/v1/deployments", kDeploy).status, 201);
  // GET /api/v1/freezes: each window's state by the server's clock.
  Reply list = Get("/api/v1/freezes");
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json["items"].size(), 3u) << list.body;
  const Json& holidays = list.json["items"][0];
  EXPECT_EQ(holidays["name"], "holidays");
  EXPECT_EQ(holidays["active"], true);
  EXPECT_EQ(holidays["untilLocal"], "2027-01-20 00:00 CET");
  EXPECT_EQ(holidays["environmentTypes"], Json::array({"production"}));
  const Json& later = list.json["items"][1];
  EXPECT_EQ(later["active"], false);
  EXPECT_EQ(later["nextStart"], "2027-02-01T00:00:00.000Z");
  EXPECT_EQ(later["until"], nullptr);
  EXPECT_EQ(list.json["items"][2]["active"], false);  // "off" is disabled
  EXPECT_EQ(list.json["items"][2]["nextStart"], nullptr);
  EXPECT_EQ(Get("/api/v1/freezes?all=1").status, 400);
  // Fridays 09:00 for 62 hours covers the fixture's Friday 09:00 CET.
  ASSERT_LT(PutWindow("weekend", R"("timeZone":"Europe/Berlin",)"
                                 R"("recurrence":{"cron":"0 9 * * FRI","duration":"62h"})")
                .status,
            300);
  Reply refused = Post("/api/v1/deployments", kDeploy);
  EXPECT_EQ(refused.status, 412) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("window 'weekend' until 2027-01-17 23:00 CET"));
}

TEST_F(FreezeTest, RollbacksAreNotRefusedDuringAFreeze) {
  Reply before =
      Post("/api/v1/rollbacks", R"({"application":"shop","service":"orders","environment":"dev"})");
  PutHolidays();
  Reply during =
      Post("/api/v1/rollbacks", R"({"application":"shop","service":"orders","environment":"dev"})");
  // Nothing was deployed, so there is nothing to roll back: the same answer with or without the
  // freeze, never the freeze's refusal.
  EXPECT_EQ(during.status, before.status) << during.body;
  EXPECT_EQ(during.body, before.body);
  EXPECT_THAT(during.body, ::testing::Not(HasSubstr("frozen")));
}

TEST_F(FreezeTest, HostileWindowsAreRefusedWhenWritten) {
  const std::pair<std::string, std::string> cases[] = {
      {R"("timeZone":"../../etc/passwd","start":"2027-01-10T00:00","end":"2027-01-11T00:00")",
       "/timeZone"},
      {R"("timeZone":"UTC","start":"2027-01-10T00:00","end":"2027-01-09T00:00")", "/end"},
      {R"("timeZone":"UTC","start":"2027-01-10T00:00","end":"2029-01-09T00:00")", "/end"},
      {R"("timeZone":"UTC","start":"2027-01-10T00:00Z","end":"2027-01-11T00:00")", "/start"},
      {R"("timeZone":"UTC","recurrence":{"cron":"0 25 * * *","duration":"1h"})",
       "/recurrence/cron"},
      {R"("timeZone":"UTC","recurrence":{"cron":"0 1 * * *","duration":"745h"})",
       "/recurrence/duration"},
      {R"("timeZone":"UTC","recurrence":{"cron":"0 1 * * *","duration":"1h"},)"
       R"("applications":["nosuchapp"])",
       "/applications/0"},
      {R"("timeZone":"UTC","recurrence":{"cron":"0 1 * * *","duration":"1h"},"colour":"red")",
       "colour"},
  };
  for (const auto& [fields, where] : cases) {
    Reply reply = PutWindow("bad", fields);
    EXPECT_EQ(reply.status, 400) << fields << ": " << reply.body;
    EXPECT_THAT(reply.body, HasSubstr(where)) << fields;
  }
  EXPECT_EQ(Get("/api/v1/freeze-windows").json["items"].size(), 0u);
  EXPECT_EQ(Get("/api/v1/applications/shop/freeze-windows").status, 404);
}

}  // namespace
}  // namespace ferry::api::testing
