// Leases and compare-and-set transitions of executions and steps.
#include <algorithm>
#include <tuple>

#include "common/json.h"
#include "common/strings.h"
#include "store/checks.h"
#include "store/limits.h"
#include "store/postgres/execution_rows.h"
#include "store/postgres/postgres_execution_store.h"
#include "store/postgres/postgres_log_store.h"
#include "store/postgres/task_rows.h"

namespace ferry::store::postgres {
namespace {

Status CheckLeaseDuration(Duration lease) {
  if (lease <= Duration::zero() || lease > std::chrono::hours(24)) {
    return InvalidArgument("a lease must last between 1ms and 24h");
  }
  return Ok();
}

Result<ExecutionRecord> MustLoad(Connection& c, std::string_view id) {
  FERRY_ASSIGN_OR_RETURN(std::optional<ExecutionRecord> e, LoadExecution(c, id));
  if (!e) return NotFound("execution " + std::string(id) + " does not exist");
  return std::move(*e);
}

Status CheckHolds(const ExecutionRecord& e, const std::optional<std::string>& owner,
                  int64_t now_ms) {
  if (!owner) return Ok();
  bool holds =
      e.lease_owner == owner && e.lease_expires_at && ToUnixMillis(*e.lease_expires_at) > now_ms;
  if (holds) return Ok();
  return FailedPrecondition("execution " + e.id + " is not leased to " + *owner +
                            (e.lease_owner ? " (held by " + *e.lease_owner + ")" : ""));
}

std::optional<std::string> CheckedOptionalJson(const std::optional<std::string>& json,
                                               std::string_view what, Status& status) {
  if (!json) return std::nullopt;
  auto canonical = CanonicalJsonObject(*json, kMaxDocumentBytes, what);
  if (!canonical.ok()) {
    status = canonical.error();
    return std::nullopt;
  }
  return std::move(canonical).value();
}

}  // namespace

Result<std::vector<ExecutionRecord>> PostgresExecutionStore::ClaimRunnable(std::string_view owner,
                                                                           Duration lease,
                                                                           int limit) {
  FERRY_RETURN_IF_ERROR(CheckName(owner, "lease owner"));
  FERRY_RETURN_IF_ERROR(CheckLeaseDuration(lease));
  FERRY_RETURN_IF_ERROR(CheckPageLimit(limit));
  std::vector<ExecutionRecord> claimed;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    claimed.clear();
    int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(
        Statement claim,
        c.Prepare(
            "UPDATE executions SET lease_owner = $1, lease_expires_at_ms = $2, "
            "wake_pending = 0 WHERE id IN (SELECT id FROM executions WHERE "
            "ended_at_ms IS NULL AND wake_at_ms <= $3 AND (lease_expires_at_ms IS NULL OR "
            "lease_expires_at_ms <= $3) ORDER BY wake_at_ms, id LIMIT $4 FOR UPDATE SKIP LOCKED) "
            "RETURNING id"));
    claim.Bind(1, owner).Bind(2, now + lease.count()).Bind(3, now).Bind(4, limit);
    std::vector<std::string> ids;
    while (true) {
      FERRY_ASSIGN_OR_RETURN(bool row, claim.Step());
      if (!row) break;
      ids.push_back(claim.Text(0));
    }
    claim.Reset();
    for (const std::string& id : ids) {
      FERRY_ASSIGN_OR_RETURN(ExecutionRecord e, MustLoad(c, id));
      claimed.push_back(std::move(e));
    }
    std::sort(claimed.begin(), claimed.end(), [](const auto& a, const auto& b) {
      return std::tie(a.wake_at, a.id) < std::tie(b.wake_at, b.id);
    });
    return Ok();
  }));
  return claimed;
}

