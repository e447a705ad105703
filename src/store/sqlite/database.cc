#include "store/sqlite/database.h"

#include <utility>

#include "store/sqlite/migrations.h"

namespace ferry::store::sqlite {
namespace {

// Runs fn between begin and COMMIT on connection, rolling back on any failure.
Status RunTransaction(Connection& connection, std::string_view begin,
                      const std::function<Status(Connection&)>& fn) {
  FERRY_RETURN_IF_ERROR(connection.Exec(begin));
  Status status = fn(connection);
  if (status.ok()) status = connection.Exec("COMMIT");
  // After a failed COMMIT SQLite may already have rolled back; a second ROLLBACK is harmless.
  if (!status.ok()) (void)connection.Exec("ROLLBACK");
  return status;
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const DatabaseOptions& options, int64_t now_ms) {
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer,
                         Connection::Open(options.path, /*create=*/true, options.busy_timeout_ms));
  FERRY_ASSIGN_OR_RETURN(std::string mode, writer->QueryText("PRAGMA journal_mode = WAL"));
  if (mode != "wal") {
    return FailedPrecondition("database '" + options.path +
                              "' could not be switched to WAL mode (journal_mode is '" + mode +
                              "')");
  }
  FERRY_RETURN_IF_ERROR(ApplyMigrations(*writer, EmbeddedMigrations(), now_ms));
  return std::unique_ptr<Database>(new Database(options, std::move(writer)));
}

Status Database::Write(const std::function<Status(Connection&)>& fn) {
  std::lock_guard lock(write_mu_);
  return RunTransaction(*writer_, "BEGIN IMMEDIATE", fn);
}

Status Database::Read(const std::function<Status(Connection&)>& fn) {
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Connection> reader, AcquireReader());
  Status status = RunTransaction(*reader, "BEGIN", fn);
  ReleaseReader(std::move(reader));
  return status;
}

Result<int> Database::SchemaVersion() {
  int version = 0;
  FERRY_RETURN_IF_ERROR(Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(version, CurrentSchemaVersion(c));
    return Ok();
  }));
  return version;
}

Result<std::unique_ptr<Connection>> Database::AcquireReader() {
  {
    std::unique_lock lock(readers_mu_);
    readers_cv_.wait(
        lock, [&] { return !idle_readers_.empty() || open_readers_ < options_.max_readers; });
    if (!idle_readers_.empty()) {
      std::unique_ptr<Connection> reader = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return reader;
    }
    ++open_readers_;
  }
  // Opened outside the lock: opening touches the file system.
  auto opened = Connection::Open(options_.path, /*create=*/false, options_.busy_timeout_ms);
  if (opened.ok()) {
    Status query_only = (*opened)->Exec("PRAGMA query_only = ON");
    if (!query_only.ok()) opened = query_only.error();
  }
  if (!opened.ok()) {
    std::lock_guard lock(readers_mu_);
    --open_readers_;
    readers_cv_.notify_one();
  }
  return opened;
}

void Database::ReleaseReader(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(readers_mu_);
  idle_readers_.push_back(std::move(connection));
  readers_cv_.notify_one();
}

}  // namespace ferry::store::sqlite
