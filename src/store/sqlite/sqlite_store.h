// The SQLite implementation of store::Store: one file in a data directory, WAL mode, foreign
// keys on, a busy timeout for writers in other processes, migrations applied at open.
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/ids.h"
#include "common/result.h"
#include "store/delegate_registry.h"
#include "store/store.h"

namespace ferry::store {

struct SqliteOptions {
  // The directory holding ferry.db (and its -wal/-shm files); created when missing.
  std::string data_dir;
  // When set, the database file itself (data_dir is then ignored).
  std::string path;
  // How long a writer waits for another process's write lock before kUnavailable.
  Duration busy_timeout = std::chrono::seconds(5);
  // Reader connections kept open at most (reads run concurrently up to this many).
  int max_readers = 4;
};

// Opens (creating when needed) and migrates the database.
// kFailedPrecondition, with the path in the message, when the data directory cannot be created
// or written, the file is not a SQLite database or is corrupt, or its schema is newer than this
// binary knows. clock and ids must outlive the store.
Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options, Clock& clock,
                                               IdGenerator& ids);

// The delegate registry (store/delegate_registry.h) on the database of `store`, which must come
// from OpenSqliteStore and outlive the registry; kInvalidArgument for any other store.
Result<std::unique_ptr<DelegateRegistry>> OpenSqliteDelegateRegistry(Store& store);

// The file name used inside SqliteOptions::data_dir.
inline constexpr const char* kSqliteFileName = "ferry.db";

}  // namespace ferry::store
