// `ferry up [--data ./ferry-data] [--port 8080] [--sandbox-port 4566] [--exit-after-deploy]
// [--lease 10s] [--heartbeat 3s] [--delegate-selectors a,b]`:
// everything in one process — the sandbox (state in DATA/sandbox), the server (SQLite in DATA)
// with its embedded delegate, and the sample application (up_seed.h), deployed to dev. Once the
// sample is deployed it prints `api: URL`, `sandbox: URL`, `token: fry_...` and the commands to
// try, then serves until SIGINT/SIGTERM (or exits at once with --exit-after-deploy: exit 0 when
// the sample deployment succeeded, 1 otherwise). Progress goes to stdout, logs to stderr.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "common/crypto.h"
#include "common/password_hash.h"
#include "common/strings.h"
#include "sandbox/sandbox.h"
#include "server_runtime.h"
#include "up_seed.h"

namespace ferry::app {
namespace {

struct UpFlags {
  std::string data_dir = "./ferry-data";
  std::string listen = "127.0.0.1";
  int port = 8080;
  int sandbox_port = 4566;
  bool exit_after_deploy = false;
  LeaseFlags leases;
};

// How the user should call this binary: "ferry" when that is what PATH finds, else its path.
std::string SelfCommand() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "ferry";
  if (const char* path = std::getenv("PATH")) {
    for (const std::string& dir : Split(path, ':')) {
      if (dir.empty()) continue;
      const auto candidate = std::filesystem::path(dir) / "ferry";
      if (std::filesystem::equivalent(candidate, self, ec)) return "ferry";
    }
  }
  return self.string();
}

constexpr std::string_view kUpServiceAccount = "ferry-up";

// The accounts `ferry up` works with: the service account its printed tokens belong to (an
// admin), and, on a data directory without users, a user `admin` whose random password is
// written to DATA/admin-password (0600) — printed nowhere, so it reaches no log.
Status EnsureUpAccounts(store::Store& store, const std::string& data_dir) {
  store::AccessStore& access = store.access();
  auto service = access.GetAccount(kUpServiceAccount);
  if (!service.ok()) {
    if (service.error().code != ErrorCode::kNotFound) return service.error();
    FERRY_ASSIGN_OR_RETURN(auto created,
                           access.CreateAccount({.name = std::string(kUpServiceAccount),
                                                 .kind = store::AccountKind::kService},
                                                "ferry up"));
    FERRY_ASSIGN_OR_RETURN(
        auto bound, access.AddBinding({.role = "admin", .account = created.name}, "ferry up"));
    (void)bound;
  }
  FERRY_ASSIGN_OR_RETURN(auto accounts, access.ListAccounts());
  for (const store::Account& a : accounts) {
    if (a.kind == store::AccountKind::kUser) return Ok();
  }
  const std::string file = (std::filesystem::path(data_dir) / "admin-password").string();
  const std::string password = HexEncode(SecureRandomBytes(16));
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return FailedPrecondition("cannot write " + file);
  const std::string line = password + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!written) return FailedPrecondition("cannot write " + file);
  FERRY_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  FERRY_ASSIGN_OR_RETURN(
      auto admin, access.CreateAccount({.name = "admin", .password_hash = hash}, "ferry up"));
  FERRY_ASSIGN_OR_RETURN(auto bound,
                         access.AddBinding({.role = "admin", .account = admin.name}, "ferry up"));
  (void)bound;
  std::cout << "created the user admin; its password is in " << file
            << " (sign in: ferry login admin < " << file << ")\n";
  return Ok();
}

