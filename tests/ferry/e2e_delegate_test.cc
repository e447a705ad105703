// Remote delegates end to end: a real `ferry server --no-embedded-delegate`, real `ferry delegate`
// processes connecting to it over HTTP, and a real `ferry sandbox` they deploy to (each a child
// process). Nothing is mocked.
#include <gmock/gmock.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "e2e_fixture.h"

namespace ferry::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class DelegateE2eTest : public DeployE2eTest {
 protected:
  DelegateE2eTest() { server_options_.extra_args = {"--no-embedded-delegate"}; }

  void SetUp() override {
    DeployE2eTest::SetUp();
    if (HasFatalFailure()) return;
    auto created =
        ChildProcess::Run({"delegate-token", "create", "remote", "--data", server_->data_dir()});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    delegate_token_ = created.out.substr(0, created.out.find('\n'));
    ASSERT_THAT(delegate_token_, ::testing::StartsWith("fry_"));
  }

  void TearDown() override {
    if (HasFailure()) {
      for (const auto& [name, child] : delegates_) {
        std::cerr << "ferry delegate " << name << ":\n" << child->diagnostics() << "\n";
      }
    }
    DeployE2eTest::TearDown();
  }

  // `ferry delegate --name NAME` with a short lease (so a vanished delegate's task is taken over
  // within seconds) and the sandbox's credentials in its environment (its machine's chain).
  ChildProcess& StartDelegate(const std::string& name, const std::string& selectors = "",
                              const std::map<std::string, std::string>& extra_env = {}) {
    std::vector<std::string> args = {"delegate", "--server", server_->url(), "--name", name,
                                     "--lease",  "3s",       "--heartbeat",  "1s"};
    if (!selectors.empty()) {
      args.push_back("--selectors");
      args.push_back(selectors);
    }
    auto env = SandboxAwsEnv();
    env["FERRY_DELEGATE_TOKEN"] = delegate_token_;  // not on the command line
    for (const auto& [k, v] : extra_env) env[k] = v;
    auto child = ChildProcess::Spawn(args, ProcessOptions{env, ""});
    EXPECT_TRUE(child->WaitForLine("ferry delegate " + name + " connecting to ").has_value())
        << child->diagnostics();
    ChildProcess& out = *child;
    delegates_[name] = std::move(child);
    EXPECT_TRUE(WaitFor([&] { return Delegate(name).value("alive", false); }))
        << "delegate " << name << " never showed up in GET /api/v1/delegates";
    return out;
  }

  // GET /api/v1/delegates.
  Json Delegates() {
    ApiResponse r = api_->Get("/api/v1/delegates");
    EXPECT_EQ(r.status, 200) << r.Describe();
    return r.json;
  }
  Json Delegate(const std::string& name) {
    Json all = Delegates();
    if (!all.contains("items")) return Json::object();
    for (const Json& d : all["items"]) {
      if (Str(d, "name") == name) return d;
    }
    return Json::object();
  }

  // Polls `condition` (a read of the server) until it holds or 60 s pass.
  template <typename F>
  static bool WaitFor(F condition) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (condition()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // Entities({"orders"}) whose cloud provider requires `selectors` of a delegate.
  Json EntitiesRequiring(const std::vector<std::string>& selectors) {
    Json entities = Entities({"orders"});
    for (Json& e : entities) {
      if (Str(e, "kind") == "CloudProvider") e["delegateSelectors"] = selectors;
    }
    return entities;
  }

  // `ferry delegates` against the server.
  ChildProcess::Outcome FerryDelegates(const std::string& token) {
    return ChildProcess::Run({"delegates", "--server", server_->url(), "--token", token});
  }

  std::string delegate_token_;
  std::map<std::string, std::unique_ptr<ChildProcess>> delegates_;
};

TEST_F(DelegateE2eTest, ADeployRunsOnARemoteDelegateAndIsListed) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders"})));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  StartDelegate("d1", "team:shop");
  Json e = Deploy("api/api-1.zip");
  ASSERT_EQ(Str(e, "status"), "succeeded") << Errors(e) << Logs(Str(e, "id"));
  EXPECT_EQ(InvokeBuild("shop-orders-dev"), "b1");

  // The deploy's log lines came from the remote delegate (its lease owner is "remote-d1-...").
  ApiResponse logs = api_->Get("/api/v1/executions/" + Str(e, "id") + "/logs?limit=1000");
  ASSERT_EQ(logs.status, 200) << logs.Describe();
  std::set<std::string> sources;
  for (const Json& line : logs.json["items"]) sources.insert(Str(line, "source"));
  EXPECT_TRUE(std::any_of(sources.begin(), sources.end(), [](const std::string& s) {
    return s.starts_with("remote-d1-");
  })) << logs.body;

