// The CLI's API commands (deploy, rollback, executions, executions get, logs, abort) as functions
// of their parsed arguments, so they run the same from `ferry` (apps/ferry/cmd_*.cc parses the
// arguments with CLI11 and calls them) and from tests. Each returns the process exit code:
//   0  success (for --wait and `logs -f`: the execution succeeded)
//   1  the execution ended other than succeeded, or a request failed (message on err)
//   2  bad usage: a malformed argument, an unknown -o, a bad server URL (message on err)
// stdout (io.out) carries only the result (an id, a table, JSON); progress goes there too in text
// mode with --wait; errors go to io.err prefixed "ferry: ". Not thread-safe.
#pragma once

#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/clock.h"

namespace ferry::cli {

// --server, --token, -o, -v: on every API command (apps/ferry/client_flags.cc registers them).
// Unset values come from FERRY_SERVER and FERRY_TOKEN at run time (read then, not at parse, so a
// flag always wins over the environment).
struct ClientFlags {
  std::string server;
  std::string token;
  std::string output = "text";
  bool verbose = false;
};

struct CommandIo {
  std::ostream& out;
  std::ostream& err;
  bool interactive = false;  // out is a terminal: progress redraws one line
  Clock& clock;
  Duration poll_interval = std::chrono::seconds(1);
};

struct DeployArgs {
  std::string target;  // APP/SERVICE
  std::string environment;
  std::string workflow;
  std::string artifact_id;
  std::string s3_url;
  bool wait = false;
  bool allow_outside_source = false;  // admin tokens only (the server checks)
  // Deploy through an active freeze window with this reason (admin tokens only; the server
  // checks the reason: 1-500 characters).
  std::optional<std::string> override_freeze;
};
int RunDeploy(const DeployArgs& args, const ClientFlags& flags, CommandIo& io);

struct PlanArgs {
  std::string target;  // APP/SERVICE
  std::string environment;
  std::string workflow;
  std::string artifact_id;
  std::string s3_url;
};
// Exit codes differ from the other commands (Terraform's -detailed-exitcode): 0 when a deploy
// would change nothing, 2 when it would change something, 1 on any error (bad usage included).
int RunPlan(const PlanArgs& args, const ClientFlags& flags, CommandIo& io);

struct DriftArgs {
  std::string target;       // APP/SERVICE; empty: every service of every application
  std::string environment;  // empty: every environment of the application
};
// Exit codes like plan's: 0 no drift, 2 drift found, 1 any error.
int RunDrift(const DriftArgs& args, const ClientFlags& flags, CommandIo& io);

struct RollbackArgs {
  std::string target;
  std::string environment;
  std::string to_execution;
  bool wait = false;
};
int RunRollback(const RollbackArgs& args, const ClientFlags& flags, CommandIo& io);

struct ListArgs {
  std::string application;
  std::string service;
  std::string environment;
  std::string status;
  int limit = 20;
};
int RunListExecutions(const ListArgs& args, const ClientFlags& flags, CommandIo& io);
int RunGetExecution(const std::string& id, const ClientFlags& flags, CommandIo& io);
int RunLogs(const std::string& id, bool follow, const ClientFlags& flags, CommandIo& io);
int RunAbort(const std::string& id, const ClientFlags& flags, CommandIo& io);
// ferry verification ID: the execution's verify steps, their metrics and verdicts.
int RunVerifications(const std::string& id, const ClientFlags& flags, CommandIo& io);
// ferry incidents [--app APP] [--all]: Service Guard's and drift detection's incidents (open
// ones; all: closed ones too), newest first.
int RunIncidents(const std::string& application, bool all, const ClientFlags& flags, CommandIo& io);

// ferry pipelines run APP/PIPELINE [--artifact ID | --s3 URL] [--var k=v]... [--wait]
struct PipelineRunArgs {
  std::string target;  // APP/PIPELINE
  std::string artifact_id;
  std::string s3_url;
  std::vector<std::string> vars;  // "k=v"
  bool wait = false;
  std::optional<std::string> override_freeze;
};
int RunPipeline(const PipelineRunArgs& args, const ClientFlags& flags, CommandIo& io);
// ferry pipelines rerun EXECUTION_ID [--wait]: a new run from the failed stage.
int RunPipelineRerun(const std::string& id, bool wait, const ClientFlags& flags, CommandIo& io);

// ferry approvals [--app APP] [--all]: what waits (or, with --all, every decision too).
int RunListApprovals(const std::string& application, bool all, const ClientFlags& flags,
                     CommandIo& io);
// ferry approve ID [--comment C] [--var k=v]... / ferry reject ID [--comment C].
struct DecideArgs {
  std::string id;
  bool approve = true;
  std::optional<std::string> comment;
  std::vector<std::string> vars;
};
int RunDecide(const DecideArgs& args, const ClientFlags& flags, CommandIo& io);

// `ferry secrets set NAME` stores the value of a `source: ferry` secret, read from `value_in`
// (stdin: never a flag, which `ps` and shell history would show; one trailing newline removed);
// `show` prints its metadata (never the value), `unset` deletes it, `rotate-key` re-seals every
// value under the server's current key.
int RunSecretSet(const std::string& name, std::istream& value_in, const ClientFlags& flags,
                 CommandIo& io);
int RunSecretShow(const std::string& name, const ClientFlags& flags, CommandIo& io);
int RunSecretUnset(const std::string& name, const ClientFlags& flags, CommandIo& io);
int RunSecretRotateKey(const ClientFlags& flags, CommandIo& io);
// ferry users create|list|disable|enable|set-password: accounts through the API (admin; a user
// may set their own password). Passwords are read from `password_in` (its first line), never
// from an argument.
int RunUserCreate(const std::string& name, std::istream& password_in, const ClientFlags& flags,
                  CommandIo& io);
int RunUserList(const ClientFlags& flags, CommandIo& io);
int RunUserSetDisabled(const std::string& name, bool disabled, const ClientFlags& flags,
                       CommandIo& io);
int RunUserSetPassword(const std::string& name, std::istream& password_in, const ClientFlags& flags,
                       CommandIo& io);

// ferry login USER: signs in (POST /api/v1/session with "token") and prints the new API token
// of that user alone on stdout, for FERRY_TOKEN; where it stands and when it expires go to err.
struct LoginArgs {
  std::string user;
  std::string token_name;
  int expires_in_days = 90;
};
int RunLogin(const LoginArgs& args, std::istream& password_in, const ClientFlags& flags,
             CommandIo& io);

// ferry rbac ...: roles, role-set NAME --permission P..., role-delete NAME, groups, group-set
// NAME --member M..., group-delete NAME, bindings, bind ROLE (--user U | --group G) [--app A]...
// [--env-type T]..., unbind ID.
struct RbacArgs {
  std::string action;  // roles, role-set, role-delete, groups, group-set, ...
  std::string name;    // role, group or binding id
  std::vector<std::string> permissions;
  std::vector<std::string> members;
  std::string user;
  std::string group;
  std::vector<std::string> applications;
  std::vector<std::string> environment_types;
};
int RunRbac(const RbacArgs& args, const ClientFlags& flags, CommandIo& io);

// ferry triggers [APP]: each trigger with its type, target, enabled, last fire, next run, last
// error, and (for callers who may manage the configuration) its webhook URL.
int RunListTriggers(const std::string& application, const ClientFlags& flags, CommandIo& io);

// ferry delegates: the delegates the server has seen and the queued tasks (who could claim them).
int RunListDelegates(const ClientFlags& flags, CommandIo& io);

// ferry audit: the audit trail (GET /api/v1/audit), newest first. since/until: a duration
// before now ("2h", "30m") or an RFC 3339 time; empty for none.
struct AuditArgs {
  std::string actor;
  std::string action;
  std::string application;
  std::string target;
  std::string since;
  std::string until;
  int limit = 50;
};
int RunListAudit(const AuditArgs& args, const ClientFlags& flags, CommandIo& io);

// ferry freezes: every freeze window with its state now by the server's clock (active, until
// when, next start and end, in the window's zone) and its scope; --app / --env-type keep the
// windows covering that application / environment type ("production", "non-production").
struct FreezesArgs {
  std::string application;
  std::string environment_type;
};
int RunListFreezes(const FreezesArgs& args, const ClientFlags& flags, CommandIo& io);

// ferry notifications: recent notification deliveries, newest first: channel, event,
// application, execution, status (pending, delivered, failed), attempts, last error.
struct NotificationsArgs {
  std::string channel;
  std::string application;
  std::string status;
  int limit = 50;
};
int RunListNotifications(const NotificationsArgs& args, const ClientFlags& flags, CommandIo& io);

}  // namespace ferry::cli
