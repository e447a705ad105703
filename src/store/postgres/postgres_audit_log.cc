#include "store/postgres/postgres_audit_log.h"

#include <limits>

#include "common/crypto.h"
#include "store/checks.h"
#include "store/limits.h"

namespace ferry::store::postgres {
namespace {

constexpr size_t kMaxDetailsBytes = size_t{64} * 1024;

Status CheckEntry(const AuditEntry& entry) {
  FERRY_RETURN_IF_ERROR(CheckName(entry.actor, "audit actor"));
  FERRY_RETURN_IF_ERROR(CheckName(entry.action, "audit action"));
  FERRY_RETURN_IF_ERROR(CheckName(entry.subject_type, "audit subject type"));
  FERRY_RETURN_IF_ERROR(CheckOptionalName(entry.subject_id, "audit subject id"));
  FERRY_RETURN_IF_ERROR(CheckOptionalName(entry.source, "audit source"));
  FERRY_RETURN_IF_ERROR(CheckOptionalName(entry.application, "audit application"));
  return Ok();
}

}  // namespace

std::string HashOf(std::string_view document) { return Sha256Hex(document); }

Status InsertAudit(Connection& connection, Context& context, const AuditEntry& entry) {
  FERRY_RETURN_IF_ERROR(CheckEntry(entry));
  FERRY_ASSIGN_OR_RETURN(
      std::string details,
      CanonicalJsonObject(entry.details_json, kMaxDetailsBytes, "audit details"));
  FERRY_ASSIGN_OR_RETURN(
      Statement insert,
      connection.Prepare("INSERT INTO audit_events (id, at_ms, actor, action, subject_type, "
                         "subject_id, before_sha256, after_sha256, details_json, source, application) "
                         "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"));
  insert.Bind(1, context.ids.NewId())
      .Bind(2, context.NowMs())
      .Bind(3, entry.actor)
      .Bind(4, entry.action)
      .Bind(5, entry.subject_type)
      .Bind(6, entry.subject_id)
      .Bind(7, entry.before_sha256)
      .Bind(8, entry.after_sha256)
      .Bind(9, details)
      .Bind(10, entry.source)
      .Bind(11, entry.application);
  return insert.Run();
}

namespace {

AuditEvent ReadEvent(const Statement& row) {
  AuditEvent event;
  event.sequence = row.Int(0);
  event.id = row.Text(1);
  event.at = FromUnixMillis(row.Int(2));
  event.actor = row.Text(3);
  event.action = row.Text(4);
  event.subject_type = row.Text(5);
  event.subject_id = row.Text(6);
  event.before_sha256 = row.OptionalText(7);
  event.after_sha256 = row.OptionalText(8);
  event.details_json = row.Text(9);
  event.source = row.Text(10);
  event.application = row.Text(11);
  return event;
}

constexpr const char* kSelectEvent =
    "SELECT sequence, id, at_ms, actor, action, subject_type, subject_id, before_sha256, "
    "after_sha256, details_json, source, application FROM audit_events ";

}  // namespace

Result<AuditEvent> PostgresAuditLog::Append(const AuditEntry& entry) {
  AuditEvent event;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_RETURN_IF_ERROR(InsertAudit(c, context_, entry));
    FERRY_ASSIGN_OR_RETURN(
        Statement select,
        c.Prepare(std::string(kSelectEvent) +
                  "WHERE sequence = currval(pg_get_serial_sequence('audit_events', 'sequence'))"));
    FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) return Internal("audit event vanished after insert");
    event = ReadEvent(select);
    return Ok();
  }));
  return event;
}

Result<std::vector<AuditEvent>> PostgresAuditLog::List(const AuditQuery& query) {
  if (query.limit < 1 || query.limit > kMaxPageSize) {
    return InvalidArgument("audit limit must be between 1 and " + std::to_string(kMaxPageSize));
  }
  if (query.since && query.until && *query.until <= *query.since) {
    return InvalidArgument("audit 'until' must be later than 'since'");
  }
  // Absent bounds become the widest ones, so one statement serves every filter.
  int64_t since = query.since ? ToUnixMillis(*query.since) : std::numeric_limits<int64_t>::min();
  int64_t until = query.until ? ToUnixMillis(*query.until) : std::numeric_limits<int64_t>::max();
  int64_t before =
      query.before_sequence > 0 ? query.before_sequence : std::numeric_limits<int64_t>::max();
  std::vector<AuditEvent> events;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(
        Statement select,
        c.Prepare(std::string(kSelectEvent) +
                  "WHERE sequence > $1 AND sequence < $2 AND ($3::text IS NULL OR subject_type = $3) "
                  "AND ($4::text IS NULL OR subject_id = $4) AND ($5::text IS NULL OR actor = $5) "
                  "AND ($6::text IS NULL OR action = $6) AND ($7::text IS NULL OR application = $7) "
                  "AND at_ms >= $8 AND at_ms < $9 ORDER BY sequence " +
                  (query.newest_first ? "DESC" : "ASC") + " LIMIT $10"));
    select.Bind(1, query.after_sequence)
        .Bind(2, before)
        .Bind(3, query.subject_type)
        .Bind(4, query.subject_id)
        .Bind(5, query.actor)
        .Bind(6, query.action)
        .Bind(7, query.application)
        .Bind(8, since)
        .Bind(9, until)
        .Bind(10, query.limit);
    while (true) {
      FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) return Ok();
      events.push_back(ReadEvent(select));
    }
  }));
  return events;
}

}  // namespace ferry::store::postgres
