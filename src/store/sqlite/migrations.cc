#include "store/sqlite/migrations.h"

#include <string>

namespace ferry::store::sqlite {

Result<int> CurrentSchemaVersion(Connection& connection) {
  FERRY_ASSIGN_OR_RETURN(
      Statement exists,
      connection.Prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                         "name = 'schema_migrations'"));
  FERRY_ASSIGN_OR_RETURN(bool row, exists.Step());
  if (!row || exists.Int(0) == 0) return 0;
  FERRY_ASSIGN_OR_RETURN(Statement max, connection.Prepare("SELECT coalesce(max(version), 0) FROM "
                                                           "schema_migrations"));
  FERRY_ASSIGN_OR_RETURN(row, max.Step());
  return row ? static_cast<int>(max.Int(0)) : 0;
}

namespace {

Status ApplyPending(Connection& connection, std::span<const Migration> migrations, int64_t now_ms) {
  FERRY_RETURN_IF_ERROR(
      connection.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                      " applied_at_ms INTEGER NOT NULL)"));
  FERRY_ASSIGN_OR_RETURN(int current, CurrentSchemaVersion(connection));
  int latest = migrations.empty() ? 0 : migrations.back().version;
  if (current > latest) {
    return FailedPrecondition("database '" + connection.path() + "' has schema version " +
                              std::to_string(current) + ", newer than this ferry binary knows (" +
                              std::to_string(latest) +
                              "); upgrade ferry or point it at another data directory");
  }
  // Every migration not yet recorded, not only those above the newest: the numbers are
  // reserved per branch, so a database may have 9 before 7 and 8 arrive with a later binary.
  for (const Migration& migration : migrations) {
    // Each version applied is recorded, so one missing below the newest (a branch's migration
    // merged after another's with a higher number was applied) is still applied.
    FERRY_ASSIGN_OR_RETURN(Statement applied_before,
                           connection.Prepare("SELECT count(*) FROM schema_migrations "
                                              "WHERE version = ?1"));
    applied_before.Bind(1, migration.version);
    FERRY_ASSIGN_OR_RETURN(bool row, applied_before.Step());
    if (row && applied_before.Int(0) > 0) continue;
    Status applied = connection.Exec(migration.sql);
    if (!applied.ok()) {
      return applied.error().WithContext("applying migration " + std::to_string(migration.version) +
                                         "_" + std::string(migration.name));
    }
    FERRY_ASSIGN_OR_RETURN(
        Statement record,
        connection.Prepare("INSERT INTO schema_migrations (version, name, applied_at_ms) "
                           "VALUES (?1, ?2, ?3)"));
    FERRY_RETURN_IF_ERROR(
        record.Bind(1, migration.version).Bind(2, migration.name).Bind(3, now_ms).Run());
  }
  return Ok();
}

}  // namespace

Status ApplyMigrations(Connection& connection, std::span<const Migration> migrations,
                       int64_t now_ms) {
  FERRY_RETURN_IF_ERROR(connection.Exec("BEGIN IMMEDIATE"));
  Status status = ApplyPending(connection, migrations, now_ms);
  if (status.ok()) status = connection.Exec("COMMIT");
  if (!status.ok()) (void)connection.Exec("ROLLBACK");
  return status;
}

}  // namespace ferry::store::sqlite
