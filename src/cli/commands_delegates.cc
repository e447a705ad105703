// ferry delegates: the delegates the server has seen (GET /api/v1/delegates) and the queued tasks
// with who could claim them.
#include <sstream>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "common/json.h"
#include "common/strings.h"

namespace ferry::cli {

using namespace internal;  // NOLINT: this file implements a command declared in commands.h

namespace {

std::string Field(const Json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string("-");
}

std::string Names(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_array() || it->empty()) return "-";
  std::vector<std::string> names;
  for (const Json& n : *it) {
    if (n.is_string()) names.push_back(n.get<std::string>());
  }
  return Join(names, ",");
}

}  // namespace

int RunListDelegates(const ClientFlags& flags, CommandIo& io) {
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  auto page = session->client->Get(ApiClient::ApiPath({"delegates"}));
  if (!page.ok()) return RequestFailed(io, page.error());
  if (!page->is_object() || !page->contains("items") || !(*page)["items"].is_array()) {
    return RequestFailed(
        io, Error{ErrorCode::kUnavailable, "the Ferry server at " + session->client->server_url() +
                                               " sent a delegate list without items"});
  }
  if (session->format == OutputFormat::kJson) {
    PrintJson(io, *page);
    return 0;
  }
  std::ostringstream out;
  if ((*page)["items"].empty()) {
    out << "no delegate has connected (start one with `ferry delegate --server URL --token T`)\n";
  } else {
    out << "NAME\tSTATE\tSELECTORS\tVERSION\tLAST SEEN\tRUNNING\n";
    for (const Json& d : (*page)["items"]) {
      if (!d.is_object()) continue;
      const bool alive = d.value("alive", false);
      std::vector<std::string> running;
      if (auto it = d.find("runningTasks"); it != d.end() && it->is_array()) {
        for (const Json& t : *it) {
          if (t.is_object()) running.push_back(Field(t, "kind") + " " + Field(t, "taskId"));
        }
      }
      out << Field(d, "name") << "\t" << (alive ? "connected" : "gone") << "\t"
          << Names(d, "selectors") << "\t" << Field(d, "version") << "\t" << Field(d, "lastSeenAt")
          << "\t" << (running.empty() ? "-" : Join(running, ", ")) << "\n";
    }
  }
  if (auto it = page->find("queued"); it != page->end() && it->is_array()) {
    for (const Json& t : *it) {
      if (!t.is_object()) continue;
      const std::string able = Names(t, "claimableBy");
      out << "queued: " << Field(t, "kind") << " " << Field(t, "taskId") << " needs selectors "
          << Names(t, "selectors") << " since " << Field(t, "queuedSince") << ": "
          << (able == "-" ? "no connected delegate offers them (it waits)" : "claimable by " + able)
          << "\n";
    }
  }
  io.out << out.str();
  return 0;
}

}  // namespace ferry::cli
