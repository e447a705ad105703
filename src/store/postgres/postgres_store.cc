#include "store/postgres/postgres_store.h"

#include "common/secret_mask.h"
#include "store/postgres/connection.h"
#include "store/postgres/context.h"
#include "store/postgres/database.h"
#include "store/postgres/postgres_access_store.h"
#include "store/postgres/postgres_audit_log.h"
#include "store/postgres/postgres_delegate_registry.h"
#include "store/postgres/postgres_entity_store.h"
#include "store/postgres/postgres_execution_store.h"
#include "store/postgres/postgres_incident_store.h"
#include "store/postgres/postgres_known_state_store.h"
#include "store/postgres/postgres_log_store.h"
#include "store/postgres/postgres_records.h"
#include "store/postgres/postgres_secret_value_store.h"
#include "store/postgres/postgres_task_store.h"
#include "store/postgres/postgres_trigger_store.h"
#include "store/postgres/postgres_notification_outbox.h"
#include "store/postgres/postgres_verification_store.h"
#include "store/postgres/postgres_approval_store.h"

namespace ferry::store {
namespace {

using postgres::Context;
using postgres::Database;

class PostgresStore final : public Store {
 public:
  PostgresStore(std::unique_ptr<Database> db, Clock& clock, IdGenerator& ids)
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
  void SetChangeListener(std::function<void()> on_change) override {
    db_->SetChangeListener(std::move(on_change));
  }
  Context& context() { return context_; }

 private:
  std::unique_ptr<Database> db_;
  Context context_;
  postgres::PostgresEntityStore entities_;
  postgres::PostgresExecutionStore executions_;
  postgres::PostgresTaskStore tasks_;
  postgres::PostgresLogStore logs_;
  postgres::PostgresArtifactStore artifacts_;
  postgres::PostgresDeploymentStore deployments_;
  postgres::PostgresKnownStateStore known_states_;
  postgres::PostgresSecretValueStore secret_values_;
  postgres::PostgresVerificationStore verifications_;
  postgres::PostgresApprovalStore approvals_;
  postgres::PostgresTriggerStore triggers_;
  postgres::PostgresIncidentStore incidents_;
  postgres::PostgresNotificationOutbox notifications_;
  postgres::PostgresTokenStore tokens_;
  postgres::PostgresAccessStore access_;
  postgres::PostgresAuditLog audit_;
};

}  // namespace

Result<std::unique_ptr<DelegateRegistry>> OpenPostgresDelegateRegistry(Store& store) {
  auto* postgres = dynamic_cast<PostgresStore*>(&store);
  if (postgres == nullptr) {
    return InvalidArgument(
        "the PostgreSQL delegate registry needs a store opened by OpenPostgresStore");
  }
  return std::unique_ptr<DelegateRegistry>(
      std::make_unique<postgres::PostgresDelegateRegistry>(postgres->context()));
}

bool IsPostgresUrl(std::string_view store) {
  return store.starts_with("postgres://") || store.starts_with("postgresql://");
}

std::string MaskPostgresUrl(std::string_view url) { return postgres::MaskConnectionString(url); }

Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options, Clock& clock,
                                                 IdGenerator& ids) {
  if (options.url.empty()) return InvalidArgument("the PostgreSQL store needs a connection URL");
  if (options.max_connections < 1) return InvalidArgument("max_connections must be at least 1");
  // Besides masking the URL wherever we show it: should anything echo the password (a libpq
  // message, a log line), the process-wide masker hides it.
  if (std::string password = postgres::PasswordIn(options.url); !password.empty()) {
    SecretMasker::Global().Register(password);
  }
  auto db = Database::Open(postgres::DatabaseOptions{.conninfo = options.url,
                                                     .max_connections = options.max_connections},
                           ToUnixMillis(clock.Now()));
  if (!db.ok()) return db.error();
  return std::unique_ptr<Store>(std::make_unique<PostgresStore>(std::move(db).value(), clock, ids));
}

}  // namespace ferry::store
