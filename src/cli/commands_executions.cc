// ferry executions [get ID] / ferry logs ID [-f] / ferry abort ID.
#include <array>

#include "cli/command_support.h"
#include "cli/format.h"
#include "cli/watch.h"
#include "common/json.h"
#include "common/strings.h"

namespace ferry::cli {

using namespace internal;  // NOLINT: this file implements the commands declared there

namespace {

constexpr std::array<const char*, 10> kStatuses = {
    "queued",    "running", "waiting", "aborting",    "rolling_back",
    "succeeded", "failed",  "aborted", "rolled_back", "rollback_failed"};

Status ValidateStatus(const std::string& status) {
  std::vector<std::string> known(kStatuses.begin(), kStatuses.end());
  for (const std::string& k : known) {
    if (k == status) return Ok();
  }
  std::string message = "--status " + QuoteForMessage(status) + " is not an execution status";
  if (auto close = ClosestMatch(status, known)) message += " (did you mean " + *close + "?)";
  return InvalidArgument(message + "; one of: " + Join(known, ", "));
}

Status ValidateId(const std::string& id) { return ValidateName("execution id", id); }

}  // namespace

int RunListExecutions(const ListArgs& args, const ClientFlags& flags, CommandIo& io) {
  for (const auto& [flag, value] :
       {std::pair{"--app", &args.application}, std::pair{"--service", &args.service},
        std::pair{"--env", &args.environment}}) {
    if (value->empty()) continue;
    if (Status s = ValidateName(flag, *value); !s.ok()) return UsageError(io, s.error());
  }
  if (!args.status.empty()) {
    if (Status s = ValidateStatus(args.status); !s.ok()) return UsageError(io, s.error());
  }
  if (args.limit < 1 || args.limit > 200) {
    return UsageError(io, InvalidArgument("--limit " + std::to_string(args.limit) +
                                          " is out of range: give 1 to 200"));
  }
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  auto page = session->client->Get(ApiClient::ApiPath({"executions"}),
                                   {{"application", args.application},
                                    {"service", args.service},
                                    {"environment", args.environment},
                                    {"status", args.status},
                                    {"limit", std::to_string(args.limit)}});
  if (!page.ok()) return RequestFailed(io, page.error());
  if (!page->contains("items") || !(*page)["items"].is_array()) {
    return RequestFailed(
        io, Error{ErrorCode::kUnavailable, "the Ferry server at " + session->client->server_url() +
                                               " sent an execution list without items"});
  }
  std::vector<ExecutionView> executions;
  for (const Json& item : (*page)["items"]) {
    auto execution = DecodeExecution(item);
    if (!execution.ok()) return RequestFailed(io, execution.error());
    executions.push_back(std::move(*execution));
  }
  if (session->format == OutputFormat::kJson) {
    PrintJson(io, *page);
  } else {
    io.out << FormatExecutionsTable(executions, io.clock.Now());
    if (page->contains("next") && (*page)["next"].is_string()) {
      io.err << "(more: raise --limit or narrow with --app/--service/--env/--status)\n";
    }
  }
  return kExitOk;
}

int RunGetExecution(const std::string& id, const ClientFlags& flags, CommandIo& io) {
  if (Status s = ValidateId(id); !s.ok()) return UsageError(io, s.error());
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  auto reply = session->client->Get(ApiClient::ApiPath({"executions", id}));
  if (!reply.ok()) return RequestFailed(io, reply.error());
  auto execution = DecodeExecution(*reply);
  if (!execution.ok()) return RequestFailed(io, execution.error());
  if (session->format == OutputFormat::kJson) {
    PrintJson(io, *reply);
  } else {
    io.out << FormatExecutionDetail(*execution, io.clock.Now());
    // A pipeline execution's children (its stages' executions and approvals); a stage's
    // execution its pipeline execution.
    auto text = [](const Json& j, const char* key) {
      auto it = j.find(key);
      return it != j.end() && it->is_string() ? TerminalSafe(it->get<std::string>())
                                              : std::string();
    };
    if (auto parent = reply->find("parent"); parent != reply->end() && parent->is_object()) {
      io.out << "pipeline execution: " << text(*parent, "execution") << " (stage "
             << text(*parent, "stage") << ")\n";
    }
    if (auto children = reply->find("children");
        children != reply->end() && children->is_array() && !children->empty()) {
      io.out << "stages:\n";
      for (const Json& c : *children) {
        if (!c.is_object()) continue;
        std::string what = !text(c, "execution").empty() ? "execution " + text(c, "execution")
                           : !text(c, "approval").empty() ? "approval " + text(c, "approval")
                                                          : std::string("-");
        std::string status = text(c, "status");
        if (!text(c, "skipped").empty()) status = "skipped: " + text(c, "skipped");
        if (!text(c, "error").empty()) status = "could not start: " + text(c, "error");
        io.out << "  " << text(c, "stage") << "\t" << what << "\t"
               << (status.empty() ? "pending" : status) << "\n";
      }
    }
  }
  return kExitOk;
}

int RunLogs(const std::string& id, bool follow, const ClientFlags& flags, CommandIo& io) {
  if (Status s = ValidateId(id); !s.ok()) return UsageError(io, s.error());
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  const bool json = session->format == OutputFormat::kJson;
  auto print = [&](const Json& line) {
    if (json) {
      io.out << DumpJson(line) << "\n";  // one LogLine object per line (NDJSON)
    } else {
      auto view = DecodeLogLine(line);
      if (view.ok()) io.out << FormatLogLine(*view) << "\n";
    }
    io.out << std::flush;
  };
  if (!follow) {
    Status read = ReadLogs(*session->client, id, print);
    return read.ok() ? kExitOk : RequestFailed(io, read.error());
  }
  WatchOptions options;
  options.poll_interval = io.poll_interval;
  auto status = FollowLogs(*session->client, id, io.clock, print, options);
  if (!status.ok()) return RequestFailed(io, status.error());
  if (*status == "succeeded") {
    if (!json) io.err << "execution " << id << " succeeded\n";
    return kExitOk;
  }
  io.err << "ferry: execution " << id << " ended " << TerminalSafe(*status) << "\n";
  return kExitFailed;
}

int RunAbort(const std::string& id, const ClientFlags& flags, CommandIo& io) {
  if (Status s = ValidateId(id); !s.ok()) return UsageError(io, s.error());
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  auto reply =
      session->client->Post(ApiClient::ApiPath({"executions", id, "abort"}), Json::object());
  if (!reply.ok()) return RequestFailed(io, reply.error());
  auto execution = DecodeExecution(*reply);
  if (!execution.ok()) return RequestFailed(io, execution.error());
  if (session->format == OutputFormat::kJson) {
    PrintJson(io, *reply);
  } else {
    io.out << "abort requested: " << execution->id << " is " << TerminalSafe(execution->status)
           << "\n";
  }
  return kExitOk;
}

}  // namespace ferry::cli
