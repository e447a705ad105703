// ferry notifications: recent notification deliveries (GET /api/v1/notifications), newest first.
#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "common/json.h"
#include "common/time.h"

namespace ferry::cli {

using namespace internal;  // NOLINT: this file implements a command declared in commands.h

namespace {

std::string Text(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return "-";
  }
  return TerminalSafe(it->get<std::string>());
}

}  // namespace

int RunListNotifications(const NotificationsArgs& args, const ClientFlags& flags, CommandIo& io) {
  for (const auto& [flag, value] :
       {std::pair{"--channel", &args.channel}, std::pair{"--app", &args.application}}) {
    if (value->empty()) continue;
    if (Status s = ValidateName(flag, *value); !s.ok()) return UsageError(io, s.error());
  }
  if (!args.status.empty() && args.status != "pending" && args.status != "delivered" &&
      args.status != "failed") {
    return UsageError(io, InvalidArgument("--status must be pending, delivered or failed"));
  }
  if (args.limit < 1 || args.limit > 200) {
    return UsageError(io, InvalidArgument("--limit " + std::to_string(args.limit) +
                                          " is out of range: give 1 to 200"));
  }
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  auto page = session->client->Get(ApiClient::ApiPath({"notifications"}),
                                   {{"channel", args.channel},
                                    {"application", args.application},
                                    {"status", args.status},
                                    {"limit", std::to_string(args.limit)}});
  if (!page.ok()) return RequestFailed(io, page.error());
  if (!page->is_object() || !page->contains("items") || !(*page)["items"].is_array()) {
    return RequestFailed(
        io, Error{ErrorCode::kUnavailable, "the Ferry server at " + session->client->server_url() +
                                               " sent a notification list without items"});
  }
  if (session->format == OutputFormat::kJson) {
    PrintJson(io, *page);
    return kExitOk;
  }
  if ((*page)["items"].empty()) {
    io.out << "no notifications match\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back(
      {"CREATED", "CHANNEL", "EVENT", "APP", "EXECUTION", "STATUS", "ATTEMPTS", "LAST ERROR"});
  for (const Json& n : (*page)["items"]) {
    if (!n.is_object()) continue;
    const auto attempts = n.find("attempts");
    rows.push_back({FormatWhen(ParseRfc3339(n.value("createdAt", ""))), Text(n, "channel"),
                    Text(n, "event"), Text(n, "application"), Text(n, "executionId"),
                    Text(n, "status"),
                    attempts != n.end() && attempts->is_number_integer()
                        ? std::to_string(attempts->get<int64_t>())
                        : "-",
                    Text(n, "lastError")});
  }
  io.out << FormatTable(rows);
  return kExitOk;
}

}  // namespace ferry::cli
