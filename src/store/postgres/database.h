// Database: a small pool of connections to one PostgreSQL database, the transactions every store
// method runs in, and the change notifications between processes sharing the database.
//
// Concurrency model (see store/README.md):
//   - Write() runs fn in a READ COMMITTED transaction that first takes one transaction-scoped
//     advisory lock (kWriterLock), so writers serialise across every process on the database,
//     exactly as SQLite's BEGIN IMMEDIATE serialises them: each statement after the lock sees
//     every earlier commit, so read-then-write code is atomic, sequences (audit, log lines)
//     are assigned in commit order, and claims never hand one lease to two owners. Claims also
//     lock their rows with FOR UPDATE SKIP LOCKED. Every write transaction that changed rows ends
//     with a NOTIFY on kChangeChannel carrying this Database's instance id.
//   - Read() runs fn in a REPEATABLE READ READ ONLY transaction (one snapshot); reads never
//     wait for writers.
//   - At most max_connections connections, opened lazily; a connection that broke is dropped.
// Thread-safe: any thread may call Read/Write concurrently. A callback must not call Read or
// Write again (it already has a connection; pass it down instead).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "store/postgres/connection.h"

namespace ferry::store::postgres {

// Advisory lock keys (one 64-bit key space per database), constants of Ferry's own.
inline constexpr int64_t kWriterLock = 0x4645525259575254;
inline constexpr int64_t kMigrationLock = 0x46455252594D4947;
inline constexpr const char* kChangeChannel = "ferry_changes";

struct DatabaseOptions {
  std::string conninfo;
  int max_connections = 4;
};

class Database {
 public:
  // Connects, applies the embedded migrations (under kMigrationLock, so replicas starting
  // together do not race) and returns the pool. kUnavailable when the server cannot be reached,
  // kFailedPrecondition when the schema is newer than this binary knows. now_ms stamps applied
  // migrations.
  static Result<std::unique_ptr<Database>> Open(const DatabaseOptions& options, int64_t now_ms);
  ~Database();

  // Runs fn in a write transaction (see above); rolls back when fn (or COMMIT) fails.
  Status Write(const std::function<Status(Connection&)>& fn);
  // Runs fn in a read-only snapshot.
  Status Read(const std::function<Status(Connection&)>& fn);

  Result<int> SchemaVersion();

  // Calls on_change, from a background thread, after another Database (another process, or
  // another Store in this one) committed a write on this database; also once after the listening
  // connection was re-established (changes may have been missed meanwhile). nullptr stops the
  // calls: once this returns, the previous callback is not running and will not run again.
  // Coalesces: one call may stand for many changes.
  void SetChangeListener(std::function<void()> on_change);

  // "<conninfo with the password masked>".
  const std::string& display_name() const { return display_name_; }

 private:
  explicit Database(DatabaseOptions options);
  Result<std::unique_ptr<Connection>> Acquire();
  // Back to the pool, or closed when it is not reusable or broke.
  void Release(std::unique_ptr<Connection> connection, bool reusable = true);
  Status RunTransaction(std::string_view begin, bool write,
                        const std::function<Status(Connection&)>& fn);
  void Listen(std::stop_token stop);
  void FireChange();

  const DatabaseOptions options_;
  const std::string display_name_;
  const std::string instance_id_;  // NOTIFY payload: our own notifications are ignored

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  // Guarded by pool_mu_.
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;

  std::mutex listener_mu_;
  std::function<void()> on_change_;  // Guarded by listener_mu_ (held while it runs).
  int wake_fd_ = -1;                 // eventfd that interrupts the listener's poll
  std::jthread listener_;            // started by the first SetChangeListener
};

}  // namespace ferry::store::postgres
