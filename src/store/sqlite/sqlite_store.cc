#include "store/sqlite/sqlite_store.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "store/sqlite/context.h"
#include "store/sqlite/database.h"
#include "store/sqlite/sqlite_access_store.h"
#include "store/sqlite/sqlite_audit_log.h"
#include "store/sqlite/sqlite_delegate_registry.h"
#include "store/sqlite/sqlite_entity_store.h"
#include "store/sqlite/sqlite_execution_store.h"
#include "store/sqlite/sqlite_incident_store.h"
#include "store/sqlite/sqlite_known_state_store.h"
#include "store/sqlite/sqlite_log_store.h"
#include "store/sqlite/sqlite_records.h"
#include "store/sqlite/sqlite_secret_value_store.h"
#include "store/sqlite/sqlite_task_store.h"
#include "store/sqlite/sqlite_trigger_store.h"
#include "store/sqlite/sqlite_notification_outbox.h"
#include "store/sqlite/sqlite_verification_store.h"
#include "store/sqlite/sqlite_approval_store.h"

namespace ferry::store {
namespace {

using sqlite::Context;
using sqlite::Database;

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<Database> db, Clock& clock, IdGenerator& ids)
      : db_(std::move(db)),
        context_{*db_, clock, ids},
        entities_(context_),
        executions_(context_),
        tasks_(context_),
        logs_(context_),
        artifacts_(context_),
        deployments_(context_),
        known_states_(context_),
        secret_values_(context_),
        verifications_(context_),
        approvals_(context_),
        triggers_(context_),
        incidents_(context_),
        notifications_(context_),
        tokens_(context_),
        access_(context_),
        audit_(context_) {}

  EntityStore& entities() override { return entities_; }
  ExecutionStore& executions() override { return executions_; }
  TaskStore& tasks() override { return tasks_; }
  LogStore& logs() override { return logs_; }
  ArtifactStore& artifacts() override { return artifacts_; }
  DeploymentStore& deployments() override { return deployments_; }
  KnownStateStore& known_states() override { return known_states_; }
  SecretValueStore& secret_values() override { return secret_values_; }
  VerificationStore& verifications() override { return verifications_; }
  ApprovalStore& approvals() override { return approvals_; }
  TriggerStore& triggers() override { return triggers_; }
  IncidentStore& incidents() override { return incidents_; }
  NotificationOutbox& notifications() override { return notifications_; }
  TokenStore& tokens() override { return tokens_; }
  AccessStore& access() override { return access_; }
  AuditLog& audit() override { return audit_; }
  Result<int> SchemaVersion() override { return db_->SchemaVersion(); }

  Context& context() { return context_; }

 private:
  std::unique_ptr<Database> db_;
  Context context_;
  sqlite::SqliteEntityStore entities_;
  sqlite::SqliteExecutionStore executions_;
  sqlite::SqliteTaskStore tasks_;
  sqlite::SqliteLogStore logs_;
  sqlite::SqliteArtifactStore artifacts_;
  sqlite::SqliteDeploymentStore deployments_;
  sqlite::SqliteKnownStateStore known_states_;
  sqlite::SqliteSecretValueStore secret_values_;
  sqlite::SqliteVerificationStore verifications_;
  sqlite::SqliteApprovalStore approvals_;
  sqlite::SqliteTriggerStore triggers_;
  sqlite::SqliteIncidentStore incidents_;
  sqlite::SqliteNotificationOutbox notifications_;
  sqlite::SqliteTokenStore tokens_;
  sqlite::SqliteAccessStore access_;
  sqlite::SqliteAuditLog audit_;
};

// Creates the data directory and checks that SQLite will be able to create its files there, so
// the user gets "directory not writable" rather than SQLite's "unable to open database file".
Status PrepareDataDir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return FailedPrecondition("cannot create data directory '" + dir.string() +
                              "': " + ec.message());
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    return FailedPrecondition("data directory '" + dir.string() + "' is not a directory");
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return FailedPrecondition("data directory '" + dir.string() +
                              "' is not writable: " + std::strerror(errno));
  }
  return Ok();
}

}  // namespace

Result<std::unique_ptr<DelegateRegistry>> OpenSqliteDelegateRegistry(Store& store) {
  auto* sqlite = dynamic_cast<SqliteStore*>(&store);
  if (sqlite == nullptr) {
    return InvalidArgument("the SQLite delegate registry needs a store opened by OpenSqliteStore");
  }
  return std::unique_ptr<DelegateRegistry>(
      std::make_unique<sqlite::SqliteDelegateRegistry>(sqlite->context()));
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options, Clock& clock,
                                               IdGenerator& ids) {
  std::filesystem::path path;
  if (!options.path.empty()) {
    path = options.path;
  } else if (!options.data_dir.empty()) {
    path = std::filesystem::path(options.data_dir) / kSqliteFileName;
  } else {
    return InvalidArgument("the SQLite store needs a data directory or a database path");
  }
  if (options.max_readers < 1) return InvalidArgument("max_readers must be at least 1");
  std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  FERRY_RETURN_IF_ERROR(PrepareDataDir(dir));

  sqlite::DatabaseOptions db_options{
      .path = path.string(),
      .busy_timeout_ms = static_cast<int>(options.busy_timeout.count()),
      .max_readers = options.max_readers};
  auto db = Database::Open(db_options, ToUnixMillis(clock.Now()));
  if (!db.ok()) return db.error();
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(db).value(), clock, ids));
}

}  // namespace ferry::store
