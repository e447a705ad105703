#include "store/postgres/postgres_task_store.h"

#include "common/strings.h"
#include "store/checks.h"
#include "store/limits.h"
#include "store/postgres/task_rows.h"

namespace ferry::store::postgres {
namespace {

Status CheckLeaseDuration(Duration lease) {
  if (lease <= Duration::zero() || lease > std::chrono::hours(24)) {
    return InvalidArgument("a lease must last between 1ms and 24h");
  }
  return Ok();
}

Status CheckLease(const TaskLease& lease) {
  FERRY_RETURN_IF_ERROR(CheckName(lease.task_id, "task id"));
  return CheckName(lease.owner, "lease owner");
}

// Why a holder's call was refused, for the delegate's log.
Error LostLease(const TaskRecord& task, const TaskLease& lease, int64_t now_ms) {
  std::string why;
  if (IsTerminal(task.status)) {
    why = "it is already " + std::string(TaskStatusName(task.status));
  } else if (task.lease_owner != lease.owner || task.attempt != lease.attempt) {
    why = "it was reclaimed (now attempt " + std::to_string(task.attempt) + ")";
  } else if (task.lease_expires_at && ToUnixMillis(*task.lease_expires_at) <= now_ms) {
    why = "its lease expired";
  } else {
    why = "it is " + std::string(TaskStatusName(task.status));
  }
  return FailedPrecondition("task " + task.id + " is no longer held by " + lease.owner + ": " +
                            why);
}

// Tasks whose lease expired on their last allowed attempt fail instead of going back to the
// queue; their executions are woken to handle it.
Status FailExhaustedTasks(Connection& c, int64_t now) {
  FERRY_ASSIGN_OR_RETURN(
      Statement wake,
      c.Prepare(
          "UPDATE executions SET wake_at_ms = LEAST(wake_at_ms, $1::bigint), wake_pending = 1 "
          "WHERE ended_at_ms IS NULL AND id IN (SELECT execution_id FROM tasks WHERE "
          "status = 'leased' AND lease_expires_at_ms <= $1 AND attempt >= max_attempts)"));
  FERRY_RETURN_IF_ERROR(wake.Bind(1, now).Run());
  FERRY_ASSIGN_OR_RETURN(
      Statement fail,
      c.Prepare("UPDATE tasks SET status = 'failed', error = 'the delegate holding it stopped "
                "responding (lease expired) on the last of ' || max_attempts || ' attempts', "
                "lease_owner = NULL, lease_expires_at_ms = NULL, updated_at_ms = $1, "
                "ended_at_ms = $1 WHERE status = 'leased' AND lease_expires_at_ms <= $1 AND "
                "attempt >= max_attempts"));
  return fail.Bind(1, now).Run();
}

}  // namespace

Result<EnqueuedTask> PostgresTaskStore::Enqueue(const NewTask& task) {
  FERRY_ASSIGN_OR_RETURN(CheckedTask checked, CheckTask(task));
  EnqueuedTask enqueued;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(enqueued, EnqueueTask(c, context_, checked));
    return Ok();
  }));
  return enqueued;
}

Result<TaskRecord> PostgresTaskStore::Get(std::string_view id) {
  FERRY_RETURN_IF_ERROR(CheckName(id, "task id"));
  std::optional<TaskRecord> task;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(task, LoadTask(c, id));
    return Ok();
  }));
  if (!task) return NotFound("task " + std::string(id) + " does not exist");
  return std::move(*task);
}

Result<TaskRecord> PostgresTaskStore::GetByKey(std::string_view idempotency_key) {
  FERRY_RETURN_IF_ERROR(CheckName(idempotency_key, "idempotency key"));
  std::optional<TaskRecord> task;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Statement select,
                           c.Prepare(SelectTaskSql("WHERE idempotency_key = $1")));
    select.Bind(1, idempotency_key);
    FERRY_ASSIGN_OR_RETURN(std::vector<TaskRecord> found, SelectTasks(select));
    if (!found.empty()) task = std::move(found.front());
    return Ok();
  }));
  if (!task) {
    return NotFound("no task has idempotency key " + QuoteForMessage(idempotency_key));
  }
  return std::move(*task);
}

