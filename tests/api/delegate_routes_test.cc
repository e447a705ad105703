// The routes of remote delegates (/api/v1/delegate/...) and GET /api/v1/delegates on a real
// ApiServer over SQLite, driven over HTTP the way `ferry delegate` drives them: delegate tokens
// are their own kind, the task protocol keeps the store's guards (a lost lease is 412, finishing
// twice changes nothing), and malformed, oversized and hostile bodies get a clear 4xx and change
// nothing.
#include <gmock/gmock.h>

#include <thread>

#include "api/delegate_sightings.h"
#include "api/scopes.h"
#include "api_fixture.h"
#include "delegate/protocol/task_protocol.h"

namespace ferry::api::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class DelegateRoutesTest : public ApiServerTest {
 protected:
  void SetUp() override {
    ApiServerTest::SetUp();
    auto issued = store_->tokens().Issue({"remote", {"delegate"}, std::nullopt}, "test");
    ASSERT_TRUE(issued.ok()) << issued.error().ToString();
    delegate_token_ = issued->secret;
  }

  std::string Token(const std::string& name, const std::string& scope) {
    auto issued = store_->tokens().Issue({name, {scope}, std::nullopt}, "test");
    EXPECT_TRUE(issued.ok());
    return issued.ok() ? issued->secret : "";
  }
  static httplib::Headers As(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }
  Reply AsDelegate(const std::string& path, const std::string& body) {
    return Post(path, body, As(delegate_token_));
  }

  store::TaskRecord Enqueue(const std::string& key, std::vector<std::string> selectors = {}) {
    store::NewTask task;
    task.kind = "lambda.plan";
    task.payload_json = R"({"functions":[]})";
    task.selectors = std::move(selectors);
    task.idempotency_key = key;
    auto enqueued = store_->tasks().Enqueue(task);
    EXPECT_TRUE(enqueued.ok()) << enqueued.error().ToString();
    return enqueued.ok() ? enqueued->task : store::TaskRecord{};
  }

  static std::string ClaimBody(const std::string& id, std::vector<std::string> selectors = {},
                               int wait_ms = 0, const std::string& name = "eu-1") {
    delegate::ClaimRequest claim;
    claim.name = name;
    claim.delegate_id = id;
    claim.selectors = std::move(selectors);
    claim.version = "9.9.9";
    claim.lease = std::chrono::seconds(30);
    claim.wait = std::chrono::milliseconds(wait_ms);
    return delegate::EncodeClaimRequest(claim);
  }

  std::string delegate_token_;
};

TEST(DelegateScope, GrantsOnlyTheDelegateRoutesAndNothingElseGrantsThem) {
  EXPECT_TRUE(Grants({"delegate"}, Scope::kDelegate));
  for (Scope other : {Scope::kRead, Scope::kDeploy, Scope::kAdmin}) {
    EXPECT_FALSE(Grants({"delegate"}, other));
    EXPECT_FALSE(Grants({"delegate", "admin"}, other));  // a delegate token is nothing else
  }
  for (const char* scope : {"read", "deploy", "admin"}) {
    EXPECT_FALSE(Grants({scope}, Scope::kDelegate)) << scope;
  }
  EXPECT_FALSE(ParseScope("delegate").ok());  // not a scope of `ferry token create`
}

