// The numbered SQL migrations under store/sqlite/migrations/NNNN_name.sql, embedded into the
// binary at build time (cmake/EmbedMigrations.cmake generates the table), and the code that
// applies them.
//
// Rules (store/README.md): migrations are append-only; a released file never changes; each runs
// in the same transaction as the schema_migrations row that records it.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "common/result.h"
#include "store/sqlite/connection.h"

namespace ferry::store::sqlite {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// Ordered by increasing version; there may be gaps (numbers another branch reserved). Checked by
// the generator and by a test.
std::span<const Migration> EmbeddedMigrations();

// Applies every embedded migration newer than the recorded schema version, in one
// BEGIN IMMEDIATE transaction (so two processes starting at once do not both migrate).
// kFailedPrecondition when the database records a version this binary does not know.
// now_ms (from the injected Clock) is recorded as each migration's applied_at_ms.
Status ApplyMigrations(Connection& connection, std::span<const Migration> migrations,
                       int64_t now_ms);

// The highest applied version; 0 for an empty database.
Result<int> CurrentSchemaVersion(Connection& connection);

}  // namespace ferry::store::sqlite