void PrintNextSteps(const std::string& api, const std::string& sandbox, const std::string& token,
                    const std::string& sample_dir, const SeedOutcome& seed) {
  const std::string ferry = SelfCommand();
  const std::string fn = seed.function_name;
  std::cout
      << "\napi: " << api << "\n"
      << "sandbox: " << sandbox << "\n"
      << "token: " << token << "\n\n"
      << "Try it (in another terminal):\n"
      << "  export FERRY_SERVER=" << api << " FERRY_TOKEN=" << token << "\n"
      << "  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test "
         "AWS_DEFAULT_REGION=us-east-1\n\n"
      << "  # invoke the dev alias\n"
      << "  aws --endpoint-url " << sandbox << " lambda invoke --function-name " << fn
      << ":dev out.json && cat out.json\n\n"
      << "  # deploy a new build: edit the handler, zip it, upload it, deploy it\n"
      << "  sed -i 's/Hello/Hi/' " << sample_dir << "/app.py\n"
      << "  (cd " << sample_dir << " && python3 -m zipfile -c hello-2.zip app.py)\n"
      << "  aws --endpoint-url " << sandbox << " s3 cp " << sample_dir << "/hello-2.zip s3://"
      << kSampleBucket << "/" << kSampleService << "/hello-2.zip\n"
      << "  " << ferry << " deploy " << kSampleApplication << "/" << kSampleService
      << " --env dev --s3 s3://" << kSampleBucket << "/" << kSampleService
      << "/hello-2.zip --wait\n\n"
      << "  # change the function by hand, then ask Ferry what changed outside it\n"
      << "  aws --endpoint-url " << sandbox << " lambda update-function-configuration"
      << " --function-name " << fn << " --memory-size 512 >/dev/null\n"
      << "  " << ferry << " drift " << kSampleApplication << "/" << kSampleService
      << " --env dev   # exits 2: MemorySize changed outside Ferry\n\n"
      << "  # see what happened, undo the newest change, ship to prod\n"
      << "  " << ferry << " executions --app " << kSampleApplication << "\n"
      << "  " << ferry << " rollback " << kSampleApplication << "/" << kSampleService
      << " --env dev --wait\n"
      << "  " << ferry << " deploy " << kSampleApplication << "/" << kSampleService
      << " --env prod --artifact " << seed.artifact_id << " --wait\n\n"
      << "  # prod deploys as a canary watched by alarm " << kSampleProdAlarm
      << ": give it traffic\n"
      << "  # (the sandbox invokes the prod alias 5 times a second), then ship a build whose\n"
      << "  # handler raises (" << sample_dir << "/broken/app.py): the alarm fires, Ferry"
      << " rolls back by itself, and its log says why\n"
      << "  curl -s -X POST " << sandbox << "/_ferry/traffic -d '{\"function\": \""
      << kSampleApplication << "-" << kSampleService
      << "-prod\", \"qualifier\": \"prod\", \"ratePerSecond\": 5}'\n"
      << "  ID=$(" << ferry << " deploy " << kSampleApplication << "/" << kSampleService
      << " --env prod --s3 s3://" << kSampleBucket << "/" << kSampleBrokenKey << ")\n"
      << "  " << ferry << " logs -f $ID   # exits 1: the deployment was rolled back\n"
      << "  curl -s -X DELETE " << sandbox << "/_ferry/traffic\n\n"
      << "Next: docs/getting-started.md. Ctrl-C stops everything; state stays in the data "
         "directory.\n"
      << std::flush;
}

