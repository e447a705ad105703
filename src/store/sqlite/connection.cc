#include "store/sqlite/connection.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

namespace ferry::store::sqlite {

Error SqliteError(int result_code, std::string_view message, std::string_view context) {
  std::string text = std::string(context) + ": " + std::string(message);
  switch (result_code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable(text + " (the database is busy: another writer held it too long)");
    case SQLITE_CONSTRAINT:
      return Conflict(text);
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return FailedPrecondition(text);
    case SQLITE_FULL:
    case SQLITE_IOERR:
      return Unavailable(text);
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return FailedPrecondition(text);
    default:
      return Internal(text);
  }
}

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      bind_error_(other.bind_error_) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (in_use_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *in_use_ = false;
}

Statement& Statement::Bind(int index, std::string_view text) {
  int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Statement& Statement::Bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<std::string>& text) {
  return text ? Bind(index, std::string_view(*text)) : BindNull(index);
}

Statement& Statement::Bind(int index, const std::optional<int64_t>& value) {
  return value ? Bind(index, *value) : BindNull(index);
}

Statement& Statement::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Result<bool> Statement::Step() {
  if (bind_error_ != 0) {
    return SqliteError(bind_error_, sqlite3_errstr(bind_error_), "binding a parameter");
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error error = connection_->LastError(rc, "executing statement");
  sqlite3_reset(stmt_);
  return error;
}

Status Statement::Run() {
  while (true) {
    FERRY_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) {
      Reset();
      return Ok();
    }
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  bind_error_ = 0;
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::Text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (data == nullptr) return {};
  return {data, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::optional<std::string> Statement::OptionalText(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Text(column);
}

std::optional<int64_t> Statement::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool create,
                                                     int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  if (create) {
    flags |= SQLITE_OPEN_CREATE;
    // SQLite creates files 0644 (less the umask), and its -wal and -shm files take the
    // database's mode: the store holds token hashes and deployment history, so it is the
    // owner's alone. An empty file is a valid new database; an existing one is tightened.
    if (path != ":memory:" && !path.starts_with("file:")) {
      int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (fd >= 0) {
        ::fchmod(fd, 0600);
        ::close(fd);
      }
    }
  }
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return SqliteError(rc, message, "opening database '" + path + "'");
  }
  std::unique_ptr<Connection> connection(new Connection(db, path));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  // The first statement reads the header, so a file that is not a database fails here.
  FERRY_RETURN_IF_ERROR(connection->Exec(
      "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA trusted_schema = OFF;"));
  FERRY_ASSIGN_OR_RETURN(std::string ignored, connection->QueryText("PRAGMA schema_version"));
  (void)ignored;
  return connection;
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close_v2(db_);
}

Status Connection::Exec(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return Ok();
  std::string what = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return SqliteError(rc, what, "database '" + path_ + "'");
}

Result<Statement> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end() && !*it->second.in_use) {
    *it->second.in_use = true;
    return Statement(this, it->second.stmt, it->second.in_use.get());
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return LastError(rc, "preparing statement");
  if (it != cache_.end()) return Statement(this, stmt, nullptr);
  CachedStatement& slot = cache_[std::string(sql)];
  slot.stmt = stmt;
  *slot.in_use = true;
  return Statement(this, stmt, slot.in_use.get());
}

Result<std::string> Connection::QueryText(std::string_view sql) {
  FERRY_ASSIGN_OR_RETURN(Statement stmt, Prepare(sql));
  FERRY_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return NotFound("query returned no row");
  return stmt.Text(0);
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

Error Connection::LastError(int result_code, std::string_view context) const {
  return SqliteError(result_code, sqlite3_errmsg(db_),
                     std::string(context) + " on '" + path_ + "'");
}

}  // namespace ferry::store::sqlite
