// Triggers over HTTP: POST /hooks/{id} (a generic webhook: good, bad, missing, replayed
// signatures, oversized and malformed bodies, unknown ids, a freeze window refusing the run)
// and GET /api/v1/triggers (state, the webhook path only for callers who may manage config).
// A real ApiServer, SQLite store, DeployService and TriggerEngine; the S3 lister is the
// in-memory bucket (no webhook lists S3; tests/ferry/e2e_triggers_test.cc polls the sandbox).
#include <gmock/gmock.h>

#include <cstdlib>

#include "api/trigger_target.h"
#include "api_fixture.h"
#include "triggers/fake_bucket.h"
#include "triggers/trigger_engine.h"

namespace ferry::api::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKey[] = "hook-k3y-value";

class TriggerRoutesTest : public ApiServerTest {
 protected:
  void SetUp() override {
    ApiServerTest::SetUp();
    ::setenv("FERRY_SECRET_TEST_HOOK", kKey, 1);
    ApplySampleConfig();
    Reply workflow = Put("/api/v1/applications/shop/workflows/basic",
                         R"({"kind":"Workflow","application":"shop","name":"basic",)"
                         R"("strategy":"basic","environment":"dev","service":"orders",)"
                         R"("steps":[{"name":"deploy","type":"deploy"}],)"
                         R"("variables":[{"name":"build","default":"none"}]})");
    ASSERT_LT(workflow.status, 300) << workflow.body;
    ASSERT_LT(
        Put("/api/v1/secrets/hook-key",
            R"({"kind":"Secret","name":"hook-key","source":"env","ref":"FERRY_SECRET_TEST_HOOK"})")
            .status,
        300);
    Reply put = Put("/api/v1/applications/shop/triggers/hook",
                    R"({"kind":"Trigger","application":"shop","name":"hook",)"
                    R"("webhook":{"type":"generic","secret":"hook-key"},"workflow":"basic",)"
                    R"("variables":{"build":"${trigger.payload.build}"}})");
    ASSERT_LT(put.status, 300) << put.body;
    workflows_ = std::make_unique<WorkflowTriggerTarget>(*store_, *deploys_);
    triggers_ = std::make_unique<triggers::TriggerEngine>(
        *store_, bucket_, *workflows_, WebhookSecretReader(*store_, SecretPolicy{}, nullptr),
        clock_, ids_, triggers::TriggerEngineOptions{});
    server_->Stop();
    auto server =
        ApiServer::Start({.host = "127.0.0.1", .port = 0, .threads = 8},
                         ApiDependencies{*store_, *deploys_, clock_, nullptr, nullptr, &changes_,
                                         nullptr, nullptr, &secret_keys_, nullptr, triggers_.get()});
    ASSERT_TRUE(server.ok()) << server.error().ToString();
    server_ = std::move(*server);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    Reply list = Get("/api/v1/triggers");
    ASSERT_EQ(list.status, 200) << list.body;
    ASSERT_EQ(list.json["items"].size(), 1u);
    hook_path_ = list.json["items"][0].value("webhookPath", "");
    ASSERT_TRUE(hook_path_.starts_with("/hooks/")) << list.body;
  }
  void TearDown() override {
    ::unsetenv("FERRY_SECRET_TEST_HOOK");
    ApiServerTest::TearDown();
  }

  Reply Hook(const std::string& body, const std::string& key = kKey,
             std::optional<std::string> ts = std::nullopt, const std::string& path = "") {
    if (!ts) {
      ts = std::to_string(
          std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch())
              .count());
    }
    httplib::Headers headers{{"X-Ferry-Timestamp", *ts},
                             {"X-Ferry-Signature", triggers::GenericSignature(key, *ts, body)}};
    return ToReply(
        client_->Post(path.empty() ? hook_path_ : path, headers, body, "application/json"));
  }
  size_t Executions() { return Get("/api/v1/executions").json["items"].size(); }

  triggers::testing::FakeBucket bucket_;
  std::unique_ptr<WorkflowTriggerTarget> workflows_;
  std::unique_ptr<triggers::TriggerEngine> triggers_;
  std::string hook_path_;
};

