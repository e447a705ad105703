// The `ferry` CLI end to end: the real binary against a real `ferry server` (and `ferry up` for a
// deployed sample), through the REST API, as a user would run it. Every command's exit code,
// output and error messages; the token never printed.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "common/crypto.h"
#include "common/json.h"
#include "support/child_process.h"
#include "support/sandbox_process.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace ferry::test {
namespace {

using Outcome = ChildProcess::Outcome;
using std::chrono::seconds;

class CliAgainstServer : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(dir_.Sub("data"));
    ASSERT_TRUE(server_->ok()) << server_->diagnostics();
  }

  // Runs `ferry args...` with FERRY_SERVER / FERRY_TOKEN set for this server.
  Outcome Ferry(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    env.emplace("FERRY_SERVER", server_->url());
    env.emplace("FERRY_TOKEN", server_->token());
    Outcome r = ChildProcess::Run(std::move(args), ProcessOptions{env, ""}, seconds(120));
    EXPECT_EQ(r.out.find(server_->token()), std::string::npos) << "token printed on stdout";
    EXPECT_EQ(r.err.find(server_->token()), std::string::npos) << "token printed on stderr";
    return r;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(CliAgainstServer, ListsNoExecutionsOnAFreshServer) {
  Outcome text = Ferry({"executions"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out, "no executions\n");
  Outcome json = Ferry({"executions", "-o", "json", "--limit", "5"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto page = ParseJson(json.out);
  ASSERT_TRUE(page.ok()) << json.out;
  EXPECT_TRUE((*page)["items"].is_array());
  EXPECT_TRUE((*page)["items"].empty());
}

TEST_F(CliAgainstServer, ReportsServerErrorsAsTheirMessage) {
  Outcome get = Ferry({"executions", "get", "01JNOSUCHEXECUTION000000000"});
  EXPECT_EQ(get.exit_code, 1);
  EXPECT_EQ(get.err.rfind("ferry: ", 0), 0u) << get.err;
  EXPECT_NE(get.err.find("01JNOSUCHEXECUTION000000000"), std::string::npos) << get.err;

  Outcome deploy = Ferry({"deploy", "nosuchapp/orders", "--env", "dev"});
  EXPECT_EQ(deploy.exit_code, 1);
  EXPECT_EQ(deploy.err.rfind("ferry: ", 0), 0u) << deploy.err;
  EXPECT_NE(deploy.err.find("nosuchapp"), std::string::npos) << deploy.err;

  Outcome abort = Ferry({"abort", "01JNOSUCHEXECUTION000000000"});
  EXPECT_EQ(abort.exit_code, 1) << abort.err;
  Outcome logs = Ferry({"logs", "01JNOSUCHEXECUTION000000000"});
  EXPECT_EQ(logs.exit_code, 1) << logs.err;
}

TEST_F(CliAgainstServer, BadUsageExitsTwo) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{"deploy", "shop", "--env", "dev"}, "is not APP/SERVICE"},
           {{"deploy", "shop/orders", "--env", "dev", "--s3", "s3:/b/k"}, "--s3"},
           {{"deploy", "shop/orders"}, "--env"},
           {{"executions", "-o", "yaml"}, "-o \"yaml\""},
           {{"executions", "--status", "runing"}, "did you mean running?"},
           {{"rollback", "shop/orders/x", "--env", "dev"}, "is not APP/SERVICE"},
           {{"logs"}, "id"},
       }) {
    Outcome r = Ferry(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args[0] << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
}

TEST_F(CliAgainstServer, TokensAreCheckedAndNeverShown) {
  Outcome missing = Ferry({"executions"}, {{"FERRY_TOKEN", ""}});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("FERRY_TOKEN"), std::string::npos) << missing.err;

  const std::string wrong = "fry_00000000000000000000000000000000000000000000000000000000deadbeef";
  Outcome refused = Ferry({"executions", "--token", wrong, "-v"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("the server refused the token"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.err.find(wrong), std::string::npos) << refused.err;

  // A second token works until it is revoked.
  Outcome created =
      Ferry({"token", "create", "second", "--data", server_->data_dir(), "--expires", "30d"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string second = created.out.substr(0, created.out.find('\n'));
  ASSERT_EQ(second.rfind("fry_", 0), 0u) << created.out;
  EXPECT_EQ(Ferry({"executions", "--token", second}).exit_code, 0);
  Outcome list = Ferry({"token", "list", "--data", server_->data_dir(), "-o", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out.find(second), std::string::npos);
  EXPECT_NE(list.out.find("\"second\""), std::string::npos);
  EXPECT_EQ(Ferry({"token", "revoke", "second", "--data", server_->data_dir()}).exit_code, 0);
  Outcome revoked = Ferry({"executions", "--token", second});
  EXPECT_EQ(revoked.exit_code, 1);
  EXPECT_NE(revoked.err.find("refused the token"), std::string::npos) << revoked.err;
  EXPECT_EQ(revoked.err.find(second), std::string::npos);

  Outcome dup = Ferry({"token", "create", "second", "--data", server_->data_dir()});
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_NE(dup.err.find("already exists"), std::string::npos) << dup.err;
  EXPECT_EQ(
      Ferry({"token", "create", "x", "--data", server_->data_dir(), "--expires", "soon"}).exit_code,
      2);
}

TEST_F(CliAgainstServer, ReadOnlyTokensCannotDeploy) {
  Outcome bad = Ferry({"token", "create", "y", "--data", server_->data_dir(), "--scope", "root"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("use read, deploy or admin"), std::string::npos) << bad.err;

  Outcome created =
      Ferry({"token", "create", "viewer", "--data", server_->data_dir(), "--scope", "read"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string viewer = created.out.substr(0, created.out.find('\n'));
  EXPECT_EQ(Ferry({"executions", "--token", viewer}).exit_code, 0);
  Outcome deploy = Ferry({"deploy", "shop/api", "--env", "dev", "--token", viewer});
  EXPECT_EQ(deploy.exit_code, 1);
  EXPECT_NE(deploy.err.find("needs 'deploy'"), std::string::npos) << deploy.err;
  EXPECT_EQ(deploy.err.find(viewer), std::string::npos);
}
TEST_F(CliAgainstServer, AStoppedServerIsReportedWithAHint) {
  const std::string url = server_->url();
  server_->Stop();
  Outcome r = Ferry({"executions"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot reach the Ferry server at " + url), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("is `ferry server` running?"), std::string::npos);
}

// `ferry up` deploys a sample application and prints the command that deploys it again; the CLI
// then lists, shows, logs, redeploys (--wait) and rolls back through the real server.
TEST(CliAgainstUp, DeploysFollowsAndRollsBackTheSample) {
  TempDir dir;
  auto up = UpProcess::Start(dir.path().string(), {"--data", dir.Sub("data")}, seconds(180));
  ASSERT_TRUE(up->ok()) << up->diagnostics();
  std::map<std::string, std::string> env = {{"FERRY_SERVER", up->api_url()},
                                            {"FERRY_TOKEN", up->token()}};
  auto ferry = [&](std::vector<std::string> args) {
    Outcome r = ChildProcess::Run(std::move(args), ProcessOptions{env, dir.path().string()});
    EXPECT_EQ(r.out.find(up->token()), std::string::npos);
    EXPECT_EQ(r.err.find(up->token()), std::string::npos);
    return r;
  };

  // The service and environment of the deploy command `ferry up` suggests, e.g. "ferry deploy
  // sample/hello --env dev --s3 s3://ferry-sample/hello/hello-2.zip --wait".
  std::smatch m;
  const std::string printed = up->process().output();
  const std::regex deploy_re(
      R"(ferry deploy (([A-Za-z0-9._-]+/[A-Za-z0-9._-]+) --env ([A-Za-z0-9._-]+)[^\n]*))");
  ASSERT_TRUE(std::regex_search(printed, m, deploy_re)) << printed;
  const std::string target = m[2], env_name = m[3];

  Outcome list = ferry({"executions", "-o", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto page = ParseJson(list.out);
  ASSERT_TRUE(page.ok() && !(*page)["items"].empty()) << list.out;
  const std::string first = (*page)["items"][0]["id"];

  Outcome get = ferry({"executions", "get", first});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_NE(get.out.find("Steps:"), std::string::npos) << get.out;
  // Each function with the version it deployed and where its aliases point now; the rollback
  // target (the outputs' "snapshots") is for -o json only.
  EXPECT_TRUE(std::regex_search(get.out, std::regex(R"(version [0-9]+)"))) << get.out;
  EXPECT_TRUE(std::regex_search(get.out, std::regex(R"(alias [A-Za-z0-9_-]+ -> [0-9]+)")))
      << get.out;
  EXPECT_EQ(get.out.find("snapshots"), std::string::npos) << get.out;

  Outcome logs = ferry({"logs", first});
  EXPECT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_FALSE(logs.out.empty());

  // hello-2.zip is for the user to upload first; redeploy the sample's own artifact instead.
  Outcome deploy = ferry({"deploy", target, "--env", env_name, "--artifact",
                          (*page)["items"][0].value("artifactId", ""), "--wait"});
  ASSERT_EQ(deploy.exit_code, 0) << deploy.out << deploy.err;
  const std::string id = deploy.out.substr(0, deploy.out.find('\n'));
  EXPECT_NE(deploy.out.find("succeeded"), std::string::npos) << deploy.out;

  Outcome follow = ferry({"logs", id, "-f", "-o", "json"});
  EXPECT_EQ(follow.exit_code, 0) << follow.err;
  EXPECT_NE(follow.out.find("\"sequence\""), std::string::npos) << follow.out;

  Outcome done = ferry({"executions", "get", id, "-o", "json"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(ParseJson(done.out).value_or(Json())["status"], "succeeded") << done.out;

  // Following a running execution from its start ends with the line that says how it ended
  // (the engine commits that line with the terminal status, so the stream never ends before it).
  Outcome started = ferry({"deploy", target, "--env", env_name, "--artifact",
                           (*page)["items"][0].value("artifactId", ""), "-o", "json"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  const std::string running = ParseJson(started.out).value_or(Json()).value("id", "");
  ASSERT_FALSE(running.empty()) << started.out;
  Outcome tail = ferry({"logs", running, "-f", "-o", "json"});
  ASSERT_EQ(tail.exit_code, 0) << tail.err;
  std::string last_line = tail.out.substr(0, tail.out.find_last_not_of('\n') + 1);
  last_line = last_line.substr(last_line.rfind('\n') + 1);
  EXPECT_EQ(ParseJson(last_line).value_or(Json()).value("text", ""), "execution succeeded")
      << tail.out;

  Outcome rollback =
      ferry({"rollback", target, "--env", env_name, "--to", first, "--wait", "-o", "json"});
  EXPECT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;
  EXPECT_EQ(ParseJson(rollback.out).value_or(Json())["status"], "succeeded") << rollback.out;

  Outcome aborted = ferry({"abort", id});
  EXPECT_EQ(aborted.exit_code, 1) << "an ended execution cannot be aborted";
}

// `ferry audit` against a real server: a secret set and unset over the API are recorded with
// the token and the client address, never with the value; filters narrow; bad flags exit 2.
TEST(CliAudit, ShowsWhoChangedWhatFromWhereAndNeverASecretValue) {
  TempDir dir;
  const auto key = dir.Write("secret.key", Base64Encode(SecureRandomBytes(32)) + "\n");
  std::filesystem::permissions(
      key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  ServerOptions options;
  options.extra_args = {"--secret-key-file", key.string()};
  auto server = ServerProcess::Start(dir.Sub("data"), options);
  ASSERT_TRUE(server->ok()) << server->diagnostics();
  const std::string kValue = "audit-e2e-s3cret-value-7f3a9";
  dir.Write("value.txt", kValue + "\n");
  const ProcessOptions env{{{"FERRY_SERVER", server->url()}, {"FERRY_TOKEN", server->token()}},
                           dir.Sub("")};
  auto ferry = [&](std::vector<std::string> args) {
    args.insert(args.begin(), FerryBinary());
    Outcome r = ChildProcess::Run(std::move(args), env, seconds(60));
    EXPECT_EQ(r.out.find(kValue), std::string::npos) << "secret value printed";
    EXPECT_EQ(r.out.find(server->token()), std::string::npos) << "token printed";
    return r;
  };
  // Declared through `ferry apply` on the data directory (a local change: no address).
  dir.Write("secret.yaml", "kind: Secret\nname: db-password\n");
  Outcome applied = ferry({"apply", "-f", dir.Sub("secret.yaml"), "--data", server->data_dir()});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  Outcome set = ChildProcess::Run(
      {"/bin/bash", "-c", FerryBinary() + " secrets set db-password < value.txt"}, env);
  ASSERT_EQ(set.exit_code, 0) << set.out << set.err;
  ASSERT_EQ(ferry({"secrets", "unset", "db-password"}).exit_code, 0);

  Outcome table = ferry({"audit"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out.rfind("WHEN", 0), 0u) << table.out;
  EXPECT_NE(table.out.find("ACTOR"), std::string::npos) << table.out;
  EXPECT_TRUE(std::regex_search(
      table.out, std::regex("token:e2e +127\\.0\\.0\\.1 +secret\\.delete +- +secret/db-password")))
      << table.out;
  EXPECT_NE(table.out.find("secret.set"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("token.issue"), std::string::npos) << table.out;
  EXPECT_TRUE(
      std::regex_search(table.out, std::regex(" +- +entity\\.create +- +secret/db-password")))
      << table.out;

  Outcome json = ferry({"audit", "--action", "secret.set", "--since", "1h", "-o", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto page = ParseJson(json.out);
  ASSERT_TRUE(page.ok()) << json.out;
  ASSERT_EQ((*page)["items"].size(), 1u) << json.out;
  EXPECT_EQ((*page)["items"][0]["target"], "secret/db-password");
  EXPECT_EQ((*page)["items"][0]["actor"], "token:e2e");
  EXPECT_EQ((*page)["items"][0]["source"], "127.0.0.1");

  Outcome none = ferry({"audit", "--until", "2h"});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out, "no audit events match\n");
  Outcome bad_time = ferry({"audit", "--since", "yesterday"});
  EXPECT_EQ(bad_time.exit_code, 2);
  EXPECT_NE(bad_time.err.find("RFC 3339"), std::string::npos) << bad_time.err;
  EXPECT_EQ(ferry({"audit", "--limit", "0"}).exit_code, 2);

  // A read token is refused: the trail is for admins.
  Outcome created =
      ferry({"token", "create", "reader", "--scope", "read", "--data", server->data_dir()});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string reader = created.out.substr(0, created.out.find('\n'));
  Outcome denied = ferry({"audit", "--token", reader});
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("admin"), std::string::npos) << denied.err;
}

}  // namespace
}  // namespace ferry::test
