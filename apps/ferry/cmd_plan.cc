// ferry plan APP/SERVICE --env ENV [--workflow W] [--artifact ID | --s3 s3://b/k[?versionId=V]]
// [-o json]: what a deploy would do to each function, from live reads, changing nothing (src/cli).
// Exit 0: nothing to do; 2: changes; 1: error.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "commands.h"
#include "common/clock.h"

namespace ferry::app {

void AddPlanCommand(CLI::App& root, CommandContext& ctx) {
  struct Flags {
    cli::PlanArgs args;
    cli::ClientFlags client;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = root.add_subcommand(
      "plan",
      "Show what a deploy would do to each function, changing nothing (exit 0: no change, 2: "
      "changes, 1: error; -v lists every call)");
  cmd->add_option("target", flags->args.target, "APP/SERVICE, e.g. shop/orders")->required();
  cmd->add_option("--env", flags->args.environment, "Environment to plan for")->required();
  cmd->add_option("--workflow", flags->args.workflow,
                  "Workflow (default: the application's workflow for this service and env)");
  cmd->add_option("--artifact", flags->args.artifact_id, "Artifact id to plan");
  cmd->add_option("--s3", flags->args.s3_url,
                  "Plan this object: s3://bucket/key or s3://bucket/key?versionId=V");
  AddClientFlags(*cmd, flags->client);
  cmd->callback([flags, &ctx] {
    cli::CommandIo io{std::cout, std::cerr, ::isatty(STDOUT_FILENO) == 1, SystemClock::Instance()};
    ctx.exit_code = cli::RunPlan(flags->args, flags->client, io);
  });
}

}  // namespace ferry::app
