// ferry triggers [APP]: the triggers with their state (GET /api/v1/triggers).
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
  if (it == object.end() || !it->is_string() || it->get<std::string>().empty()) return "-";
  return it->get<std::string>();
}

}  // namespace

int RunListTriggers(const std::string& application, const ClientFlags& flags, CommandIo& io) {
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  QueryParams query;
  if (!application.empty()) query.emplace_back("application", application);
  auto page = session->client->Get(ApiClient::ApiPath({"triggers"}), query);
  if (!page.ok()) return RequestFailed(io, page.error());
  if (!page->is_object() || !page->contains("items") || !(*page)["items"].is_array()) {
    return RequestFailed(
        io, Error{ErrorCode::kUnavailable, "the Ferry server at " + session->client->server_url() +
                                               " sent a trigger list without items"});
  }
  if (session->format == OutputFormat::kJson) {
    PrintJson(io, *page);
    return 0;
  }
  std::ostringstream out;
  if ((*page)["items"].empty()) {
    out << (application.empty() ? "no triggers" : "application " + application + " has no triggers")
        << " (define them as kind: Trigger, see docs/triggers.md)\n";
  } else {
    out << "TRIGGER\tTYPE\tTARGET\tENABLED\tLAST FIRE\tNEXT RUN\tLAST ERROR\n";
    for (const Json& t : (*page)["items"]) {
      if (!t.is_object()) continue;
      std::string last_fire = Text(t, "lastFireAt");
      if (last_fire != "-" && Text(t, "lastExecution") != "-") {
        last_fire += " (" + Text(t, "lastExecution") + ")";
      }
      out << TerminalSafe(Text(t, "application") + "/" + Text(t, "name")) << "\t"
          << TerminalSafe(Text(t, "type")) << "\t" << TerminalSafe(Text(t, "target")) << "\t"
          << (t.value("enabled", false) ? "yes" : "no") << "\t" << TerminalSafe(last_fire) << "\t"
          << TerminalSafe(Text(t, "nextRunAt")) << "\t" << TerminalSafe(Text(t, "lastError"))
          << "\n";
      if (auto hook = Text(t, "webhookPath"); hook != "-") {
        out << "  webhook: " << TerminalSafe(session->client->server_url() + hook) << "\n";
      }
    }
  }
  io.out << out.str();
  return 0;
}

}  // namespace ferry::cli
