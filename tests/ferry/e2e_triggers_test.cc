// Triggers end to end: real `ferry sandbox` and `ferry server` children, configuration over the
// REST API, objects uploaded with the AWS CLI. A new zip in the service's S3 source starts a
// deploy within the poll interval (10 s) and never a second one (also after the server is
// killed and restarted); a generic webhook with good, bad and replayed signatures; a freeze
// window refusing a triggered run; `ferry triggers` listing them. Deadlines only (no timing
// assertions).
#include <gmock/gmock.h>

#include <chrono>
#include <ctime>

#include "common/crypto.h"
#include "e2e_fixture.h"

namespace ferry::test {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr char kHookKey[] = "e2e-webhook-key-0123456789";

class TriggersE2eTest : public DeployE2eTest {
 protected:
  TriggersE2eTest() { server_options_.env["FERRY_SECRET_E2E_HOOK"] = kHookKey; }

  void ApplyTriggers() {
    Json entities = Entities({"orders"});
    entities.push_back({{"kind", "Trigger"},
                        {"application", "shop"},
                        {"name", "builds"},
                        {"newArtifact", {{"service", "api"}, {"pollInterval", "10s"}}},
                        {"workflow", "basic"}});
    entities.push_back({{"kind", "Secret"},
                        {"name", "hook-key"},
                        {"source", "env"},
                        {"ref", "FERRY_SECRET_E2E_HOOK"}});
    entities.push_back({{"kind", "Trigger"},
                        {"application", "shop"},
                        {"name", "hook"},
                        {"webhook", {{"type", "generic"}, {"secret", "hook-key"}}},
                        {"workflow", "basic"},
                        {"artifactSelection", "last-collected"},
                        {"artifactService", "api"}});
    ASSERT_NO_FATAL_FAILURE(Apply(entities));
  }

  Json Trigger(const std::string& name) {
    ApiResponse r = api_->Get("/api/v1/triggers?application=shop");
    if (r.status != 200) return Json();
    for (const Json& t : r.json["items"]) {
      if (Str(t, "name") == name) return t;
    }
    return Json();
  }

  // The executions the trigger started, oldest first.
  std::vector<Json> TriggeredExecutions(const std::string& trigger) {
    std::vector<Json> out;
    ApiResponse r = api_->Get("/api/v1/executions?application=shop");
    if (r.status != 200) return out;
    for (const Json& e : r.json["items"]) {
      if (Str(e, "actor") == "trigger:shop/" + trigger) out.insert(out.begin(), e);
    }
    return out;
  }

