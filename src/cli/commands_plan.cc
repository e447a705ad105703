// ferry plan: what a deploy would do, from live reads, changing nothing.
#include "cli/command_support.h"
#include "cli/plan.h"
#include "common/json.h"

namespace ferry::cli {

using namespace internal;  // NOLINT: this file implements the commands declared there

namespace {

// How long each request asks the server to hold it for the plan to finish.
constexpr int kPlanWaitSeconds = 60;

}  // namespace

int RunPlan(const PlanArgs& args, const ClientFlags& flags, CommandIo& io) {
  // Terraform's -detailed-exitcode: 0 nothing to do, 2 changes, 1 anything else (usage included).
  constexpr int kExitError = 1;
  constexpr int kExitChanges = 2;
  auto fail = [&](const Error& error) {
    io.err << "ferry: " << error.message << "\n";
    return kExitError;
  };
  auto target = ParseServiceRef(args.target);
  if (!target.ok()) return fail(target.error());
  if (Status s = ValidateName("--env", args.environment); !s.ok()) return fail(s.error());
  if (!args.workflow.empty()) {
    if (Status s = ValidateName("--workflow", args.workflow); !s.ok()) return fail(s.error());
  }
  if (!args.artifact_id.empty() && !args.s3_url.empty()) {
    return fail(InvalidArgument("give either --artifact or --s3, not both"));
  }
  if (!args.artifact_id.empty()) {
    if (Status s = ValidateName("--artifact", args.artifact_id); !s.ok()) return fail(s.error());
  }
  Json body = {{"application", target->application},
               {"service", target->service},
               {"environment", args.environment}};
  if (!args.workflow.empty()) body["workflow"] = args.workflow;
  if (!args.artifact_id.empty()) body["artifactId"] = args.artifact_id;
  if (!args.s3_url.empty()) {
    auto s3 = ParseS3Url(args.s3_url);
    if (!s3.ok()) return fail(s3.error());
    body["artifact"] = {{"s3Bucket", s3->bucket}, {"s3Key", s3->key}};
    if (s3->version_id) body["artifact"]["s3ObjectVersion"] = *s3->version_id;
  }
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return kExitError;
  const QueryParams wait{{"wait", std::to_string(kPlanWaitSeconds)}};
  // A plan changes nothing: no Idempotency-Key is needed, a retried POST plans again.
  auto reply = session->client->Post(ApiClient::ApiPath({"plans"}) + "?wait=" +
                                         std::to_string(kPlanWaitSeconds),
                                     body);
  if (!reply.ok()) return fail(reply.error());
  auto plan = DecodePlan(*reply);
  if (!plan.ok()) return fail(plan.error());
  Json last = *reply;
  while (!plan->ended()) {
    auto again = session->client->Get(ApiClient::ApiPath({"plans", plan->id}), wait);
    if (!again.ok()) return fail(again.error().WithContext("while waiting for plan " + plan->id));
    plan = DecodePlan(*again);
    if (!plan.ok()) return fail(plan.error());
    last = std::move(*again);
  }
  if (session->format == OutputFormat::kJson) {
    PrintJson(io, last);
  } else {
    io.out << FormatPlan(*plan, args.target + " in " + args.environment, flags.verbose);
  }
  if (plan->status != "succeeded") {
    io.err << "ferry: the plan failed: " << plan->error << "\n";
    return kExitError;
  }
  return plan->changes ? kExitChanges : kExitOk;
}

}  // namespace ferry::cli
