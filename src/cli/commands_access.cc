// ferry users, ferry login and ferry rbac (commands.h): clients of the API's user, session and
// access routes. Passwords come from a stream (stdin or the terminal prompt apps/ferry shows),
// never from an argument, and are never printed.
#include <istream>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "common/json.h"
#include "common/secret_mask.h"
#include "common/strings.h"

namespace ferry::cli {

using namespace internal;  // NOLINT: this file implements the commands declared there

namespace {

constexpr size_t kMaxPasswordRead = 4096;

// The first line of `in` (without its line ending); kInvalidArgument when there is none.
Result<std::string> ReadPassword(std::istream& in) {
  std::string password;
  char c;
  while (in.get(c) && c != '\n') {
    password.push_back(c);
    if (password.size() > kMaxPasswordRead) {
      return InvalidArgument("the password is longer than " + std::to_string(kMaxPasswordRead) +
                             " bytes");
    }
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) {
    return InvalidArgument(
        "no password on stdin: type it at the prompt or pipe it in "
        "(`ferry users create NAME < file`), never as an argument");
  }
  SecretMasker::Global().Register(password);
  return password;
}

// Runs `call` on an opened session and prints its answer with `print` (or JSON with -o json).
template <typename Call, typename Print>
int Run(const ClientFlags& flags, CommandIo& io, Call call, Print print) {
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  Result<Json> reply = call(*session->client);
  if (!reply.ok()) return RequestFailed(io, reply.error());
  if (session->format == OutputFormat::kJson) {
    PrintJson(io, *reply);
  } else {
    print(*reply);
  }
  return kExitOk;
}

std::string Joined(const Json& list) {
  std::vector<std::string> items;
  if (list.is_array()) {
    for (const Json& item : list) {
      if (item.is_string()) items.push_back(TerminalSafe(item.get<std::string>()));
    }
  }
  return items.empty() ? "-" : Join(items, ",");
}

void PrintAccount(CommandIo& io, const Json& a) {
  io.out << TerminalSafe(a.value("name", "")) << "\t" << TerminalSafe(a.value("kind", ""))
         << (a.value("disabled", false) ? "\tdisabled" : "\tenabled") << "\tcreated "
         << TerminalSafe(a.value("createdAt", "")) << "\n";
}

}  // namespace

int RunUserCreate(const std::string& name, std::istream& password_in, const ClientFlags& flags,
                  CommandIo& io) {
  auto password = ReadPassword(password_in);
  if (!password.ok()) return UsageError(io, password.error());
  return Run(
      flags, io,
      [&](ApiClient& c) {
        return c.Post(ApiClient::ApiPath({"users"}), Json{{"name", name}, {"password", *password}});
      },
      [&](const Json& a) { PrintAccount(io, a); });
}

int RunUserList(const ClientFlags& flags, CommandIo& io) {
  return Run(
      flags, io, [](ApiClient& c) { return c.Get(ApiClient::ApiPath({"users"})); },
      [&](const Json& reply) {
        for (const Json& a : reply.value("items", Json::array())) PrintAccount(io, a);
      });
}

int RunUserSetDisabled(const std::string& name, bool disabled, const ClientFlags& flags,
                       CommandIo& io) {
  return Run(
      flags, io,
      [&](ApiClient& c) {
        return c.Post(ApiClient::ApiPath({"users", name, disabled ? "disable" : "enable"}),
                      Json::object());
      },
      [&](const Json& a) { PrintAccount(io, a); });
}

int RunUserSetPassword(const std::string& name, std::istream& password_in, const ClientFlags& flags,
                       CommandIo& io) {
  auto password = ReadPassword(password_in);
  if (!password.ok()) return UsageError(io, password.error());
  return Run(
      flags, io,
      [&](ApiClient& c) {
        return c.Put(ApiClient::ApiPath({"users", name, "password"}),
                     Json{{"password", *password}});
      },
      [&](const Json& a) {
        io.out << "password of " << TerminalSafe(a.value("name", "")) << " changed\n";
      });
}

int RunLogin(const LoginArgs& args, std::istream& password_in, const ClientFlags& flags,
             CommandIo& io) {
  auto password = ReadPassword(password_in);
  if (!password.ok()) return UsageError(io, password.error());
  Json body{{"username", args.user},
            {"password", *password},
            {"token", args.token_name},
            {"tokenExpiresInDays", args.expires_in_days}};
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  auto reply = session->client->Post(ApiClient::ApiPath({"session"}), body);
  if (!reply.ok() && reply.error().code == ErrorCode::kUnauthenticated) {
    // The client's 401 message is about tokens; a sign-in has its own answer.
    return RequestFailed(io, Error{ErrorCode::kUnauthenticated, "wrong user name or password", {}});
  }
  if (!reply.ok()) return RequestFailed(io, reply.error());
  std::string token = reply->value("token", "");
  SecretMasker::Global().Register(token);
  // The token alone on stdout (for `export FERRY_TOKEN=$(ferry login ...)`); the rest on stderr.
  io.out << token << std::endl;
  io.err << "signed in as " << TerminalSafe(args.user) << "; token "
         << TerminalSafe(reply->value("name", "")) << " expires "
         << TerminalSafe(reply->value("expiresAt", "")) << " (set it as FERRY_TOKEN)\n";
  return kExitOk;
}

int RunRbac(const RbacArgs& args, const ClientFlags& flags, CommandIo& io) {
  const std::string& what = args.action;
  if (what == "roles") {
    return Run(
        flags, io, [](ApiClient& c) { return c.Get(ApiClient::ApiPath({"roles"})); },
        [&](const Json& reply) {
          for (const Json& r : reply.value("items", Json::array())) {
            io.out << TerminalSafe(r.value("name", "")) << "\t" << Joined(r["permissions"])
                   << (r.value("builtin", false) ? "\tbuilt-in" : "") << "\n";
          }
        });
  }
  if (what == "role-set") {
    return Run(
        flags, io,
        [&](ApiClient& c) {
          return c.Put(ApiClient::ApiPath({"roles", args.name}),
                       Json{{"permissions", args.permissions}});
        },
        [&](const Json& r) {
          io.out << "role " << TerminalSafe(r.value("name", "")) << ": " << Joined(r["permissions"])
                 << "\n";
        });
  }
  if (what == "groups") {
    return Run(
        flags, io, [](ApiClient& c) { return c.Get(ApiClient::ApiPath({"groups"})); },
        [&](const Json& reply) {
          for (const Json& g : reply.value("items", Json::array())) {
            io.out << TerminalSafe(g.value("name", "")) << "\t" << Joined(g["members"]) << "\n";
          }
        });
  }
  if (what == "group-set") {
    return Run(
        flags, io,
        [&](ApiClient& c) {
          return c.Put(ApiClient::ApiPath({"groups", args.name}), Json{{"members", args.members}});
        },
        [&](const Json& g) {
          io.out << "group " << TerminalSafe(g.value("name", "")) << ": " << Joined(g["members"])
                 << "\n";
        });
  }
  if (what == "bindings") {
    return Run(
        flags, io, [](ApiClient& c) { return c.Get(ApiClient::ApiPath({"role-bindings"})); },
        [&](const Json& reply) {
          for (const Json& b : reply.value("items", Json::array())) {
            std::string who = b["user"].is_string() ? "user " + b["user"].get<std::string>()
                                                    : "group " + b.value("group", "");
            io.out << TerminalSafe(b.value("id", "")) << "\t" << TerminalSafe(b.value("role", ""))
                   << "\t" << TerminalSafe(who) << "\tapps " << Joined(b["applications"])
                   << "\tenvironment types " << Joined(b["environmentTypes"]) << "\n";
          }
        });
  }
  if (what == "bind") {
    if (args.user.empty() == args.group.empty()) {
      return UsageError(io, InvalidArgument("give either --user or --group"));
    }
    Json body{{"role", args.name},
              {"applications", args.applications},
              {"environmentTypes", args.environment_types}};
    if (!args.user.empty()) body["user"] = args.user;
    if (!args.group.empty()) body["group"] = args.group;
    return Run(
        flags, io,
        [&](ApiClient& c) { return c.Post(ApiClient::ApiPath({"role-bindings"}), body); },
        [&](const Json& b) { io.out << TerminalSafe(b.value("id", "")) << "\n"; });
  }
  if (what == "role-delete" || what == "group-delete" || what == "unbind") {
    const char* kind = what == "role-delete"    ? "roles"
                       : what == "group-delete" ? "groups"
                                                : "role-bindings";
    return Run(
        flags, io,
        [&](ApiClient& c) {
          return c.Delete(ApiClient::ApiPath({kind, args.name}));
        },
        [&](const Json&) { io.out << "deleted " << TerminalSafe(args.name) << "\n"; });
  }
  return UsageError(io, InvalidArgument("unknown rbac action " + QuoteForMessage(what)));
}

}  // namespace ferry::cli