TEST_F(DelegateRoutesTest, DelegateTokensAreRefusedEverywhereElseAndOthersOnDelegateRoutes) {
  ApplySampleConfig();
  for (const char* path : {"/api/v1/executions", "/api/v1/applications", "/api/v1/artifacts",
                           "/api/v1/deployments", "/api/v1/delegates"}) {
    Reply r = GetAnonymous(path, As(delegate_token_));
    EXPECT_EQ(r.status, 403) << path << " " << r.body;
    EXPECT_THAT(r.body, HasSubstr("delegate token")) << path;
    EXPECT_THAT(r.body, ::testing::Not(HasSubstr(delegate_token_)));
  }
  Reply deploy = Post("/api/v1/deployments", R"({"application":"shop"})", As(delegate_token_));
  EXPECT_EQ(deploy.status, 403) << deploy.body;
  Reply apply = Post("/api/v1/apply", R"({"entities":[]})", As(delegate_token_));
  EXPECT_EQ(apply.status, 403) << apply.body;

  const std::vector<std::string> others = {Token("viewer", "read"), Token("ci", "deploy"),
                                           token_ /* admin */};
  for (const std::string& token : others) {
    for (const char* path : {"/api/v1/delegate/claim", "/api/v1/delegate/heartbeat",
                             "/api/v1/delegate/logs", "/api/v1/delegate/complete"}) {
      Reply r = Post(path, ClaimBody("x"), As(token));
      EXPECT_EQ(r.status, 403) << path << " " << r.body;
      EXPECT_THAT(r.body, HasSubstr("needs 'delegate'"));
      EXPECT_THAT(r.body, HasSubstr("ferry delegate-token create"));
    }
    EXPECT_EQ(GetAnonymous("/api/v1/delegate/secrets/db", As(token)).status, 403);
  }
  EXPECT_EQ(Get("/api/v1/delegates").status, 200);  // the admin token reads the list
}

// Issue 18: a leaked delegate token created for one delegate (`--name`) must not impersonate
// others. A token created without a name is a fleet token: its delegates use their own names.
TEST_F(DelegateRoutesTest, ADelegateTokenCreatedForOneNameRegistersOnlyThatName) {
  EXPECT_EQ(AsDelegate("/api/v1/delegate/claim", ClaimBody("remote-a", {}, 0, "eu-1")).status / 100,
            2);
  EXPECT_EQ(AsDelegate("/api/v1/delegate/claim", ClaimBody("remote-b", {}, 0, "us-1")).status / 100,
            2);  // a fleet token

  auto named = store_->tokens().Issue(
      {.name = "edge-ap", .scopes = {"delegate"}, .delegate_name = "ap-1"}, "test");
  ASSERT_TRUE(named.ok());
  Reply other = Post("/api/v1/delegate/claim", ClaimBody("remote-d"), As(named->secret));
  EXPECT_EQ(other.status, 403) << other.body;
  EXPECT_THAT(other.json["error"]["message"].get<std::string>(),
              HasSubstr("registers only as delegate \"ap-1\""));
  EXPECT_EQ(other.body.find(named->secret), std::string::npos);
  EXPECT_EQ(Post("/api/v1/delegate/claim", ClaimBody("remote-e", {}, 0, "ap-1"), As(named->secret))
                    .status /
                100,
            2);

  auto refused = store_->audit().List({.action = "delegate.name-refused"});
  ASSERT_TRUE(refused.ok());
  ASSERT_EQ(refused->size(), 1u);
  EXPECT_EQ((*refused)[0].actor, "token:edge-ap");
}

