// GET /api/v1/notifications: recent notification deliveries (the outbox), newest first — the
// channel, the event, the status, the attempts and the last error. View permission, like the
// executions list. No credential is ever in a row; errors pass the SecretMasker on the way out.
#include "api/request_input.h"
#include "api/router.h"
#include "common/secret_mask.h"
#include "common/time.h"

namespace ferry::api {
namespace {

Json Time(const std::optional<TimePoint>& t) { return t ? Json(FormatRfc3339(*t)) : Json(nullptr); }

Json DeliveryJson(const store::NotificationRecord& n) {
  const bool pending = n.status == store::DeliveryStatus::kPending;
  return {{"id", n.id},
          {"channel", n.channel},
          {"event", n.event},
          {"application", n.application.empty() ? Json(nullptr) : Json(n.application)},
          {"executionId", n.execution_id.empty() ? Json(nullptr) : Json(n.execution_id)},
          {"status", std::string(store::DeliveryStatusName(n.status))},
          {"attempts", n.attempts},
          {"lastError",
           n.last_error.empty() ? Json(nullptr) : Json(SecretMasker::Global().Mask(n.last_error))},
          {"createdAt", FormatRfc3339(n.created_at)},
          {"nextAttemptAt", pending ? Json(FormatRfc3339(n.next_attempt_at)) : Json(nullptr)},
          {"endedAt", Time(n.ended_at)}};
}

Result<ApiResponse> ListNotifications(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {"channel", "application", "status", "limit"}));
  store::NotificationFilter filter;
  FERRY_ASSIGN_OR_RETURN(auto channel, QueryName(request, "channel"));
  FERRY_ASSIGN_OR_RETURN(auto application, QueryName(request, "application"));
  FERRY_ASSIGN_OR_RETURN(auto status, QueryName(request, "status"));
  filter.channel = channel.value_or("");
  filter.application = application.value_or("");
  if (status) {
    filter.status = store::ParseDeliveryStatus(*status);
    if (!filter.status) {
      return InvalidArgument("query parameter 'status' must be pending, delivered or failed");
    }
  }
  FERRY_ASSIGN_OR_RETURN(filter.limit, ListLimit(request));
  FERRY_ASSIGN_OR_RETURN(auto rows, ctx.store.notifications().List(filter));
  Json items = Json::array();
  for (const auto& n : rows) items.push_back(DeliveryJson(n));
  return JsonReply(200, {{"items", std::move(items)}});
}

}  // namespace

void AddNotificationRoutes(Router& router, RouteContext& ctx) {
  router.Add("GET", "/api/v1/notifications", Permission::kView,
             [&ctx](const ApiRequest& r, const PathParams&) { return ListNotifications(ctx, r); });
}

}  // namespace ferry::api
