// notify's pure parts: the event codec and delivery keys, Slack bodies (escaping), the signed
// webhook body, e-mail messages against header injection and oversized input, and the backoff.
#include "notify/message.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/crypto.h"
#include "common/json.h"
#include "notify/event.h"

namespace ferry::notify {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Event Sample() {
  Event e;
  e.type = model::NotificationEvent::kExecutionRolledBack;
  e.application = "shop";
  e.service = "api";
  e.environment = "prod";
  e.environment_type = model::EnvironmentType::kProduction;
  e.execution_id = "ex-1";
  e.status = "rolled_back";
  e.actor = "token:ci";
  e.summary = "deployment rolled back: verify: Errors rose";
  e.url = "http://ferry.example/api/v1/executions/ex-1";
  e.at = TimePoint(std::chrono::seconds(1'800'000'000));
  return e;
}

TEST(NotifyEventTest, RoundTripsThroughJsonAndRefusesForeignDocuments) {
  const Event e = Sample();
  auto back = EventFromJson(EventJson(e));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->type, e.type);
  EXPECT_EQ(back->execution_id, "ex-1");
  EXPECT_EQ(back->environment_type, model::EnvironmentType::kProduction);
  EXPECT_EQ(back->at, e.at);
  EXPECT_EQ(EventJson(e)["type"], "execution.rolled-back");
  EXPECT_FALSE(EventFromJson(Json::array()).ok());
  EXPECT_FALSE(EventFromJson(Json{{"type", "execution.exploded"}}).ok());
  EXPECT_FALSE(EventFromJson(Json{{"type", "execution.started"}}).ok());  // no time
  EXPECT_EQ(DeliveryKey(e, "ops"), "execution.rolled-back/ex-1/ops");
  Event refused = e;
  refused.execution_id.clear();
  EXPECT_THAT(DeliveryKey(refused, "ops"), HasSubstr("shop@"));
}

TEST(NotifyMessageTest, SlackBodyIsReadableLinksTheExecutionAndEscapesEventText) {
  Event e = Sample();
  e.summary = "<!channel> & <http://evil|click>";
  auto body = ParseJson(SlackBody(e));
  ASSERT_TRUE(body.ok());
  const std::string text = (*body)["text"];
  EXPECT_THAT(text, HasSubstr("shop/api → prod: execution rolled back (by token:ci)"));
  EXPECT_THAT(text, HasSubstr("&lt;!channel&gt; &amp; &lt;http://evil|click&gt;"));
  EXPECT_THAT(text, HasSubstr("<http://ferry.example/api/v1/executions/ex-1|execution ex-1>"));
  EXPECT_THAT(text, Not(HasSubstr("<!channel>")));
  EXPECT_EQ(body->size(), 1u);
}

TEST(NotifyMessageTest, WebhookBodyIsTheEventSignedWithHmacSha256) {
  const Event e = Sample();
  const std::string body = WebhookBody(e, "d-1");
  auto parsed = ParseJson(body);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ((*parsed)["type"], "execution.rolled-back");
  EXPECT_EQ((*parsed)["deliveryId"], "d-1");
  auto headers = WebhookHeaders(e, "d-1", body, "k3y", TimePoint(std::chrono::seconds(1700)));
  std::map<std::string, std::string> h(headers.begin(), headers.end());
  EXPECT_EQ(h["X-Ferry-Signature"], "sha256=" + HexEncode(HmacSha256("k3y", body)));
  EXPECT_EQ(h["X-Ferry-Timestamp"], "1700");
  EXPECT_EQ(h["X-Ferry-Event"], "execution.rolled-back");
  for (const auto& [name, value] : headers) EXPECT_THAT(value, Not(HasSubstr("k3y")));
}

TEST(NotifyMessageTest, EmailHeadersCannotBeInjectedThroughEventsOrAddresses) {
  model::EmailChannel channel;
  channel.host = "mail";
  channel.from = "ferry@example.com";
  channel.to = {"ops@example.com", "dev@example.com"};
  Event e = Sample();
  e.application = "shop\r\nBcc: victim@example.com";
  e.summary = "line one\r\nBcc: x@example.com\nline three";
  auto data = EmailData(channel, e, "d-1", e.at);
  ASSERT_TRUE(data.ok()) << data.error().message;
  const std::string head = data->substr(0, data->find("\r\n\r\n"));
  EXPECT_THAT(head, Not(HasSubstr("Bcc")));
  EXPECT_THAT(head, HasSubstr("To: ops@example.com, dev@example.com\r\n"));
  EXPECT_THAT(head, HasSubstr("Subject: =?UTF-8?B?"));  // the arrow is not ASCII
  const std::string subject = EmailSubject(channel, e);
  EXPECT_THAT(subject, HasSubstr("[ferry] shop  Bcc: victim@example.com/api → prod"));
  EXPECT_EQ(subject.find_first_of("\r\n"), std::string::npos);
  const std::string body = data->substr(data->find("\r\n\r\n") + 4);
  // In the body a line break is only a line break (CR dropped, CRLF line ends).
  EXPECT_THAT(body, HasSubstr("line one \r\nBcc: x@example.com\r\nline three\r\n"));
  EXPECT_THAT(body, HasSubstr("Link: http://ferry.example/api/v1/executions/ex-1"));

  channel.to = {"ops@example.com\r\nBcc: victim@example.com"};
  EXPECT_EQ(EmailData(channel, Sample(), "d-1", e.at).error().code, ErrorCode::kInvalidArgument);
  channel.to = {"a@example.com, b@example.com"};
  EXPECT_FALSE(EmailData(channel, Sample(), "d-1", e.at).ok());
  channel.to = {"ops@example.com"};
  channel.from = "Ferry <ferry@example.com>";
  EXPECT_FALSE(EmailData(channel, Sample(), "d-1", e.at).ok());
}

TEST(NotifyMessageTest, SubjectTemplatesAreFilledBoundedAndNonAsciiIsEncoded) {
  model::EmailChannel channel;
  channel.from = "ferry@example.com";
  channel.to = {"ops@example.com"};
  channel.subject = "{application}/{environment}: {event} ({status}) {unknown}";
  EXPECT_EQ(EmailSubject(channel, Sample()),
            "shop/prod: execution.rolled-back (rolled_back) {unknown}");
  // A template that grows past the bound (each placeholder can expand) is cut.
  channel.subject = std::string(50, 'x') + "{application}{application}{application}";
  Event e = Sample();
  e.application = std::string(63, 'a');
  EXPECT_LE(EmailSubject(channel, e).size(), 200u + 3);
  channel.subject = "Déploiement {application}";
  auto data = EmailData(channel, Sample(), "d-1", Sample().at);
  ASSERT_TRUE(data.ok());
  EXPECT_THAT(*data, HasSubstr("Subject: =?UTF-8?B?"));
  // A huge summary is cut, not sent whole.
  e = Sample();
  e.summary = std::string(100000, 's');
  EXPECT_LT(EmailData(channel, e, "d-1", e.at)->size(), 6000u);
  EXPECT_LT(SlackBody(e).size(), 6000u);
  EXPECT_LT(WebhookBody(e, "d").size(), 6000u);
}

}  // namespace
}  // namespace ferry::notify
