// Store: everything Ferry persists, reached through one facade with a sub-store per domain.
//
// Implementations: store/sqlite (embedded, one data directory) and, later, store/postgres (shared
// by several server replicas). Both pass tests/store/store_contract_test.cc unchanged.
// apps/ferry/main.cc picks one; every other module depends only on these interfaces.
//
// Thread-safe: the facade and every sub-store may be used from any number of threads. The
// sub-stores live as long as the Store.
#pragma once

#include <functional>

#include "store/access_store.h"
#include "store/approval_store.h"
#include "store/artifact_store.h"
#include "store/audit_log.h"
#include "store/deployment_store.h"
#include "store/entity_store.h"
#include "store/execution_store.h"
#include "store/incident_store.h"
#include "store/known_state_store.h"
#include "store/log_store.h"
#include "store/notification_outbox.h"
#include "store/secret_value_store.h"
#include "store/task_store.h"
#include "store/token_store.h"
#include "store/trigger_store.h"
#include "store/verification_store.h"

namespace ferry::store {

class Store {
 public:
  virtual ~Store() = default;

  virtual EntityStore& entities() = 0;
  virtual ExecutionStore& executions() = 0;
  virtual TaskStore& tasks() = 0;
  virtual LogStore& logs() = 0;
  virtual ArtifactStore& artifacts() = 0;
  virtual DeploymentStore& deployments() = 0;
  virtual KnownStateStore& known_states() = 0;
  virtual TokenStore& tokens() = 0;
  virtual AccessStore& access() = 0;  // accounts, sessions, groups, roles, bindings
  virtual SecretValueStore& secret_values() = 0;
  virtual VerificationStore& verifications() = 0;
  virtual ApprovalStore& approvals() = 0;
  virtual TriggerStore& triggers() = 0;  // the trigger engine's state and fire claims
  virtual IncidentStore& incidents() = 0;  // Service Guard, periodic drift
  virtual NotificationOutbox& notifications() = 0;
  virtual AuditLog& audit() = 0;

  // The schema version recorded in the database (the highest migration applied).
  virtual Result<int> SchemaVersion() = 0;

  // Changes committed by other processes on the same database (another server replica): calls
  // on_change, from a background thread, after one committed a write (one call may stand for
  // several), so long-polls, log streams, the engine and the delegate read again at once instead
  // of at their next poll. nullptr stops the calls; once it returns the previous callback is not
  // running and will not run again. on_change must not call SetChangeListener.
  // PostgreSQL: LISTEN/NOTIFY. SQLite: never calls (one server per data directory holds its
  // lock, and in-process changes are signalled by their writers).
  virtual void SetChangeListener(std::function<void()> on_change) { (void)on_change; }
};

}  // namespace ferry::store
