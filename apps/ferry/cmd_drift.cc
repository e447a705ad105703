// ferry drift [APP/SERVICE] [--env ENV] [-o json]: what changed on deployed functions outside
// Ferry since Ferry last left them (src/cli). Exit 0: no drift; 2: drift; 1: error.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "commands.h"
#include "common/clock.h"

namespace ferry::app {

void AddDriftCommand(CLI::App& root, CommandContext& ctx) {
  struct Flags {
    cli::DriftArgs args;
    cli::ClientFlags client;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = root.add_subcommand(
      "drift",
      "Show what changed on deployed functions outside Ferry since Ferry last left them: alias "
      "targets and weights, code, configuration, tags, versions (exit 0: none, 2: drift, 1: "
      "error)");
  cmd->add_option("target", flags->args.target,
                  "APP/SERVICE, e.g. shop/orders (default: every service Ferry deployed)");
  cmd->add_option("--env", flags->args.environment,
                  "Only this environment (default: every environment of the application)");
  AddClientFlags(*cmd, flags->client);
  cmd->callback([flags, &ctx] {
    cli::CommandIo io{std::cout, std::cerr, ::isatty(STDOUT_FILENO) == 1, SystemClock::Instance()};
    ctx.exit_code = cli::RunDrift(flags->args, flags->client, io);
  });
}

}  // namespace ferry::app
