// Webhook authentication and payloads: generic HMAC over timestamp and body with a 5-minute
// window, GitHub's X-Hub-Signature-256 with its delivery id and branch filter, limits on size,
// malformed and hostile bodies, and payload fields as bounded variables.
#include "triggers/webhook.h"

#include <gmock/gmock.h>

#include "common/crypto.h"

namespace ferry::triggers {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const TimePoint kNow = TimePoint(std::chrono::seconds(1'800'000'000));
const std::string kKey = "s3cr3t-key";

WebhookRequest Generic(const std::string& body, TimePoint sent = kNow,
                       const std::string& key = kKey) {
  const std::string ts = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(sent.time_since_epoch()).count());
  return {{{"x-ferry-timestamp", ts}, {"x-ferry-signature", GenericSignature(key, ts, body)}},
          body};
}

WebhookRequest Github(const std::string& body, const std::string& event = "push") {
  return {{{"x-hub-signature-256", "sha256=" + HexEncode(HmacSha256(kKey, body))},
           {"x-github-delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
           {"x-github-event", event}},
          body};
}

const model::WebhookCondition kGeneric{model::WebhookType::kGeneric, "hook", std::nullopt};
const model::WebhookCondition kGithubMain{model::WebhookType::kGithubPush, "gh", "main"};

TEST(WebhookTest, AGoodGenericSignatureIsAcceptedAndItsSignatureIsTheFireKey) {
  auto v = VerifyWebhook(kGeneric, kKey, Generic(R"({"build": 7})"), kNow);
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  EXPECT_TRUE(v->start);
  EXPECT_TRUE(v->fire_key.starts_with("generic:"));
  EXPECT_EQ(v->payload.at("trigger.payload.build"), "7");
  // The same request again has the same fire key: the store's claim refuses the replay.
  EXPECT_EQ(VerifyWebhook(kGeneric, kKey, Generic(R"({"build": 7})"), kNow)->fire_key, v->fire_key);
}

TEST(WebhookTest, BadMissingStaleOrFutureSignaturesAre401) {
  auto code = [](const WebhookRequest& r) {
    auto v = VerifyWebhook(kGeneric, kKey, r, kNow);
    return v.ok() ? std::optional<ErrorCode>() : std::optional<ErrorCode>(v.error().code);
  };
  EXPECT_EQ(code(Generic("{}", kNow, "other-key")), ErrorCode::kUnauthenticated);
  WebhookRequest tampered = Generic(R"({"a":1})");
  tampered.body = R"({"a":2})";
  EXPECT_EQ(code(tampered), ErrorCode::kUnauthenticated);
  WebhookRequest retimed = Generic("{}");
  retimed.headers["x-ferry-timestamp"] = "1800000001";
  EXPECT_EQ(code(retimed), ErrorCode::kUnauthenticated);
  EXPECT_EQ(code({{}, "{}"}), ErrorCode::kUnauthenticated);
  EXPECT_EQ(code(Generic("{}", kNow - std::chrono::minutes(6))), ErrorCode::kUnauthenticated);
  EXPECT_EQ(code(Generic("{}", kNow + std::chrono::minutes(6))), ErrorCode::kUnauthenticated);
  EXPECT_EQ(code(Generic("{}", kNow - std::chrono::minutes(4))), std::nullopt);
  WebhookRequest garbage = Generic("{}");
  garbage.headers["x-ferry-signature"] = "sha256=" + std::string(64, 'z');
  EXPECT_EQ(code(garbage), ErrorCode::kUnauthenticated);
  garbage.headers["x-ferry-signature"] = std::string(10'000, 'a');
  EXPECT_EQ(code(garbage), ErrorCode::kUnauthenticated);
  // A signed but absurd timestamp is refused, not parsed into an overflow.
  WebhookRequest huge = Generic("{}");
  huge.headers["x-ferry-timestamp"] = "99999999999999999999";
  huge.headers["x-ferry-signature"] = GenericSignature(kKey, "99999999999999999999", "{}");
  EXPECT_EQ(code(huge), ErrorCode::kUnauthenticated);
  // No message echoes the signature or the key.
  auto v = VerifyWebhook(kGeneric, kKey, Generic("{}", kNow, "other-key"), kNow);
  EXPECT_THAT(v.error().message, Not(HasSubstr(kKey)));
  EXPECT_THAT(v.error().message, Not(HasSubstr("sha256=")));
}

TEST(WebhookTest, OversizedBodiesAre413AndMalformedJsonIs400AfterTheSignature) {
  const std::string big(kMaxWebhookBodyBytes + 1, ' ');
  EXPECT_EQ(VerifyWebhook(kGeneric, kKey, Generic(big), kNow).error().code,
            ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(VerifyWebhook(kGeneric, kKey, Generic("{not json"), kNow).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(VerifyWebhook(kGeneric, kKey, Generic("[1,2]"), kNow).error().code,
            ErrorCode::kInvalidArgument);
  // Unsigned garbage is 401, not 400: an unauthenticated caller learns nothing.
  WebhookRequest unsigned_garbage{{}, "{not json"};
  EXPECT_EQ(VerifyWebhook(kGeneric, kKey, unsigned_garbage, kNow).error().code,
            ErrorCode::kUnauthenticated);
  const std::string deep = std::string(10'000, '[') + std::string(10'000, ']');
  EXPECT_EQ(VerifyWebhook(kGeneric, kKey, Generic(deep), kNow).error().code,
            ErrorCode::kInvalidArgument);
}

TEST(WebhookTest, GithubPushChecksItsSignatureDeliveryAndBranch) {
  const std::string push = R"({"ref":"refs/heads/main","head_commit":{"id":"abc123"}})";
  auto v = VerifyWebhook(kGithubMain, kKey, Github(push), kNow);
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  EXPECT_TRUE(v->start);
  EXPECT_EQ(v->fire_key, "github:72d3162e-cc78-11e3-81ab-4c9367dc0958");
  EXPECT_EQ(v->payload.at("trigger.payload.head_commit.id"), "abc123");

  auto other = VerifyWebhook(kGithubMain, kKey,
                             Github(R"({"ref":"refs/heads/feature","head_commit":{}})"), kNow);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->start);
  EXPECT_THAT(other->reason, HasSubstr("branch main"));
  auto ping = VerifyWebhook(kGithubMain, kKey, Github(R"({"zen":"x"})", "ping"), kNow);
  ASSERT_TRUE(ping.ok());
  EXPECT_FALSE(ping->start);

  WebhookRequest bad = Github(push);
  bad.headers["x-hub-signature-256"] = "sha256=" + HexEncode(HmacSha256("nope", push));
  EXPECT_EQ(VerifyWebhook(kGithubMain, kKey, bad, kNow).error().code, ErrorCode::kUnauthenticated);
  WebhookRequest no_delivery = Github(push);
  no_delivery.headers.erase("x-github-delivery");
  EXPECT_EQ(VerifyWebhook(kGithubMain, kKey, no_delivery, kNow).error().code,
            ErrorCode::kUnauthenticated);
  WebhookRequest hostile_delivery = Github(push);
  hostile_delivery.headers["x-github-delivery"] = "../../etc/passwd";
  EXPECT_EQ(VerifyWebhook(kGithubMain, kKey, hostile_delivery, kNow).error().code,
            ErrorCode::kUnauthenticated);
}

TEST(WebhookTest, PayloadVariablesAreBoundedScalars) {
  std::string deep = R"({"a":)";
  for (int i = 0; i < 20; ++i) deep += R"({"b":)";
  deep += "1" + std::string(21, '}');
  EXPECT_TRUE(PayloadVariables(deep).empty());  // deeper than 8 levels
  std::string many = "{";
  for (int i = 0; i < 500; ++i) many += (i ? "," : "") + ("\"k" + std::to_string(i) + "\":1");
  many += "}";
  EXPECT_EQ(PayloadVariables(many).size(), 200u);
  auto vars = PayloadVariables(
      R"({"ok":"v","n":1.5,"b":true,"nil":null,"list":[1,2],"long":")" + std::string(2000, 'x') +
      R"(","smuggle":"${secrets.db}","ctl":"a\nb","bad name":"x","../x":"y"})");
  EXPECT_EQ(vars.size(), 3u);
  EXPECT_EQ(vars.at("trigger.payload.ok"), "v");
  EXPECT_EQ(vars.at("trigger.payload.n"), "1.5");
  EXPECT_EQ(vars.at("trigger.payload.b"), "true");
  EXPECT_TRUE(PayloadVariables("not json").empty());
}

TEST(WebhookTest, TriggerVariablesRenderPayloadFieldsAndRefuseUnknownOnes) {
  std::map<std::string, std::string> payload{{"trigger.payload.head_commit.id", "abc"}};
  auto r = RenderTriggerVariables({{"commit", "${trigger.payload.head_commit.id}"},
                                   {"who", "${trigger.name}-x"},
                                   {"env", "dev"},
                                   {"kept", "${workflow.variables.env}"}},
                                  "github-main", payload);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->at("commit"), "abc");
  EXPECT_EQ(r->at("who"), "github-main-x");
  EXPECT_EQ(r->at("env"), "dev");
  EXPECT_EQ(r->at("kept"), "${workflow.variables.env}");
  auto missing = RenderTriggerVariables({{"c", "${trigger.payload.nope}"}}, "t", payload);
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(missing.error().message, HasSubstr("trigger.payload.nope"));
}

}  // namespace
}  // namespace ferry::triggers
