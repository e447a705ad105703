// ferry pipelines run APP/PIPELINE [--artifact ID | --s3 URL] [--var k=v]... [--wait]
// ferry pipelines rerun EXECUTION_ID [--wait]
// ferry approvals [--app APP] [--all]; ferry approve ID [--comment C] [--var k=v]...;
// ferry reject ID [--comment C]: pipelines and approvals through the API (src/cli).
#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "commands.h"
#include "common/clock.h"

namespace ferry::app {
namespace {

cli::CommandIo Io() {
  return cli::CommandIo{std::cout, std::cerr, ::isatty(STDOUT_FILENO) == 1,
                        SystemClock::Instance()};
}

void AddDecideCommand(CLI::App& root, CommandContext& ctx, bool approve) {
  struct Flags {
    cli::DecideArgs args;
    cli::ClientFlags client;
    std::string comment;
  };
  auto flags = std::make_shared<Flags>();
  flags->args.approve = approve;
  auto* cmd =
      root.add_subcommand(approve ? "approve" : "reject",
                          approve ? "Approve a waiting approval (ferry approvals lists them)"
                                  : "Reject a waiting approval (its execution fails)");
  cmd->add_option("id", flags->args.id, "Approval id")->required();
  auto* comment = cmd->add_option("--comment", flags->comment, "Why (recorded and audited)");
  if (approve) {
    cmd->add_option("--var", flags->args.vars,
                    "NAME=VALUE for an input the approval asks for (repeatable)");
  }
  AddClientFlags(*cmd, flags->client);
  cmd->callback([flags, comment, &ctx] {
    if (comment->count() > 0) flags->args.comment = flags->comment;
    cli::CommandIo io = Io();
    ctx.exit_code = cli::RunDecide(flags->args, flags->client, io);
  });
}

}  // namespace

void AddPipelineCommands(CLI::App& root, CommandContext& ctx) {
  auto* pipelines = root.add_subcommand("pipelines", "Run pipelines and rerun failed ones");
  pipelines->require_subcommand(1);
  {
    struct Flags {
      cli::PipelineRunArgs args;
      cli::ClientFlags client;
      std::string override_freeze;
    };
    auto flags = std::make_shared<Flags>();
    auto* run = pipelines->add_subcommand(
        "run", "Start a pipeline (prints the execution id; --wait follows it)");
    run->add_option("target", flags->args.target, "APP/PIPELINE, e.g. shop/release")->required();
    run->add_option("--artifact", flags->args.artifact_id, "Artifact id every stage deploys");
    run->add_option("--s3", flags->args.s3_url,
                    "Deploy this object in every stage: s3://bucket/key[?versionId=V]");
    run->add_option("--var", flags->args.vars, "NAME=VALUE of a pipeline variable (repeatable)");
    auto* override_freeze = run->add_option(
        "--override-freeze", flags->override_freeze,
        "Run through an active freeze window, recording REASON (admin tokens only)");
    override_freeze->type_name("REASON");
    run->add_flag("--wait", flags->args.wait,
                  "Follow the execution to its end; exit 0 only if it succeeded");
    AddClientFlags(*run, flags->client);
    run->callback([flags, override_freeze, &ctx] {
      if (override_freeze->count() > 0) flags->args.override_freeze = flags->override_freeze;
      cli::CommandIo io = Io();
      ctx.exit_code = cli::RunPipeline(flags->args, flags->client, io);
    });
  }
  {
    struct Flags {
      std::string id;
      bool wait = false;
      cli::ClientFlags client;
    };
    auto flags = std::make_shared<Flags>();
    auto* rerun = pipelines->add_subcommand(
        "rerun", "Run a failed pipeline execution again from its failed stage (a new execution)");
    rerun->add_option("id", flags->id, "The failed pipeline execution")->required();
    rerun->add_flag("--wait", flags->wait, "Follow the new execution to its end");
    AddClientFlags(*rerun, flags->client);
    rerun->callback([flags, &ctx] {
      cli::CommandIo io = Io();
      ctx.exit_code = cli::RunPipelineRerun(flags->id, flags->wait, flags->client, io);
    });
  }
  {
    struct Flags {
      std::string application;
      bool all = false;
      cli::ClientFlags client;
    };
    auto flags = std::make_shared<Flags>();
    auto* approvals = root.add_subcommand("approvals", "List approvals that wait for a decision");
    approvals->add_option("--app", flags->application, "Only this application");
    approvals->add_flag("--all", flags->all, "Decided ones too");
    AddClientFlags(*approvals, flags->client);
    approvals->callback([flags, &ctx] {
      cli::CommandIo io = Io();
      ctx.exit_code = cli::RunListApprovals(flags->application, flags->all, flags->client, io);
    });
  }
  AddDecideCommand(root, ctx, true);
  AddDecideCommand(root, ctx, false);
}

}  // namespace ferry::app