  Json d1 = Delegate("d1");
  EXPECT_THAT(d1["selectors"], ElementsAre("team:shop"));
  EXPECT_FALSE(Str(d1, "version").empty());
  EXPECT_FALSE(Str(d1, "lastSeenAt").empty());
  EXPECT_TRUE(d1["runningTasks"].is_array());

  auto listed = FerryDelegates(server_->token());
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("d1\tconnected\tteam:shop"));
  // The delegate token itself reads nothing.
  auto refused = FerryDelegates(delegate_token_);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("needs 'view'"));
  EXPECT_THAT(refused.out + refused.err, ::testing::Not(HasSubstr(delegate_token_)));
}

TEST_F(DelegateE2eTest, SelectorsRouteTasksAndAnUnmatchedTaskWaitsVisibly) {
  ASSERT_NO_FATAL_FAILURE(Apply(EntitiesRequiring({"region:eu"})));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  StartDelegate("us", "region:us");
  const std::string id = StartDeploy("api/api-1.zip");
  ASSERT_FALSE(id.empty());

  // Nobody offers region:eu: the task stays queued, shown as claimable by no delegate.
  ASSERT_TRUE(WaitFor([&] {
    Json all = Delegates();
    return all.contains("queued") && !all["queued"].empty();
  }));
  Json queued = Delegates()["queued"][0];
  EXPECT_THAT(queued["selectors"], ElementsAre("region:eu"));
  EXPECT_TRUE(queued["claimableBy"].empty()) << queued.dump();
  auto listed = FerryDelegates(server_->token());
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("needs selectors region:eu"));
  EXPECT_THAT(listed.out, HasSubstr("no connected delegate offers them (it waits)"));
  EXPECT_EQ(Str(api_->Get("/api/v1/executions/" + id).json, "status"), "running");

  // A delegate that offers it (and more) takes it.
  StartDelegate("eu", "region:eu,team:shop");
  Json done = api_->WaitForExecution(id);
  ASSERT_EQ(Str(done, "status"), "succeeded") << Errors(done);
  std::string logs = api_->Get("/api/v1/executions/" + id + "/logs?limit=1000").body;
  EXPECT_THAT(logs, HasSubstr("remote-eu-"));
  EXPECT_THAT(logs, ::testing::Not(HasSubstr("remote-us-")));
}

TEST_F(DelegateE2eTest, SecretsAreReadOnTheDelegatesHost) {
  // The variable exists only in the delegate's environment, not in the server's.
  const std::string value = "only-on-the-delegate-7f3a";
  Json entities = Entities(
      {"orders"}, {{"orders", {{"environment", {{"DB_URL", "pg://app:${secrets.db}@db"}}}}}});
  entities.push_back(
      {{"kind", "Secret"}, {"name", "db"}, {"source", "env"}, {"ref", "E2E_DELEGATE_DB"}});
  ASSERT_NO_FATAL_FAILURE(Apply(entities));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  ChildProcess& d = StartDelegate("vault", "", {{"E2E_DELEGATE_DB", value}});
  Json e = Deploy("api/api-1.zip");
  ASSERT_EQ(Str(e, "status"), "succeeded") << Errors(e) << Logs(Str(e, "id"));
  auto config = lambda_->GetFunctionConfiguration("shop-orders-dev");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->environment["DB_URL"], "pg://app:" + value + "@db");
  // Never in a log, the API or the server's output.
  EXPECT_THAT(Logs(Str(e, "id")), ::testing::Not(HasSubstr(value)));
  EXPECT_THAT(api_->Get("/api/v1/executions/" + Str(e, "id")).body,
              ::testing::Not(HasSubstr(value)));
  EXPECT_THAT(d.error_output() + d.output(), ::testing::Not(HasSubstr(value)));
  EXPECT_THAT(server_->process().error_output(), ::testing::Not(HasSubstr(value)));
}

class SlowSandboxDelegateE2eTest : public DelegateE2eTest {
 protected:
  // Each function update takes seconds, so a deploy task is still running when its delegate is
  // killed.
  SlowSandboxDelegateE2eTest() { sandbox_update_delay_ = "3s"; }
};

