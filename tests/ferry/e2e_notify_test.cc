// Notifications end to end: a real `ferry server` and `ferry sandbox`, a real HTTP receiver
// (cpp-httplib on 127.0.0.1) standing in for a Slack incoming webhook and a generic webhook,
// secrets read by the server from its environment (`source: env`), and the real CLI. A deploy
// that succeeds and one that rolls back each notify the receivers; a receiver that hangs does not
// hold the deploy (the execution ends while the receiver still holds the request) and is retried;
// a dead one is retried and its error shown by `ferry notifications`; no secret appears in any
// output. Nothing is mocked.
#include <gmock/gmock.h>

#include <condition_variable>
#include <mutex>

#include "aws/local_http_server.h"
#include "common/crypto.h"
#include "e2e_fixture.h"

namespace ferry::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSigningKey[] = "e2e-signing-key-5f2c9a";
constexpr char kSlackToken[] = "T0E2E/B0E2E/e2eSlackTokenXYZ";

struct Received {
  std::string path;
  std::string body;
  std::string signature;
};

class NotifyE2eTest : public DeployE2eTest {
 protected:
  NotifyE2eTest() {
    server_options_.env["FERRY_SECRET_HOOK_KEY"] = kSigningKey;
    server_options_.extra_args = {"--notification-timeout", "1s", "--notification-retry", "200ms"};
    receiver_ = std::make_unique<aws::test_support::LocalHttpServer>([this](httplib::Server& s) {
      s.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
        std::unique_lock lock(mu_);
        got_.push_back({req.path, req.body, req.get_header_value("X-Ferry-Signature")});
        cv_.notify_all();
        if (req.path == "/slow" && !released_) {
          ++slow_held_;
          cv_.notify_all();
          cv_.wait_for(lock, std::chrono::seconds(30), [this] { return released_; });
        }
        res.status = 200;
        res.set_content("ok", "text/plain");
      });
    });
    server_options_.env["FERRY_SECRET_SLACK_URL"] =
        receiver_->url() + "/slack/services/" + kSlackToken;
  }

  ChildProcess::Outcome Ferry(const std::string& args) {
    ProcessOptions options{{{"FERRY_SERVER", server_->url()}, {"FERRY_TOKEN", server_->token()}},
                           ""};
    return ChildProcess::Run({"/bin/sh", "-c", FerryBinary() + " " + args + " < /dev/null"},
                             options);
  }

  Json Notifications() {
    ApiResponse r = api_->Get("/api/v1/notifications?limit=200");
    EXPECT_EQ(r.status, 200) << r.Describe();
    EXPECT_THAT(r.body, Not(HasSubstr(kSigningKey)));
    EXPECT_THAT(r.body, Not(HasSubstr(kSlackToken)));
    return r.json.contains("items") ? r.json["items"] : Json::array();
  }
  // Waits (at most 60 s) until a delivery of `event` for `execution` to `channel` has `status`
  // and at least `attempts` attempts; the row, or null.
  Json WaitForDelivery(const std::string& channel, const std::string& event,
                       const std::string& execution, const std::string& status, int attempts = 1) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      for (const Json& n : Notifications()) {
        if (Str(n, "channel") == channel && Str(n, "event") == event &&
            Str(n, "executionId") == execution && Str(n, "status") == status &&
            n.value("attempts", 0) >= attempts) {
          return n;
        }
      }
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(200));
    }
    return Json();
  }
  std::vector<Received> Got(const std::string& path_prefix) {
    std::lock_guard lock(mu_);
    std::vector<Received> out;
    for (const auto& r : got_) {
      if (r.path.rfind(path_prefix, 0) == 0) out.push_back(r);
    }
    return out;
  }

  void ApplyWithNotifications() {
    Json entities = Entities({"orders"});
    for (Json& e : entities) {
      if (Str(e, "kind") != "Application") continue;
      e["notifications"] = Json::array(
          {{{"channel", "hook"},
            {"events",
             {"execution.started", "execution.succeeded", "execution.rolled-back",
              "execution.failed"}}},
           {{"channel", "team"}, {"events", {"execution.succeeded", "execution.rolled-back"}}},
           {{"channel", "slow"}, {"events", {"execution.succeeded"}}},
           {{"channel", "dead"}, {"events", {"execution.succeeded"}}}});
    }
    entities.push_back({{"kind", "Secret"},
                        {"name", "hook-key"},
                        {"source", "env"},
                        {"ref", "FERRY_SECRET_HOOK_KEY"}});
    entities.push_back({{"kind", "Secret"},
                        {"name", "slack-url"},
                        {"source", "env"},
                        {"ref", "FERRY_SECRET_SLACK_URL"}});
    auto webhook = [&](const std::string& name, const std::string& url) {
      return Json{{"kind", "NotificationChannel"},
                  {"name", name},
                  {"webhook", {{"url", url}, {"signingSecret", "hook-key"}}}};
    };
    entities.push_back(webhook("hook", receiver_->url() + "/hook"));
    entities.push_back(webhook("slow", receiver_->url() + "/slow"));
    entities.push_back(webhook("dead", "http://127.0.0.1:1/nobody"));
    entities.push_back({{"kind", "NotificationChannel"},
                        {"name", "team"},
                        {"slack", {{"urlSecret", "slack-url"}}}});
    ASSERT_NO_FATAL_FAILURE(Apply(entities));
  }

  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  void TearDown() override {
    Release();
    DeployE2eTest::TearDown();
  }

  std::unique_ptr<aws::test_support::LocalHttpServer> receiver_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> got_;  // Guarded by mu_.
  bool released_ = false;      // Guarded by mu_.
  int slow_held_ = 0;          // Guarded by mu_.
};

