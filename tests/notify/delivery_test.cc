// Delivery through real receivers: a cpp-httplib HTTP server on 127.0.0.1 stands in for a Slack
// incoming webhook and a generic webhook receiver (it verifies the HMAC the way a receiver
// would), and Debian's python3-aiosmtpd is the SMTP server (tests/notify/smtp_sink.py). The
// outbox is a real SQLite store in a temp dir; the Notifier publishes, the OutboxSender delivers
// over the network. A FakeClock drives the outbox's retry times (not the network's timeouts), so
// retries are checked without waiting for them. The one seam: secrets come from a map here, the
// e2e test (tests/ferry/e2e_notify_test.cc) reads them through the server's real resolver.
#include "notify/delivery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "aws/local_http_server.h"
#include "common/crypto.h"
#include "common/json.h"
#include "model/enums.h"
#include "model/json_codec.h"
#include "notify/notifier.h"
#include "notify/outbox_sender.h"
#include "store/sqlite/sqlite_store.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

namespace ferry::notify {
namespace {

using aws::test_support::LocalHttpServer;
using test::ChildProcess;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSigningKey[] = "whsec-very-secret-signing-key";
constexpr char kSmtpPassword[] = "smtp-pass-word-42";
constexpr char kSlackToken[] = "T000/B000/XXXXslacktoken";

struct Received {
  std::string path;
  std::string body;
  std::map<std::string, std::string> headers;
};

// A receiver: answers each request with the next scripted status (200 once the script is used
// up), or sleeps past the client's timeout for status 0; records everything it got.
class Receiver {
 public:
  Receiver() {
    server_ = std::make_unique<LocalHttpServer>([this](httplib::Server& s) {
      s.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
        int status = 200;
        {
          std::lock_guard lock(mu_);
          Received r{req.path, req.body, {}};
          for (const auto& [k, v] : req.headers) r.headers[k] = v;
          got_.push_back(std::move(r));
          if (!script_.empty()) {
            status = script_.front();
            script_.erase(script_.begin());
          }
        }
        if (status == 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(2500));
          status = 200;
        }
        res.status = status;
        res.set_content("ok", "text/plain");
      });
    });
  }
  void Script(std::vector<int> statuses) {
    std::lock_guard lock(mu_);
    script_ = std::move(statuses);
  }
  std::vector<Received> got() {
    std::lock_guard lock(mu_);
    return got_;
  }
  std::string url() const { return server_->url(); }

 private:
  std::mutex mu_;
  std::vector<int> script_;
  std::vector<Received> got_;
  std::unique_ptr<LocalHttpServer> server_;
};

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::OpenSqliteStore({.data_dir = dir_.Sub("data")}, clock_, ids_);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    auto client = http::Client::Create();
    ASSERT_TRUE(client.ok());
    http_ = std::move(*client);
    secrets_["slack-url"] = receiver_.url() + "/services/" + kSlackToken;
    secrets_["hook-key"] = kSigningKey;
    secrets_["smtp-pass"] = kSmtpPassword;
    delivery_ = std::make_unique<NetworkDelivery>(
        *http_,
        [this](std::string_view name) -> Result<std::string> {
          auto it = secrets_.find(std::string(name));
          if (it == secrets_.end())
            return NotFound("secret " + std::string(name) + " is not defined");
          return it->second;
        },
        clock_, NetworkDeliveryOptions{.timeout = std::chrono::seconds(1)});
    OutboxSenderOptions options;
    options.owner = "test-sender";
    options.first_backoff = std::chrono::seconds(10);
    options.max_attempts = 4;
    sender_ = std::make_unique<OutboxSender>(*store_, *delivery_, clock_, ids_, options);
    notifier_ =
        std::make_unique<Notifier>(*store_, NotifierOptions{.base_url = "http://ferry.test"});
  }

  void Put(const Json& spec) {
    auto entity = model::EntityFromJson(DumpJson(spec));
    ASSERT_TRUE(entity.ok()) << entity.error().message;
    const auto kind = model::KindOf(*entity);
    store::EntityWrite w{{std::string(model::StoreKindName(kind)), "", spec["name"]},
                         model::CanonicalJson(*entity)};
    ASSERT_TRUE(store_->entities().Put(w, "test").ok());
  }
  // Application shop routing `events` to `channel`.
  void Route(const std::string& channel, const Json& events) {
    Put({{"kind", "Application"},
         {"name", "shop"},
         {"notifications", Json::array({{{"channel", channel}, {"events", events}}})}});
  }

  Event Succeeded(const std::string& id = "ex-1") {
    Event e;
    e.type = model::NotificationEvent::kExecutionSucceeded;
    e.application = "shop";
    e.service = "api";
    e.environment = "dev";
    e.execution_id = id;
    e.status = "succeeded";
    e.actor = "alice";
    e.summary = "deployment succeeded";
    e.at = clock_.Now();
    return e;
  }

  std::vector<store::NotificationRecord> Rows() {
    auto rows = store_->notifications().List({});
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? *rows : std::vector<store::NotificationRecord>{};
  }

  void ExpectNoSecretIn(const std::string& text) {
    for (const char* s : {kSigningKey, kSmtpPassword, kSlackToken}) {
      EXPECT_THAT(text, Not(HasSubstr(s)));
    }
  }

  test::TempDir dir_;
  FakeClock clock_;
  SequentialIdGenerator ids_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<http::Client> http_;
  std::map<std::string, std::string> secrets_;
  Receiver receiver_;
  std::unique_ptr<NetworkDelivery> delivery_;
  std::unique_ptr<OutboxSender> sender_;
  std::unique_ptr<Notifier> notifier_;
};

