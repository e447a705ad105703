// ferry users create|list|disable|enable|set-password, ferry login and ferry rbac: clients of
// the API (src/cli/commands_access.cc). Passwords are read from the terminal with echo off when
// stdin is one, else from the first line of stdin; never from an argument.
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "commands.h"
#include "common/clock.h"

namespace ferry::app {
namespace {

cli::CommandIo StdIo() {
  return cli::CommandIo{std::cout, std::cerr, ::isatty(STDOUT_FILENO) == 1,
                        SystemClock::Instance()};
}

// The password stream: a prompt without echo on a terminal, stdin otherwise.
std::unique_ptr<std::istream> PasswordInput(const std::string& prompt) {
  if (::isatty(STDIN_FILENO) != 1) return std::make_unique<std::istream>(std::cin.rdbuf());
  std::cerr << prompt << std::flush;
  termios saved{};
  bool restore = ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (restore) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  std::cerr << "\n";
  return std::make_unique<std::istringstream>(line + "\n");
}

std::string DefaultTokenName(const std::string& user) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                     SystemClock::Instance().Now().time_since_epoch())
                     .count();
  return user + "-cli-" + std::string(host) + "-" + std::to_string(seconds);
}

}  // namespace

void AddUserCommands(CLI::App& root, CommandContext& ctx) {
  struct Flags {
    std::string name;
    cli::ClientFlags client;
    cli::LoginArgs login;
    cli::RbacArgs rbac;
  };
  auto flags = std::make_shared<Flags>();

  auto* users = root.add_subcommand("users", "Users of the server (admin), through the API");
  users->require_subcommand(1);
  auto* create = users->add_subcommand(
      "create", "Create a user; the password is prompted for, or read from stdin");
  create->add_option("name", flags->name, "User name")->required();
  AddClientFlags(*create, flags->client);
  create->callback([flags, &ctx] {
    auto io = StdIo();
    auto in = PasswordInput("password for " + flags->name + ": ");
    ctx.exit_code = cli::RunUserCreate(flags->name, *in, flags->client, io);
  });
  auto* list = users->add_subcommand("list", "Users and service accounts");
  AddClientFlags(*list, flags->client);
  list->callback([flags, &ctx] {
    auto io = StdIo();
    ctx.exit_code = cli::RunUserList(flags->client, io);
  });
  for (bool disable : {true, false}) {
    auto* sub = users->add_subcommand(disable ? "disable" : "enable",
                                      disable ? "Disable a user (ends its sessions and stops its "
                                                "tokens)"
                                              : "Enable a disabled user again");
    sub->add_option("name", flags->name, "User name")->required();
    AddClientFlags(*sub, flags->client);
    sub->callback([flags, &ctx, disable] {
      auto io = StdIo();
      ctx.exit_code = cli::RunUserSetDisabled(flags->name, disable, flags->client, io);
    });
  }
  auto* set_password = users->add_subcommand(
      "set-password", "Set a user's password (prompted for, or read from stdin)");
  set_password->add_option("name", flags->name, "User name")->required();
  AddClientFlags(*set_password, flags->client);
  set_password->callback([flags, &ctx] {
    auto io = StdIo();
    auto in = PasswordInput("new password for " + flags->name + ": ");
    ctx.exit_code = cli::RunUserSetPassword(flags->name, *in, flags->client, io);
  });

  auto* login = root.add_subcommand(
      "login",
      "Sign in as a user and print an API token for FERRY_TOKEN (password prompted "
      "for, or read from stdin)");
  login->add_option("user", flags->login.user, "User name")->required();
  login->add_option("--token-name", flags->login.token_name,
                    "Name of the new token (default USER-cli-HOST-TIME)");
  login->add_option("--expires-days", flags->login.expires_in_days,
                    "Token lifetime in days (1..366, default 90)");
  AddClientFlags(*login, flags->client);
  login->callback([flags, &ctx] {
    auto io = StdIo();
    if (flags->login.token_name.empty()) {
      flags->login.token_name = DefaultTokenName(flags->login.user);
    }
    auto in = PasswordInput("password for " + flags->login.user + ": ");
    ctx.exit_code = cli::RunLogin(flags->login, *in, flags->client, io);
  });

  auto* rbac = root.add_subcommand("rbac", "Roles, groups and role bindings (admin)");
  rbac->require_subcommand(1);
  struct Action {
    const char* name;
    const char* help;
    const char* positional;  // nullptr: none
  };
  const Action actions[] = {
      {"roles", "List roles and their permissions", nullptr},
      {"role-set", "Create or replace a role: role-set NAME --permission P...", "name"},
      {"role-delete", "Delete a role that is not bound", "name"},
      {"groups", "List groups and their members", nullptr},
      {"group-set", "Create or replace a group: group-set NAME --member USER...", "name"},
      {"group-delete", "Delete a group and its bindings", "name"},
      {"bindings", "List role bindings", nullptr},
      {"bind", "Bind a role: bind ROLE (--user U | --group G) [--app A]... [--env-type T]...",
       "role"},
      {"unbind", "Delete a role binding by its id", "id"},
  };
  for (const Action& action : actions) {
    auto* sub = rbac->add_subcommand(action.name, action.help);
    if (action.positional) sub->add_option(action.positional, flags->rbac.name)->required();
    std::string name = action.name;
    if (name == "role-set") {
      sub->add_option("--permission", flags->rbac.permissions,
                      "view, deploy, approve, rollback, manage-config, manage-secrets, admin")
          ->required();
    }
    if (name == "group-set") sub->add_option("--member", flags->rbac.members, "User name");
    if (name == "bind") {
      sub->add_option("--user", flags->rbac.user, "A user or service account");
      sub->add_option("--group", flags->rbac.group, "A group");
      sub->add_option("--app", flags->rbac.applications, "Only these applications");
      sub->add_option("--env-type", flags->rbac.environment_types,
                      "Only environments of these types: production, non-production");
    }
    AddClientFlags(*sub, flags->client);
    sub->callback([flags, &ctx, name] {
      auto io = StdIo();
      flags->rbac.action = name;
      ctx.exit_code = cli::RunRbac(flags->rbac, flags->client, io);
    });
  }
}

}  // namespace ferry::app
