// ferry deploy APP/SERVICE --env ENV [--workflow W] [--artifact ID | --s3 s3://b/k[?versionId=V]]
// [--override-freeze REASON] [--wait]: starts a deployment through the API (src/cli), optionally
// following it to the end.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "commands.h"
#include "common/clock.h"

namespace ferry::app {

void AddDeployCommand(CLI::App& root, CommandContext& ctx) {
  struct Flags {
    cli::DeployArgs args;
    cli::ClientFlags client;
    std::string override_freeze;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = root.add_subcommand(
      "deploy", "Deploy a service to an environment (prints the execution id; --wait follows it)");
  cmd->add_option("target", flags->args.target, "APP/SERVICE, e.g. shop/orders")->required();
  cmd->add_option("--env", flags->args.environment, "Environment to deploy to")->required();
  cmd->add_option("--workflow", flags->args.workflow,
                  "Workflow (default: the application's workflow for this service and env)");
  cmd->add_option("--artifact", flags->args.artifact_id, "Artifact id to deploy");
  cmd->add_option("--s3", flags->args.s3_url,
                  "Deploy this object: s3://bucket/key or s3://bucket/key?versionId=V");
  cmd->add_flag(
      "--allow-outside-source", flags->args.allow_outside_source,
      "Deploy an artifact from outside the service's artifact source (admin tokens only)");
  auto* override_freeze =
      cmd->add_option("--override-freeze", flags->override_freeze,
                      "Deploy through an active freeze window, recording REASON (admin tokens "
                      "only; 1-500 characters)");
  override_freeze->type_name("REASON");
  cmd->add_flag("--wait", flags->args.wait,
                "Follow the execution to its end; exit 0 only if it succeeded");
  AddClientFlags(*cmd, flags->client);
  cmd->callback([flags, override_freeze, &ctx] {
    if (override_freeze->count() > 0) flags->args.override_freeze = flags->override_freeze;
    cli::CommandIo io{std::cout, std::cerr, ::isatty(STDOUT_FILENO) == 1, SystemClock::Instance()};
    ctx.exit_code = cli::RunDeploy(flags->args, flags->client, io);
  });
}

}  // namespace ferry::app
