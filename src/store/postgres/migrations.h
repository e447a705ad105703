// The numbered SQL migrations under store/postgres/migrations/NNNN_name.sql, embedded into the
// binary at build time (store/sqlite/embed_migrations.cmake generates the table), and the code
// that applies them.
//
// Rules (store/README.md): migrations are append-only; a released file never changes; pending
// ones run in one transaction with the schema_migrations rows that record them, under an
// advisory lock, so two replicas starting together migrate once.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "common/result.h"
#include "store/postgres/connection.h"

namespace ferry::store::postgres {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// Ordered by increasing version; there may be gaps (numbers another branch reserved; checked by
// the generator).
std::span<const Migration> EmbeddedMigrations();

// Applies every migration newer than the recorded schema version. kFailedPrecondition when the
// database records a version this binary does not know. now_ms is each one's applied_at_ms.
Status ApplyMigrations(Connection& connection, std::span<const Migration> migrations,
                       int64_t now_ms);

// The highest applied version; 0 for an empty database.
Result<int> CurrentSchemaVersion(Connection& connection);

}  // namespace ferry::store::postgres
