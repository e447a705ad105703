// The ferry subcommands. Each Add*Command registers one subcommand (or a group) on the root app;
// the callback it installs sets `exit_code` when the command runs.
//
// This directory is the only place that picks implementations (SQLite or PostgreSQL store,
// embedded or remote delegate, the real clock) and wires modules together.
#pragma once

#include <CLI/CLI.hpp>

namespace ferry::cli {
struct ClientFlags;
}

namespace ferry::app {

struct CommandContext {
  int exit_code = 0;
};

void AddVersionCommand(CLI::App& root, CommandContext& ctx);
void AddSandboxCommand(CLI::App& root, CommandContext& ctx);
// validate, apply, export (cmd_config.cc).
void AddConfigCommands(CLI::App& root, CommandContext& ctx);
// deploy (cmd_deploy.cc); executions [get], logs, abort, rollback (cmd_executions.cc): API clients.
void AddDeployCommand(CLI::App& root, CommandContext& ctx);
// plan (cmd_plan.cc): an API client.
void AddPlanCommand(CLI::App& root, CommandContext& ctx);
void AddDriftCommand(CLI::App& root, CommandContext& ctx);
void AddExecutionCommands(CLI::App& root, CommandContext& ctx);
// secrets set / show / unset / rotate-key (cmd_secrets.cc): an API client.
void AddSecretCommands(CLI::App& root, CommandContext& ctx);
// token create / list / revoke and delegate-token create (cmd_token.cc), on the data directory.
void AddTokenCommands(CLI::App& root, CommandContext& ctx);
// server (cmd_server.cc) and up (cmd_up.cc): the server runtime (server_runtime.h).
void AddServerCommand(CLI::App& root, CommandContext& ctx);
void AddUpCommand(CLI::App& root, CommandContext& ctx);
// delegate (a remote delegate) and delegates (an API client listing them) (cmd_delegate.cc).
void AddDelegateCommand(CLI::App& root, CommandContext& ctx);

// users, login and rbac (cmd_users.cc): API clients.
void AddUserCommands(CLI::App& root, CommandContext& ctx);

// pipelines run / rerun, approvals, approve, reject (cmd_pipelines.cc): API clients.
void AddPipelineCommands(CLI::App& root, CommandContext& ctx);

// --server, --token, -o/--output, -v/--verbose on an API command (client_flags.cc).
void AddClientFlags(CLI::App& command, cli::ClientFlags& flags);

}  // namespace ferry::app