TEST_F(SlowSandboxDelegateE2eTest, AKilledDelegatesTaskIsFinishedByAnotherWithoutDuplicates) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders"})));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  ChildProcess& first = StartDelegate("first");
  const std::string id = StartDeploy("api/api-1.zip");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(WaitFor([&] {
    Json d = Delegate("first");
    return d.contains("runningTasks") && !d["runningTasks"].empty();
  })) << Delegates().dump(2);
  StartDelegate("second");
  first.Kill();  // SIGKILL mid-task: no result, no goodbye

  Json done = api_->WaitForExecution(id);
  ASSERT_EQ(Str(done, "status"), "succeeded") << Errors(done) << Logs(id);
  EXPECT_EQ(InvokeBuild("shop-orders-dev"), "b1");
  EXPECT_THAT(PublishedVersions("shop-orders-dev"), ElementsAre("1"));  // published once
  std::string logs = Logs(id);
  ApiResponse raw = api_->Get("/api/v1/executions/" + id + "/logs?limit=1000");
  EXPECT_THAT(raw.body, HasSubstr("remote-second-")) << logs;
  EXPECT_FALSE(Delegate("first").value("runningTasks", Json::array()).size() > 0);
}

TEST_F(DelegateE2eTest, DelegatesReconnectAfterTheServerRestarts) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders"})));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-2.zip", "b2"));
  ChildProcess& d = StartDelegate("steady");
  Json first = Deploy("api/api-1.zip");
  ASSERT_EQ(Str(first, "status"), "succeeded") << Errors(first);

  server_->KillAndRestartOnSamePort();
  ASSERT_TRUE(server_->ok()) << server_->diagnostics();
  api_ = std::make_unique<ApiClient>(server_->url(), server_->token());
  Json second = Deploy("api/api-2.zip");
  ASSERT_EQ(Str(second, "status"), "succeeded") << Errors(second);
  EXPECT_EQ(InvokeBuild("shop-orders-dev"), "b2");
  EXPECT_THAT(d.error_output(), HasSubstr("connected to the server again"));
  EXPECT_THAT(d.error_output(), ::testing::Not(HasSubstr(delegate_token_)));
}

TEST(DelegateFlagsTest, BadFlagsAreUsageErrorsThatNameTheFlag) {
  std::map<std::string, std::string> no_token = {{"FERRY_DELEGATE_TOKEN", ""}};
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"delegate", "--server", "http://127.0.0.1:1"}, "a delegate token is required"},
      {{"delegate", "--server", "ftp://x", "--token", "fry_x"}, "is not a server URL"},
      {{"delegate", "--server", "http://h/p?q", "--token", "fry_x"}, "is not a server URL"},
      {{"delegate", "--server", "http://h", "--token", "fry_x", "--lease", "0"}, "--lease"},
      {{"delegate", "--server", "http://h", "--token", "fry_x", "--heartbeat", "1m"},
       "must be shorter than --lease"},
      {{"delegate", "--server", "http://h", "--token", "fry_x", "--selectors", "a,,b"},
       "--selectors"},
      {{"delegate", "--server", "http://h", "--token", "fry_x", "--name", std::string(300, 'n')},
       "--name"},
      {{"delegate-token", "create", "x", "--data", "/nonexistent/ferry", "--expires", "soon"},
       "--expires"},
  };
  for (const auto& [args, says] : cases) {
    auto r = ChildProcess::Run(args, ProcessOptions{no_token, ""});
    EXPECT_EQ(r.exit_code, 2) << args[2] << " " << r.err;
    EXPECT_THAT(r.err, HasSubstr(says)) << r.err;
    EXPECT_THAT(r.err, ::testing::Not(HasSubstr("fry_x")));
  }

  // --token-file: private, one token on one line, not with --token.
  TempDir files;
  auto write = [&](const std::string& name, const std::string& text, mode_t mode) {
    const std::string path = (files.path() / name).string();
    std::ofstream(path) << text;
    std::filesystem::permissions(path, static_cast<std::filesystem::perms>(mode));
    return path;
  };
  const std::vector<std::pair<std::vector<std::string>, std::string>> file_cases = {
      {{"--token-file", write("open", "fry_x\n", 0644)}, "readable by group or others"},
      {{"--token-file", write("two", "fry_x\nfry_y\n", 0600)}, "on one line"},
      {{"--token-file", write("empty", "", 0600)}, "on one line"},
      {{"--token-file", (files.path() / "absent").string()}, "No such file"},
      {{"--token-file", write("ok", "fry_x\n", 0400), "--token", "fry_x"}, "exclude each other"},
  };
  for (const auto& [extra, says] : file_cases) {
    std::vector<std::string> args = {"delegate", "--server", "http://h"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = ChildProcess::Run(args, ProcessOptions{no_token, ""});
    EXPECT_EQ(r.exit_code, 2) << extra[1] << " " << r.err;
    EXPECT_THAT(r.err, HasSubstr(says)) << r.err;
    EXPECT_THAT(r.err, ::testing::Not(HasSubstr("fry_x")));
  }

  // Delegate tokens are their own kind: `token create --scope delegate` is refused, and the list
  // shows what `delegate-token create` made.
  TempDir dir;
  auto mixed = ChildProcess::Run(
      {"token", "create", "both", "--data", dir.Sub("data"), "--scope", "delegate"});
  EXPECT_EQ(mixed.exit_code, 2) << mixed.err;
  EXPECT_THAT(mixed.err, HasSubstr("ferry delegate-token create"));
  auto made = ChildProcess::Run({"delegate-token", "create", "d", "--data", dir.Sub("data")});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto list = ChildProcess::Run({"token", "list", "--data", dir.Sub("data")});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr("d\tdelegate\t"));
  EXPECT_THAT(list.out, ::testing::Not(HasSubstr("both")));
  EXPECT_THAT(list.out, ::testing::Not(HasSubstr(made.out.substr(0, made.out.find('\n')))));
}

