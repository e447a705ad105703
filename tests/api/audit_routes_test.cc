// GET /api/v1/audit on a real server: every state-changing action over the API leaves one event
// with the token, the client address and (for configuration) both documents; filters, paging
// and strict query validation; X-Forwarded-For believed only from a trusted proxy.
#include <gmock/gmock.h>

#include "api_fixture.h"
#include "common/time.h"

namespace ferry::api::testing {
namespace {

using ::testing::HasSubstr;

// The events of the reply, oldest first (the API answers newest first).
std::vector<Json> Events(const Reply& reply) {
  std::vector<Json> events;
  if (!reply.json.contains("items")) return events;
  for (const Json& e : reply.json["items"]) events.insert(events.begin(), e);
  return events;
}

const Json* Find(const std::vector<Json>& events, const std::string& action,
                 const std::string& target) {
  for (const Json& e : events) {
    if (e["action"] == action && e["target"] == target) return &e;
  }
  return nullptr;
}

TEST_F(ApiServerTest, StateChangesOverTheApiAreAuditedWithTokenAndAddress) {
  ApplySampleConfig();
  Reply started = Post("/api/v1/deployments",
                       R"({"application":"shop","service":"orders","environment":"dev"})");
  ASSERT_EQ(started.status, 201) << started.body;
  const std::string id = started.json["id"];
  ASSERT_EQ(Post("/api/v1/executions/" + id + "/abort", "{}").status, 202);
  Reply plan = Post("/api/v1/plans?wait=0",
                    R"({"application":"shop","service":"orders","environment":"dev"})");
  ASSERT_LT(plan.status, 300) << plan.body;

  Reply audit = Get("/api/v1/audit?limit=200");
  ASSERT_EQ(audit.status, 200) << audit.body;
  std::vector<Json> events = Events(audit);
  const Json* service = Find(events, "entity.create", "service/shop/orders");
  ASSERT_NE(service, nullptr) << audit.body;
  EXPECT_EQ((*service)["actor"], "token:tester");
  EXPECT_EQ((*service)["source"], "127.0.0.1");
  EXPECT_EQ((*service)["application"], "shop");
  EXPECT_TRUE((*service)["details"]["after"].is_object()) << service->dump();
  const Json* created = Find(events, "execution.create", id);
  ASSERT_NE(created, nullptr) << audit.body;
  EXPECT_EQ((*created)["source"], "127.0.0.1");
  EXPECT_EQ((*created)["details"]["trigger"], "manual");
  const Json* abort = Find(events, "execution.abort_request", id);
  ASSERT_NE(abort, nullptr) << audit.body;
  EXPECT_EQ((*abort)["actor"], "token:tester");
  bool planned = false;
  for (const Json& e : events) planned = planned || e["action"] == "plan.start";
  EXPECT_TRUE(planned) << audit.body;

  // An update records the document before and after.
  Reply put = Put("/api/v1/applications/shop", R"({"description":"The new shop"})");
  ASSERT_EQ(put.status, 200) << put.body;
  Reply updated = Get("/api/v1/audit?action=entity.update&target=application/shop");
  ASSERT_EQ(updated.status, 200) << updated.body;
  ASSERT_EQ(updated.json["items"].size(), 1u) << updated.body;
  const Json& details = updated.json["items"][0]["details"];
  EXPECT_FALSE(details["before"].contains("description")) << updated.body;
  EXPECT_EQ(details["after"]["description"], "The new shop") << updated.body;
  EXPECT_EQ(updated.json["items"][0]["application"], "shop");
}

TEST_F(ApiServerTest, AuditFiltersAndPagesNewestFirst) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->audit()
                    .Append({.actor = i < 3 ? "token:ci" : "token:ops",
                             .action = "plan.start",
                             .application = i % 2 == 0 ? "shop" : "blog",
                             .subject_type = "plan",
                             .subject_id = "p" + std::to_string(i)})
                    .ok());
    clock_.Advance(std::chrono::minutes(1));
  }
  Reply ci = Get("/api/v1/audit?actor=token:ci&application=shop");
  ASSERT_EQ(ci.status, 200) << ci.body;
  ASSERT_EQ(ci.json["items"].size(), 2u) << ci.body;
  EXPECT_EQ(ci.json["items"][0]["target"], "p2");
  EXPECT_EQ(ci.json["items"][1]["target"], "p0");

  std::string since = FormatRfc3339(clock_.Now() - std::chrono::minutes(3));
  Reply recent = Get("/api/v1/audit?since=" + since);
  ASSERT_EQ(recent.status, 200) << recent.body;
  EXPECT_EQ(recent.json["items"].size(), 3u) << recent.body;

  Reply first = Get("/api/v1/audit?limit=2&targetType=plan");
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(first.json["items"].size(), 2u);
  EXPECT_EQ(first.json["items"][0]["target"], "p4");
  ASSERT_TRUE(first.json["next"].is_string()) << first.body;
  Reply second =
      Get("/api/v1/audit?limit=2&targetType=plan&before=" + first.json["next"].get<std::string>());
  ASSERT_EQ(second.status, 200) << second.body;
  ASSERT_EQ(second.json["items"].size(), 2u);
  EXPECT_EQ(second.json["items"][0]["target"], "p2");
  Reply last =
      Get("/api/v1/audit?limit=2&targetType=plan&before=" + second.json["next"].get<std::string>());
  ASSERT_EQ(last.json["items"].size(), 1u);
  EXPECT_TRUE(last.json["next"].is_null());
}

