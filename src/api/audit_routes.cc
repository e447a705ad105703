// GET /api/v1/audit: the audit trail, newest first, filtered and paged. Admin only.
#include <limits>

#include "api/access_check.h"
#include "api/json_views.h"
#include "api/request_input.h"
#include "api/router.h"
#include "common/strings.h"
#include "common/time.h"
#include "store/limits.h"

namespace ferry::api {
namespace {

// A page stops growing once its events reach this many bytes (at least one event is always
// sent; one event's details are at most 64 KiB), so a page of large events stays bounded.
constexpr size_t kMaxAuditPageBytes = size_t{1} << 20;

Result<std::optional<TimePoint>> QueryTime(const ApiRequest& request, std::string_view name) {
  FERRY_ASSIGN_OR_RETURN(auto text, QueryName(request, name));
  if (!text) return std::optional<TimePoint>();
  std::optional<TimePoint> t = ParseRfc3339(*text);
  if (!t) {
    return InvalidArgument(StrCat({"query parameter '", name,
                                   "' must be an RFC 3339 time such as 2026-12-07T18:00:00Z, not ",
                                   QuoteForMessage(*text, 40)}));
  }
  return t;
}

Json AuditEventJson(const store::AuditEvent& e) {
  return {{"sequence", e.sequence},
          {"id", e.id},
          {"at", FormatRfc3339(e.at)},
          {"actor", e.actor},
          {"source", e.source},
          {"action", e.action},
          {"application", e.application},
          {"targetType", e.subject_type},
          {"target", e.subject_id},
          {"beforeSha256", e.before_sha256 ? Json(*e.before_sha256) : Json(nullptr)},
          {"afterSha256", e.after_sha256 ? Json(*e.after_sha256) : Json(nullptr)},
          {"details", MaskedDocument(e.details_json)}};
}

Result<ApiResponse> ListAudit(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {"actor", "action", "application", "target",
                                                     "targetType", "since", "until", "limit",
                                                     "before"}));
  store::AuditQuery query;
  query.newest_first = true;
  FERRY_ASSIGN_OR_RETURN(query.actor, QueryName(request, "actor"));
  FERRY_ASSIGN_OR_RETURN(query.action, QueryName(request, "action"));
  FERRY_ASSIGN_OR_RETURN(query.application, QueryName(request, "application"));
  FERRY_ASSIGN_OR_RETURN(query.subject_id, QueryName(request, "target"));
  FERRY_ASSIGN_OR_RETURN(query.subject_type, QueryName(request, "targetType"));
  FERRY_ASSIGN_OR_RETURN(query.since, QueryTime(request, "since"));
  FERRY_ASSIGN_OR_RETURN(query.until, QueryTime(request, "until"));
  if (query.since && query.until && *query.until <= *query.since) {
    return InvalidArgument("query parameter 'until' must be later than 'since'");
  }
  FERRY_ASSIGN_OR_RETURN(query.before_sequence,
                         QueryInt(request, "before", 0, 1, std::numeric_limits<int64_t>::max()));
  FERRY_ASSIGN_OR_RETURN(int limit, ListLimit(request));
  // An admin whose grants cover some applications reads the events of those (docs/security.md,
  // "Scoped reads"); events of no application need a grant for every application.
  ReadScope scope(ctx.store, request.principal, Permission::kAdmin);
  std::vector<store::AuditEvent> events;
  bool more = false;
  std::optional<int64_t> scanned_to;  // the cursor when the scan stopped before a full page
  if (scope.All() || (query.application && scope.Application(*query.application))) {
    query.limit = limit + 1;  // one more tells whether there is a next page
    FERRY_ASSIGN_OR_RETURN(events, ctx.store.audit().List(query));
    more = events.size() > static_cast<size_t>(limit);
    if (more) events.resize(limit);
  } else if (!query.application) {
    query.limit = store::kMaxPageSize;
    size_t scanned = 0;
    while (!more) {
      FERRY_ASSIGN_OR_RETURN(auto batch, ctx.store.audit().List(query));
      for (store::AuditEvent& e : batch) {
        ++scanned;
        if (!scope.Application(e.application)) continue;
        if (events.size() == static_cast<size_t>(limit)) {
          more = true;
          break;
        }
        events.push_back(std::move(e));
      }
      if (more || batch.size() < static_cast<size_t>(query.limit)) break;
      query.before_sequence = batch.back().sequence;
      if (scanned >= 20000) {
        more = true;
        scanned_to = batch.back().sequence;
      }
    }
  }
  Json items = Json::array();
  size_t bytes = 0;
  for (const store::AuditEvent& e : events) {
    Json item = AuditEventJson(e);
    bytes += DumpJson(item).size();
    if (!items.empty() && bytes > kMaxAuditPageBytes) {
      more = true;
      break;
    }
    items.push_back(std::move(item));
  }
  Json next = nullptr;
  if (more && !items.empty() && !scanned_to) {
    next = std::to_string(items.back()["sequence"].get<int64_t>());
  } else if (more && scanned_to) {
    next = std::to_string(*scanned_to);
  }
  return JsonReply(200, {{"items", std::move(items)}, {"next", std::move(next)}});
}

}  // namespace

void AddAuditRoutes(Router& router, RouteContext& ctx) {
  router.Add("GET", "/api/v1/audit", Permission::kAdmin,
             [&ctx](const ApiRequest& r, const PathParams&) { return ListAudit(ctx, r); });
}

}  // namespace ferry::api
