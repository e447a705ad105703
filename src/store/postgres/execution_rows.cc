#include "store/postgres/execution_rows.h"

#include "common/strings.h"
#include "common/time.h"
#include "store/postgres/context.h"

namespace ferry::store::postgres {
namespace {

std::optional<TimePoint> OptionalTime(const Statement& row, int column) {
  if (row.IsNull(column)) return std::nullopt;
  return FromUnixMillis(row.Int(column));
}

Result<ExecutionRecord> ReadExecution(const Statement& row) {
  ExecutionRecord e;
  e.id = row.Text(0);
  e.application = row.Text(1);
  e.service = row.Text(2);
  e.environment = row.Text(3);
  e.workflow = row.Text(4);
  e.pipeline = row.OptionalText(5);
  e.trigger = row.Text(6);
  e.actor = row.Text(7);
  e.artifact_id = row.OptionalText(8);
  e.idempotency_key = row.OptionalText(9);
  auto status = ParseExecutionStatus(row.Text(10));
  if (!status) return Internal("execution " + e.id + " has an unknown status");
  e.status = *status;
  e.inputs_json = row.Text(11);
  e.outputs_json = row.Text(12);
  e.error = row.OptionalText(13);
  e.revision = row.Int(14);
  e.created_at = FromUnixMillis(row.Int(15));
  e.updated_at = FromUnixMillis(row.Int(16));
  e.started_at = OptionalTime(row, 17);
  e.ended_at = OptionalTime(row, 18);
  e.lease_owner = row.OptionalText(19);
  e.lease_expires_at = OptionalTime(row, 20);
  e.wake_at = FromUnixMillis(row.Int(21));
  e.abort_requested_by = row.OptionalText(22);
  return e;
}

Result<StepRecord> ReadStep(const Statement& row) {
  StepRecord s;
  s.execution_id = row.Text(0);
  s.index = static_cast<int>(row.Int(1));
  s.name = row.Text(2);
  s.kind = row.Text(3);
  auto status = ParseStepStatus(row.Text(4));
  if (!status) return Internal("step " + s.name + " has an unknown status");
  s.status = *status;
  s.state = row.Text(5);
  s.attempt = static_cast<int>(row.Int(6));
  s.inputs_json = row.Text(7);
  s.outputs_json = row.Text(8);
  s.error = row.OptionalText(9);
  s.revision = row.Int(10);
  s.updated_at = FromUnixMillis(row.Int(11));
  s.started_at = OptionalTime(row, 12);
  s.ended_at = OptionalTime(row, 13);
  s.timeout = Duration(row.Int(14));
  if (!row.IsNull(15)) s.undo_of = static_cast<int>(row.Int(15));
  return s;
}

}  // namespace

std::string SelectExecutionSql(std::string_view where, Payloads payloads) {
  const std::string_view columns = payloads == Payloads::kRead
                                       ? "inputs_json, outputs_json"
                                       : "'{}' AS inputs_json, '{}' AS outputs_json";
  return StrCat(
      {"SELECT id, application, service, environment, workflow, pipeline, trigger, "
       "actor, artifact_id, idempotency_key, status, ",
       columns,
       ", error, revision, created_at_ms, updated_at_ms, started_at_ms, ended_at_ms, "
       "lease_owner, lease_expires_at_ms, wake_at_ms, abort_requested_by "
       "FROM executions ",
       where});
}

Result<std::vector<ExecutionRecord>> SelectExecutions(Statement& select) {
  std::vector<ExecutionRecord> out;
  while (true) {
    FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) return out;
    FERRY_ASSIGN_OR_RETURN(ExecutionRecord e, ReadExecution(select));
    out.push_back(std::move(e));
  }
}

Result<std::optional<ExecutionRecord>> LoadExecution(Connection& c, std::string_view id) {
  FERRY_ASSIGN_OR_RETURN(Statement select, c.Prepare(SelectExecutionSql("WHERE id = $1")));
  select.Bind(1, id);
  FERRY_ASSIGN_OR_RETURN(std::vector<ExecutionRecord> found, SelectExecutions(select));
  if (found.empty()) return std::optional<ExecutionRecord>();
  return std::optional<ExecutionRecord>(std::move(found.front()));
}

Result<bool> ExecutionExists(Connection& c, std::string_view id) {
  FERRY_ASSIGN_OR_RETURN(Statement select, c.Prepare("SELECT 1 FROM executions WHERE id = $1"));
  select.Bind(1, id);
  return select.Step();
}

std::string SelectStepSql(std::string_view where) {
  return "SELECT execution_id, step_index, name, kind, status, state, attempt, inputs_json, "
         "outputs_json, error, revision, updated_at_ms, started_at_ms, ended_at_ms, timeout_ms, "
         "undo_of FROM steps " +
         std::string(where);
}

Result<std::vector<StepRecord>> SelectSteps(Statement& select) {
  std::vector<StepRecord> out;
  while (true) {
    FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) return out;
    FERRY_ASSIGN_OR_RETURN(StepRecord s, ReadStep(select));
    out.push_back(std::move(s));
  }
}

Result<std::optional<StepRecord>> LoadStep(Connection& c, std::string_view execution_id,
                                           int index) {
  FERRY_ASSIGN_OR_RETURN(Statement select,
                         c.Prepare(SelectStepSql("WHERE execution_id = $1 AND step_index = $2")));
  select.Bind(1, execution_id).Bind(2, index);
  FERRY_ASSIGN_OR_RETURN(std::vector<StepRecord> found, SelectSteps(select));
  if (found.empty()) return std::optional<StepRecord>();
  return std::optional<StepRecord>(std::move(found.front()));
}

Status InsertSteps(Connection& c, std::string_view execution_id, int first_index,
                   const std::vector<NewStep>& steps, int64_t now_ms) {
  FERRY_ASSIGN_OR_RETURN(
      Statement insert,
      c.Prepare("INSERT INTO steps (execution_id, step_index, name, kind, status, state, attempt, "
                "inputs_json, outputs_json, revision, updated_at_ms, timeout_ms, undo_of) "
                "VALUES ($1, $2, $3, $4, 'pending', '', 0, $5, '{}', 1, $6, $7, $8)"));
  for (size_t i = 0; i < steps.size(); ++i) {
    insert.Bind(1, execution_id).Bind(2, first_index + static_cast<int>(i));
    insert.Bind(3, steps[i].name).Bind(4, steps[i].kind).Bind(5, steps[i].inputs_json);
    insert.Bind(7, static_cast<int64_t>(steps[i].timeout.count()));
    if (steps[i].undo_of) {
      insert.Bind(8, *steps[i].undo_of);
    } else {
      insert.BindNull(8);
    }
    Status inserted = insert.Bind(6, now_ms).Run();
    if (!inserted.ok()) {
      if (inserted.error().code == ErrorCode::kConflict) {
        return InvalidArgument("step name '" + steps[i].name + "' is used twice in execution " +
                               std::string(execution_id));
      }
      return inserted;
    }
  }
  return Ok();
}

std::string ExecutionStateHash(const ExecutionRecord& e) {
  return HashOf(std::string(ExecutionStatusName(e.status)) + "\n" + e.outputs_json + "\n" +
                e.error.value_or("") + "\n" + e.abort_requested_by.value_or(""));
}

}  // namespace ferry::store::postgres
