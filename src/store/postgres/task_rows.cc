#include "store/postgres/task_rows.h"

#include "common/strings.h"
#include "store/checks.h"
#include "store/limits.h"

namespace ferry::store::postgres {
namespace {

constexpr const char* kSelectTask =
    "SELECT id, kind, payload_json, selectors_json, idempotency_key, execution_id, step_index, "
    "status, attempt, max_attempts, lease_owner, lease_expires_at_ms, heartbeat_at_ms, "
    "result_json, error, created_at_ms, updated_at_ms, ended_at_ms FROM tasks ";

std::optional<TimePoint> OptionalTime(const Statement& row, int column) {
  if (row.IsNull(column)) return std::nullopt;
  return FromUnixMillis(row.Int(column));
}

Result<TaskRecord> ReadTask(const Statement& row) {
  TaskRecord task;
  task.id = row.Text(0);
  task.kind = row.Text(1);
  task.payload_json = row.Text(2);
  FERRY_ASSIGN_OR_RETURN(task.selectors, FromJsonArray(row.Text(3)));
  task.idempotency_key = row.Text(4);
  task.execution_id = row.OptionalText(5);
  if (!row.IsNull(6)) task.step_index = static_cast<int>(row.Int(6));
  auto status = ParseTaskStatus(row.Text(7));
  if (!status) return Internal("task " + task.id + " has an unknown status");
  task.status = *status;
  task.attempt = static_cast<int>(row.Int(8));
  task.max_attempts = static_cast<int>(row.Int(9));
  task.lease_owner = row.OptionalText(10);
  task.lease_expires_at = OptionalTime(row, 11);
  task.heartbeat_at = OptionalTime(row, 12);
  task.result_json = row.OptionalText(13);
  task.error = row.OptionalText(14);
  task.created_at = FromUnixMillis(row.Int(15));
  task.updated_at = FromUnixMillis(row.Int(16));
  task.ended_at = OptionalTime(row, 17);
  return task;
}

}  // namespace

Result<std::vector<TaskRecord>> SelectTasks(Statement& select) {
  std::vector<TaskRecord> tasks;
  while (true) {
    FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) return tasks;
    FERRY_ASSIGN_OR_RETURN(TaskRecord task, ReadTask(select));
    tasks.push_back(std::move(task));
  }
}

std::string SelectTaskSql(std::string_view where) {
  return std::string(kSelectTask) + std::string(where);
}

Result<CheckedTask> CheckTask(const NewTask& task) {
  CheckedTask checked{task};
  FERRY_RETURN_IF_ERROR(CheckName(task.kind, "task kind"));
  FERRY_RETURN_IF_ERROR(CheckName(task.idempotency_key, "task idempotency key"));
  if (task.execution_id) FERRY_RETURN_IF_ERROR(CheckName(*task.execution_id, "execution id"));
  if (task.step_index && !task.execution_id) {
    return InvalidArgument("a task's step index needs its execution id");
  }
  if (task.step_index && *task.step_index < 0) return InvalidArgument("step index is negative");
  if (task.max_attempts < 1 || task.max_attempts > 100) {
    return InvalidArgument("task max_attempts must be between 1 and 100");
  }
  FERRY_ASSIGN_OR_RETURN(checked.task.selectors, NormalizeNames(task.selectors, "selector"));
  FERRY_ASSIGN_OR_RETURN(checked.task.payload_json,
                         CanonicalJsonObject(task.payload_json, kMaxDocumentBytes, "task payload"));
  return checked;
}

Result<std::optional<TaskRecord>> LoadTask(Connection& c, std::string_view id) {
  FERRY_ASSIGN_OR_RETURN(Statement select, c.Prepare(SelectTaskSql("WHERE id = $1")));
  select.Bind(1, id);
  FERRY_ASSIGN_OR_RETURN(std::vector<TaskRecord> tasks, SelectTasks(select));
  if (tasks.empty()) return std::optional<TaskRecord>();
  return std::optional<TaskRecord>(std::move(tasks.front()));
}

Result<EnqueuedTask> EnqueueTask(Connection& c, Context& context, const CheckedTask& checked) {
  const NewTask& task = checked.task;
  FERRY_ASSIGN_OR_RETURN(Statement existing,
                         c.Prepare(SelectTaskSql("WHERE idempotency_key = $1")));
  existing.Bind(1, task.idempotency_key);
  FERRY_ASSIGN_OR_RETURN(std::vector<TaskRecord> found, SelectTasks(existing));
  if (!found.empty()) {
    TaskRecord& first = found.front();
    if (first.kind != task.kind || first.payload_json != task.payload_json ||
        first.selectors != task.selectors || first.execution_id != task.execution_id ||
        first.step_index != task.step_index) {
      return Conflict("idempotency key " + QuoteForMessage(task.idempotency_key) +
                      " already names task " + first.id + " with different content");
    }
    return EnqueuedTask{std::move(first), false};
  }
  if (task.execution_id) {
    FERRY_ASSIGN_OR_RETURN(Statement exists, c.Prepare("SELECT 1 FROM executions WHERE id = $1"));
    exists.Bind(1, *task.execution_id);
    FERRY_ASSIGN_OR_RETURN(bool row, exists.Step());
    if (!row) return NotFound("execution " + *task.execution_id + " does not exist");
  }
  std::string id = context.ids.NewId();
  int64_t now = context.NowMs();
  FERRY_ASSIGN_OR_RETURN(
      Statement insert,
      c.Prepare("INSERT INTO tasks (id, kind, payload_json, selectors_json, idempotency_key, "
                "execution_id, step_index, status, attempt, max_attempts, created_at_ms, "
                "updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8, $9, $9)"));
  insert.Bind(1, id).Bind(2, task.kind).Bind(3, task.payload_json);
  insert.Bind(4, ToJsonArray(task.selectors)).Bind(5, task.idempotency_key);
  insert.Bind(6, task.execution_id);
  if (task.step_index) {
    insert.Bind(7, *task.step_index);
  } else {
    insert.BindNull(7);
  }
  FERRY_RETURN_IF_ERROR(insert.Bind(8, task.max_attempts).Bind(9, now).Run());
  FERRY_ASSIGN_OR_RETURN(Statement selector,
                         c.Prepare("INSERT INTO task_selectors (task_seq, selector) "
                                   "VALUES ((SELECT seq FROM tasks WHERE id = $1), $2)"));
  for (const std::string& s : task.selectors) {
    FERRY_RETURN_IF_ERROR(selector.Bind(1, id).Bind(2, s).Run());
  }
  FERRY_ASSIGN_OR_RETURN(std::optional<TaskRecord> created, LoadTask(c, id));
  if (!created) return Internal("task vanished after insert");
  return EnqueuedTask{std::move(*created), true};
}

Status WakeExecution(Connection& c, std::string_view execution_id, int64_t now_ms) {
  FERRY_ASSIGN_OR_RETURN(
      Statement wake,
      c.Prepare(
          "UPDATE executions SET wake_at_ms = LEAST(wake_at_ms, $2::bigint), wake_pending = 1 "
          "WHERE id = $1 AND ended_at_ms IS NULL"));
  return wake.Bind(1, execution_id).Bind(2, now_ms).Run();
}

}  // namespace ferry::store::postgres
