#include "store/postgres/database.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <utility>

#include "common/crypto.h"
#include "common/log.h"
#include "common/thread_name.h"
#include "store/postgres/migrations.h"

namespace ferry::store::postgres {

Database::Database(DatabaseOptions options)
    : options_(std::move(options)),
      display_name_(MaskConnectionString(options_.conninfo)),
      instance_id_(HexEncode(SecureRandomBytes(16))) {}

Database::~Database() {
  if (listener_.joinable()) {
    listener_.request_stop();
    uint64_t one = 1;
    (void)::write(wake_fd_, &one, sizeof one);
    listener_.join();
  }
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

Result<std::unique_ptr<Database>> Database::Open(const DatabaseOptions& options, int64_t now_ms) {
  if (options.max_connections < 1) return InvalidArgument("max_connections must be at least 1");
  auto db = std::unique_ptr<Database>(new Database(options));
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Connection> first, db->Acquire());
  Status migrated = ApplyMigrations(*first, EmbeddedMigrations(), now_ms);
  db->Release(std::move(first), migrated.ok());
  if (!migrated.ok()) return migrated.error();
  return db;
}

Result<std::unique_ptr<Connection>> Database::Acquire() {
  {
    std::unique_lock lock(pool_mu_);
    pool_cv_.wait(lock, [&] { return !idle_.empty() || open_ < options_.max_connections; });
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
    ++open_;
  }
  // Connected outside the lock: it is a network round trip.
  auto opened = Connection::Open(options_.conninfo);
  if (!opened.ok()) {
    std::lock_guard lock(pool_mu_);
    --open_;
    pool_cv_.notify_one();
  }
  return opened;
}

void Database::Release(std::unique_ptr<Connection> connection, bool reusable) {
  std::lock_guard lock(pool_mu_);
  if (reusable && connection->healthy()) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;  // dropped; the next Acquire reconnects
  }
  pool_cv_.notify_one();
}

Status Database::RunTransaction(std::string_view begin, bool write,
                                const std::function<Status(Connection&)>& fn) {
  std::unique_ptr<Connection> c;
  Status status = Ok();
  // A pooled connection the server closed meanwhile (a restart, an idle timeout) fails at BEGIN,
  // before anything ran: drop it and take another, up to one per connection of the pool.
  for (int attempt = 0; attempt <= options_.max_connections; ++attempt) {
    FERRY_ASSIGN_OR_RETURN(c, Acquire());
    status = c->Exec(begin);
    if (status.ok() || status.error().code != ErrorCode::kUnavailable) break;
    Release(std::move(c), /*reusable=*/false);
  }
  if (c == nullptr) return status;
  c->ClearWrote();
  if (status.ok() && write) {
    status = c->Exec("SELECT pg_advisory_xact_lock(" + std::to_string(kWriterLock) + ")");
  }
  if (status.ok()) status = fn(*c);
  if (status.ok() && write && c->wrote()) {
    // Delivered at COMMIT, to every listener on the database (ourselves included: ignored).
    // Only when rows changed: a claim that found nothing must not wake the other servers,
    // whose own empty claims would wake this one again.
    auto notify = c->Prepare("SELECT pg_notify($1, $2)");
    status =
        notify.ok() ? notify->Bind(1, kChangeChannel).Bind(2, instance_id_).Run() : notify.error();
  }
  if (status.ok()) status = c->Exec("COMMIT");
  if (!status.ok()) (void)c->Exec("ROLLBACK");
  // After kUnavailable (a connection lost, the server shutting down) the connection may be
  // broken without libpq knowing yet: open a fresh one next time.
  Release(std::move(c), status.ok() || status.error().code != ErrorCode::kUnavailable);
  return status;
}

Status Database::Write(const std::function<Status(Connection&)>& fn) {
  return RunTransaction("BEGIN ISOLATION LEVEL READ COMMITTED", /*write=*/true, fn);
}

Status Database::Read(const std::function<Status(Connection&)>& fn) {
  return RunTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", /*write=*/false, fn);
}

Result<int> Database::SchemaVersion() {
  int version = 0;
  FERRY_RETURN_IF_ERROR(Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(version, CurrentSchemaVersion(c));
    return Ok();
  }));
  return version;
}

void Database::SetChangeListener(std::function<void()> on_change) {
  std::lock_guard lock(listener_mu_);
  on_change_ = std::move(on_change);
  if (on_change_ && !listener_.joinable()) {
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    listener_ = std::jthread([this](std::stop_token stop) { Listen(stop); });
  }
}

void Database::FireChange() {
  std::lock_guard lock(listener_mu_);
  if (on_change_) on_change_();
}

void Database::Listen(std::stop_token stop) {
  SetThreadName("ferry-pg-listen");
  std::unique_ptr<Connection> conn;
  bool reported = false;
  while (!stop.stop_requested()) {
    if (conn == nullptr || !conn->healthy()) {
      conn.reset();
      auto opened = Connection::Open(options_.conninfo);
      Status listening = opened.ok() ? (*opened)->Exec(std::string("LISTEN ") + kChangeChannel)
                                     : Status(opened.error());
      if (!listening.ok()) {
        if (!reported) {
          log::Warn("PostgreSQL change listener cannot listen; retrying every second",
                    {{"store", display_name_}, {"error", listening.error().message}});
          reported = true;
        }
        pollfd wake{wake_fd_, POLLIN, 0};
        (void)::poll(&wake, 1, 1000);
        continue;
      }
      conn = std::move(opened).value();
      reported = false;
      FireChange();  // anything committed while we were not listening
    }
    pollfd fds[2] = {{PQsocket(conn->handle()), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (stop.stop_requested()) break;
    if (PQconsumeInput(conn->handle()) == 0) {
      conn.reset();  // the connection broke: reconnect and listen again
      continue;
    }
    bool changed = false;
    while (PGnotify* note = PQnotifies(conn->handle())) {
      if (note->extra == nullptr || instance_id_ != note->extra) changed = true;
      PQfreemem(note);
    }
    if (changed) FireChange();
  }
}

}  // namespace ferry::store::postgres
