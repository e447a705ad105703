// The PostgreSQL implementation of store::Store: one database shared by any number of Ferry
// processes (server replicas, CLIs), migrations applied at open under an advisory lock, a small
// connection pool, and change notifications between processes (LISTEN/NOTIFY).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/ids.h"
#include "common/result.h"
#include "store/delegate_registry.h"
#include "store/store.h"

namespace ferry::store {

struct PostgresOptions {
  // A libpq connection string: postgres://user[:password]@host[:port]/db[?...] or
  // "host=... dbname=...". Never logged or returned with its password (MaskPostgresUrl).
  std::string url;
  // Connections kept open at most (store calls run concurrently up to this many).
  int max_connections = 4;
};

// Connects and migrates. kUnavailable when the server cannot be reached or refuses the login,
// kFailedPrecondition when the schema is newer than this binary knows, kInvalidArgument for a bad
// option. clock and ids must outlive the store.
Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options, Clock& clock,
                                                 IdGenerator& ids);

// The delegate registry (store/delegate_registry.h) on the database of `store`, which must come
// from OpenPostgresStore and outlive the registry; kInvalidArgument for any other store.
Result<std::unique_ptr<DelegateRegistry>> OpenPostgresDelegateRegistry(Store& store);

// The url with any password replaced by "***", for logs and messages.
std::string MaskPostgresUrl(std::string_view url);

// True for a --store value that names PostgreSQL ("postgres://" or "postgresql://").
bool IsPostgresUrl(std::string_view store);

}  // namespace ferry::store