Status PostgresExecutionStore::RenewLease(std::string_view id, std::string_view owner,
                                          Duration lease) {
  FERRY_RETURN_IF_ERROR(CheckName(id, "execution id"));
  FERRY_RETURN_IF_ERROR(CheckName(owner, "lease owner"));
  FERRY_RETURN_IF_ERROR(CheckLeaseDuration(lease));
  return context_.db.Write([&](Connection& c) -> Status {
    int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(ExecutionRecord e, MustLoad(c, id));
    FERRY_RETURN_IF_ERROR(CheckHolds(e, std::string(owner), now));
    if (IsTerminal(e.status)) {
      return FailedPrecondition("execution " + e.id + " has ended; its lease is gone");
    }
    FERRY_ASSIGN_OR_RETURN(
        Statement renew,
        c.Prepare("UPDATE executions SET lease_expires_at_ms = $3 WHERE id = $1 AND "
                  "lease_owner = $2"));
    return renew.Bind(1, id).Bind(2, owner).Bind(3, now + lease.count()).Run();
  });
}

Status PostgresExecutionStore::ReleaseLease(std::string_view id, std::string_view owner,
                                            std::optional<TimePoint> wake_at) {
  FERRY_RETURN_IF_ERROR(CheckName(id, "execution id"));
  FERRY_RETURN_IF_ERROR(CheckName(owner, "lease owner"));
  return context_.db.Write([&](Connection& c) -> Status {
    int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(ExecutionRecord e, MustLoad(c, id));
    if (e.lease_owner != owner) {
      return FailedPrecondition("execution " + e.id + " is not leased to " + std::string(owner));
    }
    // A wake-up that arrived during the lease (a task finished) wins over a later wake_at.
    FERRY_ASSIGN_OR_RETURN(
        Statement release,
        c.Prepare("UPDATE executions SET lease_owner = NULL, lease_expires_at_ms = NULL, "
                  "wake_at_ms = CASE WHEN wake_pending = 1 THEN LEAST(wake_at_ms, $3::bigint) ELSE "
                  "$4::bigint END, "
                  "wake_pending = 0 WHERE id = $1 AND lease_owner = $2"));
    int64_t wake = wake_at ? ToUnixMillis(*wake_at) : now;
    return release.Bind(1, id).Bind(2, owner).Bind(3, now).Bind(4, wake).Run();
  });
}

Result<int> PostgresExecutionStore::ExpireLeases(std::string_view owner_prefix) {
  FERRY_RETURN_IF_ERROR(CheckName(owner_prefix, "lease owner prefix"));
  int expired = 0;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    // starts_with, not LIKE: '%' and '_' in an owner are literal characters.
    FERRY_ASSIGN_OR_RETURN(
        Statement expire,
        c.Prepare(
            "UPDATE executions SET lease_expires_at_ms = LEAST(lease_expires_at_ms, $2::bigint), "
            "wake_at_ms = LEAST(wake_at_ms, $2::bigint) WHERE ended_at_ms IS NULL AND "
            "lease_owner IS NOT NULL AND lease_expires_at_ms IS NOT NULL AND "
            "starts_with(lease_owner, $1)"));
    FERRY_RETURN_IF_ERROR(expire.Bind(1, owner_prefix).Bind(2, context_.NowMs()).Run());
    expired = static_cast<int>(c.Changes());
    return Ok();
  }));
  return expired;
}

Status PostgresExecutionStore::Wake(std::string_view id) {
  FERRY_RETURN_IF_ERROR(CheckName(id, "execution id"));
  return context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(ExecutionRecord e, MustLoad(c, id));
    return WakeExecution(c, id, context_.NowMs());
  });
}

