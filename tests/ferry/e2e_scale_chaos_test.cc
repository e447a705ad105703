// Issue 16's "done when": Ferry scaled out survives processes dying under it. Everything is a real
// process over a real connection: a PostgreSQL 15 server (support/postgres_server.h), three
// `ferry server --store postgres://… --no-embedded-delegate` replicas on its one database, three
// `ferry delegate`s (d1 and d2 share selector pool:a, d3 alone offers pool:b), each connected to
// its own replica, and one `ferry sandbox` as the cloud. Nothing is mocked.
//
// 50 deployments run in four lanes (service × environment), one deployment of a lane after the
// other, the lanes at once: api to dev (basic), api to prod (canary 50%, 1 s), jobs to dev
// (linear 50% every 1 s), jobs to prod (basic); dev's tasks need pool:a, prod's pool:b. Codes
// repeat (seven builds), so a redeploy must reuse the version already published; every seventh
// deployment names an S3 key that does not exist and must roll back.
//
// While they run, a seeded RNG (the seed is printed; FERRY_CHAOS_SEED=N replays the same kills,
// in the same order and at the same intervals, and the same builds in the same order: only where
// each kill lands in the deployments' progress depends on the machine's speed) SIGKILLs a
// replica or a delegate every 0.8–2.5 s and restarts it at once (a replica on its port, so its
// delegate finds it again). Every kill is printed with its time and target, as it happens and in
// a list at the end. Then:
//   - every execution ended succeeded, rolled_back, or failed with its reason (the engine ends a
//     failed execution `failed` when its rollback found nothing to undo: e.g. a deploy task whose
//     delegates were killed on every attempt before it changed anything) — never aborted,
//     rollback_failed or stuck (each must end within a generous deadline); no deployment of a
//     missing build succeeded;
//   - no function holds two published versions of the same code;
//   - every alias, read from the sandbox over its HTTP API, points exactly at the version the
//     lane's last succeeded execution recorded, with no routing weights left.
// FERRY_CHAOS_DEPLOYMENTS lowers the count for a quick local run.
#include <gtest/gtest.h>

#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>

#include "ferry/e2e_fixture.h"
#include "support/postgres_server.h"
#include "support/prerequisite.h"

namespace ferry::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr int kDeployments = 50;
constexpr int kDistinctCodes = 7;
constexpr int kReplicas = 3;
// Generous bounds for a loaded 2-core machine: they catch a stuck execution, not a slow one.
constexpr auto kExecutionDeadline = std::chrono::minutes(4);
constexpr auto kRunDeadline = std::chrono::minutes(12);

struct Lane {
  std::string service;
  std::string environment;
  std::vector<std::string> functions;   // AWS names
  std::vector<std::string> executions;  // in start order
  std::string current;                  // running, "" when the next may start
  std::string current_key;              // the S3 key it deploys
  Clock::time_point started;
};

struct Delegate {
  std::string name;
  std::string selectors;
  int replica = 0;  // the replica it connects to
  std::unique_ptr<ChildProcess> process;
};

class ScaleChaosTest : public DeployE2eTest {
 protected:
  ScaleChaosTest() {
    server_options_.extra_args = {"--no-embedded-delegate", "--lease", "3s", "--heartbeat", "1s"};
  }

  void SetUp() override {
    FERRY_TEST_REQUIRE(MissingPostgres());
    ASSERT_TRUE(SharedPostgres().ok()) << SharedPostgres().diagnostics();
    url_ = SharedPostgres().CreateDatabase();
    ASSERT_FALSE(url_.empty()) << SharedPostgres().diagnostics();
    server_options_.store_url = url_;
    DeployE2eTest::SetUp();  // the sandbox and replica 0 (which creates the API token)
    if (HasFatalFailure()) return;
    ServerOptions options = server_options_;
    options.create_token = false;  // replica 0's token lives in the shared database
    for (int i = 1; i < kReplicas; ++i) {
      replicas_.push_back(
          ServerProcess::Start(dir_.Sub("data-replica-" + std::to_string(i)), options));
      ASSERT_TRUE(replicas_.back()->ok()) << replicas_.back()->diagnostics();
    }
    auto created = ChildProcess::Run({"delegate-token", "create", "chaos", "--store", url_});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    delegate_token_ = created.out.substr(0, created.out.find('\n'));
    // As deploy/systemd/ferry-delegate.service passes it: a private file.
    token_file_ = (dir_.path() / "delegate-token").string();
    std::ofstream(token_file_) << delegate_token_ << "\n";
    std::filesystem::permissions(token_file_, std::filesystem::perms::owner_read);
    delegates_.resize(3);
    delegates_[0] = {"d1", "pool:a", 0, nullptr};
    delegates_[1] = {"d2", "pool:a", 1, nullptr};
    delegates_[2] = {"d3", "pool:b", 2, nullptr};
    for (auto& d : delegates_) {
      ASSERT_NO_FATAL_FAILURE(StartDelegate(d));
    }
  }

