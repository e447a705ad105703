#include "common/json.h"
#include "store/checks.h"
#include "store/limits.h"
#include "store/postgres/paging.h"
#include "store/postgres/postgres_records.h"

namespace ferry::store::postgres {
namespace {

constexpr const char* kSelectDeployment =
    "SELECT id, execution_id, application, service, environment, function, function_arn, "
    "version, code_sha256, created_function, snapshot_json, aliases_json, state, created_at_ms, "
    "updated_at_ms, details_json FROM deployments ";

Result<std::vector<DeploymentRecord>> SelectDeployments(Statement& select) {
  std::vector<DeploymentRecord> out;
  while (true) {
    FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) return out;
    DeploymentRecord d;
    d.id = select.Text(0);
    d.execution_id = select.Text(1);
    d.application = select.Text(2);
    d.service = select.Text(3);
    d.environment = select.Text(4);
    d.function = select.Text(5);
    d.function_arn = select.Text(6);
    d.version = select.Text(7);
    d.code_sha256 = select.Text(8);
    d.created_function = select.Int(9) != 0;
    d.snapshot_json = select.Text(10);
    d.aliases_json = select.Text(11);
    auto state = ParseDeploymentState(select.Text(12));
    if (!state) return Internal("deployment " + d.id + " has an unknown state");
    d.state = *state;
    d.created_at = FromUnixMillis(select.Int(13));
    d.updated_at = FromUnixMillis(select.Int(14));
    d.details_json = select.Text(15);
    out.push_back(std::move(d));
  }
}

Result<std::optional<DeploymentRecord>> LoadWhere(Connection& c, std::string_view where,
                                                  std::string_view a,
                                                  std::optional<std::string_view> b) {
  FERRY_ASSIGN_OR_RETURN(Statement select,
                         c.Prepare(std::string(kSelectDeployment) + std::string(where)));
  select.Bind(1, a);
  if (b) select.Bind(2, *b);
  FERRY_ASSIGN_OR_RETURN(std::vector<DeploymentRecord> found, SelectDeployments(select));
  if (found.empty()) return std::optional<DeploymentRecord>();
  return std::optional<DeploymentRecord>(std::move(found.front()));
}

std::string RecordHash(const DeploymentRecord& d) {
  return HashOf(d.version + "\n" + d.code_sha256 + "\n" + d.aliases_json + "\n" +
                std::string(DeploymentStateName(d.state)) + "\n" + d.details_json);
}

}  // namespace

Result<DeploymentRecord> PostgresDeploymentStore::Record(const NewDeployment& d,
                                                         const Actor& actor) {
  FERRY_RETURN_IF_ERROR(CheckName(actor.name, "actor"));
  FERRY_RETURN_IF_ERROR(CheckName(d.execution_id, "execution id"));
  FERRY_RETURN_IF_ERROR(CheckName(d.application, "application"));
  FERRY_RETURN_IF_ERROR(CheckName(d.service, "service"));
  FERRY_RETURN_IF_ERROR(CheckName(d.environment, "environment"));
  FERRY_RETURN_IF_ERROR(CheckName(d.function, "function"));
  FERRY_RETURN_IF_ERROR(CheckOptionalName(d.function_arn, "function ARN"));
  FERRY_RETURN_IF_ERROR(CheckOptionalName(d.version, "version"));
  FERRY_RETURN_IF_ERROR(CheckOptionalName(d.code_sha256, "CodeSha256"));
  FERRY_ASSIGN_OR_RETURN(std::string snapshot,
                         CanonicalJsonObject(d.snapshot_json, kMaxDocumentBytes, "snapshot"));
  FERRY_ASSIGN_OR_RETURN(std::string aliases,
                         CanonicalJsonObject(d.aliases_json, kMaxDocumentBytes, "aliases"));
  FERRY_ASSIGN_OR_RETURN(std::string details,
                         CanonicalJsonObject(d.details_json, kMaxDocumentBytes, "details"));
  std::optional<DeploymentRecord> record;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(Statement exists, c.Prepare("SELECT 1 FROM executions WHERE id = $1"));
    FERRY_ASSIGN_OR_RETURN(bool found, exists.Bind(1, d.execution_id).Step());
    exists.Reset();
    if (!found) return NotFound("execution " + d.execution_id + " does not exist");
    FERRY_ASSIGN_OR_RETURN(
        std::optional<DeploymentRecord> before,
        LoadWhere(c, "WHERE execution_id = $1 AND function = $2", d.execution_id, d.function));
    std::string id = before ? before->id : context_.ids.NewId();
    // One row per (execution, function): a resumed step re-records over its first attempt.
    FERRY_ASSIGN_OR_RETURN(
        Statement upsert,
        c.Prepare("INSERT INTO deployments (id, execution_id, application, service, environment, "
                  "function, function_arn, version, code_sha256, created_function, snapshot_json, "
                  "aliases_json, state, created_at_ms, updated_at_ms, details_json) VALUES ($1, "
                  "$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15) ON CONFLICT "
                  "(execution_id, function) DO UPDATE SET function_arn = excluded.function_arn, "
                  "version = excluded.version, code_sha256 = excluded.code_sha256, "
                  "created_function = excluded.created_function, snapshot_json = "
                  "excluded.snapshot_json, aliases_json = excluded.aliases_json, state = "
                  "excluded.state, updated_at_ms = excluded.updated_at_ms, details_json = "
                  "excluded.details_json"));
    upsert.Bind(1, id).Bind(2, d.execution_id).Bind(3, d.application).Bind(4, d.service);
    upsert.Bind(5, d.environment).Bind(6, d.function).Bind(7, d.function_arn).Bind(8, d.version);
    upsert.Bind(9, d.code_sha256).Bind(10, d.created_function ? 1 : 0).Bind(11, snapshot);
    upsert.Bind(12, aliases).Bind(13, DeploymentStateName(d.state)).Bind(14, now);
    upsert.Bind(15, details);
    FERRY_RETURN_IF_ERROR(upsert.Run());
    FERRY_ASSIGN_OR_RETURN(record, LoadWhere(c, "WHERE id = $1", id, std::nullopt));
    if (!record) return Internal("deployment vanished after insert");
    if (before && RecordHash(*before) == RecordHash(*record)) return Ok();
    Json details = {{"execution", d.execution_id},
                    {"function", d.function},
                    {"version", d.version},
                    {"state", DeploymentStateName(d.state)}};
    return InsertAudit(
        c, context_,
        AuditEntry{.actor = actor.name,
 .source = actor.source,
                   .action = before ? "deployment.update" : "deployment.record",
                   .subject_type = "deployment",
                   .subject_id = id,
                   .before_sha256 = before ? std::optional(RecordHash(*before)) : std::nullopt,
                   .after_sha256 = RecordHash(*record),
                   .details_json = DumpJson(details)});
  }));
  return std::move(*record);
}

