// `ferry sandbox`: a local AWS-compatible endpoint (Lambda, S3, CloudWatch, STS). The first line on
// stdout is "ferry sandbox listening on http://HOST:PORT" (flushed), for scripts and tests.
#include <signal.h>

#include <iostream>

#include "commands.h"
#include "common/strings.h"
#include "common/time.h"
#include "sandbox/sandbox.h"

namespace ferry::app {

void AddSandboxCommand(CLI::App& root, CommandContext& ctx) {
  auto* cmd = root.add_subcommand("sandbox",
                                  "Run a local AWS-compatible endpoint (Lambda, S3, "
                                  "CloudWatch, STS) that runs functions for real");
  struct Flags {
    sandbox::SandboxOptions options;
    std::string data;
    std::string update_delay = "1s";
    std::string accounts_file;
    int64_t fault_seed = -1;
  };
  auto flags = std::make_shared<Flags>();
  cmd->add_option("--port", flags->options.port, "Port to listen on (0 picks a free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--host", flags->options.host, "Address to bind (loopback by default)")
      ->capture_default_str();
  cmd->add_option("--data", flags->data, "Directory that keeps all state across restarts");
  cmd->add_option("--region", flags->options.region, "Default region")->capture_default_str();
  cmd->add_option("--update-delay", flags->update_delay,
                  "How long functions stay Pending/InProgress after a change (e.g. 1s, 200ms, 0)")
      ->capture_default_str();
  cmd->add_flag("--quota", flags->options.quotas,
                "Enforce Lambda's control-plane request quotas (15/s, GetFunction 100/s)");
  cmd->add_option("--fault", flags->options.faults,
                  "Inject faults: op=Invoke,rate=0.2,code=ServiceException,latency=300ms "
                  "(repeatable)");
  cmd->add_option("--fault-seed", flags->fault_seed, "Seed for fault decisions (reproducible)");
  cmd->add_option("--account", flags->options.accounts,
                  "Extra credentials ACCOUNT_ID:ACCESS_KEY_ID:SECRET (repeatable)");
  cmd->add_option("--accounts-file", flags->accounts_file,
                  "JSON file {\"accounts\":[{\"id\":...,\"keys\":[{\"access_key_id\":...,"
                  "\"secret_access_key\":...}]}]}");
  cmd->add_option("--traffic", flags->options.traffic,
                  "Invoke an alias in the background: FUNCTION:ALIAS@RATE (per second; "
                  "repeatable; see GET /_ferry/traffic)");
  cmd->add_option("--max-workers", flags->options.max_workers_per_function,
                  "Warm handler processes per function version")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();

  cmd->callback([&ctx, flags] {
    sandbox::SandboxOptions options = flags->options;
    if (!flags->data.empty()) options.data_dir = flags->data;
    if (!flags->accounts_file.empty()) options.accounts_file = flags->accounts_file;
    if (flags->fault_seed >= 0) options.fault_seed = static_cast<uint64_t>(flags->fault_seed);
    if (flags->update_delay == "0") {
      options.update_delay = Duration(0);
    } else {
      auto delay = ParseDuration(flags->update_delay);
      if (!delay) {
        std::cerr << "ferry sandbox: --update-delay " << QuoteForMessage(flags->update_delay)
                  << " is not a duration such as 1s or 200ms\n";
        ctx.exit_code = 2;
        return;
      }
      options.update_delay = *delay;
    }
    // Block the termination signals before any thread starts, then wait for one.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    auto started = sandbox::Sandbox::Start(options);
    if (!started.ok()) {
      std::cerr << "ferry sandbox: " << started.error().message << "\n";
      ctx.exit_code = 1;
      return;
    }
    std::cout << "ferry sandbox listening on " << (*started)->endpoint_url() << std::endl;
    int received = 0;
    sigwait(&signals, &received);
    (*started)->Stop();
    ctx.exit_code = 0;
  });
}

}  // namespace ferry::app
