// `ferry server --data DIR [--listen 127.0.0.1] [--port 8080] [--lease 10s] [--heartbeat 3s]
// [--delegate-selectors a,b]`: the REST API, the engine and the embedded delegate on one SQLite
// data directory, which it locks (a second server on it exits 1). Bad flag values exit 2. Once
// serving it prints exactly one line, "ferry server listening on http://HOST:PORT" (flushed), for
// scripts and tests; logs go to stderr. SIGINT/SIGTERM stop it gracefully (exit 0).
#include <cstdlib>
#include <iostream>

#include "commands.h"
#include "server_runtime.h"

namespace ferry::app {
namespace {

std::string DefaultDataDir() {
  const char* env = std::getenv("FERRY_DATA_DIR");
  return env != nullptr && *env != '\0' ? env : "./ferry-data";
}

}  // namespace

void AddServerCommand(CLI::App& root, CommandContext& ctx) {
  auto* cmd = root.add_subcommand(
      "server", "Run the Ferry server: REST API, deployment engine and embedded delegate");
  auto options = std::make_shared<ServerRuntimeOptions>();
  options->data_dir = DefaultDataDir();
  cmd->add_option("--data", options->data_dir, "Data directory (env FERRY_DATA_DIR)")
      ->capture_default_str();
  cmd->add_option("--listen", options->listen, "Address to bind")->capture_default_str();
  cmd->add_option("--port", options->port, "Port to listen on (0 picks a free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--region", options->default_region,
                  "Region used when a cloud provider names none")
      ->capture_default_str();
  cmd->add_option("--max-tasks", options->max_concurrent_tasks,
                  "Delegate tasks run at once by the embedded delegate")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();

  cmd->add_option("--secret-dir", options->secrets.file_dir,
                  "Directory that `file` secrets must be in (default: DATA/secrets)");
  cmd->add_option("--secret-env-prefix", options->secrets.env_prefix,
                  "Prefix that `env` secrets' variable names must have")
      ->check([](const std::string& v) {
        return v.empty() ? std::string("the prefix must not be empty") : std::string();
      })
      ->capture_default_str();

  auto leases = std::make_shared<LeaseFlags>();
  AddLeaseFlags(*cmd, *leases);

  cmd->callback([&ctx, options, leases] {
#ifdef FERRY_VERSION
    options->version = FERRY_VERSION;
#endif
    Status flags = ApplyLeaseFlags(leases->lease, leases->heartbeat, leases->selectors, *options);
    if (!flags.ok()) {
      std::cerr << "ferry server: " << flags.error().message << "\n";
      ctx.exit_code = 2;
      return;
    }
    TerminationSignals signals;
    auto runtime = ServerRuntime::Start(*options);
    if (!runtime.ok()) {
      std::cerr << "ferry server: " << runtime.error().message << "\n";
      ctx.exit_code = 1;
      return;
    }
    std::cout << "ferry server listening on " << (*runtime)->url() << std::endl;
    signals.Wait();
    (*runtime)->Stop();
    ctx.exit_code = 0;
  });
}

}  // namespace ferry::app
