// ferry executions [get ID] / logs ID [-f] / abort ID / rollback APP/SERVICE --env ENV / audit /
// freezes / notifications: the execution, audit, freeze-window and notification commands, clients of the API (src/cli).
#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "commands.h"
#include "common/clock.h"

namespace ferry::app {
namespace {

cli::CommandIo StandardIo() {
  return cli::CommandIo{std::cout, std::cerr, ::isatty(STDOUT_FILENO) == 1,
                        SystemClock::Instance()};
}

}  // namespace

void AddExecutionCommands(CLI::App& root, CommandContext& ctx) {
  struct Flags {
    cli::ListArgs list;
    cli::RollbackArgs rollback;
    cli::AuditArgs audit;
    cli::FreezesArgs freezes;
    cli::NotificationsArgs notifications;
    std::string id;
    bool follow = false;
    std::string application;
    bool all = false;
    cli::ClientFlags client;
  };
  auto flags = std::make_shared<Flags>();

  auto* executions = root.add_subcommand("executions", "List executions, newest first");
  executions->add_option("--app", flags->list.application, "Only this application");
  executions->add_option("--service", flags->list.service, "Only this service");
  executions->add_option("--env", flags->list.environment, "Only this environment");
  executions->add_option("--status", flags->list.status, "Only this status (e.g. running, failed)");
  executions->add_option("--limit", flags->list.limit, "At most this many (1-200)")
      ->capture_default_str();
  AddClientFlags(*executions, flags->client);
  executions->callback([flags, &ctx, executions] {
    if (executions->get_subcommands().empty()) {
      auto io = StandardIo();
      ctx.exit_code = cli::RunListExecutions(flags->list, flags->client, io);
    }
  });

  auto* audit = root.add_subcommand(
      "audit", "Show the audit trail: who changed what, when and from where, newest first");
  audit->add_option("--actor", flags->audit.actor, "Only this actor (e.g. token:ci)");
  audit->add_option("--action", flags->audit.action, "Only this action (e.g. entity.update)");
  audit->add_option("--app", flags->audit.application, "Only this application");
  audit->add_option("--target", flags->audit.target,
                    "Only this target (e.g. service/shop/orders, an execution id)");
  audit->add_option("--since", flags->audit.since, "From this time: 2h (before now) or RFC 3339");
  audit->add_option("--until", flags->audit.until,
                    "Before this time: 30m (before now) or RFC 3339");
  audit->add_option("--limit", flags->audit.limit, "At most this many (1-200)")
      ->capture_default_str();
  AddClientFlags(*audit, flags->client);
  audit->callback([flags, &ctx] {
    auto io = StandardIo();
    ctx.exit_code = cli::RunListAudit(flags->audit, flags->client, io);
  });

  auto* freezes = root.add_subcommand(
      "freezes",
      "List the freeze windows: active now or not, until when, next start and end (in each "
      "window's zone), scope");
  freezes->add_option("--app", flags->freezes.application,
                      "Only windows covering this application");
  freezes->add_option("--env-type", flags->freezes.environment_type,
                      "Only windows covering this environment type (production, non-production)");
  AddClientFlags(*freezes, flags->client);
  freezes->callback([flags, &ctx] {
    auto io = StandardIo();
    ctx.exit_code = cli::RunListFreezes(flags->freezes, flags->client, io);
  });

  auto* notifications = root.add_subcommand(
      "notifications",
      "List recent notification deliveries: channel, event, status, attempts, last error");
  notifications->add_option("--channel", flags->notifications.channel, "Only this channel");
  notifications->add_option("--app", flags->notifications.application, "Only this application");
  notifications->add_option("--status", flags->notifications.status,
                            "Only this status (pending, delivered, failed)");
  notifications->add_option("--limit", flags->notifications.limit, "At most this many (1-200)")
      ->capture_default_str();
  AddClientFlags(*notifications, flags->client);
  notifications->callback([flags, &ctx] {
    auto io = StandardIo();
    ctx.exit_code = cli::RunListNotifications(flags->notifications, flags->client, io);
  });

  auto* get = executions->add_subcommand("get", "Show an execution: steps, states, outputs");
  get->add_option("id", flags->id, "Execution id")->required();
  AddClientFlags(*get, flags->client);
  get->callback([flags, &ctx] {
    auto io = StandardIo();
    ctx.exit_code = cli::RunGetExecution(flags->id, flags->client, io);
  });

  auto* logs = root.add_subcommand("logs", "Print an execution's log lines (-f: follow)");
  logs->add_option("id", flags->id, "Execution id")->required();
  logs->add_flag("-f,--follow", flags->follow,
                 "Stream new lines until the execution ends; exit 0 only if it succeeded");
  AddClientFlags(*logs, flags->client);
  logs->callback([flags, &ctx] {
    auto io = StandardIo();
    ctx.exit_code = cli::RunLogs(flags->id, flags->follow, flags->client, io);
  });

  auto* verification = root.add_subcommand(
      "verification", "Show an execution's verifications: each metric's verdict, p-value, effect");
  verification->add_option("id", flags->id, "Execution id")->required();
  AddClientFlags(*verification, flags->client);
  verification->callback([flags, &ctx] {
    auto io = StandardIo();
    ctx.exit_code = cli::RunVerifications(flags->id, flags->client, io);
  });

  auto* incidents = root.add_subcommand(
      "incidents", "List Service Guard and drift incidents (open ones; --all: closed ones too)");
  incidents->add_option("--app", flags->application, "Only this application's incidents");
  incidents->add_flag("--all", flags->all, "Closed incidents too");
  AddClientFlags(*incidents, flags->client);
  incidents->callback([flags, &ctx] {
    auto io = StandardIo();
    ctx.exit_code = cli::RunIncidents(flags->application, flags->all, flags->client, io);
  });

  auto* abort = root.add_subcommand("abort", "Abort a running execution (it then rolls back)");
  abort->add_option("id", flags->id, "Execution id")->required();
  AddClientFlags(*abort, flags->client);
  abort->callback([flags, &ctx] {
    auto io = StandardIo();
    ctx.exit_code = cli::RunAbort(flags->id, flags->client, io);
  });

  auto* rollback = root.add_subcommand(
      "rollback", "Restore a service's aliases in an environment to an earlier deployment");
  rollback->add_option("target", flags->rollback.target, "APP/SERVICE, e.g. shop/orders")
      ->required();
  rollback->add_option("--env", flags->rollback.environment, "Environment")->required();
  rollback->add_option("--to", flags->rollback.to_execution,
                       "Execution to restore (default: the one before the latest success)");
  rollback->add_flag("--wait", flags->rollback.wait,
                     "Follow the rollback to its end; exit 0 only if it succeeded");
  AddClientFlags(*rollback, flags->client);
  rollback->callback([flags, &ctx] {
    auto io = StandardIo();
    ctx.exit_code = cli::RunRollback(flags->rollback, flags->client, io);
  });
}

}  // namespace ferry::app
