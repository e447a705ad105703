// ferry drift: what changed on deployed functions outside Ferry since Ferry last left them.
#include <set>
#include <utility>

#include "cli/command_support.h"
#include "cli/format.h"
#include "cli/plan.h"
#include "common/json.h"

namespace ferry::cli {

using namespace internal;  // NOLINT: this file implements the commands declared there

namespace {

constexpr int kExitDrift = 2;
constexpr int kWaitSeconds = 60;

struct Pair {
  std::string application, service, environment;
};

// The names of a configuration list at `path` (entity lists are not paged).
Result<std::vector<std::string>> Names(ApiClient& client, const std::string& path) {
  FERRY_ASSIGN_OR_RETURN(Json reply, client.Get(path));
  auto items = reply.is_object() ? reply.find("items") : reply.end();
  if (!reply.is_object() || items == reply.end() || !items->is_array()) {
    return Error{ErrorCode::kUnavailable, "the server's list at " + path + " has no items"};
  }
  std::vector<std::string> names;
  for (const auto& item : *items) {
    if (item.is_object() && item.contains("name") && item["name"].is_string()) {
      names.push_back(item["name"].get<std::string>());
    }
  }
  return names;
}

// One check: POST /drift, then the plan until it ended. kNotFound when never deployed there.
Result<std::pair<PlanView, Json>> Check(ApiClient& client, const Pair& pair) {
  Json body{{"application", pair.application},
            {"service", pair.service},
            {"environment", pair.environment}};
  FERRY_ASSIGN_OR_RETURN(
      Json reply, client.Post(ApiClient::ApiPath({"drift"}) + "?wait=" + std::to_string(kWaitSeconds),
                              body));
  FERRY_ASSIGN_OR_RETURN(PlanView plan, DecodePlan(reply));
  while (!plan.ended()) {
    FERRY_ASSIGN_OR_RETURN(reply, client.Get(ApiClient::ApiPath({"plans", plan.id}),
                                             {{"wait", std::to_string(kWaitSeconds)}}));
    FERRY_ASSIGN_OR_RETURN(plan, DecodePlan(reply));
  }
  return std::make_pair(std::move(plan), std::move(reply));
}

}  // namespace

int RunDrift(const DriftArgs& args, const ClientFlags& flags, CommandIo& io) {
  auto fail = [&](const Error& error) {
    io.err << "ferry: " << error.message << "\n";
    return kExitFailed;
  };
  std::optional<ServiceRef> target;
  if (!args.target.empty()) {
    auto parsed = ParseServiceRef(args.target);
    if (!parsed.ok()) return fail(parsed.error());
    target = *parsed;
  } else if (!args.environment.empty()) {
    return fail(InvalidArgument("--env needs APP/SERVICE"));
  }
  if (!args.environment.empty()) {
    if (Status s = ValidateName("--env", args.environment); !s.ok()) return fail(s.error());
  }
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return kExitFailed;
  ApiClient& client = *session->client;

  // What to check: one pair, a service in every environment of its application, or everything.
  std::vector<Pair> pairs;
  const bool explicit_pair = target && !args.environment.empty();
  std::vector<std::string> applications;
  if (target) {
    applications.push_back(target->application);
  } else {
    auto apps = Names(client, ApiClient::ApiPath({"applications"}));
    if (!apps.ok()) return fail(apps.error());
    applications = std::move(apps).value();
  }
  for (const auto& app : applications) {
    std::vector<std::string> services;
    if (target) {
      services.push_back(target->service);
    } else {
      auto listed = Names(client, ApiClient::ApiPath({"applications", app, "services"}));
      if (!listed.ok()) return fail(listed.error());
      services = std::move(listed).value();
    }
    std::vector<std::string> environments;
    if (!args.environment.empty()) {
      environments.push_back(args.environment);
    } else {
      auto listed = Names(client, ApiClient::ApiPath({"applications", app, "environments"}));
      if (!listed.ok()) return fail(listed.error());
      environments = std::move(listed).value();
    }
    for (const auto& svc : services) {
      for (const auto& env : environments) pairs.push_back({app, svc, env});
    }
  }

  bool drift = false;
  bool failed = false;
  int checked = 0;
  Json all = Json::array();
  for (const Pair& pair : pairs) {
    const std::string what = pair.application + "/" + pair.service + " in " + pair.environment;
    auto result = Check(client, pair);
    if (!result.ok()) {
      // Never deployed there: only an error when that pair was asked for.
      if (result.error().code == ErrorCode::kNotFound && !explicit_pair) continue;
      io.err << "ferry: " << TerminalSafe(what) << ": " << result.error().message << "\n";
      failed = true;
      continue;
    }
    ++checked;
    auto& [plan, reply] = *result;
    drift |= HasDrift(plan);
    if (plan.status != "succeeded") failed = true;
    if (session->format == OutputFormat::kJson) {
      all.push_back({{"application", pair.application},
                     {"service", pair.service},
                     {"environment", pair.environment},
                     {"plan", reply}});
    } else {
      io.out << FormatDrift(plan, what);
      if (plan.status != "succeeded" && !plan.error.empty()) {
        io.err << "ferry: " << TerminalSafe(what) << ": the check failed: "
               << TerminalSafe(plan.error) << "\n";
      }
    }
  }
  if (session->format == OutputFormat::kJson) {
    PrintJson(io, all);
  } else if (checked == 0 && !failed) {
    io.out << "Nothing to check: Ferry has deployed none of these services.\n";
  }
  if (failed) return kExitFailed;
  return drift ? kExitDrift : kExitOk;
}

}  // namespace ferry::cli
