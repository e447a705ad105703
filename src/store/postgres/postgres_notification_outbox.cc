#include "store/postgres/postgres_notification_outbox.h"

#include "store/checks.h"
#include "store/limits.h"

namespace ferry::store::postgres {
namespace {

constexpr char kColumns[] =
    "id, dedupe_key, channel, event, application, execution_id, event_json, status, attempts, "
    "last_error, created_at_ms, next_attempt_at_ms, ended_at_ms, lease_owner, lease_until_ms";

Result<NotificationRecord> Row(const Statement& s) {
  NotificationRecord r;
  r.id = s.Text(0);
  r.key = s.Text(1);
  r.channel = s.Text(2);
  r.event = s.Text(3);
  r.application = s.Text(4);
  r.execution_id = s.Text(5);
  r.event_json = s.Text(6);
  auto status = ParseDeliveryStatus(s.Text(7));
  if (!status) return Internal("notification " + r.id + " has an unknown status");
  r.status = *status;
  r.attempts = static_cast<int>(s.Int(8));
  r.last_error = s.Text(9);
  r.created_at = FromUnixMillis(s.Int(10));
  r.next_attempt_at = FromUnixMillis(s.Int(11));
  if (auto ended = s.OptionalInt(12)) r.ended_at = FromUnixMillis(*ended);
  r.lease_owner = s.Text(13);
  if (auto until = s.OptionalInt(14)) r.lease_until = FromUnixMillis(*until);
  return r;
}

Result<std::optional<NotificationRecord>> Load(Connection& c, std::string_view column,
                                               std::string_view value) {
  FERRY_ASSIGN_OR_RETURN(
      Statement select, c.Prepare(std::string("SELECT ") + kColumns + " FROM notifications WHERE " +
                                  std::string(column) + " = $1"));
  select.Bind(1, value);
  FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return std::optional<NotificationRecord>();
  FERRY_ASSIGN_OR_RETURN(NotificationRecord r, Row(select));
  return std::optional<NotificationRecord>(std::move(r));
}

Status CheckLease(Duration lease) {
  if (lease <= Duration::zero() || lease > std::chrono::hours(24)) {
    return InvalidArgument("a notification lease must be positive and at most 24h");
  }
  return Ok();
}

}  // namespace

Result<NotificationRecord> PostgresNotificationOutbox::Enqueue(const NewNotification& n) {
  FERRY_RETURN_IF_ERROR(CheckName(n.key, "notification key"));
  FERRY_RETURN_IF_ERROR(CheckName(n.channel, "channel"));
  FERRY_RETURN_IF_ERROR(CheckName(n.event, "event"));
  FERRY_RETURN_IF_ERROR(CheckOptionalName(n.application, "application"));
  FERRY_RETURN_IF_ERROR(CheckOptionalName(n.execution_id, "execution id"));
  FERRY_ASSIGN_OR_RETURN(std::string event,
                         CanonicalJsonObject(n.event_json, kMaxNotificationEventBytes, "event"));
  std::optional<NotificationRecord> stored;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    const int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(
        Statement insert,
        c.Prepare("INSERT INTO notifications (id, dedupe_key, channel, event, application, "
                  "execution_id, event_json, status, attempts, last_error, created_at_ms, "
                  "next_attempt_at_ms, lease_owner) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                  "'pending', 0, '', $8, $8, '') ON CONFLICT (dedupe_key) DO NOTHING"));
    FERRY_RETURN_IF_ERROR(insert.Bind(1, context_.ids.NewId())
                              .Bind(2, n.key)
                              .Bind(3, n.channel)
                              .Bind(4, n.event)
                              .Bind(5, n.application)
                              .Bind(6, n.execution_id)
                              .Bind(7, event)
                              .Bind(8, now)
                              .Run());
    FERRY_ASSIGN_OR_RETURN(stored, Load(c, "dedupe_key", n.key));
    return Ok();
  }));
  if (!stored) return Internal("notification vanished after it was written");
  return std::move(*stored);
}

