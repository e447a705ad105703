// ferry deploy / ferry rollback: start an execution, optionally wait for it.
#include "cli/command_support.h"
#include "cli/format.h"
#include "common/json.h"

namespace ferry::cli {

using namespace internal;  // NOLINT: this file implements the commands declared there

int RunDeploy(const DeployArgs& args, const ClientFlags& flags, CommandIo& io) {
  auto target = ParseServiceRef(args.target);
  if (!target.ok()) return UsageError(io, target.error());
  if (Status s = ValidateName("--env", args.environment); !s.ok()) return UsageError(io, s.error());
  if (!args.workflow.empty()) {
    if (Status s = ValidateName("--workflow", args.workflow); !s.ok()) {
      return UsageError(io, s.error());
    }
  }
  if (!args.artifact_id.empty() && !args.s3_url.empty()) {
    return UsageError(io, InvalidArgument("give either --artifact or --s3, not both"));
  }
  if (!args.artifact_id.empty()) {
    if (Status s = ValidateName("--artifact", args.artifact_id); !s.ok()) {
      return UsageError(io, s.error());
    }
  }
  Json body = {{"application", target->application},
               {"service", target->service},
               {"environment", args.environment}};
  if (!args.workflow.empty()) body["workflow"] = args.workflow;
  if (!args.artifact_id.empty()) body["artifactId"] = args.artifact_id;
  if (!args.s3_url.empty()) {
    auto s3 = ParseS3Url(args.s3_url);
    if (!s3.ok()) return UsageError(io, s3.error());
    body["artifact"] = {{"s3Bucket", s3->bucket}, {"s3Key", s3->key}};
    if (s3->version_id) body["artifact"]["s3ObjectVersion"] = *s3->version_id;
  }
  if (args.allow_outside_source) body["allowOutsideArtifactSource"] = true;
  if (args.override_freeze) {
    if (args.override_freeze->find_first_not_of(" \t") == std::string::npos) {
      return UsageError(io, InvalidArgument("--override-freeze needs a reason (1-500 characters)"));
    }
    body["freezeOverride"] = {{"reason", *args.override_freeze}};
  }
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  auto started =
      PostExecution(*session->client, io.clock, ApiClient::ApiPath({"deployments"}), body);
  if (!started.ok()) return RequestFailed(io, started.error());
  return ReportStarted(*session, io, *started, args.wait,
                       "deploy of " + args.target + " to " + args.environment);
}

int RunRollback(const RollbackArgs& args, const ClientFlags& flags, CommandIo& io) {
  auto target = ParseServiceRef(args.target);
  if (!target.ok()) return UsageError(io, target.error());
  if (Status s = ValidateName("--env", args.environment); !s.ok()) return UsageError(io, s.error());
  Json body = {{"application", target->application},
               {"service", target->service},
               {"environment", args.environment}};
  if (!args.to_execution.empty()) {
    if (Status s = ValidateName("--to", args.to_execution); !s.ok()) {
      return UsageError(io, s.error());
    }
    body["toExecution"] = args.to_execution;
  }
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  auto started = PostExecution(*session->client, io.clock, ApiClient::ApiPath({"rollbacks"}), body);
  if (!started.ok()) return RequestFailed(io, started.error());
  // Which change it undoes (or which execution it restores): on stderr, stdout keeps the id.
  if (session->format == OutputFormat::kText) {
    auto what = started->find("rollback");
    if (what != started->end() && what->is_object()) {
      io.err << "rolling back: " << TerminalSafe(what->value("description", "")) << "\n";
    }
  }
  return ReportStarted(*session, io, *started, args.wait,
                       "rollback of " + args.target + " in " + args.environment);
}

}  // namespace ferry::cli