TEST_F(DelegateRoutesTest, ClaimHeartbeatLogAndCompleteKeepTheStoresGuards) {
  const store::TaskRecord task = Enqueue("k1", {"region:eu"});
  Reply none = AsDelegate("/api/v1/delegate/claim", ClaimBody("remote-a"));
  EXPECT_EQ(none.status, 204) << none.body;  // its selectors do not cover region:eu

  Reply claimed =
      AsDelegate("/api/v1/delegate/claim", ClaimBody("remote-a", {"region:eu", "team:x"}));
  ASSERT_EQ(claimed.status, 200) << claimed.body;
  auto assignment = delegate::DecodeAssignment(claimed.body);
  ASSERT_TRUE(assignment.ok()) << assignment.error().ToString();
  EXPECT_EQ(assignment->task_id, task.id);
  EXPECT_EQ(assignment->owner, "remote-a");
  EXPECT_EQ(assignment->attempt, 1);
  EXPECT_EQ(assignment->kind, "lambda.plan");

  Reply listed = Get("/api/v1/delegates");
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.json["items"].size(), 1u) << listed.body;
  const Json& d = listed.json["items"][0];
  EXPECT_EQ(d["name"], "eu-1");
  EXPECT_EQ(d["version"], "9.9.9");
  EXPECT_THAT(d["selectors"], ElementsAre("region:eu", "team:x"));
  EXPECT_EQ(d["alive"], true);
  ASSERT_EQ(d["runningTasks"].size(), 1u);
  EXPECT_EQ(d["runningTasks"][0]["taskId"], task.id);

  EXPECT_EQ(AsDelegate("/api/v1/delegate/heartbeat",
                       delegate::EncodeHeartbeat(*assignment, std::chrono::seconds(30)))
                .status,
            204);
  EXPECT_EQ(AsDelegate("/api/v1/delegate/logs",
                       delegate::EncodeLogLines(*assignment, {{delegate::TaskLogLevel::kInfo,
                                                               "planning", std::nullopt}}))
                .status,
            204);
  // Someone else's log lines and heartbeats for the task are refused.
  delegate::TaskAssignment impostor = *assignment;
  impostor.owner = "remote-b";
  EXPECT_EQ(AsDelegate("/api/v1/delegate/logs",
                       delegate::EncodeLogLines(
                           impostor, {{delegate::TaskLogLevel::kInfo, "x", std::nullopt}}))
                .status,
            412);
  EXPECT_EQ(AsDelegate("/api/v1/delegate/heartbeat",
                       delegate::EncodeHeartbeat(impostor, std::chrono::seconds(30)))
                .status,
            412);

  delegate::TaskResult result{true, R"({"changes":0})", ""};
  EXPECT_EQ(
      AsDelegate("/api/v1/delegate/complete", delegate::EncodeResult(*assignment, result)).status,
      204);
  // Finishing twice changes nothing: the second result is refused and the first one kept.
  delegate::TaskResult other{false, "{}", "late"};
  Reply again = AsDelegate("/api/v1/delegate/complete", delegate::EncodeResult(*assignment, other));
  EXPECT_EQ(again.status, 412) << again.body;
  EXPECT_THAT(again.body, HasSubstr("no longer held by"));
  auto stored = store_->tasks().Get(task.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status, store::TaskStatus::kSucceeded);
  EXPECT_EQ(stored->result_json.value_or(""), R"({"changes":0})");
  EXPECT_EQ(AsDelegate("/api/v1/delegate/heartbeat",
                       delegate::EncodeHeartbeat(*assignment, std::chrono::seconds(30)))
                .status,
            412);
}