  void TearDown() override {
    if (HasFailure()) {
      for (int i = 0; i < kReplicas; ++i) {
        std::cerr << "replica " << i << " (last process) output:\n"
                  << Replica(i).diagnostics() << "\n";
      }
      for (const auto& d : delegates_) {
        if (d.process) std::cerr << "delegate " << d.name << ":\n" << d.process->diagnostics();
      }
    }
    DeployE2eTest::TearDown();
  }

  ServerProcess& Replica(int i) { return i == 0 ? *server_ : *replicas_[i - 1]; }

  void StartDelegate(Delegate& d) {
    auto env = SandboxAwsEnv();
    env["FERRY_DELEGATE_TOKEN"] = delegate_token_;
    d.process =
        ChildProcess::Spawn({"delegate", "--server", Replica(d.replica).url(), "--name", d.name,
                             "--selectors", d.selectors, "--lease", "3s", "--heartbeat", "1s"},
                            ProcessOptions{env, ""});
    ASSERT_TRUE(d.process->WaitForLine("ferry delegate " + d.name + " connecting to ").has_value())
        << d.process->diagnostics();
  }

  // A request to a replica, each in turn, else the next that answers.
  ApiResponse Ask(const std::string& method, const std::string& path, const Json& body = Json()) {
    const int first = static_cast<int>(asked_++ % kReplicas);
    ApiResponse r;
    for (int k = 0; k < kReplicas; ++k) {
      ApiClient client(Replica((first + k) % kReplicas).url(), server_->token());
      r = method == "POST" ? client.Post(path, body) : client.Get(path);
      if (r.status != 0 && r.status < 500) return r;
    }
    return r;
  }

  // The configuration: cloud providers pool-a (tasks need selector pool:a) and pool-b (pool:b) on
  // the one sandbox; services api (functions api, worker) and jobs (jobs); environments dev (on
  // pool-a) and prod (on pool-b); a workflow for each service and environment.
  Json ChaosEntities() const {
    auto provider = [&](const std::string& name, const std::string& selector) {
      return Json{{"kind", "CloudProvider"},
                  {"name", name},
                  {"credentials", {{"mode", "delegate"}}},
                  {"region", "us-east-1"},
                  {"endpoint", sandbox_->url()},
                  {"localSandbox", true},
                  {"delegateSelectors", Json::array({selector})}};
    };
    auto service = [&](const std::string& name, const std::vector<std::string>& functions) {
      Json fns = Json::array();
      for (const auto& f : functions) {
        fns.push_back({{"name", f},
                       {"functionName", "shop-" + f + "-${env.name}"},
                       {"handler", "index.handler"}});
      }
      return Json{
          {"kind", "Service"},
          {"application", "shop"},
          {"name", name},
          {"type", "lambda"},
          {"artifact",
           {{"cloudProvider", "pool-a"},
            {"s3", {{"bucket", kBucket}, {"prefix", "api/"}, {"filter", "api-(.+)\\.zip"}}}}},
          {"defaults",
           {{"runtime", "python3.12"},
            {"memory", 128},
            {"timeout", 5},
            {"environment", {{"BUILD", "${artifact.version}"}}}}},
          {"functions", fns}};
    };
    auto environment = [&](const std::string& name, const std::string& provider_name) {
      return Json{{"kind", "Environment"},
                  {"application", "shop"},
                  {"name", name},
                  {"type", "non-production"},
                  {"infrastructure", Json::array({{{"name", name + "-infra"},
                                                   {"cloudProvider", provider_name},
                                                   {"region", "us-east-1"},
                                                   {"executionRole", kRole}}})}};
    };
    auto workflow = [&](const std::string& service_name, const std::string& env, Json strategy) {
      strategy["kind"] = "Workflow";
      strategy["application"] = "shop";
      strategy["name"] = service_name + "-" + env;
      strategy["environment"] = env;
      strategy["service"] = service_name;
      strategy["failureStrategy"] = "rollback";
      return strategy;
    };
    return Json::array({provider("pool-a", "pool:a"),
                        provider("pool-b", "pool:b"),
                        {{"kind", "Application"}, {"name", "shop"}},
                        service("api", {"api", "worker"}),
                        service("jobs", {"jobs"}),
                        environment("dev", "pool-a"),
                        environment("prod", "pool-b"),
                        workflow("api", "dev", {{"strategy", "basic"}}),
                        workflow("api", "prod",
                                 {{"strategy", "canary"},
                                  {"trafficShift", {{"percent", 50}, {"interval", "1s"}}}}),
                        workflow("jobs", "dev",
                                 {{"strategy", "linear"},
                                  {"trafficShift", {{"percent", 50}, {"interval", "1s"}}}}),
                        workflow("jobs", "prod", {{"strategy", "basic"}})});
  }

