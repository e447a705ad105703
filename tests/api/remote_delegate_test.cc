// A remote delegate's transport (delegate/remote/http_transport.h) against a real ApiServer over
// SQLite: the DelegateAgent claims, logs and reports over HTTP exactly as `ferry delegate` does,
// a result outlives a server outage, and refusals come back as the protocol's errors. The task
// handler is a test one (the handler is not the subject here; the e2e suite runs the Lambda one).
#include <gmock/gmock.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "api_fixture.h"
#include "delegate/protocol/agent.h"
#include "delegate/remote/http_transport.h"

namespace ferry::api::testing {
namespace {

using ::testing::HasSubstr;

class EchoHandler final : public delegate::TaskHandler {
 public:
  delegate::TaskResult Run(const delegate::TaskAssignment& a,
                           delegate::TaskContext& context) override {
    context.Log(delegate::TaskLogLevel::kInfo, "echoing " + a.task_id);
    return {true, a.payload_json, ""};
  }
};

class RemoteDelegateTest : public ApiServerTest {
 protected:
  void SetUp() override {
    ApiServerTest::SetUp();
    auto issued = store_->tokens().Issue({"remote", {"delegate"}, std::nullopt}, "test");
    ASSERT_TRUE(issued.ok());
    delegate_token_ = issued->secret;
  }

  std::unique_ptr<delegate::HttpTaskTransport> Transport(const std::string& token,
                                                         Clock& clock = SystemClock::Instance()) {
    delegate::HttpTransportOptions options;
    options.server_url = "http://127.0.0.1:" + std::to_string(server_->port());
    options.token = token;
    options.name = "unit";
    options.version = "1.2.3";
    options.claim_wait = std::chrono::seconds(1);
    options.min_backoff = std::chrono::milliseconds(20);
    options.max_backoff = std::chrono::milliseconds(100);
    auto transport = delegate::HttpTaskTransport::Create(options, clock);
    EXPECT_TRUE(transport.ok()) << transport.error().ToString();
    return transport.ok() ? std::move(*transport) : nullptr;
  }

  store::TaskRecord Enqueue(const std::string& key) {
    store::NewTask task;
    task.kind = "test.echo";
    task.payload_json = R"({"n":1})";
    task.idempotency_key = key;
    auto enqueued = store_->tasks().Enqueue(task);
    EXPECT_TRUE(enqueued.ok());
    return enqueued.ok() ? enqueued->task : store::TaskRecord{};
  }