Result<std::vector<TaskRecord>> PostgresTaskStore::List(const TaskFilter& filter) {
  FERRY_RETURN_IF_ERROR(CheckPageLimit(filter.limit));
  std::vector<TaskRecord> tasks;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(
        Statement select,
        c.Prepare(SelectTaskSql("WHERE ($1::text IS NULL OR execution_id = $1) AND "
                                "($2::text IS NULL OR status = $2) ORDER BY seq LIMIT $3")));
    select.Bind(1, filter.execution_id);
    if (filter.status) {
      select.Bind(2, TaskStatusName(*filter.status));
    } else {
      select.BindNull(2);
    }
    select.Bind(3, filter.limit);
    FERRY_ASSIGN_OR_RETURN(tasks, SelectTasks(select));
    return Ok();
  }));
  return tasks;
}

Result<std::optional<TaskRecord>> PostgresTaskStore::ClaimNext(
    std::string_view delegate_id, const std::vector<std::string>& selectors, Duration lease) {
  FERRY_RETURN_IF_ERROR(CheckName(delegate_id, "delegate id"));
  FERRY_RETURN_IF_ERROR(CheckLeaseDuration(lease));
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> offered, NormalizeNames(selectors, "selector"));
  std::optional<TaskRecord> claimed;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    claimed.reset();
    int64_t now = context_.NowMs();
    FERRY_RETURN_IF_ERROR(FailExhaustedTasks(c, now));
    // The oldest claimable task none of whose selectors is missing from the offered set.
    FERRY_ASSIGN_OR_RETURN(
        Statement pick,
        c.Prepare("SELECT t.seq FROM tasks t WHERE (t.status = 'queued' OR (t.status = 'leased' "
                  "AND t.lease_expires_at_ms <= $1)) AND NOT EXISTS (SELECT 1 FROM "
                  "task_selectors s WHERE s.task_seq = t.seq AND s.selector NOT IN "
                  "(SELECT jsonb_array_elements_text($2::jsonb))) ORDER BY t.seq LIMIT 1 "
                  "FOR UPDATE OF t SKIP LOCKED"));
    pick.Bind(1, now).Bind(2, ToJsonArray(offered));
    FERRY_ASSIGN_OR_RETURN(bool row, pick.Step());
    if (!row) return Ok();
    int64_t seq = pick.Int(0);
    pick.Reset();
    FERRY_ASSIGN_OR_RETURN(
        Statement lease_it,
        c.Prepare("UPDATE tasks SET status = 'leased', attempt = attempt + 1, lease_owner = $2, "
                  "lease_expires_at_ms = $3, heartbeat_at_ms = $4, updated_at_ms = $4 "
                  "WHERE seq = $1 RETURNING id"));
    lease_it.Bind(1, seq).Bind(2, delegate_id).Bind(3, now + lease.count()).Bind(4, now);
    FERRY_ASSIGN_OR_RETURN(row, lease_it.Step());
    if (!row) return Internal("claimed task vanished");
    std::string id = lease_it.Text(0);
    lease_it.Reset();
    FERRY_ASSIGN_OR_RETURN(claimed, LoadTask(c, id));
    return Ok();
  }));
  return claimed;
}

Result<TaskRecord> PostgresTaskStore::Heartbeat(const TaskLease& lease, Duration extension) {
  FERRY_RETURN_IF_ERROR(CheckLease(lease));
  FERRY_RETURN_IF_ERROR(CheckLeaseDuration(extension));
  std::optional<TaskRecord> task;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(
        Statement extend,
        c.Prepare("UPDATE tasks SET lease_expires_at_ms = $4, heartbeat_at_ms = $5, "
                  "updated_at_ms = $5 WHERE id = $1 AND status = 'leased' AND lease_owner = $2 "
                  "AND attempt = $3 AND lease_expires_at_ms > $5"));
    extend.Bind(1, lease.task_id).Bind(2, lease.owner).Bind(3, lease.attempt);
    FERRY_RETURN_IF_ERROR(extend.Bind(4, now + extension.count()).Bind(5, now).Run());
    bool extended = c.Changes() == 1;
    FERRY_ASSIGN_OR_RETURN(task, LoadTask(c, lease.task_id));
    if (!task) return NotFound("task " + lease.task_id + " does not exist");
    if (!extended) return LostLease(*task, lease, now);
    return Ok();
  }));
  return std::move(*task);
}

