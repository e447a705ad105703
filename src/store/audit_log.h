// AuditLog: who changed what, when. Every store mutation of configuration, tokens, executions,
// artifacts and deployment records appends an event in the same transaction as the change
// (step, task and log-line traffic is recorded in its own tables, not here: see README.md).
// Events are never updated or deleted: this interface offers neither, and the database refuses
// both (triggers, SQLite migration 0008, PostgreSQL 0005). Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/actor.h"

namespace ferry::store {

struct AuditEvent {
  int64_t sequence = 0;  // Increasing in commit order; the cursor for paging.
  std::string id;
  TimePoint at;
  std::string actor;         // A user, a token name, "engine", a delegate id.
  std::string source;        // The client's address; "" when not over the API.
  std::string action;        // "entity.create", "entity.update", "token.revoke", ...
  std::string application;   // The application concerned; "" when none.
  std::string subject_type;  // "entity", "token", "execution", "artifact", "deployment"
  std::string subject_id;    // e.g. "service/shop/checkout", an execution id
  std::optional<std::string> before_sha256;  // Hex SHA-256 of the state before; none on create.
  std::optional<std::string> after_sha256;   // Hex SHA-256 of the state after; none on delete.
  std::string details_json = "{}";           // Small, secret-free context.
};

// What a caller outside the store records (e.g. a login, an approval given through the API).
struct AuditEntry {
  std::string actor;
  std::string source;
  std::string action;
  std::string application;
  std::string subject_type;
  std::string subject_id;
  std::optional<std::string> before_sha256;
  std::optional<std::string> after_sha256;
  std::string details_json = "{}";
};

struct AuditQuery {
  std::optional<std::string> subject_type;
  std::optional<std::string> subject_id;
  std::optional<std::string> actor;
  std::optional<std::string> action;
  std::optional<std::string> application;
  std::optional<TimePoint> since;  // at >= since
  std::optional<TimePoint> until;  // at < until
  // Oldest first: events with a sequence greater than after_sequence. Newest first: events
  // with a sequence less than before_sequence (0: from the newest).
  bool newest_first = false;
  int64_t after_sequence = 0;
  int64_t before_sequence = 0;
  int limit = 100;  // 1..1000
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  // kInvalidArgument when a required field is empty or details_json is not a JSON object.
  virtual Result<AuditEvent> Append(const AuditEntry& entry) = 0;
  virtual Result<std::vector<AuditEvent>> List(const AuditQuery& query) = 0;
};

}  // namespace ferry::store