TEST_F(DelegateRoutesTest, AHeldClaimIsAnsweredWhenATaskArrives) {
  std::thread enqueuer([this] {
    // The claim may not be held yet when this runs; either way it must end with the task.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    Enqueue("late");
    changes_.Notify();
  });
  Reply claimed = AsDelegate("/api/v1/delegate/claim", ClaimBody("remote-a", {}, 20'000));
  enqueuer.join();
  ASSERT_EQ(claimed.status, 200) << claimed.body;
  EXPECT_EQ(delegate::DecodeAssignment(claimed.body).value().owner, "remote-a");
}

TEST_F(DelegateRoutesTest, QueuedTasksShowWhoCouldClaimThem) {
  Enqueue("eu", {"region:eu"});
  ASSERT_EQ(AsDelegate("/api/v1/delegate/claim", ClaimBody("remote-us", {"region:us"})).status,
            204);
  Reply listed = Get("/api/v1/delegates");
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.json["queued"].size(), 1u) << listed.body;
  EXPECT_THAT(listed.json["queued"][0]["selectors"], ElementsAre("region:eu"));
  EXPECT_TRUE(listed.json["queued"][0]["claimableBy"].empty());
}

TEST_F(DelegateRoutesTest, MalformedOversizedAndHostileBodiesGetA4xxAndChangeNothing) {
  const store::TaskRecord task = Enqueue("k1");
  const std::string long_name(300, 'n');
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "[";
  const std::vector<std::pair<std::string, std::string>> claims = {
      {"", "empty"},
      {"null", "object"},
      {"[]", "object"},
      {"{", "JSON"},
      {"\xff\xfe", "UTF-8"},
      {deep, ""},
      {R"({"name":"a","delegateId":"b","leaseMs":1000,"extra":1})", "unknown field"},
      {R"({"delegateId":"b","leaseMs":1000})", "name"},
      {R"({"name":"","delegateId":"b","leaseMs":1000})", "1 to 256 bytes"},
      {R"({"name":")" + long_name + R"(","delegateId":"b","leaseMs":1000})", "1 to 256 bytes"},
      {R"({"name":"a\u0000b","delegateId":"b","leaseMs":1000})", "control"},
      {R"({"name":"a","delegateId":"b","leaseMs":1000,"selectors":"x"})", "selectors"},
      {R"({"name":"a","delegateId":"b","leaseMs":1000,"selectors":[1]})", "selector"},
      {R"({"name":"a","delegateId":"b","leaseMs":-5})", "leaseMs"},
      {R"({"name":"a","delegateId":"b","leaseMs":1e300})", "leaseMs"},
      {R"({"name":"a","delegateId":"b","leaseMs":"10s"})", "leaseMs"},
      {R"({"name":"a","delegateId":"b","leaseMs":99999999999999})", "leaseMs"},
      {R"({"name":"a","delegateId":"b","leaseMs":1000,"waitMs":600000})", "waitMs"},
  };
  for (const auto& [body, says] : claims) {
    Reply r = AsDelegate("/api/v1/delegate/claim", body);
    EXPECT_EQ(r.status, 400) << body.substr(0, 80) << " → " << r.body;
    EXPECT_THAT(r.body, HasSubstr(says)) << body.substr(0, 80);
  }
  Json many = Json::array();
  for (int i = 0; i < 101; ++i) many.push_back("s" + std::to_string(i));
  Reply too_many = AsDelegate(
      "/api/v1/delegate/claim",
      DumpJson(Json{{"name", "a"}, {"delegateId", "b"}, {"leaseMs", 1000}, {"selectors", many}}));
  EXPECT_EQ(too_many.status, 400) << too_many.body;

  const std::vector<std::pair<std::string, std::string>> others = {
      {"/api/v1/delegate/heartbeat", R"({"owner":"a","attempt":1,"extensionMs":1000})"},
      {"/api/v1/delegate/heartbeat",
       R"({"taskId":")" + task.id + R"(","owner":"a","attempt":1,"extensionMs":0})"},
      {"/api/v1/delegate/heartbeat",
       R"({"taskId":")" + task.id + R"(","owner":"a","attempt":-1,"extensionMs":1000})"},
      {"/api/v1/delegate/logs",
       R"({"taskId":")" + task.id +
           R"(","owner":"a","attempt":1,"lines":[{"level":"loud","text":"x"}]})"},
      {"/api/v1/delegate/logs",
       R"({"taskId":")" + task.id + R"(","owner":"a","attempt":1,"lines":{}})"},
      {"/api/v1/delegate/complete", R"({"taskId":")" + task.id + R"(","owner":"a","attempt":1})"},
      {"/api/v1/delegate/complete", "[1,2]"},
  };
  for (const auto& [path, body] : others) {
    Reply r = AsDelegate(path, body);
    EXPECT_EQ(r.status, 400) << path << " " << body << " → " << r.body;
  }
  Json lines = Json::array();
  for (int i = 0; i < 1001; ++i) lines.push_back({{"level", "info"}, {"text", "x"}});
  Reply flood = AsDelegate(
      "/api/v1/delegate/logs",
      DumpJson(Json{{"taskId", task.id}, {"owner", "a"}, {"attempt", 1}, {"lines", lines}}));
  EXPECT_EQ(flood.status, 400) << flood.body;

  // Over the server's body limit (8 MiB): refused before any parsing — 413, or, when the client
  // is still writing as the server answers and closes (bounded_http_server.h), a closed connection.
  httplib::Client raw("127.0.0.1", server_->port());
  auto huge = raw.Post("/api/v1/delegate/complete", As(delegate_token_),
                       std::string(9 * 1024 * 1024, 'x'), "application/json");
  EXPECT_TRUE(!huge || huge->status == 413) << huge->status << huge->body.substr(0, 200);

  // Nothing was claimed, renewed or finished by any of it.
  auto stored = store_->tasks().Get(task.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status, store::TaskStatus::kQueued);
  EXPECT_EQ(stored->attempt, 0);
}