  // Waits (deadline, no timing assertion) until the trigger started `n` executions.
  std::vector<Json> WaitForTriggered(const std::string& trigger, size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + seconds(60);
    std::vector<Json> seen;
    while (std::chrono::steady_clock::now() < deadline) {
      seen = TriggeredExecutions(trigger);
      if (seen.size() >= n) return seen;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return seen;
  }

  // A python handler zip uploaded with the AWS CLI.
  void UploadWithCli(const std::string& key, const std::string& tag) {
    const auto work = dir_.path() / ("cli-" + tag);
    std::filesystem::create_directories(work);
    std::ofstream(work / "index.py")
        << "def handler(event, context):\n    return {'build': '" << tag << "'}\n";
    auto zipped = ChildProcess::Run({"/usr/bin/zip", "-q", "-X", "fn.zip", "index.py"},
                                    ProcessOptions{{}, work.string()});
    ASSERT_EQ(zipped.exit_code, 0) << zipped.err;
    auto env = SandboxAwsEnv();
    auto copied = ChildProcess::Run({"/usr/bin/aws", "--endpoint-url", sandbox_->url(), "s3", "cp",
                                     "fn.zip", std::string("s3://") + kBucket + "/" + key},
                                    ProcessOptions{env, work.string()}, seconds(60));
    ASSERT_EQ(copied.exit_code, 0) << copied.out << copied.err;
  }

  // POST /api/v1/artifacts for an uploaded object, with its real CodeSha256.
  void RecordArtifact(const std::string& key, const std::string& version) {
    auto object = s3_->GetObject(kBucket, key);
    ASSERT_TRUE(object.ok()) << object.error().message;
    ApiResponse recorded = api_->Post("/api/v1/artifacts",
                                      Json{{"source", "shop/api"},
                                           {"key", key},
                                           {"version", version},
                                           {"codeSha256", Base64Encode(Sha256(object->body))},
                                           {"location", {{"s3Bucket", kBucket}, {"s3Key", key}}}});
    ASSERT_EQ(recorded.status, 201) << recorded.Describe();
  }

  ApiResponse Hook(const std::string& path, const std::string& body, const std::string& key) {
    const std::string ts = std::to_string(std::time(nullptr));
    httplib::Client client(server_->url());
    auto r = client.Post(
        path,
        {{"X-Ferry-Timestamp", ts},
         {"X-Ferry-Signature", "sha256=" + HexEncode(HmacSha256(key, ts + "." + body))}},
        body, "application/json");
    ApiResponse out;
    if (!r) return out;
    out.status = r->status;
    out.body = r->body;
    auto parsed = ParseJson(r->body);
    if (parsed.ok()) out.json = *parsed;
    return out;
  }
};

TEST_F(TriggersE2eTest, ANewZipStartsOneDeployAndNeverASecondOneEvenAfterARestart) {
  ASSERT_NO_FATAL_FAILURE(ApplyTriggers());
  // The first poll records the (empty) bucket as its baseline.
  ApiResponse polled =
      api_->PollUntil("/api/v1/triggers?application=shop", [](const ApiResponse& r) {
        if (r.status != 200) return false;
        for (const Json& t : r.json["items"]) {
          if (Str(t, "name") == "builds" && t.contains("lastPollAt") &&
              !t["lastPollAt"].is_null()) {
            return true;
          }
        }
        return false;
      });
  ASSERT_EQ(polled.status, 200) << polled.Describe();

  ASSERT_NO_FATAL_FAILURE(UploadWithCli("api/api-1.zip", "one"));
  std::vector<Json> started = WaitForTriggered("builds", 1);
  ASSERT_EQ(started.size(), 1u) << "no deploy within 60 s\n" << Trigger("builds").dump();
  Json first = api_->WaitForExecution(Str(started[0], "id"));
  EXPECT_EQ(Str(first, "status"), "succeeded") << first.dump();
  EXPECT_EQ(first["cause"]["s3Key"], "api/api-1.zip") << first.dump();
  EXPECT_EQ(Str(first, "trigger"), "trigger");
  EXPECT_EQ(Routing("dev", "shop-orders-dev"), "1");

  // Killed and restarted: the object is seen again and starts nothing; a new one starts one.
  server_->KillAndRestart();
  ASSERT_TRUE(server_->ok()) << server_->diagnostics();
  api_ = std::make_unique<ApiClient>(server_->url(), server_->token());
  ASSERT_NO_FATAL_FAILURE(UploadWithCli("api/api-2.zip", "two"));
  started = WaitForTriggered("builds", 2);
  ASSERT_EQ(started.size(), 2u);
  Json second = api_->WaitForExecution(Str(started[1], "id"));
  EXPECT_EQ(second["cause"]["s3Key"], "api/api-2.zip");
  // Another full poll interval and more: still two.
  const auto until = std::chrono::steady_clock::now() + seconds(12);
  while (std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_EQ(TriggeredExecutions("builds").size(), 2u);

  // ferry triggers shows them.
  auto listed = ChildProcess::Run(
      {"triggers", "shop", "--server", server_->url(), "--token", server_->token()}, {},
      seconds(30));
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("shop/builds\tnewArtifact\tworkflow basic\tyes"));
  EXPECT_THAT(listed.out, HasSubstr("shop/hook\twebhook/generic"));
  EXPECT_THAT(listed.out, HasSubstr("webhook: " + server_->url() + "/hooks/"));
}

TEST_F(TriggersE2eTest, AGenericWebhookStartsOnceRefusesBadAndReplayedSignatures) {
  ASSERT_NO_FATAL_FAILURE(ApplyTriggers());
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-7.zip", "seven"));
  ASSERT_NO_FATAL_FAILURE(RecordArtifact("api/api-7.zip", "7"));
  Json hook = Trigger("hook");
  const std::string path = Str(hook, "webhookPath");
  ASSERT_TRUE(path.starts_with("/hooks/")) << hook.dump();

  EXPECT_EQ(Hook(path, R"({"a":1})", "wrong-key").status, 401);
  EXPECT_EQ(Hook("/hooks/nope", R"({"a":1})", kHookKey).status, 404);
  const std::string body = R"({"a":1})";
  const std::string ts = std::to_string(std::time(nullptr));
  httplib::Client client(server_->url());
  httplib::Headers signed_headers{
      {"X-Ferry-Timestamp", ts},
      {"X-Ferry-Signature", "sha256=" + HexEncode(HmacSha256(kHookKey, ts + "." + body))}};
  auto good = client.Post(path, signed_headers, body, "application/json");
  ASSERT_TRUE(good);
  ASSERT_EQ(good->status, 202) << good->body;
  auto replay = client.Post(path, signed_headers, body, "application/json");
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->status, 200);
  EXPECT_THAT(replay->body, HasSubstr("replay"));
  std::vector<Json> started = WaitForTriggered("hook", 1);
  ASSERT_EQ(started.size(), 1u);
  Json done = api_->WaitForExecution(Str(started[0], "id"));
  EXPECT_EQ(Str(done, "status"), "succeeded") << done.dump();
  EXPECT_EQ(TriggeredExecutions("hook").size(), 1u);
}

TEST_F(TriggersE2eTest, AFreezeWindowRefusesATriggeredRunAndIsItsLastError) {
  ASSERT_NO_FATAL_FAILURE(ApplyTriggers());
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-8.zip", "eight"));
  ASSERT_NO_FATAL_FAILURE(RecordArtifact("api/api-8.zip", "8"));
  // A window around now (UTC wall clock).
  auto local = [](std::time_t t) {
    char buf[32];
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M", &tm);
    return std::string(buf);
  };
  const std::time_t now = std::time(nullptr);
  ApiResponse put =
      api_->Put("/api/v1/freeze-windows/release-freeze", Json{{"kind", "FreezeWindow"},
                                                              {"name", "release-freeze"},
                                                              {"timeZone", "UTC"},
                                                              {"start", local(now - 3600)},
                                                              {"end", local(now + 3600)}});
  ASSERT_LT(put.status, 300) << put.Describe();
  const std::string path = Str(Trigger("hook"), "webhookPath");
  ApiResponse refused = Hook(path, R"({"b":2})", kHookKey);
  EXPECT_EQ(refused.status, 412) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("release-freeze"));
  EXPECT_THAT(Str(Trigger("hook"), "lastError"), HasSubstr("release-freeze"));
  EXPECT_TRUE(TriggeredExecutions("hook").empty());
}

}  // namespace
}  // namespace ferry::test
