#include "store/postgres/postgres_execution_store.h"

#include <set>

#include "common/json.h"
#include "common/strings.h"
#include "store/checks.h"
#include "store/limits.h"
#include "store/postgres/execution_rows.h"
#include "store/postgres/paging.h"

namespace ferry::store::postgres {
namespace {

constexpr size_t kMaxStepsPerExecution = 1000;

Result<NewExecution> CheckExecution(const NewExecution& e) {
  NewExecution checked = e;
  FERRY_RETURN_IF_ERROR(CheckName(e.application, "application"));
  FERRY_RETURN_IF_ERROR(CheckName(e.service, "service"));
  FERRY_RETURN_IF_ERROR(CheckName(e.environment, "environment"));
  FERRY_RETURN_IF_ERROR(CheckName(e.workflow, "workflow"));
  if (e.pipeline) FERRY_RETURN_IF_ERROR(CheckName(*e.pipeline, "pipeline"));
  FERRY_RETURN_IF_ERROR(CheckName(e.trigger, "trigger"));
  FERRY_RETURN_IF_ERROR(CheckName(e.actor, "actor"));
  if (e.artifact_id) FERRY_RETURN_IF_ERROR(CheckName(*e.artifact_id, "artifact id"));
  if (e.idempotency_key) FERRY_RETURN_IF_ERROR(CheckName(*e.idempotency_key, "idempotency key"));
  FERRY_ASSIGN_OR_RETURN(checked.inputs_json,
                         CanonicalJsonObject(e.inputs_json, kMaxDocumentBytes, "execution inputs"));
  FERRY_ASSIGN_OR_RETURN(checked.steps, CheckSteps(e.steps));
  return checked;
}

}  // namespace

Result<std::vector<NewStep>> CheckSteps(const std::vector<NewStep>& steps) {
  if (steps.size() > kMaxStepsPerExecution) {
    return InvalidArgument("an execution has at most " + std::to_string(kMaxStepsPerExecution) +
                           " steps");
  }
  std::vector<NewStep> checked;
  std::set<std::string> names;
  for (const NewStep& step : steps) {
    FERRY_RETURN_IF_ERROR(CheckName(step.name, "step name"));
    FERRY_RETURN_IF_ERROR(CheckName(step.kind, "step kind"));
    if (!names.insert(step.name).second) {
      return InvalidArgument("step name '" + step.name + "' is used twice");
    }
    FERRY_ASSIGN_OR_RETURN(std::string inputs,
                           CanonicalJsonObject(step.inputs_json, kMaxDocumentBytes,
                                               "step '" + step.name + "' inputs"));
    if (step.timeout < Duration::zero()) {
      return InvalidArgument("step '" + step.name + "' has a negative timeout");
    }
    if (step.undo_of &&
        (*step.undo_of < 0 || static_cast<size_t>(*step.undo_of) >= kMaxStepsPerExecution)) {
      return InvalidArgument("step '" + step.name + "' undoes no valid step index");
    }
    checked.push_back(NewStep{step.name, step.kind, std::move(inputs), step.timeout, step.undo_of});
  }
  return checked;
}

Result<CreatedExecution> PostgresExecutionStore::Create(const NewExecution& execution) {
  FERRY_ASSIGN_OR_RETURN(NewExecution e, CheckExecution(execution));
  CreatedExecution created;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    if (e.idempotency_key) {
      FERRY_ASSIGN_OR_RETURN(Statement existing,
                             c.Prepare(SelectExecutionSql("WHERE idempotency_key = $1")));
      existing.Bind(1, e.idempotency_key);
      FERRY_ASSIGN_OR_RETURN(std::vector<ExecutionRecord> found, SelectExecutions(existing));
      if (!found.empty()) {
        const ExecutionRecord& first = found.front();
        if (first.application != e.application || first.service != e.service ||
            first.environment != e.environment || first.workflow != e.workflow ||
            first.pipeline != e.pipeline || first.artifact_id != e.artifact_id ||
            first.inputs_json != e.inputs_json) {
          return Conflict("idempotency key " + QuoteForMessage(*e.idempotency_key) +
                          " already started execution " + first.id + " with different content");
        }
        created = CreatedExecution{std::move(found.front()), false};
        return Ok();
      }
    }
    if (e.artifact_id) {
      FERRY_ASSIGN_OR_RETURN(Statement artifact,
                             c.Prepare("SELECT 1 FROM artifacts WHERE id = $1"));
      FERRY_ASSIGN_OR_RETURN(bool exists, artifact.Bind(1, *e.artifact_id).Step());
      if (!exists) return NotFound("artifact " + *e.artifact_id + " does not exist");
    }
    std::string id = context_.ids.NewId();
    int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(
        Statement insert,
        c.Prepare("INSERT INTO executions (id, application, service, environment, workflow, "
                  "pipeline, trigger, actor, artifact_id, idempotency_key, status, inputs_json, "
                  "outputs_json, revision, created_at_ms, updated_at_ms, wake_at_ms) VALUES "
                  "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'queued', $11, '{}', 1, $12, $12, "
                  "$12)"));
    insert.Bind(1, id).Bind(2, e.application).Bind(3, e.service).Bind(4, e.environment);
    insert.Bind(5, e.workflow).Bind(6, e.pipeline).Bind(7, e.trigger).Bind(8, e.actor);
    insert.Bind(9, e.artifact_id).Bind(10, e.idempotency_key).Bind(11, e.inputs_json);
    FERRY_RETURN_IF_ERROR(insert.Bind(12, now).Run());
    FERRY_RETURN_IF_ERROR(InsertSteps(c, id, 0, e.steps, now));
    FERRY_ASSIGN_OR_RETURN(std::optional<ExecutionRecord> record, LoadExecution(c, id));
    if (!record) return Internal("execution vanished after insert");
    Json details = {{"application", e.application},
                    {"service", e.service},
                    {"environment", e.environment},
                    {"workflow", e.workflow},
                    {"trigger", e.trigger}};
    FERRY_RETURN_IF_ERROR(InsertAudit(c, context_,
                                      AuditEntry{.actor = e.actor,
 .source = e.actor_source,
                                                 .action = "execution.create",
                                                 .application = e.application,
                                                 .subject_type = "execution",
                                                 .subject_id = id,
                                                 .after_sha256 = ExecutionStateHash(*record),
                                                 .details_json = DumpJson(details)}));
    created = CreatedExecution{std::move(*record), true};
    return Ok();
  }));
  return created;
}