TEST_F(DeliveryTest, SlackWebhookGetsAReadableTextWithTheLinkAndOnlyOnce) {
  Put({{"kind", "NotificationChannel"}, {"name", "team"}, {"slack", {{"urlSecret", "slack-url"}}}});
  Route("team", Json::array({"execution.succeeded", "execution.rolled-back"}));
  ASSERT_EQ(notifier_->Publish(Succeeded()).value(), 1);
  ASSERT_EQ(notifier_->Publish(Succeeded()).value(), 1);  // the same event again: one row
  Event started = Succeeded();
  started.type = model::NotificationEvent::kExecutionStarted;
  EXPECT_EQ(notifier_->Publish(started).value(), 0);  // not routed
  ASSERT_EQ(sender_->RunOnce().value(), 1);
  auto got = receiver_.got();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].path, std::string("/services/") + kSlackToken);
  auto body = ParseJson(got[0].body);
  ASSERT_TRUE(body.ok());
  EXPECT_THAT((*body)["text"].get<std::string>(),
              HasSubstr("shop/api → dev: execution succeeded (by alice)"));
  EXPECT_THAT((*body)["text"].get<std::string>(),
              HasSubstr("<http://ferry.test/api/v1/executions/ex-1|execution ex-1>"));
  auto rows = Rows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, store::DeliveryStatus::kDelivered);
  EXPECT_EQ(rows[0].attempts, 1);
  EXPECT_EQ(sender_->RunOnce().value(), 0);
}

TEST_F(DeliveryTest, GenericWebhookIsSignedAndRetriedAfter500sAndTimeoutsWithBackoff) {
  Put({{"kind", "NotificationChannel"},
       {"name", "hook"},
       {"webhook", {{"url", receiver_.url() + "/ferry-events"}, {"signingSecret", "hook-key"}}}});
  Route("hook", Json::array({"execution.succeeded"}));
  receiver_.Script({500, 0});  // a 500, then a reply slower than the 1 s timeout, then 200
  ASSERT_EQ(notifier_->Publish(Succeeded()).value(), 1);
  ASSERT_EQ(sender_->RunOnce().value(), 1);
  auto row = Rows().at(0);
  EXPECT_EQ(row.status, store::DeliveryStatus::kPending);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_EQ(row.last_error, "the receiver answered HTTP 500");
  // Backoff: first wait in [5 s, 10 s] (equal jitter of 10 s); nothing is due before.
  const auto wait = row.next_attempt_at - clock_.Now();
  EXPECT_GE(wait, std::chrono::seconds(5));
  EXPECT_LE(wait, std::chrono::seconds(10));
  EXPECT_EQ(sender_->RunOnce().value(), 0);
  clock_.Advance(std::chrono::seconds(10));
  ASSERT_EQ(sender_->RunOnce().value(), 1);
  row = Rows().at(0);
  EXPECT_EQ(row.status, store::DeliveryStatus::kPending);
  EXPECT_EQ(row.last_error, "the receiver did not answer in time");
  const auto second_wait = row.next_attempt_at - clock_.Now();
  EXPECT_GE(second_wait, std::chrono::seconds(10));  // doubled
  EXPECT_LE(second_wait, std::chrono::seconds(20));
  clock_.Advance(std::chrono::seconds(20));
  ASSERT_EQ(sender_->RunOnce().value(), 1);
  row = Rows().at(0);
  EXPECT_EQ(row.status, store::DeliveryStatus::kDelivered);
  EXPECT_EQ(row.attempts, 3);

  // Every attempt carried the same body, signed with the key: verify as a receiver would.
  auto got = receiver_.got();
  ASSERT_GE(got.size(), 3u);
  for (auto& r : got) {
    EXPECT_EQ(r.path, "/ferry-events");
    EXPECT_EQ(r.headers["X-Ferry-Signature"],
              "sha256=" + HexEncode(HmacSha256(kSigningKey, r.body)));
    EXPECT_FALSE(r.headers["X-Ferry-Timestamp"].empty());
    EXPECT_EQ(r.headers["X-Ferry-Event"], "execution.succeeded");
    EXPECT_EQ(r.headers["Content-Type"], "application/json");
    ExpectNoSecretIn(r.body);
    auto event = ParseJson(r.body);
    ASSERT_TRUE(event.ok());
    EXPECT_EQ((*event)["executionId"], "ex-1");
    EXPECT_EQ((*event)["deliveryId"], row.id);
  }
}