TEST_F(DelegateRoutesTest, SecretReferencesSayWhereNotWhat) {
  Reply unknown = GetAnonymous("/api/v1/delegate/secrets/nope", As(delegate_token_));
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  Reply bad = GetAnonymous("/api/v1/delegate/secrets/%00", As(delegate_token_));
  EXPECT_EQ(bad.status, 400) << bad.body;
}

TEST(DelegateSightingsTest, ARepeatedSightingIsWrittenOncePerRefreshAndAChangeAtOnce) {
  DelegateSightings sightings(std::chrono::seconds(5), 2);
  const TimePoint t0 = TimePoint(std::chrono::seconds(1'800'000'000));
  store::DelegateSighting a{"eu-1", "remote-eu-1-A", {"region:eu"}, "1.0"};
  EXPECT_TRUE(sightings.ShouldWrite(a, t0));
  EXPECT_FALSE(sightings.ShouldWrite(a, t0 + std::chrono::seconds(4)));
  EXPECT_TRUE(sightings.ShouldWrite(a, t0 + std::chrono::seconds(5)));  // refreshed
  store::DelegateSighting more = a;
  more.selectors.push_back("team:x");
  EXPECT_TRUE(sightings.ShouldWrite(more, t0 + std::chrono::seconds(6)));  // new selectors
  store::DelegateSighting renamed = more;
  renamed.name = "eu-2";
  EXPECT_TRUE(sightings.ShouldWrite(renamed, t0 + std::chrono::seconds(6)));
  EXPECT_FALSE(sightings.ShouldWrite(renamed, t0 + std::chrono::seconds(7)));
  sightings.Forget(renamed.instance);  // its write failed: the next one is written
  EXPECT_TRUE(sightings.ShouldWrite(renamed, t0 + std::chrono::seconds(7)));
  // At most two instances are remembered: a third makes the oldest be written again.
  store::DelegateSighting b{"b", "remote-b-B", {}, "1.0"};
  store::DelegateSighting c{"c", "remote-c-C", {}, "1.0"};
  EXPECT_TRUE(sightings.ShouldWrite(b, t0 + std::chrono::seconds(8)));
  EXPECT_TRUE(sightings.ShouldWrite(c, t0 + std::chrono::seconds(9)));
  EXPECT_FALSE(sightings.ShouldWrite(c, t0 + std::chrono::seconds(9)));
  EXPECT_TRUE(sightings.ShouldWrite(renamed, t0 + std::chrono::seconds(9)));
}

TEST_F(DelegateRoutesTest, RepeatedClaimsRefreshLastSeenEveryFewSecondsNotEveryClaim) {
  auto last_seen = [&] {
    Reply listed = Get("/api/v1/delegates");
    EXPECT_EQ(listed.status, 200) << listed.body;
    return listed.json["items"].empty() ? std::string()
                                        : listed.json["items"][0].value("lastSeenAt", "");
  };
  ASSERT_EQ(AsDelegate("/api/v1/delegate/claim", ClaimBody("remote-a")).status, 204);
  const std::string first = last_seen();
  ASSERT_FALSE(first.empty());
  clock_.Advance(std::chrono::seconds(2));
  ASSERT_EQ(AsDelegate("/api/v1/delegate/claim", ClaimBody("remote-a")).status, 204);
  EXPECT_EQ(last_seen(), first) << "a claim 2 s later writes nothing";
  clock_.Advance(std::chrono::seconds(4));
  ASSERT_EQ(AsDelegate("/api/v1/delegate/claim", ClaimBody("remote-a")).status, 204);
  EXPECT_NE(last_seen(), first) << "6 s later the sighting is refreshed";
}

}  // namespace
}  // namespace ferry::api::testing