Result<ExecutionRecord> PostgresExecutionStore::Get(std::string_view id) {
  FERRY_RETURN_IF_ERROR(CheckName(id, "execution id"));
  std::optional<ExecutionRecord> record;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(record, LoadExecution(c, id));
    return Ok();
  }));
  if (!record) return NotFound("execution " + std::string(id) + " does not exist");
  return std::move(*record);
}

Result<std::vector<ExecutionRecord>> PostgresExecutionStore::List(const ExecutionFilter& filter) {
  FERRY_RETURN_IF_ERROR(CheckPageLimit(filter.limit));
  if (filter.before_id) FERRY_RETURN_IF_ERROR(CheckName(*filter.before_id, "before id"));
  std::vector<ExecutionRecord> records;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_RETURN_IF_ERROR(CheckCursor(c, "executions", filter.before_id, "execution"));
    FERRY_ASSIGN_OR_RETURN(
        Statement select,
        c.Prepare(SelectExecutionSql(
            "WHERE ($1::text IS NULL OR application = $1) AND ($2::text IS NULL OR service = $2) "
            "AND "
            "($3::text IS NULL OR environment = $3) AND ($4::text IS NULL OR status = $4) AND "
            "($5::text IS NULL OR (created_at_ms, id) < (SELECT created_at_ms, id FROM executions "
            "WHERE id = $5)) ORDER BY created_at_ms DESC, id DESC LIMIT $6",
            Payloads::kSkip)));
    select.Bind(1, filter.application).Bind(2, filter.service).Bind(3, filter.environment);
    if (filter.status) {
      select.Bind(4, ExecutionStatusName(*filter.status));
    } else {
      select.BindNull(4);
    }
    select.Bind(5, filter.before_id).Bind(6, filter.limit);
    FERRY_ASSIGN_OR_RETURN(records, SelectExecutions(select));
    return Ok();
  }));
  return records;
}

Result<std::map<ExecutionStatus, int64_t>> PostgresExecutionStore::CountByStatus() {
  std::map<ExecutionStatus, int64_t> counts;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Statement select,
                           c.Prepare("SELECT status, count(*) FROM executions GROUP BY status"));
    while (true) {
      FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) return Ok();
      auto status = ParseExecutionStatus(select.Text(0));
      if (!status) return Internal("an execution has an unknown status");
      counts[*status] = select.Int(1);
    }
  }));
  return counts;
}

