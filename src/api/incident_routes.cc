// GET /api/v1/incidents: Service Guard's and periodic drift detection's incidents
// (api/service_guard.h), newest first, only of applications (and environment types) the caller
// may view. Read-only: incidents are opened and closed by the periodic checks, not by requests.
#include <algorithm>
#include <set>

#include "api/access_check.h"
#include "api/request_input.h"
#include "api/router.h"
#include "common/strings.h"
#include "common/time.h"
#include "store/limits.h"

namespace ferry::api {
namespace {

// The applications the caller may view (nullopt: every application).
std::optional<std::vector<std::string>> ViewableApplications(const Principal& principal) {
  std::set<std::string> names;
  for (const Grant& g : principal.grants) {
    if ((g.permissions & Bit(Permission::kView)) == 0) continue;
    if (g.applications.empty()) return std::nullopt;
    names.insert(g.applications.begin(), g.applications.end());
  }
  return std::vector<std::string>(names.begin(), names.end());
}

Json IncidentJson(const store::IncidentRecord& r) {
  auto details = ParseJson(r.details_json);
  return Json{{"id", r.id},
              {"application", r.application},
              {"environment", r.environment},
              {"function", r.function},
              {"kind", r.kind},
              {"subject", r.subject},
              {"state", r.state},
              {"summary", r.summary},
              {"details", details.ok() ? *details : Json::object()},
              {"checks", r.checks},
              {"openedAt", FormatRfc3339(r.opened_at)},
              {"updatedAt", FormatRfc3339(r.updated_at)},
              {"closedAt", r.closed_at ? Json(FormatRfc3339(*r.closed_at)) : Json(nullptr)},
              {"closeReason", r.close_reason}};
}

Result<ApiResponse> ListIncidents(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {"application", "state", "limit"}));
  store::IncidentFilter filter;
  FERRY_ASSIGN_OR_RETURN(auto application, QueryName(request, "application"));
  FERRY_ASSIGN_OR_RETURN(filter.state, QueryName(request, "state"));
  if (filter.state && *filter.state != "open" && *filter.state != "closed") {
    return InvalidArgument("unknown state " + QuoteForMessage(*filter.state) +
                           "; expected open or closed");
  }
  FERRY_ASSIGN_OR_RETURN(filter.limit, ListLimit(request));
  filter.applications = ViewableApplications(request.principal);
  if (application) {
    const bool viewable =
        !filter.applications || std::find(filter.applications->begin(), filter.applications->end(),
                                          *application) != filter.applications->end();
    filter.applications =
        viewable ? std::vector<std::string>{*application} : std::vector<std::string>{};
  }
  FERRY_ASSIGN_OR_RETURN(auto incidents, ctx.store.incidents().List(filter));
  Json items = Json::array();
  for (const auto& r : incidents) {
    // A grant limited to some environment types covers only their incidents.
    if (!Covers(request.principal, Permission::kView, r.application,
                EnvironmentTypeOf(ctx.store, r.application, r.environment))) {
      continue;
    }
    items.push_back(IncidentJson(r));
  }
  return JsonReply(200, {{"items", std::move(items)}});
}

}  // namespace

void AddIncidentRoutes(Router& router, RouteContext& ctx) {
  router.Add("GET", "/api/v1/incidents", Permission::kView,
             [&ctx](const ApiRequest& r, const PathParams&) { return ListIncidents(ctx, r); });
}

}  // namespace ferry::api