TEST_F(DeliveryTest, ADeadReceiverIsGivenUpAfterMaxAttemptsAndA4xxAtOnce) {
  Put({{"kind", "NotificationChannel"},
       {"name", "dead"},
       {"webhook", {{"url", "http://127.0.0.1:1/x"}, {"signingSecret", "hook-key"}}}});
  Put({{"kind", "NotificationChannel"},
       {"name", "gone"},
       {"webhook", {{"url", receiver_.url() + "/gone"}, {"signingSecret", "hook-key"}}}});
  Put({{"kind", "Application"},
       {"name", "shop"},
       {"notifications",
        Json::array({{{"channel", "dead"}, {"events", {"execution.succeeded"}}},
                     {{"channel", "gone"}, {"events", {"execution.succeeded"}}}})}});
  receiver_.Script({404});
  ASSERT_EQ(notifier_->Publish(Succeeded()).value(), 2);
  for (int i = 0; i < 6; ++i) {
    (void)sender_->RunOnce();
    clock_.Advance(std::chrono::hours(1));
  }
  ASSERT_EQ(Rows().size(), 2u);
  for (const auto& row : Rows()) {
    EXPECT_EQ(row.status, store::DeliveryStatus::kFailed) << row.channel;
    if (row.channel == "dead") {
      EXPECT_EQ(row.attempts, 4);
      EXPECT_EQ(row.last_error, "gave up after 4 attempts: cannot connect to the receiver");
    } else {
      EXPECT_EQ(row.attempts, 1);
      EXPECT_EQ(row.last_error, "the receiver answered HTTP 404");
    }
  }
}

TEST_F(DeliveryTest, HostileChannelsFailClearlyWithoutLeakingTheUrl) {
  // A secret URL with another scheme is refused at delivery (configuration cannot see inside a
  // secret); a secret that does not resolve fails with its name, not a value.
  secrets_["file-url"] = std::string("file:///etc/passwd?") + kSlackToken;
  Put({{"kind", "NotificationChannel"}, {"name", "file"}, {"slack", {{"urlSecret", "file-url"}}}});
  Put({{"kind", "NotificationChannel"}, {"name", "nokey"}, {"slack", {{"urlSecret", "missing"}}}});
  Put({{"kind", "Application"},
       {"name", "shop"},
       {"notifications",
        Json::array({{{"channel", "file"}, {"events", {"execution.succeeded"}}},
                     {{"channel", "nokey"}, {"events", {"execution.succeeded"}}}})}});
  ASSERT_EQ(notifier_->Publish(Succeeded()).value(), 2);
  ASSERT_EQ(sender_->RunOnce().value(), 2);
  ASSERT_EQ(Rows().size(), 2u);
  for (const auto& row : Rows()) {
    EXPECT_EQ(row.status, store::DeliveryStatus::kFailed);
    EXPECT_EQ(row.attempts, 1);
    ExpectNoSecretIn(row.last_error);
    if (row.channel == "file") {
      EXPECT_THAT(row.last_error, HasSubstr("must be http:// or https://"));
    } else {
      EXPECT_THAT(row.last_error, HasSubstr("secret \"missing\""));
    }
  }
  EXPECT_TRUE(receiver_.got().empty());
}

