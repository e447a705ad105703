#include "store/postgres/postgres_approval_store.h"

#include "common/json.h"
#include "store/approval_checks.h"
#include "store/checks.h"

namespace ferry::store::postgres {
namespace {

constexpr char kColumns[] =
    "id, execution_id, step_index, step_name, application, message, user_groups, inputs, "
    "expires_at_ms, approve_on_timeout, status, created_at_ms, decided_by, decided_source, "
    "decided_at_ms, comment, decision_values, timed_out";

Result<ApprovalRecord> Row(const Statement& s) {
  ApprovalRecord r;
  r.id = s.Text(0);
  r.execution_id = s.Text(1);
  r.step_index = static_cast<int>(s.Int(2));
  r.step_name = s.Text(3);
  r.application = s.Text(4);
  r.message = s.Text(5);
  FERRY_ASSIGN_OR_RETURN(r.user_groups, FromJsonArray(s.Text(6)));
  r.inputs_json = s.Text(7);
  if (auto ms = s.OptionalInt(8)) r.expires_at = FromUnixMillis(*ms);
  r.approve_on_timeout = s.Int(9) != 0;
  auto status = ParseApprovalStatus(s.Text(10));
  if (!status) return Internal("stored approval status '" + s.Text(10) + "' is unknown");
  r.status = *status;
  r.created_at = FromUnixMillis(s.Int(11));
  r.decided_by = s.OptionalText(12);
  r.decided_source = s.OptionalText(13);
  if (auto ms = s.OptionalInt(14)) r.decided_at = FromUnixMillis(*ms);
  r.comment = s.OptionalText(15);
  r.values_json = s.Text(16);
  r.timed_out = s.Int(17) != 0;
  return r;
}

Result<std::vector<ApprovalRecord>> Rows(Statement& select) {
  std::vector<ApprovalRecord> out;
  while (true) {
    FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    FERRY_ASSIGN_OR_RETURN(auto r, Row(select));
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::optional<ApprovalRecord>> SelectOne(Connection& c, std::string_view where,
                                                std::string_view a, std::optional<int> b) {
  FERRY_ASSIGN_OR_RETURN(
      Statement select,
      c.Prepare(std::string("SELECT ") + kColumns + " FROM approvals WHERE " + std::string(where)));
  select.Bind(1, a);
  if (b) select.Bind(2, *b);
  FERRY_ASSIGN_OR_RETURN(auto rows, Rows(select));
  if (rows.empty()) return std::optional<ApprovalRecord>();
  return std::optional<ApprovalRecord>(std::move(rows.front()));
}

Status Audit(Connection& c, Context& context, const std::string& action, const ApprovalRecord& a,
             const Actor& actor, const Json& details) {
  return InsertAudit(c, context,
                     AuditEntry{.actor = actor.name,
                                .source = actor.source,
                                .action = action,
                                .application = a.application,
                                .subject_type = "approval",
                                .subject_id = "approval/" + a.id,
                                .details_json = DumpJson(details)});
}

}  // namespace

Result<ApprovalRecord> PostgresApprovalStore::Open(const NewApproval& a, const Actor& actor) {
  FERRY_ASSIGN_OR_RETURN(std::string inputs, CheckNewApproval(a));
  FERRY_RETURN_IF_ERROR(CheckName(actor.name, "actor"));
  std::optional<ApprovalRecord> stored;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(stored, SelectOne(c, "execution_id = $1 AND step_index = $2",
                                             a.execution_id, a.step_index));
    if (stored) return Ok();
    FERRY_ASSIGN_OR_RETURN(Statement exists, c.Prepare("SELECT 1 FROM executions WHERE id = $1"));
    exists.Bind(1, a.execution_id);
    FERRY_ASSIGN_OR_RETURN(bool found, exists.Step());
    if (!found) return NotFound("execution '" + a.execution_id + "' not found");
    const std::string id = context_.ids.NewId();
    std::optional<int64_t> expires;
    if (a.expires_at) expires = ToUnixMillis(*a.expires_at);
    FERRY_ASSIGN_OR_RETURN(
        Statement insert,
        c.Prepare("INSERT INTO approvals (id, execution_id, step_index, step_name, application, "
                  "message, user_groups, inputs, expires_at_ms, approve_on_timeout, status, "
                  "created_at_ms, decision_values, timed_out) VALUES ($1, $2, $3, $4, $5, $6, "
                  "$7, $8, $9, $10, 'waiting', $11, '{}', 0)"));
    FERRY_RETURN_IF_ERROR(insert.Bind(1, id)
                              .Bind(2, a.execution_id)
                              .Bind(3, a.step_index)
                              .Bind(4, a.step_name)
                              .Bind(5, a.application)
                              .Bind(6, a.message)
                              .Bind(7, ToJsonArray(a.user_groups))
                              .Bind(8, inputs)
                              .Bind(9, expires)
                              .Bind(10, a.approve_on_timeout ? 1 : 0)
                              .Bind(11, context_.NowMs())
                              .Run());
    FERRY_ASSIGN_OR_RETURN(stored, SelectOne(c, "id = $1", id, std::nullopt));
    if (!stored) return Internal("approval vanished after it was written");
    return Audit(c, context_, "approval.open", *stored, actor,
                 Json{{"execution", a.execution_id}, {"step", a.step_name}});
  }));
  return std::move(*stored);
}

