// ferry incidents [--app APP] [--all]: Service Guard's and periodic drift detection's incidents
// (GET /api/v1/incidents) — open ones, or with --all closed ones too — as a table, then each
// incident's sentence; -o json prints the API's answer.
#include <sstream>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "common/json.h"

namespace ferry::cli {

using namespace internal;  // NOLINT: this file implements a command declared in commands.h

namespace {

std::string Text(const Json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() && !it->get_ref<const std::string&>().empty()
             ? TerminalSafe(it->get<std::string>())
             : std::string("-");
}

}  // namespace

int RunIncidents(const std::string& application, bool all, const ClientFlags& flags,
                 CommandIo& io) {
  if (!application.empty()) {
    if (Status s = ValidateName("application", application); !s.ok()) {
      return UsageError(io, s.error());
    }
  }
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  QueryParams query{{"limit", "200"}};
  if (!all) query.emplace_back("state", "open");
  if (!application.empty()) query.emplace_back("application", application);
  auto page = session->client->Get(ApiClient::ApiPath({"incidents"}), query);
  if (!page.ok()) return RequestFailed(io, page.error());
  if (!page->is_object() || !page->contains("items") || !(*page)["items"].is_array()) {
    return RequestFailed(
        io, Error{ErrorCode::kUnavailable, "the Ferry server at " + session->client->server_url() +
                                               " sent incidents without items"});
  }
  if (session->format == OutputFormat::kJson) {
    PrintJson(io, *page);
    return kExitOk;
  }
  std::ostringstream out;
  if ((*page)["items"].empty()) {
    out << (all ? "no incidents\n" : "no open incidents\n");
    io.out << out.str();
    return kExitOk;
  }
  out << "ID\tSTATE\tKIND\tAPPLICATION\tENVIRONMENT\tFUNCTION\tSUBJECT\tCHECKS\tOPENED\tCLOSED\n";
  for (const Json& i : (*page)["items"]) {
    if (!i.is_object()) continue;
    const Json checks = i.value("checks", Json(0));
    out << Text(i, "id") << "\t" << Text(i, "state") << "\t" << Text(i, "kind") << "\t"
        << Text(i, "application") << "\t" << Text(i, "environment") << "\t" << Text(i, "function")
        << "\t" << Text(i, "subject") << "\t"
        << (checks.is_number_integer() ? std::to_string(checks.get<int64_t>()) : "-") << "\t"
        << Text(i, "openedAt") << "\t" << Text(i, "closedAt") << "\n";
  }
  for (const Json& i : (*page)["items"]) {
    if (!i.is_object()) continue;
    out << "  " << Text(i, "id") << ": " << Text(i, "summary") << "\n";
    if (Text(i, "state") == "closed") out << "    closed: " << Text(i, "closeReason") << "\n";
  }
  io.out << out.str();
  return kExitOk;
}

}  // namespace ferry::cli