class SmtpDeliveryTest : public DeliveryTest {
 protected:
  // Starts smtp_sink.py; the port, or 0 (the test fails) when it did not start.
  int StartSink(const std::vector<std::string>& auth = {}) {
    std::filesystem::create_directories(dir_.Sub("mail"));
    std::vector<std::string> args = {"/usr/bin/python3", FERRY_TEST_SMTP_SINK, dir_.Sub("mail")};
    args.insert(args.end(), auth.begin(), auth.end());
    sink_ = ChildProcess::Spawn(args);
    auto port = sink_->WaitForLine("", std::chrono::seconds(30));
    if (!port || port->empty()) {
      ADD_FAILURE() << "the SMTP sink did not start (apt-get install python3-aiosmtpd): "
                    << sink_->diagnostics();
      return 0;
    }
    return std::stoi(*port);
  }
  std::vector<std::string> Mails() {
    std::vector<std::string> out;
    std::vector<std::filesystem::path> files;
    for (const auto& f : std::filesystem::directory_iterator(dir_.Sub("mail"))) {
      if (f.path().extension() == ".eml") files.push_back(f.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      out.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
    return out;
  }
  void Channel(int port, bool auth, bool start_tls = false) {
    Json email = {{"host", "127.0.0.1"},
                  {"port", port},
                  {"startTls", start_tls},
                  {"from", "ferry@example.com"},
                  {"to", Json::array({"ops@example.com", "dev@example.com"})},
                  {"subject", "[{application}] {event} in {environment}"}};
    if (auth) {
      email["username"] = "ferry";
      email["passwordSecret"] = "smtp-pass";
    }
    Put({{"kind", "NotificationChannel"}, {"name", "mail"}, {"email", email}});
    Route("mail", Json::array({"execution.succeeded"}));
  }
  std::unique_ptr<ChildProcess> sink_;
};

TEST_F(SmtpDeliveryTest, MailArrivesWithSubjectBodyAndEnvelope) {
  const int port = StartSink();
  ASSERT_NE(port, 0);
  Channel(port, false);
  ASSERT_EQ(notifier_->Publish(Succeeded()).value(), 1);
  ASSERT_EQ(sender_->RunOnce().value(), 1);
  EXPECT_EQ(Rows().at(0).status, store::DeliveryStatus::kDelivered) << Rows().at(0).last_error;
  auto mails = Mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_THAT(mails[0], HasSubstr("X-Envelope-From: ferry@example.com"));
  EXPECT_THAT(mails[0], HasSubstr("X-Envelope-To: ops@example.com,dev@example.com"));
  EXPECT_THAT(mails[0], HasSubstr("Subject: [shop] execution.succeeded in dev\r\n"));
  EXPECT_THAT(mails[0], HasSubstr("Execution: ex-1"));
  EXPECT_THAT(mails[0], HasSubstr("Link: http://ferry.test/api/v1/executions/ex-1"));
}

TEST_F(SmtpDeliveryTest, AuthSignsInAndAWrongPasswordSendsNothingAndShowsNoPassword) {
  const int port = StartSink({"ferry", kSmtpPassword});
  ASSERT_NE(port, 0);
  Channel(port, true);
  ASSERT_EQ(notifier_->Publish(Succeeded("ex-1")).value(), 1);
  ASSERT_EQ(sender_->RunOnce().value(), 1);
  EXPECT_EQ(Rows().at(0).status, store::DeliveryStatus::kDelivered) << Rows().at(0).last_error;
  EXPECT_EQ(Mails().size(), 1u);
  secrets_["smtp-pass"] = "not-the-password";
  ASSERT_EQ(notifier_->Publish(Succeeded("ex-2")).value(), 1);
  ASSERT_EQ(sender_->RunOnce().value(), 1);
  // aiosmtpd 1.4.3 does not answer a refused AUTH PLAIN (curl then times out), so the attempt
  // counts as transient here; a server that answers 535 is given up at once ("the login was
  // refused"). Either way nothing is sent and no password is shown.
  auto row = Rows().at(0);
  EXPECT_NE(row.status, store::DeliveryStatus::kDelivered);
  EXPECT_FALSE(row.last_error.empty());
  EXPECT_THAT(row.last_error, Not(HasSubstr("not-the-password")));
  EXPECT_EQ(Mails().size(), 1u);
  ExpectNoSecretIn(row.last_error);
  ExpectNoSecretIn(sink_->output() + sink_->error_output());
}

TEST_F(SmtpDeliveryTest, StartTlsRequiredButNotOfferedIsRefusedNotSentInClear) {
  const int port = StartSink();
  ASSERT_NE(port, 0);
  Channel(port, true, /*start_tls=*/true);
  ASSERT_EQ(notifier_->Publish(Succeeded()).value(), 1);
  ASSERT_EQ(sender_->RunOnce().value(), 1);
  auto row = Rows().at(0);
  EXPECT_EQ(row.status, store::DeliveryStatus::kFailed);
  EXPECT_THAT(row.last_error, HasSubstr("STARTTLS is required"));
  EXPECT_TRUE(Mails().empty());
}

}  // namespace
}  // namespace ferry::notify
