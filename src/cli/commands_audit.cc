// ferry audit: who changed what, when and from where (GET /api/v1/audit), newest first.
#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "common/json.h"
#include "common/strings.h"
#include "common/time.h"

namespace ferry::cli {

using namespace internal;  // NOLINT: this file implements a command declared in commands.h

namespace {

constexpr int kMaxLimit = 200;  // the API's page size

// "2h" (before now) or an RFC 3339 time, as the RFC 3339 text the API takes; "" stays "".
Result<std::string> TimeArgument(std::string_view flag, const std::string& text, TimePoint now) {
  if (text.empty()) return std::string();
  if (auto t = ParseRfc3339(text)) return FormatRfc3339(*t);
  if (auto d = ParseDuration(text)) return FormatRfc3339(now - *d);
  return InvalidArgument(std::string(flag) + " " + QuoteForMessage(text, 40) +
                         " is neither a duration before now (30m, 2h) nor an RFC 3339 time "
                         "(2026-12-07T18:00:00Z)");
}

std::string Text(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return "-";
  }
  return TerminalSafe(it->get<std::string>());
}

std::string When(const Json& event) {
  auto it = event.find("at");
  if (it == event.end() || !it->is_string()) return "-";
  return FormatWhen(ParseRfc3339(it->get<std::string>()));
}

}  // namespace

int RunListAudit(const AuditArgs& args, const ClientFlags& flags, CommandIo& io) {
  for (const auto& [flag, value] :
       {std::pair{"--actor", &args.actor}, std::pair{"--action", &args.action},
        std::pair{"--app", &args.application}, std::pair{"--target", &args.target}}) {
    if (value->empty()) continue;
    if (Status s = ValidateName(flag, *value); !s.ok()) return UsageError(io, s.error());
  }
  if (args.limit < 1 || args.limit > kMaxLimit) {
    return UsageError(io, InvalidArgument("--limit " + std::to_string(args.limit) +
                                          " is out of range: give 1 to 200"));
  }
  const TimePoint now = io.clock.Now();
  auto since = TimeArgument("--since", args.since, now);
  if (!since.ok()) return UsageError(io, since.error());
  auto until = TimeArgument("--until", args.until, now);
  if (!until.ok()) return UsageError(io, until.error());
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  auto page = session->client->Get(ApiClient::ApiPath({"audit"}),
                                   {{"actor", args.actor},
                                    {"action", args.action},
                                    {"application", args.application},
                                    {"target", args.target},
                                    {"since", *since},
                                    {"until", *until},
                                    {"limit", std::to_string(args.limit)}});
  if (!page.ok()) return RequestFailed(io, page.error());
  if (!page->is_object() || !page->contains("items") || !(*page)["items"].is_array()) {
    return RequestFailed(
        io, Error{ErrorCode::kUnavailable, "the Ferry server at " + session->client->server_url() +
                                               " sent an audit page without items"});
  }
  if (session->format == OutputFormat::kJson) {
    PrintJson(io, *page);
    return kExitOk;
  }
  if ((*page)["items"].empty()) {
    io.out << "no audit events match\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"WHEN", "ACTOR", "FROM", "ACTION", "APP", "TARGET"});
  for (const Json& e : (*page)["items"]) {
    if (!e.is_object()) continue;
    rows.push_back({When(e), Text(e, "actor"), Text(e, "source"), Text(e, "action"),
                    Text(e, "application"), Text(e, "target")});
  }
  io.out << FormatTable(rows);
  if (page->contains("next") && (*page)["next"].is_string()) {
    io.err << "(more: raise --limit, or narrow with --since/--until/--actor/--action/--app)\n";
  }
  return kExitOk;
}

}  // namespace ferry::cli
