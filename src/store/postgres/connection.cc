#include "store/postgres/connection.h"

#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>
#include <utility>

namespace ferry::store::postgres {
namespace {

std::string Trimmed(const char* text) {
  std::string out = text != nullptr ? text : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

Error PostgresError(const pg_result* result, const pg_conn* conn, std::string_view context) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = Trimmed(result != nullptr ? PQresultErrorMessage(result) : nullptr);
  if (message.empty() && conn != nullptr) message = Trimmed(PQerrorMessage(conn));
  std::string text = std::string(context) + ": " + message;
  std::string_view code = state != nullptr ? state : "";
  if (code.empty()) {
    // No SQLSTATE: the connection itself failed (server gone, network).
    return Unavailable(text);
  }
  std::string_view cls = code.substr(0, 2);
  if (cls == "23") return Conflict(text);
  if (code == "40001" || code == "40P01" || cls == "08" || cls == "53" || cls == "57") {
    return Unavailable(text);
  }
  if (cls == "22") return InvalidArgument(text);
  return Internal(text);
}

std::string PasswordIn(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (error != nullptr) PQfreemem(error);
  if (options == nullptr) return "";
  std::string password;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr) password = o->val;
  }
  PQconninfoFree(options);
  return password;
}

std::string MaskConnectionString(std::string_view conninfo) {
  std::string out(conninfo);
  // URI form: scheme://user:password@host...
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t start = scheme + 3;
    size_t at = out.find('@', start);
    size_t slash = out.find('/', start);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
    // ...?password=secret&...
    for (std::string key : {"?password=", "&password="}) {
      size_t pos = out.find(key);
      if (pos == std::string::npos) continue;
      size_t value = pos + key.size();
      size_t end = out.find('&', value);
      out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
    }
    return out;
  }
  // key=value form: password=secret or password='sec ret'.
  size_t pos = 0;
  while ((pos = out.find("password", pos)) != std::string::npos) {
    size_t eq = out.find_first_not_of(' ', pos + 8);
    if (eq == std::string::npos || out[eq] != '=') {
      pos += 8;
      continue;
    }
    size_t value = out.find_first_not_of(' ', eq + 1);
    if (value == std::string::npos) break;
    size_t end;
    if (out[value] == '\'') {
      end = value + 1;
      while (end < out.size() && out[end] != '\'') end += out[end] == '\\' ? 2 : 1;
      end = std::min(end + 1, out.size());
    } else {
      end = out.find(' ', value);
      if (end == std::string::npos) end = out.size();
    }
    out.replace(value, end - value, "***");
    pos = value + 3;
  }
  return out;
}

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_),
      sql_(std::move(other.sql_)),
      params_(std::move(other.params_)),
      bind_error_(other.bind_error_),
      result_(std::exchange(other.result_, nullptr)),
      row_(other.row_) {}

Statement::~Statement() {
  if (result_ != nullptr) PQclear(result_);
}

Statement& Statement::Bind(int index, std::string_view text) {
  if (index < 1) return *this;
  if (params_.size() < static_cast<size_t>(index)) params_.resize(index);
  if (text.find('\0') != std::string_view::npos) bind_error_ = true;
  params_[index - 1] = std::string(text);
  return *this;
}

Statement& Statement::Bind(int index, int64_t value) { return Bind(index, std::to_string(value)); }

Statement& Statement::Bind(int index, const std::optional<std::string>& text) {
  return text ? Bind(index, std::string_view(*text)) : BindNull(index);
}

Statement& Statement::Bind(int index, const std::optional<int64_t>& value) {
  return value ? Bind(index, *value) : BindNull(index);
}

Statement& Statement::BindNull(int index) {
  if (index < 1) return *this;
  if (params_.size() < static_cast<size_t>(index)) params_.resize(index);
  params_[index - 1].reset();
  return *this;
}

Status Statement::Execute() {
  if (bind_error_) {
    return InvalidArgument("a text value contains a NUL byte, which the store cannot hold");
  }
  std::vector<const char*> values;
  values.reserve(params_.size());
  for (const auto& p : params_) values.push_back(p ? p->c_str() : nullptr);
  if (result_ != nullptr) PQclear(result_);
  result_ = PQexecParams(connection_->conn_, sql_.c_str(), static_cast<int>(values.size()), nullptr,
                         values.data(), nullptr, nullptr, 0);
  row_ = -1;
  ExecStatusType status = result_ != nullptr ? PQresultStatus(result_) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    Error error = PostgresError(result_, connection_->conn_, "PostgreSQL statement failed");
    if (result_ != nullptr) PQclear(result_);
    result_ = nullptr;
    return error;
  }
  const char* tuples = PQcmdTuples(result_);
  connection_->changes_ = (tuples != nullptr && *tuples != '\0') ? std::atoll(tuples) : 0;
  // "SELECT n" counts rows read; "INSERT 0 n", "UPDATE n", "DELETE n" rows written.
  std::string_view command = PQcmdStatus(result_);
  if (connection_->changes_ > 0 && !command.starts_with("SELECT")) connection_->wrote_ = true;
  return Ok();
}

Result<bool> Statement::Step() {
  if (result_ == nullptr) FERRY_RETURN_IF_ERROR(Execute());
  ++row_;
  return row_ < PQntuples(result_);
}

Status Statement::Run() {
  Status status = Execute();
  Reset();
  return status;
}

void Statement::Reset() {
  if (result_ != nullptr) PQclear(result_);
  result_ = nullptr;
  row_ = -1;
}

bool Statement::IsNull(int column) const { return PQgetisnull(result_, row_, column) == 1; }

int64_t Statement::Int(int column) const {
  const char* text = PQgetvalue(result_, row_, column);
  int64_t value = 0;
  if (text != nullptr) std::from_chars(text, text + std::char_traits<char>::length(text), value);
  return value;
}

std::string Statement::Text(int column) const {
  return std::string(PQgetvalue(result_, row_, column),
                     static_cast<size_t>(PQgetlength(result_, row_, column)));
}

std::optional<std::string> Statement::OptionalText(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Text(column);
}

std::optional<int64_t> Statement::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo) {
  pg_conn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return Unavailable("cannot allocate a PostgreSQL connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string reason = Trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return Unavailable("cannot connect to PostgreSQL at " + MaskConnectionString(conninfo) + ": " +
                       reason);
  }
  auto connection = std::unique_ptr<Connection>(new Connection(conn));
  // Quiet: NOTICEs (e.g. "relation already exists, skipping") would go to stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  FERRY_RETURN_IF_ERROR(connection->Exec("SET client_encoding = 'UTF8'"));
  return connection;
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

Status Connection::Exec(std::string_view sql) {
  std::string text(sql);
  pg_result* result = PQexec(conn_, text.c_str());
  ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  Status out = Ok();
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    out = PostgresError(result, conn_, "PostgreSQL statement failed");
  }
  if (result != nullptr) PQclear(result);
  return out;
}

Result<Statement> Connection::Prepare(std::string_view sql) {
  return Statement(this, std::string(sql));
}

Result<std::string> Connection::QueryText(std::string_view sql) {
  FERRY_ASSIGN_OR_RETURN(Statement query, Prepare(sql));
  FERRY_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row || query.IsNull(0)) return std::string();
  return query.Text(0);
}

}  // namespace ferry::store::postgres