Result<ApprovalRecord> PostgresApprovalStore::Get(std::string_view id) {
  FERRY_RETURN_IF_ERROR(CheckName(id, "approval id"));
  std::optional<ApprovalRecord> out;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(out, SelectOne(c, "id = $1", id, std::nullopt));
    return Ok();
  }));
  if (!out) return NotFound("approval '" + std::string(id) + "' not found");
  return std::move(*out);
}

Result<std::optional<ApprovalRecord>> PostgresApprovalStore::ForStep(std::string_view execution_id,
                                                                     int step_index) {
  FERRY_RETURN_IF_ERROR(CheckName(execution_id, "execution id"));
  std::optional<ApprovalRecord> out;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(
        out, SelectOne(c, "execution_id = $1 AND step_index = $2", execution_id, step_index));
    return Ok();
  }));
  return out;
}

Result<std::vector<ApprovalRecord>> PostgresApprovalStore::List(const ApprovalFilter& f) {
  FERRY_RETURN_IF_ERROR(CheckPageLimit(f.limit));
  if (f.application) FERRY_RETURN_IF_ERROR(CheckName(*f.application, "application"));
  if (f.execution_id) FERRY_RETURN_IF_ERROR(CheckName(*f.execution_id, "execution id"));
  std::string sql =
      std::string("SELECT ") + kColumns +
      " FROM approvals WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR "
      "application = $2) AND ($3::text IS NULL OR execution_id = $3) ORDER BY "
      "created_at_ms, id LIMIT $4";
  std::vector<ApprovalRecord> out;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Statement select, c.Prepare(sql));
    std::optional<std::string> status;
    if (f.status) status = std::string(ApprovalStatusName(*f.status));
    select.Bind(1, status).Bind(2, f.application).Bind(3, f.execution_id).Bind(4, f.limit);
    FERRY_ASSIGN_OR_RETURN(out, Rows(select));
    return Ok();
  }));
  return out;
}

Result<ApprovalRecord> PostgresApprovalStore::Decide(const ApprovalDecision& d,
                                                     const Actor& actor) {
  FERRY_ASSIGN_OR_RETURN(std::string values, CheckApprovalDecision(d));
  FERRY_RETURN_IF_ERROR(CheckName(actor.name, "actor"));
  std::optional<ApprovalRecord> stored;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(stored, SelectOne(c, "id = $1", d.id, std::nullopt));
    if (!stored) return NotFound("approval '" + d.id + "' not found");
    if (stored->status != ApprovalStatus::kWaiting) {
      return FailedPrecondition("approval " + d.id + " was already " +
                                std::string(ApprovalStatusName(stored->status)) + " by " +
                                stored->decided_by.value_or("?"));
    }
    FERRY_ASSIGN_OR_RETURN(
        Statement update,
        c.Prepare("UPDATE approvals SET status = $2, decided_by = $3, decided_source = $4, "
                  "decided_at_ms = $5, comment = $6, decision_values = $7, timed_out = $8 "
                  "WHERE id = $1 AND status = 'waiting'"));
    const ApprovalStatus to = d.approve ? ApprovalStatus::kApproved : ApprovalStatus::kRejected;
    FERRY_RETURN_IF_ERROR(update.Bind(1, d.id)
                              .Bind(2, ApprovalStatusName(to))
                              .Bind(3, actor.name)
                              .Bind(4, actor.source)
                              .Bind(5, context_.NowMs())
                              .Bind(6, d.comment)
                              .Bind(7, values)
                              .Bind(8, d.timed_out ? 1 : 0)
                              .Run());
    FERRY_ASSIGN_OR_RETURN(stored, SelectOne(c, "id = $1", d.id, std::nullopt));
    Json details{{"execution", stored->execution_id}, {"step", stored->step_name}};
    if (d.comment) details["comment"] = *d.comment;
    return Audit(c, context_, ApprovalDecisionAction(d), *stored, actor, details);
  }));
  return std::move(*stored);
}

}  // namespace ferry::store::postgres