Result<ExecutionRecord> PostgresExecutionStore::Transition(const ExecutionTransition& t) {
  FERRY_RETURN_IF_ERROR(CheckName(t.id, "execution id"));
  FERRY_RETURN_IF_ERROR(CheckName(t.actor, "actor"));
  if (t.lease_owner) FERRY_RETURN_IF_ERROR(CheckName(*t.lease_owner, "lease owner"));
  Status json_status;
  std::optional<std::string> outputs =
      CheckedOptionalJson(t.outputs_json, "execution outputs", json_status);
  FERRY_RETURN_IF_ERROR(json_status);
  if (t.error && t.error->size() > kMaxDocumentBytes) {
    return Error{ErrorCode::kPayloadTooLarge, "execution error message is too large", {}};
  }
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> log_texts, PrepareLogLines(t.log));
  std::optional<ExecutionRecord> after;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(ExecutionRecord before, MustLoad(c, t.id));
    if (before.status != t.from) {
      return FailedPrecondition(
          "execution " + before.id + " is " + std::string(ExecutionStatusName(before.status)) +
          ", not " + std::string(ExecutionStatusName(t.from)) + ": another writer moved it first");
    }
    FERRY_RETURN_IF_ERROR(CheckHolds(before, t.lease_owner, now));
    bool terminal = IsTerminal(t.to);
    FERRY_ASSIGN_OR_RETURN(
        Statement update,
        c.Prepare("UPDATE executions SET status = $3, revision = revision + 1, updated_at_ms = $4, "
                  "started_at_ms = coalesce(started_at_ms, CASE WHEN $3 = 'queued' THEN NULL "
                  "ELSE $4::bigint END), ended_at_ms = CASE WHEN $5::integer = 1 THEN $4::bigint "
                  "ELSE NULL END, "
                  "lease_owner = CASE WHEN $5::integer = 1 THEN NULL ELSE lease_owner END, "
                  "lease_expires_at_ms = CASE WHEN $5::integer = 1 THEN NULL ELSE "
                  "lease_expires_at_ms END, "
                  "outputs_json = coalesce($6, outputs_json), error = coalesce($7, error) "
                  "WHERE id = $1 AND revision = $2"));
    update.Bind(1, t.id).Bind(2, before.revision).Bind(3, ExecutionStatusName(t.to));
    update.Bind(4, now).Bind(5, terminal ? 1 : 0).Bind(6, outputs).Bind(7, t.error);
    FERRY_RETURN_IF_ERROR(update.Run());
    if (c.Changes() != 1) return FailedPrecondition("execution " + t.id + " changed concurrently");
    FERRY_ASSIGN_OR_RETURN(ExecutionRecord updated, MustLoad(c, t.id));
    FERRY_RETURN_IF_ERROR(InsertLogLines(c, now, t.id, t.log, log_texts));
    Json details = {{"from", ExecutionStatusName(t.from)}, {"to", ExecutionStatusName(t.to)}};
    FERRY_RETURN_IF_ERROR(InsertAudit(c, context_,
                                      AuditEntry{.actor = t.actor,
                                                 .action = "execution.transition",
                                                 .application = updated.application,
                                                 .subject_type = "execution",
                                                 .subject_id = t.id,
                                                 .before_sha256 = ExecutionStateHash(before),
                                                 .after_sha256 = ExecutionStateHash(updated),
                                                 .details_json = DumpJson(details)}));
    after = std::move(updated);
    return Ok();
  }));
  return std::move(*after);
}

Result<ExecutionRecord> PostgresExecutionStore::RequestAbort(std::string_view id,
                                                             const Actor& actor) {
  FERRY_RETURN_IF_ERROR(CheckName(id, "execution id"));
  FERRY_RETURN_IF_ERROR(CheckName(actor.name, "actor"));
  std::optional<ExecutionRecord> after;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(ExecutionRecord before, MustLoad(c, id));
    if (IsTerminal(before.status)) {
      return FailedPrecondition("execution " + before.id + " has already ended (" +
                                std::string(ExecutionStatusName(before.status)) + ")");
    }
    if (before.abort_requested_by) {
      after = std::move(before);
      return Ok();
    }
    FERRY_ASSIGN_OR_RETURN(
        Statement update,
        c.Prepare("UPDATE executions SET abort_requested_by = $2, revision = revision + 1, "
                  "updated_at_ms = $3 WHERE id = $1"));
    FERRY_RETURN_IF_ERROR(update.Bind(1, id).Bind(2, actor.name).Bind(3, now).Run());
    FERRY_RETURN_IF_ERROR(WakeExecution(c, id, now));
    FERRY_ASSIGN_OR_RETURN(ExecutionRecord updated, MustLoad(c, id));
    FERRY_RETURN_IF_ERROR(InsertAudit(c, context_,
                                      AuditEntry{.actor = actor.name,
 .source = actor.source,
                                                 .action = "execution.abort_request",
                                                 .application = updated.application,
                                                 .subject_type = "execution",
                                                 .subject_id = std::string(id),
                                                 .before_sha256 = ExecutionStateHash(before),
                                                 .after_sha256 = ExecutionStateHash(updated)}));
    after = std::move(updated);
    return Ok();
  }));
  return std::move(*after);
}

