// PostgresServer: a real PostgreSQL 15 server from Debian's packages for the tests of one
// binary: initdb into a temporary directory, `postgres` listening on 127.0.0.1 only, on a free
// port, with trust authentication for the one user "ferry" (nothing else can reach it: the port
// is bound to loopback and the data directory is private). Durability is off (fsync,
// synchronous_commit, full_page_writes): a test server is thrown away.
//
// initdb and postgres refuse to run as root, and CI runs the tests as root: then both run as the
// Debian package's "postgres" user (setpriv), and the temporary directory is handed to that user.
//
//   FERRY_TEST_REQUIRE(test::MissingPostgres());
//   test::PostgresServer& server = test::SharedPostgres();   // started on first use
//   std::string url = server.CreateDatabase();               // a fresh, empty database
//
// Not thread-safe (one test thread creates databases); urls may be used from any thread.
#pragma once

#include <memory>
#include <string>

#include "support/child_process.h"
#include "support/temp_dir.h"

namespace ferry::test {

// "" when PostgreSQL 15's initdb and postgres exist; else what is missing and how to get it.
std::string MissingPostgres();

class PostgresServer {
 public:
  // Starts a server; on failure ok() is false and diagnostics() says why.
  PostgresServer();
  ~PostgresServer();  // fast shutdown (SIGINT), then the directory goes
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  bool ok() const { return port_ > 0; }
  std::string diagnostics() const;
  int port() const { return port_; }

  // Creates an empty database (named ferry_test_N) and returns its URL,
  // "postgres://ferry@127.0.0.1:PORT/ferry_test_N"; "" on failure (see diagnostics()).
  std::string CreateDatabase();
  // The URL of an existing database.
  std::string Url(const std::string& database) const;
  // Stops the server (fast shutdown: every session is cut) and starts it again on the same port
  // and data; false (see diagnostics()) when it did not come back.
  bool Restart();

 private:
  // Starts postgres on `port` and waits until it accepts connections; false when it did not.
  bool Launch(int port);
  // argv run as the unprivileged user when we are root.
  std::vector<std::string> AsPostgres(std::vector<std::string> args) const;

  TempDir dir_{"ferry-pg"};
  std::unique_ptr<ChildProcess> server_;
  int port_ = 0;
  int databases_ = 0;
  std::string problem_;
};

// The binary's server, started on first use and stopped at exit. Check ok().
PostgresServer& SharedPostgres();

}  // namespace ferry::test