TEST_F(ApiServerTest, HostileAuditQueriesAreRefusedClearly) {
  struct Case {
    std::string query;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"?who=me", "who"},
      {"?since=yesterday", "RFC 3339"},
      {"?until=2026-13-45T99:00:00Z", "RFC 3339"},
      {"?since=2026-12-07T10:00:00Z&until=2026-12-07T09:00:00Z", "later than"},
      {"?limit=0", "limit"},
      {"?limit=100000", "limit"},
      {"?before=abc", "before"},
      {"?before=-5", "before"},
      {"?actor=" + std::string(300, 'a'), "actor"},
      {"?actor=a&actor=b", "more than once"},
      {"?action=%01x", "control"},
      {"?actor=", "empty"},
  };
  for (const Case& c : cases) {
    Reply reply = Get("/api/v1/audit" + c.query);
    EXPECT_EQ(reply.status, 400) << c.query << ": " << reply.body;
    EXPECT_THAT(reply.body, HasSubstr(c.says)) << c.query;
  }
  // Only admins read the trail.
  auto issued = store_->tokens().Issue({"ci", {"deploy"}, std::nullopt}, "test");
  ASSERT_TRUE(issued.ok());
  Reply denied = GetAnonymous("/api/v1/audit", {{"Authorization", "Bearer " + issued->secret}});
  EXPECT_EQ(denied.status, 403) << denied.body;
  EXPECT_THAT(denied.body, HasSubstr("admin"));
}

TEST_F(ApiServerTest, ForwardedForIsBelievedOnlyFromATrustedProxy) {
  const httplib::Headers forwarded = {{"X-Forwarded-For", "198.51.100.1, 203.0.113.9"}};
  ASSERT_EQ(Put("/api/v1/applications/a1", R"({"description":"one"})", forwarded).status, 201);
  StartServer(ApiServerOptions{.trusted_proxies = {"127.0.0.1"}});
  ASSERT_EQ(Put("/api/v1/applications/a2", R"({"description":"two"})", forwarded).status, 201);
  ASSERT_EQ(Put("/api/v1/applications/a3", R"({"description":"three"})",
                {{"X-Forwarded-For", "203.0.113.9:443 <script>"}})
                .status,
            201);
  std::vector<Json> events = Events(Get("/api/v1/audit?action=entity.create"));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["source"], "127.0.0.1") << "ignored from an untrusted peer";
  EXPECT_EQ(events[1]["source"], "203.0.113.9") << "the address the trusted proxy appended";
  EXPECT_EQ(events[2]["source"], "127.0.0.1") << "not an address: ignored";
}

}  // namespace
}  // namespace ferry::api::testing