Result<DeploymentRecord> PostgresDeploymentStore::SetState(std::string_view id,
                                                           DeploymentState state,
                                                           const Actor& actor) {
  FERRY_RETURN_IF_ERROR(CheckName(actor.name, "actor"));
  FERRY_RETURN_IF_ERROR(CheckName(id, "deployment id"));
  std::optional<DeploymentRecord> record;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(std::optional<DeploymentRecord> before,
                           LoadWhere(c, "WHERE id = $1", id, std::nullopt));
    if (!before) return NotFound("deployment " + std::string(id) + " does not exist");
    if (before->state == state) {
      record = std::move(before);
      return Ok();
    }
    FERRY_ASSIGN_OR_RETURN(
        Statement update,
        c.Prepare("UPDATE deployments SET state = $2, updated_at_ms = $3 WHERE id = $1"));
    FERRY_RETURN_IF_ERROR(
        update.Bind(1, id).Bind(2, DeploymentStateName(state)).Bind(3, context_.NowMs()).Run());
    FERRY_ASSIGN_OR_RETURN(record, LoadWhere(c, "WHERE id = $1", id, std::nullopt));
    Json details = {{"from", DeploymentStateName(before->state)},
                    {"to", DeploymentStateName(state)}};
    return InsertAudit(c, context_,
                       AuditEntry{.actor = actor.name,
 .source = actor.source,
                                  .action = "deployment.state",
                                  .subject_type = "deployment",
                                  .subject_id = std::string(id),
                                  .before_sha256 = RecordHash(*before),
                                  .after_sha256 = RecordHash(*record),
                                  .details_json = DumpJson(details)});
  }));
  return std::move(*record);
}

Result<std::vector<DeploymentRecord>> PostgresDeploymentStore::List(const DeploymentFilter& f) {
  FERRY_RETURN_IF_ERROR(CheckPageLimit(f.limit));
  if (f.before_id) FERRY_RETURN_IF_ERROR(CheckName(*f.before_id, "before id"));
  std::vector<DeploymentRecord> found;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_RETURN_IF_ERROR(CheckCursor(c, "deployments", f.before_id, "deployment"));
    // Only the filters given, so that PostgreSQL can use an index (deployments_by_function,
    // deployments_by_target) instead of scanning every record; each is a numbered parameter
    // (PostgreSQL cannot type a parameter the query does not use).
    std::vector<std::string> values;
    std::string where = "WHERE TRUE";
    auto add = [&](std::string_view clause, std::string value) {
      values.push_back(std::move(value));
      where += " AND " + std::string(clause) + "$" + std::to_string(values.size());
    };
    if (f.application) add("application = ", *f.application);
    if (f.service) add("service = ", *f.service);
    if (f.environment) add("environment = ", *f.environment);
    if (f.function) add("function = ", *f.function);
    if (f.execution_id) add("execution_id = ", *f.execution_id);
    if (f.state) add("state = ", std::string(DeploymentStateName(*f.state)));
    if (f.before_id) {
      add("(created_at_ms, id) < (SELECT created_at_ms, id FROM deployments WHERE id = ",
          *f.before_id);
      where += ")";
    }
    FERRY_ASSIGN_OR_RETURN(Statement select,
                           c.Prepare(std::string(kSelectDeployment) + where +
                                     " ORDER BY created_at_ms DESC, id DESC LIMIT $" +
                                     std::to_string(values.size() + 1)));
    for (size_t i = 0; i < values.size(); ++i) select.Bind(static_cast<int>(i + 1), values[i]);
    select.Bind(static_cast<int>(values.size() + 1), f.limit);
    FERRY_ASSIGN_OR_RETURN(found, SelectDeployments(select));
    return Ok();
  }));
  return found;
}

}  // namespace ferry::store::postgres
