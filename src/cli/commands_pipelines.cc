// ferry pipelines run|rerun, ferry approvals, ferry approve, ferry reject (docs/cli.md).
#include <cctype>
#include <sstream>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "common/json.h"
#include "common/strings.h"

namespace ferry::cli {

using namespace internal;  // NOLINT: this file implements commands declared in commands.h

namespace {

constexpr size_t kMaxVars = 64;

// "k=v" flags → {"k": "v"}: names as variable names, each once.
Result<Json> ParseVars(const std::vector<std::string>& vars) {
  if (vars.size() > kMaxVars) {
    return InvalidArgument("at most " + std::to_string(kMaxVars) + " --var flags");
  }
  Json out = Json::object();
  for (const std::string& v : vars) {
    const size_t eq = v.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgument("--var " + QuoteForMessage(v, 60) + ": write NAME=VALUE");
    }
    const std::string name = v.substr(0, eq);
    bool valid = name.size() <= 128 && !(name[0] >= '0' && name[0] <= '9');
    for (char c : name) {
      valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    }
    if (!valid) {
      return InvalidArgument("--var " + QuoteForMessage(name, 60) +
                             ": names are letters, digits and '_', not starting with a digit");
    }
    if (out.contains(name)) return InvalidArgument("--var " + name + " given twice");
    const std::string value = v.substr(eq + 1);
    if (value.size() > 4096 || !IsValidUtf8(value)) {
      return InvalidArgument("--var " + name + ": at most 4096 bytes of UTF-8");
    }
    out[name] = value;
  }
  return out;
}

// "APP/PIPELINE".
Result<std::pair<std::string, std::string>> ParsePipelineRef(const std::string& text) {
  auto ref = ParseServiceRef(text);  // the same shape: APP/NAME
  if (!ref.ok()) {
    return InvalidArgument("name the pipeline as APP/PIPELINE (e.g. shop/release), not " +
                           QuoteForMessage(text, 60));
  }
  return std::make_pair(ref->application, ref->service);
}

std::string Field(const Json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? TerminalSafe(it->get<std::string>()) : "-";
}

}  // namespace

int RunPipeline(const PipelineRunArgs& args, const ClientFlags& flags, CommandIo& io) {
  auto ref = ParsePipelineRef(args.target);
  if (!ref.ok()) return UsageError(io, ref.error());
  if (!args.artifact_id.empty() && !args.s3_url.empty()) {
    return UsageError(io, InvalidArgument("give either --artifact or --s3, not both"));
  }
  Json body = Json::object();
  if (!args.artifact_id.empty()) {
    if (Status s = ValidateName("--artifact", args.artifact_id); !s.ok()) {
      return UsageError(io, s.error());
    }
    body["artifactId"] = args.artifact_id;
  }
  if (!args.s3_url.empty()) {
    auto s3 = ParseS3Url(args.s3_url);
    if (!s3.ok()) return UsageError(io, s3.error());
    body["artifact"] = {{"s3Bucket", s3->bucket}, {"s3Key", s3->key}};
    if (s3->version_id) body["artifact"]["s3ObjectVersion"] = *s3->version_id;
  }
  auto vars = ParseVars(args.vars);
  if (!vars.ok()) return UsageError(io, vars.error());
  if (!vars->empty()) body["variables"] = *vars;
  if (args.override_freeze) {
    if (args.override_freeze->find_first_not_of(" \t") == std::string::npos) {
      return UsageError(io, InvalidArgument("--override-freeze needs a reason (1-500 characters)"));
    }
    body["freezeOverride"] = {{"reason", *args.override_freeze}};
  }
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  auto started = PostExecution(
      *session->client, io.clock,
      ApiClient::ApiPath({"applications", ref->first, "pipelines", ref->second, "executions"}),
      body);
  if (!started.ok()) return RequestFailed(io, started.error());
  return ReportStarted(*session, io, *started, args.wait, "pipeline " + args.target);
}

int RunPipelineRerun(const std::string& id, bool wait, const ClientFlags& flags, CommandIo& io) {
  if (Status s = ValidateName("execution id", id); !s.ok()) return UsageError(io, s.error());
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  auto started =
      session->client->Post(ApiClient::ApiPath({"executions", id, "rerun"}), Json::object());
  if (!started.ok()) return RequestFailed(io, started.error());
  return ReportStarted(*session, io, *started, wait, "rerun of pipeline execution " + id);
}

int RunListApprovals(const std::string& application, bool all, const ClientFlags& flags,
                     CommandIo& io) {
  if (!application.empty()) {
    if (Status s = ValidateName("--app", application); !s.ok()) return UsageError(io, s.error());
  }
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  QueryParams query;
  query.emplace_back("status", all ? "all" : "waiting");
  if (!application.empty()) query.emplace_back("application", application);
  auto page = session->client->Get(ApiClient::ApiPath({"approvals"}), query);
  if (!page.ok()) return RequestFailed(io, page.error());
  if (!page->is_object() || !page->contains("items") || !(*page)["items"].is_array()) {
    return RequestFailed(
        io, Error{ErrorCode::kUnavailable, "the Ferry server sent approvals without items"});
  }
  if (session->format == OutputFormat::kJson) {
    PrintJson(io, *page);
    return kExitOk;
  }
  std::ostringstream out;
  out << "ID\tAPPLICATION\tEXECUTION\tSTAGE\tSTATUS\tGROUPS\tEXPIRES\tDECIDED BY\tMESSAGE\n";
  for (const Json& a : (*page)["items"]) {
    if (!a.is_object()) continue;
    std::string groups;
    for (const Json& g : a.value("userGroups", Json::array())) {
      if (!g.is_string()) continue;
      groups += (groups.empty() ? "" : ",") + TerminalSafe(g.get<std::string>());
    }
    out << Field(a, "id") << "\t" << Field(a, "application") << "\t" << Field(a, "execution")
        << "\t" << Field(a, "stage") << "\t" << Field(a, "status") << "\t"
        << (groups.empty() ? "-" : groups) << "\t" << Field(a, "expiresAt") << "\t"
        << Field(a, "decidedBy") << "\t" << Field(a, "message") << "\n";
  }
  io.out << out.str();
  return kExitOk;
}

int RunDecide(const DecideArgs& args, const ClientFlags& flags, CommandIo& io) {
  if (Status s = ValidateName("approval id", args.id); !s.ok()) return UsageError(io, s.error());
  Json body = {{"decision", args.approve ? "approve" : "reject"}};
  if (args.comment) {
    if (args.comment->size() > 8000 || !IsValidUtf8(*args.comment)) {
      return UsageError(io, InvalidArgument("--comment must be at most 2000 characters of UTF-8"));
    }
    body["comment"] = *args.comment;
  }
  auto vars = ParseVars(args.vars);
  if (!vars.ok()) return UsageError(io, vars.error());
  if (!vars->empty()) {
    if (!args.approve) return UsageError(io, InvalidArgument("--var is for approving"));
    body["variables"] = *vars;
  }
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  auto reply = session->client->Post(ApiClient::ApiPath({"approvals", args.id}), body);
  if (!reply.ok()) return RequestFailed(io, reply.error());
  if (session->format == OutputFormat::kJson) {
    PrintJson(io, *reply);
  } else {
    io.out << "approval " << Field(*reply, "id") << " " << Field(*reply, "status") << " by "
           << Field(*reply, "decidedBy") << " (execution " << Field(*reply, "execution") << ")\n";
  }
  return kExitOk;
}

}  // namespace ferry::cli
