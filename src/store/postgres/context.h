// What every PostgreSQL sub-store shares: the database, the clock and the id generator, plus the
// helpers that write an audit event inside the caller's transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/ids.h"
#include "common/time.h"
#include "store/audit_log.h"
#include "store/postgres/database.h"

namespace ferry::store::postgres {

struct Context {
  Database& db;
  Clock& clock;
  IdGenerator& ids;

  int64_t NowMs() const { return ToUnixMillis(clock.Now()); }
};

// Appends an audit event on connection (inside the caller's transaction), stamped now.
Status InsertAudit(Connection& connection, Context& context, const AuditEntry& entry);

// Hex SHA-256 of a stored document, for audit before/after hashes.
std::string HashOf(std::string_view document);

}  // namespace ferry::store::postgres
