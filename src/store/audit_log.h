// AuditLog: who changed what, when. Every store mutation of configuration, tokens, executions,
// artifacts and deployment records appends an event in the same transaction as the change
// (step, task and log-line traffic is recorded in its own tables, not here: see README.md).
// Events are never updated or deleted through this interface. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace ferry::store {

struct AuditEvent {
  int64_t sequence = 0;  // Increasing in commit order; the cursor for paging.
  std::string id;
  TimePoint at;
  std::string actor;         // A user, a token name, "engine", a delegate id.
  std::string action;        // "entity.create", "entity.update", "token.revoke", ...
  std::string subject_type;  // "entity", "token", "execution", "artifact", "deployment"
  std::string subject_id;    // e.g. "service/shop/checkout", an execution id
  std::optional<std::string> before_sha256;  // Hex SHA-256 of the state before; none on create.
  std::optional<std::string> after_sha256;   // Hex SHA-256 of the state after; none on delete.
  std::string details_json = "{}";           // Small, secret-free context.
};

// What a caller outside the store records (e.g. a login, an approval given through the API).
struct AuditEntry {
  std::string actor;
  std::string action;
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
  int64_t after_sequence = 0;  // Events with a greater sequence, oldest first.
  int limit = 100;             // 1..1000
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  // kInvalidArgument when a required field is empty or details_json is not a JSON object.
  virtual Result<AuditEvent> Append(const AuditEntry& entry) = 0;
  virtual Result<std::vector<AuditEvent>> List(const AuditQuery& query) = 0;
};

}  // namespace ferry::store