Result<ExecutionVersion> PostgresExecutionStore::Version(std::string_view id) {
  FERRY_RETURN_IF_ERROR(CheckName(id, "execution id"));
  std::optional<ExecutionVersion> version;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    // Only the revisions are read: PostgreSQL keeps large inputs and outputs out of line (TOAST),
    // so the executions_revision and steps_revision indexes and the rows' small columns suffice.
    FERRY_ASSIGN_OR_RETURN(
        Statement select,
        c.Prepare("SELECT e.revision, (SELECT count(*) FROM steps s WHERE s.execution_id = e.id), "
                  "(SELECT coalesce(sum(s.revision), 0) FROM steps s WHERE s.execution_id = e.id) "
                  "FROM executions e WHERE e.id = $1"));
    select.Bind(1, id);
    FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
    if (row) version = ExecutionVersion{select.Int(0), select.Int(1), select.Int(2)};
    return Ok();
  }));
  if (!version) return NotFound("execution " + std::string(id) + " does not exist");
  return *version;
}

Result<std::vector<StepRecord>> PostgresExecutionStore::Steps(std::string_view execution_id) {
  FERRY_RETURN_IF_ERROR(CheckName(execution_id, "execution id"));
  std::vector<StepRecord> steps;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(bool exists, ExecutionExists(c, execution_id));
    if (!exists) return NotFound("execution " + std::string(execution_id) + " does not exist");
    FERRY_ASSIGN_OR_RETURN(Statement select,
                           c.Prepare(SelectStepSql("WHERE execution_id = $1 ORDER BY step_index")));
    select.Bind(1, execution_id);
    FERRY_ASSIGN_OR_RETURN(steps, SelectSteps(select));
    return Ok();
  }));
  return steps;
}

Result<StepRecord> PostgresExecutionStore::GetStep(std::string_view execution_id, int index) {
  FERRY_RETURN_IF_ERROR(CheckName(execution_id, "execution id"));
  std::optional<StepRecord> step;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(step, LoadStep(c, execution_id, index));
    return Ok();
  }));
  if (!step) {
    return NotFound("execution " + std::string(execution_id) + " has no step " +
                    std::to_string(index));
  }
  return std::move(*step);
}

Result<std::vector<StepRecord>> PostgresExecutionStore::AppendSteps(
    std::string_view execution_id, const std::vector<NewStep>& new_steps) {
  FERRY_RETURN_IF_ERROR(CheckName(execution_id, "execution id"));
  FERRY_ASSIGN_OR_RETURN(std::vector<NewStep> checked, CheckSteps(new_steps));
  std::vector<StepRecord> steps;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(std::optional<ExecutionRecord> e, LoadExecution(c, execution_id));
    if (!e) return NotFound("execution " + std::string(execution_id) + " does not exist");
    if (IsTerminal(e->status)) {
      return FailedPrecondition("execution " + e->id + " is already " +
                                std::string(ExecutionStatusName(e->status)));
    }
    FERRY_ASSIGN_OR_RETURN(Statement count,
                           c.Prepare("SELECT count(*) FROM steps WHERE execution_id = $1"));
    FERRY_ASSIGN_OR_RETURN(bool row, count.Bind(1, execution_id).Step());
    int first = row ? static_cast<int>(count.Int(0)) : 0;
    count.Reset();
    if (static_cast<size_t>(first) + checked.size() > kMaxStepsPerExecution) {
      return InvalidArgument("an execution has at most " + std::to_string(kMaxStepsPerExecution) +
                             " steps");
    }
    FERRY_RETURN_IF_ERROR(InsertSteps(c, execution_id, first, checked, context_.NowMs()));
    FERRY_ASSIGN_OR_RETURN(Statement select,
                           c.Prepare(SelectStepSql("WHERE execution_id = $1 AND step_index >= $2 "
                                                   "ORDER BY step_index")));
    select.Bind(1, execution_id).Bind(2, first);
    FERRY_ASSIGN_OR_RETURN(steps, SelectSteps(select));
    return Ok();
  }));
  return steps;
}

}  // namespace ferry::store::postgres
