#include "store/postgres/postgres_incident_store.h"

#include "common/strings.h"
#include "store/checks.h"
#include "store/limits.h"

namespace ferry::store::postgres {
namespace {

constexpr char kIncidentColumns[] =
    "id, application, environment, function_name, kind, subject, state, summary, details, "
    "checks, opened_at_ms, updated_at_ms, closed_at_ms, close_reason, opened_by, last_check";

IncidentRecord IncidentRow(const Statement& s) {
  IncidentRecord r;
  r.id = s.Text(0);
  r.application = s.Text(1);
  r.environment = s.Text(2);
  r.function = s.Text(3);
  r.kind = s.Text(4);
  r.subject = s.Text(5);
  r.state = s.Text(6);
  r.summary = s.Text(7);
  r.details_json = s.Text(8);
  r.checks = s.Int(9);
  r.opened_at = FromUnixMillis(s.Int(10));
  r.updated_at = FromUnixMillis(s.Int(11));
  if (!s.IsNull(12)) r.closed_at = FromUnixMillis(s.Int(12));
  r.close_reason = s.Text(13);
  r.opened_by = s.Text(14);
  r.last_check = s.Text(15);
  return r;
}

Status CheckKind(std::string_view kind) {
  if (kind != kIncidentKindMetric && kind != kIncidentKindDrift) {
    return Error{ErrorCode::kInvalidArgument, "kind must be metric or drift"};
  }
  return Ok();
}

// The observation with its details in canonical form, or what is wrong with it.
Result<IncidentObservation> Checked(const IncidentObservation& o) {
  FERRY_RETURN_IF_ERROR(CheckName(o.application, "application"));
  FERRY_RETURN_IF_ERROR(CheckName(o.environment, "environment"));
  FERRY_RETURN_IF_ERROR(CheckName(o.function, "function"));
  FERRY_RETURN_IF_ERROR(CheckName(o.subject, "incident subject"));
  FERRY_RETURN_IF_ERROR(CheckKind(o.kind));
  if (o.summary.size() > kMaxIncidentSummaryBytes || !IsValidUtf8(o.summary)) {
    return Error{ErrorCode::kInvalidArgument, "an incident's summary must be UTF-8 of at most " +
                                                  std::to_string(kMaxIncidentSummaryBytes) +
                                                  " bytes"};
  }
  IncidentObservation out = o;
  FERRY_ASSIGN_OR_RETURN(
      out.details_json,
      CanonicalJsonObject(o.details_json, kMaxIncidentDetailsBytes, "incident details"));
  return out;
}

}  // namespace

Result<bool> PostgresIncidentStore::ClaimCheck(const GuardCheck& check) {
  FERRY_RETURN_IF_ERROR(CheckName(check.key, "check key"));
  FERRY_RETURN_IF_ERROR(CheckName(check.application, "application"));
  FERRY_RETURN_IF_ERROR(CheckName(check.environment, "environment"));
  FERRY_RETURN_IF_ERROR(CheckKind(check.kind));
  if (check.task_keys.size() > 1000) {
    return Error{ErrorCode::kInvalidArgument, "a check waits for at most 1,000 tasks"};
  }
  for (const auto& k : check.task_keys) FERRY_RETURN_IF_ERROR(CheckName(k, "task key"));
  bool claimed = false;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(
        Statement insert,
        c.Prepare("INSERT INTO guard_checks (check_key, kind, application, environment, slot_ms, "
                  "state, created_at_ms, task_keys) VALUES ($1, $2, $3, $4, $5, "
                  "'pending', $6, $7) ON CONFLICT (check_key) DO NOTHING"));
    FERRY_RETURN_IF_ERROR(insert.Bind(1, check.key)
                              .Bind(2, check.kind)
                              .Bind(3, check.application)
                              .Bind(4, check.environment)
                              .Bind(5, ToUnixMillis(check.slot))
                              .Bind(6, context_.NowMs())
                              .Bind(7, ToJsonArray(check.task_keys))
                              .Run());
    claimed = c.Changes() == 1;
    return Ok();
  }));
  return claimed;
}

Result<bool> PostgresIncidentStore::CheckExists(std::string_view check_key) {
  FERRY_RETURN_IF_ERROR(CheckName(check_key, "check key"));
  bool found = false;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Statement select,
                           c.Prepare("SELECT 1 FROM guard_checks WHERE check_key = $1"));
    select.Bind(1, check_key);
    FERRY_ASSIGN_OR_RETURN(found, select.Step());
    return Ok();
  }));
  return found;
}