Result<StepTransitionResult> PostgresExecutionStore::TransitionStep(const StepTransition& t) {
  FERRY_RETURN_IF_ERROR(CheckName(t.execution_id, "execution id"));
  FERRY_RETURN_IF_ERROR(CheckOptionalName(t.to_state, "step state"));
  if (t.lease_owner) FERRY_RETURN_IF_ERROR(CheckName(*t.lease_owner, "lease owner"));
  Status json_status;
  std::optional<std::string> outputs =
      CheckedOptionalJson(t.outputs_json, "step outputs", json_status);
  FERRY_RETURN_IF_ERROR(json_status);
  if (t.error && t.error->size() > kMaxDocumentBytes) {
    return Error{ErrorCode::kPayloadTooLarge, "step error message is too large", {}};
  }
  std::optional<CheckedTask> task;
  if (t.enqueue) {
    NewTask with_step = *t.enqueue;
    if ((with_step.execution_id && *with_step.execution_id != t.execution_id) ||
        (with_step.step_index && *with_step.step_index != t.index)) {
      return InvalidArgument("the enqueued task must belong to the transitioning step");
    }
    with_step.execution_id = t.execution_id;
    with_step.step_index = t.index;
    FERRY_ASSIGN_OR_RETURN(task, CheckTask(with_step));
  }
  StepTransitionResult result;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(ExecutionRecord e, MustLoad(c, t.execution_id));
    FERRY_RETURN_IF_ERROR(CheckHolds(e, t.lease_owner, now));
    if (IsTerminal(e.status)) {
      return FailedPrecondition("execution " + e.id + " has already ended (" +
                                std::string(ExecutionStatusName(e.status)) + ")");
    }
    FERRY_ASSIGN_OR_RETURN(std::optional<StepRecord> step, LoadStep(c, t.execution_id, t.index));
    if (!step) {
      return NotFound("execution " + t.execution_id + " has no step " + std::to_string(t.index));
    }
    if (step->status != t.from_status || step->state != t.from_state ||
        (t.expected_revision && *t.expected_revision != step->revision)) {
      return FailedPrecondition("step " + step->name + " of execution " + t.execution_id + " is " +
                                std::string(StepStatusName(step->status)) + "/" +
                                QuoteForMessage(step->state) + " at revision " +
                                std::to_string(step->revision) + ", not the expected " +
                                std::string(StepStatusName(t.from_status)) + "/" +
                                QuoteForMessage(t.from_state) + ": another writer moved it first");
    }
    FERRY_ASSIGN_OR_RETURN(
        Statement update,
        c.Prepare("UPDATE steps SET status = $4, state = $5, attempt = attempt + $6, "
                  "outputs_json = coalesce($7, outputs_json), "
                  "error = CASE WHEN $8::text IS NOT NULL THEN $8 WHEN $6::integer = 1 THEN NULL "
                  "ELSE error END, "
                  "revision = revision + 1, updated_at_ms = $9, "
                  "started_at_ms = coalesce(started_at_ms, CASE WHEN $4 IN ('running', 'waiting') "
                  "THEN $9::bigint END), "
                  "ended_at_ms = CASE WHEN $10::integer = 1 THEN $9::bigint ELSE NULL END "
                  "WHERE execution_id = $1 AND step_index = $2 AND revision = $3"));
    update.Bind(1, t.execution_id).Bind(2, t.index).Bind(3, step->revision);
    update.Bind(4, StepStatusName(t.to_status)).Bind(5, t.to_state).Bind(6, t.new_attempt ? 1 : 0);
    update.Bind(7, outputs).Bind(8, t.error).Bind(9, now).Bind(10, IsTerminal(t.to_status) ? 1 : 0);
    FERRY_RETURN_IF_ERROR(update.Run());
    if (c.Changes() != 1) return FailedPrecondition("step changed concurrently");
    if (task) {
      FERRY_ASSIGN_OR_RETURN(EnqueuedTask enqueued, EnqueueTask(c, context_, *task));
      result.task = std::move(enqueued.task);
    }
    FERRY_ASSIGN_OR_RETURN(step, LoadStep(c, t.execution_id, t.index));
    result.step = std::move(*step);
    return Ok();
  }));
  return result;
}

}  // namespace ferry::store::postgres
