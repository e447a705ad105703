// ferry freezes: the freeze windows and their state by the server's clock (GET /api/v1/freezes),
// optionally only those covering an application and/or an environment type.
#include <algorithm>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "common/json.h"
#include "common/strings.h"

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

// Whether the window's list at `field` (null: every value) holds `value`.
bool Covers(const Json& window, const char* field, const std::string& value) {
  if (value.empty()) return true;
  auto it = window.find(field);
  if (it == window.end() || it->is_null()) return true;
  if (!it->is_array()) return false;
  return std::any_of(it->begin(), it->end(),
                     [&](const Json& v) { return v.is_string() && v.get<std::string>() == value; });
}

std::string Scope(const Json& window) {
  auto list = [&](const char* field, const char* every) {
    auto it = window.find(field);
    if (it == window.end() || !it->is_array()) return std::string(every);
    std::string out;
    for (const Json& v : *it) {
      if (!v.is_string()) continue;
      out += (out.empty() ? "" : ",") + TerminalSafe(v.get<std::string>());
    }
    return out.empty() ? std::string(every) : out;
  };
  return "apps " + list("applications", "*") + ", " + list("environmentTypes", "any type");
}

}  // namespace

int RunListFreezes(const FreezesArgs& args, const ClientFlags& flags, CommandIo& io) {
  if (!args.application.empty()) {
    if (Status s = ValidateName("--app", args.application); !s.ok())
      return UsageError(io, s.error());
  }
  if (!args.environment_type.empty() && args.environment_type != "production" &&
      args.environment_type != "non-production") {
    return UsageError(io,
                      InvalidArgument("--env-type " + QuoteForMessage(args.environment_type, 40) +
                                      " is neither production nor non-production"));
  }
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  auto reply = session->client->Get(ApiClient::ApiPath({"freezes"}));
  if (!reply.ok()) return RequestFailed(io, reply.error());
  if (!reply->is_object() || !reply->contains("items") || !(*reply)["items"].is_array()) {
    return RequestFailed(
        io, Error{ErrorCode::kUnavailable, "the Ferry server at " + session->client->server_url() +
                                               " sent a freeze list without items"});
  }
  Json items = Json::array();
  for (const Json& w : (*reply)["items"]) {
    if (!w.is_object()) continue;
    if (!Covers(w, "applications", args.application)) continue;
    if (!Covers(w, "environmentTypes", args.environment_type)) continue;
    items.push_back(w);
  }
  if (session->format == OutputFormat::kJson) {
    PrintJson(io, Json{{"now", reply->value("now", "")}, {"items", items}});
    return kExitOk;
  }
  if (items.empty()) {
    io.out << "no freeze windows match\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"NAME", "STATE", "UNTIL", "NEXT START", "NEXT END", "SCOPE"});
  for (const Json& w : items) {
    const bool enabled = !w.contains("enabled") || w["enabled"] != false;
    const bool active = w.contains("active") && w["active"] == true;
    std::string state = !enabled ? "disabled" : active ? "ACTIVE" : "inactive";
    std::string until = active ? Text(w, "untilLocal") : "-";
    if (active && until == "-") until = "(over 400 days)";
    rows.push_back({TerminalSafe(w.value("name", "?")), state, until, Text(w, "nextStartLocal"),
                    Text(w, "nextEndLocal"), Scope(w)});
  }
  io.out << FormatTable(rows);
  return kExitOk;
}

}  // namespace ferry::cli