TEST_F(NotifyE2eTest, SucceededAndRolledBackDeploysNotifyAndSlowOrDeadReceiversDoNotHoldThem) {
  ASSERT_NO_FATAL_FAILURE(ApplyWithNotifications());
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-2.zip", "b2"));

  // 1. A deploy that succeeds. The slow receiver holds its first request until released, and
  // the execution ends all the same.
  Json ok = Deploy("api/api-1.zip");
  ASSERT_EQ(Str(ok, "status"), "succeeded") << ok.dump(2);
  const std::string ok_id = Str(ok, "id");
  EXPECT_FALSE(WaitForDelivery("hook", "execution.started", ok_id, "delivered").is_null());
  EXPECT_FALSE(WaitForDelivery("hook", "execution.succeeded", ok_id, "delivered").is_null());
  EXPECT_FALSE(WaitForDelivery("team", "execution.succeeded", ok_id, "delivered").is_null());
  // The dead receiver is retried, and says why.
  Json dead = WaitForDelivery("dead", "execution.succeeded", ok_id, "pending", 2);
  ASSERT_FALSE(dead.is_null()) << Notifications().dump(2);
  EXPECT_EQ(Str(dead, "lastError"), "cannot connect to the receiver");
  // The slow one timed out (1 s), is retried, and once released its retry is delivered.
  Json slow = WaitForDelivery("slow", "execution.succeeded", ok_id, "pending", 1);
  ASSERT_FALSE(slow.is_null()) << Notifications().dump(2);
  EXPECT_EQ(Str(slow, "lastError"), "the receiver did not answer in time");
  Release();
  EXPECT_FALSE(WaitForDelivery("slow", "execution.succeeded", ok_id, "delivered", 2).is_null())
      << Notifications().dump(2);

  // 2. A deploy that rolls back (the sandbox refuses the configuration update).
  Json changed = Entities({"orders"}, Json{{"orders", {{"memory", 512}}}});
  ASSERT_NO_FATAL_FAILURE(ApplyWithNotifications());
  for (Json& e : changed) {
    if (Str(e, "kind") == "Service") {
      ASSERT_NO_FATAL_FAILURE(Apply(Json::array({e})));
    }
  }
  ASSERT_EQ(SandboxFaults("POST", Json{{"op", "UpdateFunctionConfiguration"},
                                       {"rate", 1.0},
                                       {"code", "InvalidParameterValueException"}}),
            200);
  Json rolled = Deploy("api/api-2.zip");
  ASSERT_EQ(Str(rolled, "status"), "rolled_back") << rolled.dump(2);
  const std::string rolled_id = Str(rolled, "id");
  EXPECT_FALSE(WaitForDelivery("hook", "execution.rolled-back", rolled_id, "delivered").is_null());
  EXPECT_FALSE(WaitForDelivery("team", "execution.rolled-back", rolled_id, "delivered").is_null());

  // What the receivers got: signed webhook events, readable Slack texts with the link.
  bool saw_rolled_back = false;
  for (const auto& r : Got("/hook")) {
    EXPECT_EQ(r.signature, "sha256=" + HexEncode(HmacSha256(kSigningKey, r.body)));
    auto event = ParseJson(r.body);
    ASSERT_TRUE(event.ok()) << r.body;
    if ((*event)["type"] == "execution.rolled-back") {
      saw_rolled_back = true;
      EXPECT_EQ((*event)["executionId"], rolled_id);
      EXPECT_EQ((*event)["application"], "shop");
      EXPECT_EQ((*event)["status"], "rolled_back");
      EXPECT_THAT(Str(*event, "url"), HasSubstr("/api/v1/executions/" + rolled_id));
    }
  }
  EXPECT_TRUE(saw_rolled_back);
  auto slack = Got("/slack/services/");
  ASSERT_GE(slack.size(), 2u);
  EXPECT_THAT(slack.back().body, HasSubstr("shop/api → dev: execution rolled back"))
      << slack.back().body;

  // The CLI shows the deliveries; no secret is in any output.
  auto listed = Ferry("notifications --channel dead");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("cannot connect to the receiver"));
  auto as_json = Ferry("notifications -o json --status delivered --limit 200");
  ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
  EXPECT_THAT(as_json.out, HasSubstr(rolled_id));
  for (const std::string& out : {listed.out, listed.err, as_json.out, server_->process().output(),
                                 server_->process().error_output()}) {
    EXPECT_THAT(out, Not(HasSubstr(kSigningKey)));
    EXPECT_THAT(out, Not(HasSubstr(kSlackToken)));
  }
}

}  // namespace
}  // namespace ferry::test
