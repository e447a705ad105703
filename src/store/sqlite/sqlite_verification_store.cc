#include "store/sqlite/sqlite_verification_store.h"

#include "store/checks.h"

namespace ferry::store::sqlite {
namespace {

constexpr char kColumns[] =
    "execution_id, step_name, mode, verdict, passed, analysis, created_at_ms";

VerificationRecord Row(const Statement& s) {
  return VerificationRecord{s.Text(0),
                            s.Text(1),
                            s.Text(2),
                            s.Text(3),
                            s.Int(4) != 0,
                            s.Text(5),
                            FromUnixMillis(s.Int(6))};
}

Result<std::vector<VerificationRecord>> Select(Connection& c, std::string_view execution_id,
                                               std::string_view step_name) {
  std::string sql =
      std::string("SELECT ") + kColumns + " FROM verifications WHERE execution_id = ?1" +
      (step_name.empty() ? "" : " AND step_name = ?2") + " ORDER BY created_at_ms, step_name";
  FERRY_ASSIGN_OR_RETURN(Statement select, c.Prepare(sql));
  select.Bind(1, execution_id);
  if (!step_name.empty()) select.Bind(2, step_name);
  std::vector<VerificationRecord> out;
  while (true) {
    FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    out.push_back(Row(select));
  }
  return out;
}

}  // namespace

Result<VerificationRecord> SqliteVerificationStore::Record(const NewVerification& v) {
  FERRY_RETURN_IF_ERROR(CheckName(v.execution_id, "execution id"));
  FERRY_RETURN_IF_ERROR(CheckName(v.step_name, "step name"));
  FERRY_RETURN_IF_ERROR(CheckName(v.mode, "verification mode"));
  FERRY_RETURN_IF_ERROR(CheckName(v.verdict, "verdict"));
  FERRY_ASSIGN_OR_RETURN(std::string analysis,
                         CanonicalJsonObject(v.analysis_json, kMaxVerificationBytes, "analysis"));
  std::vector<VerificationRecord> stored;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Statement exists, c.Prepare("SELECT 1 FROM executions WHERE id = ?1"));
    exists.Bind(1, v.execution_id);
    FERRY_ASSIGN_OR_RETURN(bool found, exists.Step());
    if (!found) return NotFound("execution '" + v.execution_id + "' not found");
    FERRY_ASSIGN_OR_RETURN(
        Statement upsert,
        c.Prepare("INSERT INTO verifications (execution_id, step_name, mode, verdict, passed, "
                  "analysis, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT "
                  "(execution_id, step_name) DO UPDATE SET mode = excluded.mode, verdict = "
                  "excluded.verdict, passed = excluded.passed, analysis = excluded.analysis"));
    FERRY_RETURN_IF_ERROR(upsert.Bind(1, v.execution_id)
                              .Bind(2, v.step_name)
                              .Bind(3, v.mode)
                              .Bind(4, v.verdict)
                              .Bind(5, v.passed ? 1 : 0)
                              .Bind(6, analysis)
                              .Bind(7, context_.NowMs())
                              .Run());
    FERRY_ASSIGN_OR_RETURN(stored, Select(c, v.execution_id, v.step_name));
    return Ok();
  }));
  if (stored.size() != 1) return Internal("verification vanished after it was written");
  return std::move(stored.front());
}

Result<std::vector<VerificationRecord>> SqliteVerificationStore::List(
    std::string_view execution_id) {
  FERRY_RETURN_IF_ERROR(CheckName(execution_id, "execution id"));
  std::vector<VerificationRecord> out;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(out, Select(c, execution_id, ""));
    return Ok();
  }));
  return out;
}

}  // namespace ferry::store::sqlite
