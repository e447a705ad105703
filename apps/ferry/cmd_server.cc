// `ferry server [--data DIR | --store postgres://USER@HOST:PORT/DB] [--listen 127.0.0.1]
// [--port 8080] [--lease 10s] [--heartbeat 3s] [--delegate-selectors a,b]
// [--no-embedded-delegate] [--tls-cert PEM --tls-key PEM] [--secret-key-file FILE]`: the REST
// API, the engine and the embedded delegate (or, with --no-embedded-delegate, none: remote `ferry
// delegate`s) on one SQLite data directory, which it locks (a second server on it exits 1), or on
// a PostgreSQL database that several servers may share. Bad flag values exit 2. Once serving it
// prints exactly one line, "ferry server listening on http://HOST:PORT" (flushed), for scripts
// and tests; logs go to stderr. SIGINT/SIGTERM stop it gracefully (exit 0).
#include <cstdlib>
#include <iostream>

#include "commands.h"
#include "server_runtime.h"
#include "store_choice.h"

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

  AddStoreFlag(*cmd, options->store_url);
  cmd->add_option("--secret-key-file", options->secret_key.file,
                  "Key sealing `source: ferry` secret values: 32 bytes, raw or base64, mode 0600 "
                  "(else env FERRY_SECRET_KEY, base64)");
  cmd->add_option("--secret-previous-key-file", options->previous_secret_key.file,
                  "The key being rotated out (else env FERRY_SECRET_PREVIOUS_KEY); values it "
                  "sealed still open until POST /api/v1/secret-key/rotate re-seals them");
  cmd->add_flag("!--no-embedded-delegate", options->embedded_delegate,
                "Run no delegate in the server: every task waits for a remote `ferry delegate`");

  cmd->add_option("--tls-cert", options->tls_cert_file,
                  "PEM certificate (chain): serve HTTPS only (with --tls-key)");
  cmd->add_option("--tls-key", options->tls_key_file, "PEM private key of --tls-cert");
  cmd->add_option("--trusted-proxy", options->trusted_proxies,
                  "IP address of a reverse proxy whose X-Forwarded-For names the client in the "
                  "audit trail (repeatable; from anyone else the header is ignored)")
      ->check([](const std::string& v) {
        return v.empty() || v.find_first_not_of("0123456789abcdefABCDEF.:") != std::string::npos
                   ? std::string("give the proxy's IP address, e.g. 10.0.0.5")
                   : std::string();
      });
  cmd->add_option("--secret-dir", options->secrets.file_dir,
                  "Directory that `file` secrets must be in (default: DATA/secrets)");
  cmd->add_option("--secret-env-prefix", options->secrets.env_prefix,
                  "Prefix that `env` secrets' variable names must have")
      ->check([](const std::string& v) {
        return v.empty() ? std::string("the prefix must not be empty") : std::string();
      })
      ->capture_default_str();

  cmd->add_option("--public-url", options->public_url,
                  "The URL people reach this server at, for links in notifications (default: "
                  "the URL it listens on)");
  auto notify_flags = std::make_shared<std::pair<std::string, std::string>>("10s", "5s");
  cmd->add_option("--notification-timeout", notify_flags->first,
                  "How long one notification delivery attempt may take (1s-5m)")
      ->capture_default_str();
  cmd->add_option("--notification-retry", notify_flags->second,
                  "The wait before a failed notification's first retry; it doubles with each "
                  "(100ms-1h)")
      ->capture_default_str();

  auto leases = std::make_shared<LeaseFlags>();
  AddLeaseFlags(*cmd, *leases);

  cmd->callback([&ctx, options, leases, notify_flags] {
#ifdef FERRY_VERSION
    options->version = FERRY_VERSION;
#endif
    Status flags = ApplyLeaseFlags(leases->lease, leases->heartbeat, leases->selectors, *options);
    if (flags.ok()) flags = CheckStoreUrl(options->store_url);
    if (flags.ok()) {
      flags = ApplyNotificationFlags(notify_flags->first, notify_flags->second, *options);
    }
    if (!flags.ok()) {
      std::cerr << "ferry server: " << flags.error().message << "\n";
      ctx.exit_code = 2;
      return;
    }
    if (options->tls_cert_file.empty() != options->tls_key_file.empty()) {
      std::cerr << "ferry server: --tls-cert and --tls-key go together\n";
      ctx.exit_code = 2;
      return;
    }
    TerminationSignals signals;
    auto runtime = ServerRuntime::Start(*options);
    if (!runtime.ok()) {
      std::cerr << "ferry server: " << runtime.error().message << "\n";
      ctx.exit_code = runtime.error().code == ErrorCode::kInvalidArgument ? 2 : 1;
      return;
    }
    std::cout << "ferry server listening on " << (*runtime)->url() << std::endl;
    signals.Wait();
    (*runtime)->Stop();
    ctx.exit_code = 0;
  });
}

}  // namespace ferry::app