// TLS: `ferry server --tls-cert --tls-key` serves HTTPS only; a delegate and the CLI that trust
// its CA (--ca-file, FERRY_CA_BUNDLE) connect, and verify it: without the CA they refuse it.
TEST(DelegateTlsTest, DelegatesAndTheCliVerifyTheServersCertificate) {
  TempDir dir;
  const std::string cert = (dir.path() / "cert.pem").string();
  const std::string key = (dir.path() / "key.pem").string();
  auto made = ChildProcess::Run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048",
                                 "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj",
                                 "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"});
  ASSERT_EQ(made.exit_code, 0) << made.err;

  auto half = ChildProcess::Run({"server", "--data", dir.Sub("x"), "--tls-cert", cert});
  EXPECT_EQ(half.exit_code, 2) << half.err;
  EXPECT_THAT(half.err, HasSubstr("--tls-cert and --tls-key go together"));

  ServerOptions options;
  options.extra_args = {"--no-embedded-delegate", "--tls-cert", cert, "--tls-key", key};
  auto server = ServerProcess::Start(dir.Sub("data"), options);
  ASSERT_TRUE(server->ok()) << server->diagnostics();
  ASSERT_THAT(server->url(), ::testing::StartsWith("https://127.0.0.1:"));
  auto token = ChildProcess::Run({"delegate-token", "create", "tls", "--data", server->data_dir()});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  auto env = SandboxAwsEnv();
  env["FERRY_DELEGATE_TOKEN"] = token.out.substr(0, token.out.find('\n'));

  // Without the CA the delegate refuses the server (and says why), so it never shows up.
  auto untrusting = ChildProcess::Spawn(
      {"delegate", "--server", server->url(), "--name", "untrusting"}, ProcessOptions{env, ""});
  auto trusting = ChildProcess::Spawn(
      {"delegate", "--server", server->url(), "--name", "trusting", "--ca-file", cert},
      ProcessOptions{env, ""});
  const std::string listed_with_ca = [&] {
    for (int i = 0; i < 600; ++i) {
      auto listed =
          ChildProcess::Run({"delegates", "--server", server->url(), "--token", server->token()},
                            ProcessOptions{{{"FERRY_CA_BUNDLE", cert}}, ""});
      if (listed.exit_code == 0 && listed.out.find("trusting\tconnected") != std::string::npos) {
        return listed.out;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return std::string();
  }();
  ASSERT_THAT(listed_with_ca, HasSubstr("trusting\tconnected")) << trusting->diagnostics();
  EXPECT_THAT(listed_with_ca, ::testing::Not(HasSubstr("untrusting")));
  for (int i = 0;
       i < 600 && untrusting->error_output().find("retrying with backoff") == std::string::npos;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_THAT(untrusting->error_output(), HasSubstr("TLS failed"));

  auto listed_without_ca =
      ChildProcess::Run({"delegates", "--server", server->url(), "--token", server->token()},
                        ProcessOptions{{{"FERRY_CA_BUNDLE", ""}}, ""});
  EXPECT_NE(listed_without_ca.exit_code, 0);
  EXPECT_THAT(listed_without_ca.err, ::testing::Not(HasSubstr(server->token())));
}

}  // namespace
}  // namespace ferry::test
