// Connection and Statement: a thin RAII layer over one sqlite3 handle, the only code that
// speaks the SQLite C API. Used only inside store/sqlite.
//
// Errors map to Ferry codes: SQLITE_BUSY/LOCKED -> kUnavailable (another writer held the
// database past the busy timeout), SQLITE_CONSTRAINT -> kConflict, SQLITE_NOTADB/CORRUPT ->
// kFailedPrecondition, SQLITE_FULL/IOERR -> kUnavailable, anything else -> kInternal.
//
// Not thread-safe: a Connection (and its statements) is used by one thread at a time; the
// Database pool hands connections out exclusively.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ferry::store::sqlite {

class Connection;

// A prepared statement borrowed from the connection's cache; reset and unbound on destruction.
// Parameters are 1-based, columns 0-based (as in SQLite).
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, const std::string& text) {
    return Bind(index, std::string_view(text));
  }
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  Statement& Bind(int index, const std::optional<std::string>& text);
  Statement& Bind(int index, const std::optional<int64_t>& value);
  Statement& BindNull(int index);

  // Advances: true when a row is available, false when done.
  Result<bool> Step();
  // Steps to completion, ignoring rows, then resets so the statement can be bound and run again.
  Status Run();
  // Rewinds to before the first row; bindings are kept.
  void Reset();

  bool IsNull(int column) const;
  int64_t Int(int column) const;
  std::string Text(int column) const;
  std::optional<std::string> OptionalText(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;

 private:
  friend class Connection;
  Statement(Connection* connection, sqlite3_stmt* stmt, bool* in_use)
      : connection_(connection), stmt_(stmt), in_use_(in_use) {}

  Connection* connection_;
  sqlite3_stmt* stmt_;
  // The cache slot's busy flag; nullptr when the statement is not cached (it is then finalized).
  bool* in_use_;
  int bind_error_ = 0;  // First failing bind's result code, reported by Step.
};

class Connection {
 public:
  // Opens (creating when create is true) the database file and applies the per-connection
  // pragmas (foreign_keys, busy_timeout, synchronous). journal_mode=WAL is set by the caller
  // once per database.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool create,
                                                  int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without results (DDL, pragmas, BEGIN/COMMIT).
  Status Exec(std::string_view sql);
  // A statement for sql, prepared once per connection and cached. sql must be a single statement.
  Result<Statement> Prepare(std::string_view sql);
  // The value of a pragma or single-value query, e.g. "PRAGMA journal_mode".
  Result<std::string> QueryText(std::string_view sql);

  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  int64_t Changes() const;
  // The error for the connection's last failed call, with context.
  Error LastError(int result_code, std::string_view context) const;
  const std::string& path() const { return path_; }

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    // True while a Statement borrows it; a nested Prepare of the same SQL then gets a fresh one.
    std::unique_ptr<bool> in_use = std::make_unique<bool>(false);
  };
  std::unordered_map<std::string, CachedStatement> cache_;
};

// Maps a SQLite result code (and message) to a Ferry error.
Error SqliteError(int result_code, std::string_view message, std::string_view context);

}  // namespace ferry::store::sqlite