  // Kills one process `kill_rng_` picks (a replica or a delegate) and restarts it at once; logs it.
  void KillSomething(Clock::time_point t0) {
    const int target = static_cast<int>(kill_rng_() % (kReplicas + delegates_.size()));
    std::ostringstream line;
    line << "kill " << kills_.size() + 1 << " at +" << std::fixed << std::setprecision(1)
         << std::chrono::duration<double>(Clock::now() - t0).count() << " s: ";
    if (target < kReplicas) {
      ServerProcess& replica = Replica(target);
      line << "replica " << target << " (pid " << replica.process().pid() << ", " << replica.url()
           << ")";
      replica.KillAndRestartOnSamePort();
      ASSERT_TRUE(replica.ok()) << "restarting replica " << target << ": " << replica.diagnostics();
      line << ", restarted as pid " << replica.process().pid();
    } else {
      Delegate& d = delegates_[target - kReplicas];
      line << "delegate " << d.name << " (pid " << d.process->pid() << ")";
      d.process->Kill();
      ASSERT_NO_FATAL_FAILURE(StartDelegate(d));
      line << ", restarted as pid " << d.process->pid();
    }
    kills_.push_back(line.str());
    std::cout << kills_.back() << std::endl;
  }

  std::string url_;
  std::vector<std::unique_ptr<ServerProcess>> replicas_;  // replicas 1 and 2 (0 is server_)
  std::string delegate_token_;
  std::string token_file_;
  std::vector<Delegate> delegates_;
  std::mt19937_64 kill_rng_;   // the kills' targets and intervals
  std::mt19937_64 build_rng_;  // which build each deployment deploys
  uint64_t asked_ = 0;
  std::vector<std::string> kills_;
};