  // Until the registry lists a delegate of that name (its claim arrived).
  bool WaitForDelegate(const std::string& name) {
    for (int i = 0; i < 500; ++i) {
      auto all = delegates_->List();
      if (all.ok()) {
        for (const auto& d : *all) {
          if (d.name == name) return true;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  std::string delegate_token_;
};

TEST_F(RemoteDelegateTest, TheAgentRunsATaskOverHttp) {
  const store::TaskRecord task = Enqueue("k");
  auto transport = Transport(delegate_token_);
  ASSERT_NE(transport, nullptr);
  EchoHandler echo;
  delegate::AgentOptions options;
  options.delegate_id = "remote-unit-1";
  options.lease = std::chrono::seconds(30);
  options.heartbeat = std::chrono::seconds(10);
  delegate::DelegateAgent agent(*transport, SystemClock::Instance(), options);
  agent.Register("test.echo", echo);
  auto ran = agent.RunOne();
  ASSERT_TRUE(ran.ok()) << ran.error().ToString();
  EXPECT_TRUE(*ran);
  auto stored = store_->tasks().Get(task.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status, store::TaskStatus::kSucceeded);
  EXPECT_EQ(stored->result_json.value_or(""), R"({"n":1})");
  EXPECT_EQ(stored->lease_owner.value_or(""), "remote-unit-1");

  // Nothing left: the held claim ends empty after its wait.
  auto none = transport->ClaimNext("remote-unit-1", {}, std::chrono::seconds(30));
  ASSERT_TRUE(none.ok()) << none.error().ToString();
  EXPECT_FALSE(none->has_value());
  Reply listed = Get("/api/v1/delegates");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.json["items"][0]["name"], "unit");
  EXPECT_EQ(listed.json["items"][0]["version"], "1.2.3");
}

TEST_F(RemoteDelegateTest, AResultIsRetriedThroughAServerOutageAndLandsOnce) {
  const store::TaskRecord task = Enqueue("k");
  // The transport's backoff sleeps on this clock: the test sees the reporter waiting and lets it
  // go once the server is back.
  FakeClock backoff;
  auto transport = Transport(delegate_token_, backoff);
  ASSERT_NE(transport, nullptr);
  auto claimed = transport->ClaimNext("remote-unit-1", {}, std::chrono::seconds(30));
  ASSERT_TRUE(claimed.ok() && claimed->has_value());

  const int port = server_->port();
  server_->Stop();
  Status completed = Ok();
  std::thread reporter([&] {
    completed = transport->Complete(**claimed, {true, R"({"done":true})", ""});
  });
  // While the server is away the result waits (retried with backoff); it is not lost.
  for (int i = 0; i < 1000 && backoff.sleepers() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(backoff.sleepers(), 1) << "the reporter never backed off";
  ApiServerOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  options.threads = 8;
  std::unique_ptr<ApiServer> again;
  for (int i = 0; i < 100 && !again; ++i) {
    auto started = ApiServer::Start(options, ApiDependencies{*store_,
                                                             *deploys_,
                                                             clock_,
                                                             {},
                                                             {},
                                                             &changes_,
                                                             delegate_tasks_.get(),
                                                             delegates_.get()});
    if (started.ok())
      again = std::move(*started);
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(again, nullptr);
  backoff.Advance(std::chrono::milliseconds(20));  // the first backoff: the retry finds the server
  reporter.join();
  EXPECT_TRUE(completed.ok()) << completed.error().ToString();
  auto stored = store_->tasks().Get(task.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status, store::TaskStatus::kSucceeded);
  // A second report of the same result changes nothing and says why.
  Status twice = transport->Complete(**claimed, {false, "{}", "late"});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->tasks().Get(task.id)->result_json.value_or(""), R"({"done":true})");
  again->Stop();
}

TEST_F(RemoteDelegateTest, RefusalsComeBackAsTheProtocolsErrorsWithoutTheToken) {
  const store::TaskRecord task = Enqueue("k");
  auto transport = Transport(delegate_token_);
  ASSERT_NE(transport, nullptr);
  auto claimed = transport->ClaimNext("remote-unit-1", {}, std::chrono::seconds(30));
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  delegate::TaskAssignment stale = **claimed;
  stale.attempt += 1;
  Status lost = transport->Heartbeat(stale, std::chrono::seconds(30));
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, ErrorCode::kFailedPrecondition);  // the agent stops the task

  auto admin = Transport(token_);  // an admin token is not a delegate token
  ASSERT_NE(admin, nullptr);
  Status refused = admin->Heartbeat(**claimed, std::chrono::seconds(30));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  EXPECT_THAT(refused.error().message, ::testing::Not(HasSubstr(token_)));

  for (const char* bad : {"", "ftp://x", "http://", "http://host/path", "http://a b"}) {
    delegate::HttpTransportOptions options;
    options.server_url = bad;
    options.token = "fry_x";
    options.name = "n";
    auto created = delegate::HttpTaskTransport::Create(options, SystemClock::Instance());
    ASSERT_FALSE(created.ok()) << bad;
    EXPECT_EQ(created.error().code, ErrorCode::kInvalidArgument);
  }
  ASSERT_TRUE(store_->tokens().Revoke("remote", "test").ok());
  auto revoked = transport->ClaimNext("remote-unit-1", {}, std::chrono::seconds(30));
  ASSERT_FALSE(revoked.ok());
  EXPECT_EQ(revoked.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(revoked.error().message, HasSubstr("ferry delegate-token create"));
  EXPECT_THAT(revoked.error().message, ::testing::Not(HasSubstr(delegate_token_)));
  auto fresh = store_->tokens().Issue({"remote-2", {"delegate"}, std::nullopt}, "test");
  ASSERT_TRUE(fresh.ok());
  transport = Transport(fresh->secret);
  ASSERT_NE(transport, nullptr);
  auto secret = transport->ResolveSecret("nope");
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.error().code, ErrorCode::kNotFound);
}

TEST_F(RemoteDelegateTest, ShutdownEndsAHeldClaimButNotAResult) {
  auto transport = Transport(delegate_token_);
  ASSERT_NE(transport, nullptr);
  const store::TaskRecord task = Enqueue("k");
  auto claimed = transport->ClaimNext("remote-unit-1", {}, std::chrono::seconds(30));
  ASSERT_TRUE(claimed.ok() && claimed->has_value());

  delegate::HttpTransportOptions options;
  options.server_url = "http://127.0.0.1:" + std::to_string(server_->port());
  // A delegate token registers one name: the "held" delegate has its own.
  auto held_token = store_->tokens().Issue({"remote-held", {"delegate"}, std::nullopt}, "test");
  ASSERT_TRUE(held_token.ok());
  options.token = held_token->secret;
  options.name = "held";
  options.claim_wait = std::chrono::seconds(20);  // nothing is claimable: the server holds it
  auto held = delegate::HttpTaskTransport::Create(options, SystemClock::Instance());
  ASSERT_TRUE(held.ok());
  Result<std::optional<delegate::TaskAssignment>> outcome =
      std::optional<delegate::TaskAssignment>();
  std::thread claimer(
      [&] { outcome = (*held)->ClaimNext("remote-held-1", {}, std::chrono::seconds(30)); });
  ASSERT_TRUE(WaitForDelegate("held"));
  (*held)->Shutdown();
  claimer.join();
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, ErrorCode::kCancelled);

  transport->Shutdown();  // a running task's result still goes
  EXPECT_TRUE(transport->Complete(**claimed, {true, "{}", ""}).ok());
  EXPECT_EQ(store_->tasks().Get(task.id)->status, store::TaskStatus::kSucceeded);
}

TEST_F(RemoteDelegateTest, TlsFilesThatCannotServeAreRefusedAtStart) {
  const std::string garbage = dir_->Sub("garbage.pem");
  std::filesystem::remove_all(garbage);
  { std::ofstream(garbage) << "-----BEGIN CERTIFICATE-----\nnot base64 at all\n"; }
  const std::vector<std::pair<std::string, std::string>> bad = {
      {garbage, ""}, {"", garbage}, {dir_->Sub("missing.pem"), garbage}, {garbage, garbage}};
  for (const auto& [cert, key] : bad) {
    ApiServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.tls_cert_file = cert;
    options.tls_key_file = key;
    auto started = ApiServer::Start(options, ApiDependencies{*store_, *deploys_, clock_});
    ASSERT_FALSE(started.ok()) << cert << " " << key;
    EXPECT_EQ(started.error().code, ErrorCode::kInvalidArgument) << started.error().message;
  }
}

}  // namespace
}  // namespace ferry::api::testing
