// Connection and Statement: a thin RAII layer over one libpq connection, the only code (with
// change_listener.cc) that speaks the libpq C API. Used only inside store/postgres.
//
// The API mirrors store/sqlite/connection.h (1-based parameters, 0-based columns, Step/Run/
// Reset), so both backends' sub-stores read alike. Every statement is sent with
// PQexecParams: values travel as parameters, never inside the SQL text.
//
// Errors map to Ferry codes by SQLSTATE: class 23 (integrity) -> kConflict, 40001/40P01
// (serialization, deadlock), class 08 (connection), 53 (resources), 57 (shutdown) ->
// kUnavailable, class 22 (bad data) -> kInvalidArgument, anything else -> kInternal. Messages
// never contain the connection string.
//
// Not thread-safe: a Connection (and its statements) is used by one thread at a time; the
// Database pool hands connections out exclusively.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

struct pg_conn;
struct pg_result;

namespace ferry::store::postgres {

class Connection;

// One statement and its parameters; executed at the first Step (or Run), re-executed after
// Reset. Parameters are 1-based, columns 0-based.
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
  // Executes, ignoring rows, then resets so the statement can be bound and run again.
  Status Run();
  // Forgets the result: the next Step executes again; bindings are kept.
  void Reset();

  bool IsNull(int column) const;
  int64_t Int(int column) const;
  std::string Text(int column) const;
  std::optional<std::string> OptionalText(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;

 private:
  friend class Connection;
  Statement(Connection* connection, std::string sql)
      : connection_(connection), sql_(std::move(sql)) {}
  Status Execute();

  Connection* connection_;
  std::string sql_;
  std::vector<std::optional<std::string>> params_;
  bool bind_error_ = false;  // a parameter held a NUL byte, which PostgreSQL text cannot store
  pg_result* result_ = nullptr;
  int row_ = -1;
};

class Connection {
 public:
  // Connects with a libpq connection string (URI or key=value). kUnavailable when the server
  // cannot be reached or refuses, with libpq's reason (which never includes the password).
  static Result<std::unique_ptr<Connection>> Open(const std::string& conninfo);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without parameters or results (DDL, BEGIN/COMMIT).
  Status Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  // The first column of the first row of a parameterless query ("" when it returns none).
  Result<std::string> QueryText(std::string_view sql);

  // Rows changed by the last INSERT/UPDATE/DELETE run on this connection.
  int64_t Changes() const { return changes_; }
  // Whether a statement changed rows since the last ClearWrote (the Database notifies other
  // processes only of transactions that changed something).
  bool wrote() const { return wrote_; }
  void ClearWrote() { wrote_ = false; }
  // False once the connection to the server broke; the pool then drops it.
  bool healthy() const;
  // For the change listener: the socket, and the raw handle.
  pg_conn* handle() { return conn_; }

 private:
  friend class Statement;
  explicit Connection(pg_conn* conn) : conn_(conn) {}

  pg_conn* conn_;
  int64_t changes_ = 0;
  bool wrote_ = false;
};

// The error for a failed result (SQLSTATE mapped as above), with context.
Error PostgresError(const pg_result* result, const pg_conn* conn, std::string_view context);

// The password a connection string carries (libpq's own parser: URI or key=value, decoded), or
// "" when none or the string does not parse.
std::string PasswordIn(const std::string& conninfo);

// conninfo with any password replaced by "***", for logs and messages: the password= keyword
// and the user:password@ part of a postgres:// URI.
std::string MaskConnectionString(std::string_view conninfo);

}  // namespace ferry::store::postgres