TEST_F(ScaleChaosTest, FiftyDeploymentsWhileReplicasAndDelegatesAreKilled) {
  uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("FERRY_CHAOS_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::cout << "FERRY_CHAOS_SEED=" << seed << std::endl;
  kill_rng_.seed(seed);
  build_rng_.seed(seed ^ 0x9e3779b97f4a7c15ULL);
  int deployments = kDeployments;
  if (const char* n = std::getenv("FERRY_CHAOS_DEPLOYMENTS")) deployments = std::atoi(n);

  ApiResponse applied = Ask("POST", "/api/v1/apply", Json{{"entities", ChaosEntities()}});
  ASSERT_EQ(applied.status, 200) << applied.Describe();
  for (int c = 0; c < kDistinctCodes; ++c) {
    ASSERT_NO_FATAL_FAILURE(
        UploadBuild("api/api-" + std::to_string(c) + ".zip", "code-" + std::to_string(c)));
  }
  std::vector<Lane> lanes = {
      {"api", "dev", {"shop-api-dev", "shop-worker-dev"}, {}, "", {}},
      {"api", "prod", {"shop-api-prod", "shop-worker-prod"}, {}, "", {}},
      {"jobs", "dev", {"shop-jobs-dev"}, {}, "", {}},
      {"jobs", "prod", {"shop-jobs-prod"}, {}, "", {}},
  };

  const auto t0 = Clock::now();
  std::uniform_int_distribution<int> kill_gap_ms(800, 2500);
  auto next_kill = t0 + milliseconds(kill_gap_ms(kill_rng_));
  int started = 0;
  std::map<std::string, int> outcomes;
  int chaos_failures = 0;          // deployments of an existing build that did not succeed
  int missing_builds_refused = 0;  // deployments of a missing build that did not succeed
  while (true) {
    ASSERT_LT(Clock::now(), t0 + kRunDeadline) << "the run did not end in time";
    bool busy = false;
    for (size_t l = 0; l < lanes.size(); ++l) {
      Lane& lane = lanes[l];
      if (!lane.current.empty()) {
        ApiResponse r = Ask("GET", "/api/v1/executions/" + lane.current);
        const std::string status = r.status == 200 ? Str(r.json, "status") : "";
        if (TerminalStatuses().count(status) == 0) {
          ASSERT_LT(Clock::now(), lane.started + kExecutionDeadline)
              << "execution " << lane.current << " is stuck: " << r.Describe();
          busy = true;
          continue;
        }
        ++outcomes[status];
        std::cout << "execution " << lane.current << " (" << lane.service << " to "
                  << lane.environment << ", " << lane.current_key << ") ended " << status
                  << " after "
                  << std::chrono::duration_cast<milliseconds>(Clock::now() - lane.started).count()
                  << " ms" << std::endl;
        const bool missing = lane.current_key.find("missing") != std::string::npos;
        if (missing && status != "succeeded") ++missing_builds_refused;
        if (status == "failed" && Str(r.json, "error").empty()) {
          ADD_FAILURE() << "execution " << lane.current << " failed without a reason";
        }
        if (status != "succeeded" && !missing) {
          // Allowed (a correct end), but not caused by the deployment itself: the chaos did it.
          std::cout << "  ended " << status << " although its build exists: " << Errors(r.json);
          ++chaos_failures;
        }
        lane.current.clear();
      }
      if (started >= deployments) continue;
      const int i = started++;
      const std::string key =
          i % 7 == 6 ? "api/api-missing-" + std::to_string(i) + ".zip"
                     : "api/api-" + std::to_string(build_rng_() % kDistinctCodes) + ".zip";
      ApiResponse r = Ask("POST", "/api/v1/deployments",
                          Json{{"application", "shop"},
                               {"service", lane.service},
                               {"environment", lane.environment},
                               {"artifact", {{"s3Bucket", kBucket}, {"s3Key", key}}}});
      ASSERT_EQ(r.status, 201) << "deployment " << i << ": " << r.Describe();
      lane.current = Str(r.json, "id");
      lane.current_key = key;
      lane.started = Clock::now();
      lane.executions.push_back(lane.current);
      busy = true;
    }
    if (!busy && started >= deployments) break;
    if (Clock::now() >= next_kill) {
      ASSERT_NO_FATAL_FAILURE(KillSomething(t0));
      next_kill = Clock::now() + milliseconds(kill_gap_ms(kill_rng_));
    }
    std::this_thread::sleep_for(milliseconds(100));
  }

  std::cout << "FERRY_CHAOS_SEED=" << seed << ": " << started << " deployments, " << kills_.size()
            << " kills in " << std::chrono::duration_cast<seconds>(Clock::now() - t0).count()
            << " s\n";
  for (const auto& k : kills_) std::cout << "  " << k << "\n";
  for (const auto& [status, n] : outcomes) std::cout << status << ": " << n << "\n";
  std::cout << "ended without success although the build existed: " << chaos_failures << "\n";

  // The checks read the executions through replica 0 and the aliases from the sandbox.
  api_ = std::make_unique<ApiClient>(server_->url(), server_->token());
  for (const Lane& lane : lanes) {
    for (const auto& p : CheckDeployInvariants(lane.executions, lane.functions,
                                               {"succeeded", "rolled_back", "failed"})) {
      ADD_FAILURE() << lane.service << " to " << lane.environment << ": " << p;
    }
  }
  EXPECT_GT(outcomes["succeeded"], 0);
  EXPECT_EQ(missing_builds_refused, deployments / 7) << "a missing build deployed";
  EXPECT_FALSE(kills_.empty());
  if (HasFailure()) std::cout << "replay with FERRY_CHAOS_SEED=" << seed << "\n";
}

}  // namespace
}  // namespace ferry::test