Result<std::vector<GuardCheck>> PostgresIncidentStore::PendingChecks(int limit) {
  FERRY_RETURN_IF_ERROR(CheckPageLimit(limit));
  std::vector<GuardCheck> out;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(
        Statement select,
        c.Prepare("SELECT check_key, kind, application, environment, slot_ms, task_keys FROM "
                  "guard_checks WHERE state = 'pending' ORDER BY slot_ms, check_key LIMIT $1"));
    select.Bind(1, limit);
    while (true) {
      FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      FERRY_ASSIGN_OR_RETURN(auto keys, FromJsonArray(select.Text(5)));
      out.push_back(GuardCheck{select.Text(0), select.Text(1), select.Text(2), select.Text(3),
                               FromUnixMillis(select.Int(4)), std::move(keys)});
    }
    return Ok();
  }));
  return out;
}

Result<bool> PostgresIncidentStore::ApplyCheck(
    std::string_view check_key, const std::vector<IncidentObservation>& observations) {
  FERRY_RETURN_IF_ERROR(CheckName(check_key, "check key"));
  if (observations.size() > kMaxObservationsPerCheck) {
    return Error{
        ErrorCode::kInvalidArgument,
        "a check holds at most " + std::to_string(kMaxObservationsPerCheck) + " observations"};
  }
  std::vector<IncidentObservation> checked;
  checked.reserve(observations.size());
  for (const auto& o : observations) {
    FERRY_ASSIGN_OR_RETURN(auto c, Checked(o));
    checked.push_back(std::move(c));
  }
  bool applied = false;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    const int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(Statement state,
                           c.Prepare("SELECT state FROM guard_checks WHERE check_key = $1"));
    state.Bind(1, check_key);
    FERRY_ASSIGN_OR_RETURN(bool found, state.Step());
    if (!found) return NotFound("check '" + std::string(check_key) + "' was never claimed");
    if (state.Text(0) != "pending") return Ok();
    FERRY_ASSIGN_OR_RETURN(Statement mark,
                           c.Prepare("UPDATE guard_checks SET state = 'applied', applied_at_ms = "
                                     "$2 WHERE check_key = $1 AND state = 'pending'"));
    FERRY_RETURN_IF_ERROR(mark.Bind(1, check_key).Bind(2, now).Run());
    if (c.Changes() != 1) return Ok();
    applied = true;
    // Applied checks are kept for kGuardCheckRetention, then forgotten (one row per slot).
    FERRY_ASSIGN_OR_RETURN(Statement prune,
                           c.Prepare("DELETE FROM guard_checks WHERE state = 'applied' AND "
                                     "applied_at_ms < $1"));
    FERRY_RETURN_IF_ERROR(prune
                              .Bind(1, now - std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 kGuardCheckRetention)
                                                 .count())
                              .Run());
    for (const auto& o : checked) {
      FERRY_ASSIGN_OR_RETURN(
          Statement open,
          c.Prepare("SELECT id FROM incidents WHERE application = $1 AND environment = $2 AND "
                    "function_name = $3 AND kind = $4 AND subject = $5 AND state = 'open'"));
      open.Bind(1, o.application).Bind(2, o.environment).Bind(3, o.function).Bind(4, o.kind);
      open.Bind(5, o.subject);
      FERRY_ASSIGN_OR_RETURN(bool is_open, open.Step());
      const std::string id = is_open ? open.Text(0) : "";
      if (o.anomalous && is_open) {
        FERRY_ASSIGN_OR_RETURN(
            Statement update,
            c.Prepare("UPDATE incidents SET summary = $2, details = $3, checks = checks + 1, "
                      "updated_at_ms = $4, last_check = $5 WHERE id = $1"));
        FERRY_RETURN_IF_ERROR(update.Bind(1, id)
                                  .Bind(2, o.summary)
                                  .Bind(3, o.details_json)
                                  .Bind(4, now)
                                  .Bind(5, check_key)
                                  .Run());
      } else if (o.anomalous) {
        FERRY_ASSIGN_OR_RETURN(
            Statement insert,
            c.Prepare("INSERT INTO incidents (id, application, environment, function_name, kind, "
                      "subject, state, summary, details, checks, opened_at_ms, updated_at_ms, "
                      "close_reason, opened_by, last_check) VALUES ($1, $2, $3, $4, $5, $6, "
                      "'open', $7, $8, 1, $9, $9, '', $10, $10)"));
        FERRY_RETURN_IF_ERROR(insert.Bind(1, "inc-" + context_.ids.NewId())
                                  .Bind(2, o.application)
                                  .Bind(3, o.environment)
                                  .Bind(4, o.function)
                                  .Bind(5, o.kind)
                                  .Bind(6, o.subject)
                                  .Bind(7, o.summary)
                                  .Bind(8, o.details_json)
                                  .Bind(9, now)
                                  .Bind(10, check_key)
                                  .Run());
      } else if (is_open) {
        FERRY_ASSIGN_OR_RETURN(
            Statement close,
            c.Prepare("UPDATE incidents SET state = 'closed', closed_at_ms = $2, updated_at_ms = "
                      "$2, close_reason = $3 WHERE id = $1"));
        FERRY_RETURN_IF_ERROR(close.Bind(1, id).Bind(2, now).Bind(3, o.summary).Run());
      }
      if (o.kind != kIncidentKindDrift) continue;
      FERRY_ASSIGN_OR_RETURN(
          Statement report,
          c.Prepare("INSERT INTO drift_reports (application, environment, function_name, "
                    "drifted, report, check_key, checked_at_ms) VALUES ($1, $2, $3, $4, $5, $6, "
                    "$7) ON CONFLICT (application, environment, function_name) DO UPDATE SET "
                    "drifted = excluded.drifted, report = excluded.report, check_key = "
                    "excluded.check_key, checked_at_ms = excluded.checked_at_ms"));
      FERRY_RETURN_IF_ERROR(report.Bind(1, o.application)
                                .Bind(2, o.environment)
                                .Bind(3, o.function)
                                .Bind(4, o.anomalous ? 1 : 0)
                                .Bind(5, o.details_json)
                                .Bind(6, check_key)
                                .Bind(7, now)
                                .Run());
    }
    return Ok();
  }));
  return applied;
}