int RunUp(const UpFlags& flags, TerminationSignals& signals) {
  ServerRuntimeOptions options;
  Status lease_flags =
      ApplyLeaseFlags(flags.leases.lease, flags.leases.heartbeat, flags.leases.selectors, options);
  if (!lease_flags.ok()) {
    std::cerr << "ferry up: " << lease_flags.error().message << "\n";
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(flags.data_dir, ec);
  const std::string data_dir = std::filesystem::absolute(flags.data_dir, ec).lexically_normal();
  if (ec) {
    std::cerr << "ferry up: cannot use " << flags.data_dir << ": " << ec.message() << "\n";
    return 1;
  }
  // Before the sandbox starts on DATA/sandbox: a second `ferry up` (or a `ferry server`) on the
  // directory must not touch the first one's state.
  auto lock = DataDirLock::Acquire(data_dir);
  if (!lock.ok()) {
    std::cerr << "ferry up: " << lock.error().message
              << " (stop it first, or pass --data with another directory)\n";
    return 1;
  }
  options.held_lock = std::move(lock).value();

  sandbox::SandboxOptions sandbox_options;
  sandbox_options.host = flags.listen;
  sandbox_options.port = flags.sandbox_port;
  sandbox_options.data_dir = std::filesystem::path(data_dir) / "sandbox";
  sandbox_options.update_delay = std::chrono::milliseconds(200);
  auto sandbox = sandbox::Sandbox::Start(sandbox_options);
  if (!sandbox.ok()) {
    std::cerr << "ferry up: sandbox: " << sandbox.error().message
              << " (another ferry up or sandbox running? pass --sandbox-port 0 for a free port)\n";
    return 1;
  }
  const std::string sandbox_url = (*sandbox)->endpoint_url();
  std::cout << "sandbox started at " << sandbox_url << "\n" << std::flush;

  options.data_dir = data_dir;
  // `source: ferry` secrets work out of the box: a key of its own in the data directory.
  const std::string secret_key = (std::filesystem::path(data_dir) / "secret.key").string();
  if (Status key = api::SecretKeyring::CreateKeyFileIfMissing(secret_key); !key.ok()) {
    std::cerr << "ferry up: " << key.error().message << "\n";
    return 1;
  }
  options.secret_key.file = secret_key;
  options.listen = flags.listen;
  options.port = flags.port;
#ifdef FERRY_VERSION
  options.version = FERRY_VERSION;
#endif
  // The sandbox's default account; public values, not secrets.
  options.static_credentials = aws::Credentials{"test", "test", "", std::nullopt, "ferry up"};
  options.waiter_delay = std::chrono::milliseconds(200);
  // One clock for the sandbox and the server: POST /_ferry/clock ends bakes and waits too.
  options.clock = &(*sandbox)->clock();
  auto runtime = ServerRuntime::Start(options);
  if (!runtime.ok()) {
    std::cerr << "ferry up: server: " << runtime.error().message
              << (runtime.error().code == ErrorCode::kUnavailable
                      ? " (pass --port 0 for a free port)"
                      : "")
              << "\n";
    return 1;
  }
  std::cout << "server started at " << (*runtime)->url() << " (data in " << data_dir << ")\n"
            << std::flush;

  // Each start prints a new admin token: the ones earlier starts printed are revoked, and this
  // one expires after a week, so tokens of old sessions do not pile up valid forever.
  if (auto earlier = (*runtime)->store().tokens().List(); earlier.ok()) {
    for (const store::TokenRecord& t : *earlier) {
      if (t.created_by == "ferry up" && t.name.starts_with("ferry-up-") && !t.revoked_at) {
        (void)(*runtime)->store().tokens().Revoke(t.name, "ferry up");
      }
    }
  }
  if (Status accounts = EnsureUpAccounts((*runtime)->store(), data_dir); !accounts.ok()) {
    std::cerr << "ferry up: " << accounts.error().message << "\n";
    return 1;
  }
  store::NewToken token_request;
  token_request.name = "ferry-up-" + (*runtime)->ids().NewId();
  token_request.scopes = {"admin"};
  token_request.owner = std::string(kUpServiceAccount);
  token_request.expires_at = SystemClock::Instance().Now() + std::chrono::hours(24 * 7);
  auto token = (*runtime)->store().tokens().Issue(token_request, "ferry up");
  if (!token.ok()) {
    std::cerr << "ferry up: cannot create a token: " << token.error().message << "\n";
    return 1;
  }

  std::cout << "deploying the sample application to dev...\n" << std::flush;
  SeedOptions seed_options;
  seed_options.sandbox_url = sandbox_url;
  seed_options.sample_dir = (std::filesystem::path(data_dir) / "sample").string();
  seed_options.stop = signals.stop_token();
  auto seed = SeedSample(**runtime, seed_options);
  bool deployed = false;
  if (!seed.ok()) {
    std::cerr << "ferry up: " << seed.error().message << "\n";
    if (signals.stop_token().stop_requested()) return 1;
  } else {
    std::cout << "sample configuration: " << seed->config_summary << "\n";
    deployed = seed->execution_status == "succeeded";
    if (!deployed) {
      std::cerr << "ferry up: the sample deployment " << seed->execution_id << " ended "
                << seed->execution_status << ": " << seed->execution_error << "\n";
    } else {
      std::cout << "sample deployed: " << seed->function_name << " version " << seed->alias_version
                << " behind alias dev ("
                << (seed->deployed_now ? "execution " : "kept from execution ")
                << seed->execution_id << ")\n"
                << "invoked " << seed->function_name << ":dev -> " << seed->invoke_payload << "\n";
    }
  }
  PrintNextSteps((*runtime)->url(), sandbox_url, token->secret, seed_options.sample_dir,
                 seed.ok() ? *seed : SeedOutcome{});
  if (flags.exit_after_deploy) {
    (*runtime)->Stop();
    (*sandbox)->Stop();
    return deployed ? 0 : 1;
  }
  signals.Wait();
  std::cout << "stopping...\n" << std::flush;
  (*runtime)->Stop();
  (*sandbox)->Stop();
  return 0;
}

}  // namespace

void AddUpCommand(CLI::App& root, CommandContext& ctx) {
  auto* cmd = root.add_subcommand(
      "up",
      "Run everything locally (sandbox, server, delegate) with a deployed sample application");
  auto flags = std::make_shared<UpFlags>();
  cmd->add_option("--data", flags->data_dir, "Data directory (server and sandbox state)")
      ->capture_default_str();
  cmd->add_option("--port", flags->port, "API port (0 picks a free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--sandbox-port", flags->sandbox_port, "Sandbox port (0 picks a free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_flag("--exit-after-deploy", flags->exit_after_deploy,
                "Stop once the sample is deployed and the commands are printed (tests, CI)");
  AddLeaseFlags(*cmd, flags->leases);
  cmd->callback([&ctx, flags] {
    TerminationSignals signals;
    ctx.exit_code = RunUp(*flags, signals);
  });
}

}  // namespace ferry::app
