// Database: the connections to one SQLite file, and the transactions every store method runs in.
//
// Concurrency model (see store/README.md):
//   - One writer connection behind a mutex. Write() serialises this process's writers on the
//     mutex (cheap, fair) and takes SQLite's write lock with BEGIN IMMEDIATE, so a writer in
//     another process (a CLI next to a server) waits up to the busy timeout instead of failing
//     half-way through a transaction.
//   - A small pool of reader connections. Read() runs in a deferred transaction, so a
//     multi-statement read sees one consistent snapshot; in WAL mode readers never block the
//     writer nor each other.
// Thread-safe: any thread may call Read/Write concurrently. A callback must not call Read or
// Write again (it already has a connection; pass it down instead).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/sqlite/connection.h"

namespace ferry::store::sqlite {

struct DatabaseOptions {
  std::string path;
  int busy_timeout_ms = 5000;
  int max_readers = 4;
};

class Database {
 public:
  // Opens or creates the file, switches it to WAL and applies the embedded migrations.
  // kFailedPrecondition when the file is not a SQLite database, is corrupt, or has a schema
  // newer than this binary knows. now_ms (from the injected Clock) stamps applied migrations.
  static Result<std::unique_ptr<Database>> Open(const DatabaseOptions& options, int64_t now_ms);

  // Runs fn in BEGIN IMMEDIATE ... COMMIT; rolls back when fn (or COMMIT) fails.
  Status Write(const std::function<Status(Connection&)>& fn);
  // Runs fn in a read-only snapshot.
  Status Read(const std::function<Status(Connection&)>& fn);

  // The highest migration applied to this database.
  Result<int> SchemaVersion();
  const std::string& path() const { return options_.path; }

 private:
  Database(DatabaseOptions options, std::unique_ptr<Connection> writer)
      : options_(std::move(options)), writer_(std::move(writer)) {}
  Result<std::unique_ptr<Connection>> AcquireReader();
  void ReleaseReader(std::unique_ptr<Connection> connection);

  const DatabaseOptions options_;

  std::mutex write_mu_;
  std::unique_ptr<Connection> writer_;  // Used only under write_mu_.

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  // Guarded by readers_mu_.
  std::vector<std::unique_ptr<Connection>> idle_readers_;
  int open_readers_ = 0;
};

}  // namespace ferry::store::sqlite