Result<TaskRecord> PostgresTaskStore::Complete(const TaskLease& lease, const TaskOutcome& outcome) {
  FERRY_RETURN_IF_ERROR(CheckLease(lease));
  FERRY_ASSIGN_OR_RETURN(std::string result,
                         CanonicalJson(outcome.result_json, kMaxDocumentBytes, "task result"));
  if (outcome.error && outcome.error->size() > kMaxDocumentBytes) {
    return Error{ErrorCode::kPayloadTooLarge, "task error message is too large", {}};
  }
  std::optional<TaskRecord> task;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    int64_t now = context_.NowMs();
    // No expiry check: a holder that finishes just after its lease expired, before anyone
    // reclaimed the task, still has the only result there is.
    FERRY_ASSIGN_OR_RETURN(
        Statement finish,
        // A cancelled task's holder reports how far it got: the result is kept, the task stays
        // cancelled, and it has stopped (ended_at).
        c.Prepare(
            "UPDATE tasks SET "
            "status = CASE WHEN status = 'cancelled' THEN status ELSE $4 END, "
            "result_json = $5, error = CASE WHEN status = 'cancelled' THEN error ELSE $6 END, "
            "lease_expires_at_ms = NULL, updated_at_ms = $7, ended_at_ms = $7 "
            "WHERE id = $1 AND lease_owner = $2 AND attempt = $3 AND (status = 'leased' OR "
            "(status = 'cancelled' AND ended_at_ms IS NULL))"));
    finish.Bind(1, lease.task_id).Bind(2, lease.owner).Bind(3, lease.attempt);
    finish.Bind(4, outcome.succeeded ? "succeeded" : "failed").Bind(5, result);
    FERRY_RETURN_IF_ERROR(finish.Bind(6, outcome.error).Bind(7, now).Run());
    bool finished = c.Changes() == 1;
    FERRY_ASSIGN_OR_RETURN(task, LoadTask(c, lease.task_id));
    if (!task) return NotFound("task " + lease.task_id + " does not exist");
    if (!finished) return LostLease(*task, lease, now);
    if (task->execution_id) FERRY_RETURN_IF_ERROR(WakeExecution(c, *task->execution_id, now));
    return Ok();
  }));
  return std::move(*task);
}

Result<TaskRecord> PostgresTaskStore::Cancel(std::string_view id, const Actor& actor) {
  FERRY_RETURN_IF_ERROR(CheckName(id, "task id"));
  FERRY_RETURN_IF_ERROR(CheckName(actor.name, "actor"));
  std::optional<TaskRecord> task;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(
        Statement cancel,
        // A leased task stays held until its delegate stops (see TaskStore::Cancel).
        c.Prepare("UPDATE tasks SET status = 'cancelled', error = 'cancelled by ' || $2, "
                  "updated_at_ms = $3, "
                  "ended_at_ms = CASE WHEN status = 'leased' THEN NULL ELSE $3::bigint END "
                  "WHERE id = $1 AND status IN ('queued', 'leased')"));
    FERRY_RETURN_IF_ERROR(cancel.Bind(1, id).Bind(2, actor.name).Bind(3, now).Run());
    bool cancelled = c.Changes() == 1;
    FERRY_ASSIGN_OR_RETURN(task, LoadTask(c, id));
    if (!task) return NotFound("task " + std::string(id) + " does not exist");
    if (!cancelled) {
      return FailedPrecondition("task " + task->id + " is already " +
                                std::string(TaskStatusName(task->status)));
    }
    if (task->execution_id) FERRY_RETURN_IF_ERROR(WakeExecution(c, *task->execution_id, now));
    return Ok();
  }));
  return std::move(*task);
}

Result<int> PostgresTaskStore::ExpireLeases(std::string_view owner_prefix) {
  FERRY_RETURN_IF_ERROR(CheckName(owner_prefix, "lease owner prefix"));
  int expired = 0;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    // starts_with, not LIKE: '%' and '_' in an owner are literal characters.
    FERRY_ASSIGN_OR_RETURN(
        Statement expire,
        c.Prepare("UPDATE tasks SET lease_expires_at_ms = LEAST(lease_expires_at_ms, $2::bigint) "
                  "WHERE (status = 'leased' OR (status = 'cancelled' AND ended_at_ms IS NULL)) "
                  "AND lease_owner IS NOT NULL AND starts_with(lease_owner, $1)"));
    FERRY_RETURN_IF_ERROR(expire.Bind(1, owner_prefix).Bind(2, context_.NowMs()).Run());
    expired = static_cast<int>(c.Changes());
    return Ok();
  }));
  return expired;
}

}  // namespace ferry::store::postgres