Result<std::vector<NotificationRecord>> PostgresNotificationOutbox::ClaimDue(std::string_view owner,
                                                                             Duration lease,
                                                                             int limit) {
  FERRY_RETURN_IF_ERROR(CheckName(owner, "owner"));
  FERRY_RETURN_IF_ERROR(CheckLease(lease));
  FERRY_RETURN_IF_ERROR(CheckPageLimit(limit));
  std::vector<NotificationRecord> claimed;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    claimed.clear();
    const int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(
        Statement pick,
        c.Prepare("SELECT id FROM notifications WHERE status = 'pending' AND "
                  "next_attempt_at_ms <= $1 AND (lease_until_ms IS NULL OR lease_until_ms <= $1) "
                  "ORDER BY next_attempt_at_ms, id LIMIT $2 FOR UPDATE SKIP LOCKED"));
    pick.Bind(1, now).Bind(2, limit);
    std::vector<std::string> ids;
    while (true) {
      FERRY_ASSIGN_OR_RETURN(bool row, pick.Step());
      if (!row) break;
      ids.push_back(pick.Text(0));
    }
    pick.Reset();
    FERRY_ASSIGN_OR_RETURN(Statement lease_it,
                           c.Prepare("UPDATE notifications SET lease_owner = $2, "
                                     "lease_until_ms = $3 WHERE id = $1"));
    for (const auto& id : ids) {
      FERRY_RETURN_IF_ERROR(lease_it.Bind(1, id).Bind(2, owner).Bind(3, now + lease.count()).Run());
      FERRY_ASSIGN_OR_RETURN(auto r, Load(c, "id", id));
      if (r) claimed.push_back(std::move(*r));
    }
    return Ok();
  }));
  return claimed;
}

Result<NotificationRecord> PostgresNotificationOutbox::Finish(std::string_view id,
                                                              std::string_view owner,
                                                              const DeliveryOutcome& outcome) {
  FERRY_RETURN_IF_ERROR(CheckName(id, "notification id"));
  FERRY_RETURN_IF_ERROR(CheckName(owner, "owner"));
  const std::string error = BoundedText(outcome.error, kMaxNotificationErrorBytes);
  std::optional<NotificationRecord> stored;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    const int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(auto current, Load(c, "id", id));
    if (!current) return NotFound("notification '" + std::string(id) + "' not found");
    if (current->status != DeliveryStatus::kPending || current->lease_owner != owner ||
        !current->lease_until || ToUnixMillis(*current->lease_until) <= now) {
      return FailedPrecondition("notification '" + std::string(id) + "' is no longer leased to " +
                                std::string(owner));
    }
    const bool ended = outcome.status != DeliveryStatus::kPending;
    FERRY_ASSIGN_OR_RETURN(
        Statement update,
        c.Prepare("UPDATE notifications SET status = $2, attempts = attempts + 1, "
                  "last_error = $3, next_attempt_at_ms = $4, ended_at_ms = $5, lease_owner = '', "
                  "lease_until_ms = NULL WHERE id = $1"));
    update.Bind(1, id)
        .Bind(2, DeliveryStatusName(outcome.status))
        .Bind(3, error)
        .Bind(4, ended ? now : ToUnixMillis(outcome.retry_at))
        .Bind(5, ended ? std::optional<int64_t>(now) : std::nullopt);
    FERRY_RETURN_IF_ERROR(update.Run());
    FERRY_ASSIGN_OR_RETURN(stored, Load(c, "id", id));
    return Ok();
  }));
  if (!stored) return Internal("notification vanished after it was written");
  return std::move(*stored);
}

Result<std::vector<NotificationRecord>> PostgresNotificationOutbox::List(
    const NotificationFilter& filter) {
  FERRY_RETURN_IF_ERROR(CheckPageLimit(filter.limit));
  FERRY_RETURN_IF_ERROR(CheckOptionalName(filter.channel, "channel"));
  FERRY_RETURN_IF_ERROR(CheckOptionalName(filter.application, "application"));
  std::vector<NotificationRecord> out;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(
        Statement select,
        c.Prepare(std::string("SELECT ") + kColumns +
                  " FROM notifications WHERE ($1 = '' OR channel = $1) AND ($2 = '' OR "
                  "application = $2) AND ($3 = '' OR status = $3) ORDER BY created_at_ms DESC, "
                  "id DESC LIMIT $4"));
    select.Bind(1, filter.channel)
        .Bind(2, filter.application)
        .Bind(3, std::string(filter.status ? DeliveryStatusName(*filter.status) : ""))
        .Bind(4, filter.limit);
    while (true) {
      FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      FERRY_ASSIGN_OR_RETURN(NotificationRecord r, Row(select));
      out.push_back(std::move(r));
    }
    return Ok();
  }));
  return out;
}

}  // namespace ferry::store::postgres