TEST_F(TriggerRoutesTest, AGoodSignatureStartsTheWorkflowOnceAsTheTrigger) {
  Reply started = Hook(R"({"build":"42"})");
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string id = started.json.value("execution", "");
  ASSERT_FALSE(id.empty());
  Reply execution = Get("/api/v1/executions/" + id);
  ASSERT_EQ(execution.status, 200);
  EXPECT_EQ(execution.json["actor"], "trigger:shop/hook") << execution.body;
  EXPECT_EQ(execution.json["trigger"], "trigger");
  EXPECT_EQ(execution.json["cause"]["trigger"], "shop/hook") << execution.body;
  EXPECT_EQ(execution.json["cause"]["cause"], "webhook");
  EXPECT_THAT(execution.body, Not(HasSubstr(kKey)));

  Reply replay = Hook(R"({"build":"42"})");
  EXPECT_EQ(replay.status, 200) << replay.body;
  EXPECT_THAT(replay.body, HasSubstr("replay"));
  EXPECT_EQ(Executions(), 1u);

  Reply list = Get("/api/v1/triggers?application=shop");
  ASSERT_EQ(list.status, 200);
  const Json& item = list.json["items"][0];
  EXPECT_EQ(item["type"], "webhook/generic");
  EXPECT_EQ(item["target"], "workflow basic");
  EXPECT_EQ(item["lastExecution"], id);
  EXPECT_TRUE(item["lastError"].is_null());
}

TEST_F(TriggerRoutesTest, BadMissingOrStaleSignaturesAre401AndStartNothing) {
  EXPECT_EQ(Hook(R"({"build":"1"})", "wrong-key").status, 401);
  Reply unsigned_reply = ToReply(client_->Post(hook_path_, R"({"build":"1"})", "application/json"));
  EXPECT_EQ(unsigned_reply.status, 401);
  EXPECT_THAT(unsigned_reply.body, Not(HasSubstr(kKey)));
  EXPECT_EQ(Hook(R"({"build":"1"})", kKey, "1000").status, 401);  // 1970
  EXPECT_EQ(Hook(R"({"build":"1"})", kKey, "abc").status, 401);
  EXPECT_EQ(Executions(), 0u);
}

TEST_F(TriggerRoutesTest, OversizedMalformedAndUnknownAre413_400_404) {
  EXPECT_EQ(Hook(std::string(300 * 1024, 'x')).status, 413);
  EXPECT_EQ(Hook("{\"build\":").status, 400);
  EXPECT_EQ(Hook("[]").status, 400);
  EXPECT_EQ(Hook("{}", kKey, std::nullopt, "/hooks/not-a-hook").status, 404);
  EXPECT_EQ(Hook("{}", kKey, std::nullopt, "/hooks/%2e%2e").status, 404);
  EXPECT_EQ(ToReply(client_->Get(hook_path_)).status, 404);
  // A payload field the variables name is missing: refused with the field, nothing starts.
  Reply missing = Hook(R"({"other":"x"})");
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_THAT(missing.body, HasSubstr("trigger.payload.build"));
  EXPECT_EQ(Executions(), 0u);
}

TEST_F(TriggerRoutesTest, AFreezeWindowRefusesTheRunAndIsTheTriggersLastError) {
  // FakeClock's start (2027-01-15) is inside it.
  ASSERT_LT(Put("/api/v1/freeze-windows/holidays",
                R"({"kind":"FreezeWindow","name":"holidays","timeZone":"Europe/Berlin",)"
                R"("start":"2027-01-10T00:00","end":"2027-01-20T00:00"})")
                .status,
            300);
  Reply refused = Hook(R"({"build":"7"})");
  EXPECT_EQ(refused.status, 412) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("holidays"));
  EXPECT_EQ(Executions(), 0u);
  Reply list = Get("/api/v1/triggers");
  EXPECT_THAT(list.json["items"][0]["lastError"].get<std::string>(), HasSubstr("holidays"));
  // The same delivery again is a replay, not a retry.
  EXPECT_EQ(Hook(R"({"build":"7"})").status, 200);
}

TEST_F(TriggerRoutesTest, OnlyConfigManagersSeeTheWebhookPath) {
  auto viewer = store_->tokens().Issue({"viewer", {"read"}, std::nullopt}, "test");
  ASSERT_TRUE(viewer.ok());
  Reply as_viewer = ToReply(client_->Get(
      "/api/v1/triggers", httplib::Headers{{"Authorization", "Bearer " + viewer->secret}}));
  ASSERT_EQ(as_viewer.status, 200) << as_viewer.body;
  ASSERT_EQ(as_viewer.json["items"].size(), 1u);
  EXPECT_FALSE(as_viewer.json["items"][0].contains("webhookPath"));
  EXPECT_THAT(as_viewer.body, Not(HasSubstr(hook_path_)));
  EXPECT_EQ(Get("/api/v1/triggers?application=other").json["items"].size(), 0u);
  EXPECT_EQ(Get("/api/v1/triggers?application=a%0Ab").status, 400);
  EXPECT_EQ(Get("/api/v1/triggers?bogus=1").status, 400);
}

}  // namespace
}  // namespace ferry::api::testing