Result<std::vector<IncidentRecord>> PostgresIncidentStore::List(const IncidentFilter& filter) {
  FERRY_RETURN_IF_ERROR(CheckPageLimit(filter.limit));
  if (filter.state && *filter.state != "open" && *filter.state != "closed") {
    return Error{ErrorCode::kInvalidArgument, "state must be open or closed"};
  }
  std::vector<IncidentRecord> out;
  if (filter.applications && filter.applications->empty()) return out;
  std::string sql = std::string("SELECT ") + kIncidentColumns + " FROM incidents WHERE 1 = 1";
  int next = 1;
  if (filter.state) sql += " AND state = $" + std::to_string(next++);
  const int first_app = next;
  if (filter.applications) {
    sql += " AND application IN (";
    for (size_t i = 0; i < filter.applications->size(); ++i) {
      sql += (i ? ", $" : "$") + std::to_string(next++);
    }
    sql += ")";
  }
  sql += " ORDER BY opened_at_ms DESC, id DESC LIMIT $" + std::to_string(next);
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Statement select, c.Prepare(sql));
    if (filter.state) select.Bind(1, *filter.state);
    if (filter.applications) {
      for (size_t i = 0; i < filter.applications->size(); ++i) {
        select.Bind(first_app + static_cast<int>(i), (*filter.applications)[i]);
      }
    }
    select.Bind(next, filter.limit);
    while (true) {
      FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      out.push_back(IncidentRow(select));
    }
    return Ok();
  }));
  return out;
}

Result<std::vector<DriftReportRecord>> PostgresIncidentStore::DriftReports(
    std::string_view application, std::string_view environment) {
  FERRY_RETURN_IF_ERROR(CheckName(application, "application"));
  FERRY_RETURN_IF_ERROR(CheckName(environment, "environment"));
  std::vector<DriftReportRecord> out;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(
        Statement select,
        c.Prepare("SELECT function_name, drifted, report, check_key, checked_at_ms FROM "
                  "drift_reports WHERE application = $1 AND environment = $2 ORDER BY "
                  "function_name"));
    select.Bind(1, application).Bind(2, environment);
    while (true) {
      FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      out.push_back(DriftReportRecord{std::string(application), std::string(environment),
                                      select.Text(0), select.Int(1) != 0, select.Text(2),
                                      select.Text(3), FromUnixMillis(select.Int(4))});
    }
    return Ok();
  }));
  return out;
}

}  // namespace ferry::store::postgres
