#include "support/postgres_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>

namespace ferry::test {
namespace {

constexpr char kBin[] = "/usr/lib/postgresql/15/bin/";
constexpr char kUser[] = "ferry";

std::string Bin(const std::string& tool) { return std::string(kBin) + tool; }

// A port free right now on 127.0.0.1 (the kernel's pick); postgres binds it a moment later, and
// Start retries with another should someone take it in between.
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace

std::string MissingPostgres() {
  for (const char* tool : {"initdb", "postgres", "createdb"}) {
    if (::access(Bin(tool).c_str(), X_OK) != 0) {
      return "PostgreSQL 15 is missing (" + Bin(tool) +
             "); install Debian's postgresql package (scripts/install-deps)";
    }
  }
  if (::geteuid() == 0 && ::getpwnam("postgres") == nullptr) {
    return "the tests run as root and there is no user 'postgres' to run PostgreSQL as; install "
           "Debian's postgresql package (it creates the user) or run the tests as another user";
  }
  return "";
}

std::vector<std::string> PostgresServer::AsPostgres(std::vector<std::string> args) const {
  if (::geteuid() != 0) return args;
  const passwd* pw = ::getpwnam("postgres");
  if (pw == nullptr) return args;
  std::vector<std::string> argv = {"/usr/bin/setpriv", "--reuid=" + std::to_string(pw->pw_uid),
                                   "--regid=" + std::to_string(pw->pw_gid), "--clear-groups", "--"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

PostgresServer::PostgresServer() {
  problem_ = MissingPostgres();
  if (!problem_.empty()) return;
  std::string data = dir_.Sub("data");
  if (::geteuid() == 0) {
    const passwd* pw = ::getpwnam("postgres");
    if (::chown(dir_.path().c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      problem_ = "cannot hand " + dir_.path().string() + " to user postgres";
      return;
    }
    // The directory's parents must be searchable by postgres ($TMPDIR is, /tmp is).
  }
  ChildProcess::Outcome init =
      ChildProcess::Run(AsPostgres({Bin("initdb"), "-D", data, "-U", kUser, "--auth=trust", "-E",
                                    "UTF8", "--locale=C", "--no-sync"}),
                        {.stderr_to_stdout = true});
  if (init.exit_code != 0) {
    problem_ = "initdb failed (exit " + std::to_string(init.exit_code) + "):\n" + init.out;
    return;
  }
  for (int attempt = 0; attempt < 3 && port_ == 0; ++attempt) {
    int port = FreePort();
    if (Launch(port)) port_ = port;
  }
  if (port_ > 0) problem_.clear();
}

bool PostgresServer::Launch(int port) {
  server_ = ChildProcess::Spawn(AsPostgres({Bin("postgres"),
                                            "-D",
                                            dir_.Sub("data"),
                                            "-p",
                                            std::to_string(port),
                                            "-c",
                                            "listen_addresses=127.0.0.1",
                                            "-c",
                                            "unix_socket_directories=" + dir_.Sub(""),
                                            "-c",
                                            "fsync=off",
                                            "-c",
                                            "synchronous_commit=off",
                                            "-c",
                                            "full_page_writes=off",
                                            "-c",
                                            "max_connections=200",
                                            "-c",
                                            "log_min_messages=warning",
                                            "-c",
                                            "log_min_error_statement=panic"}),
                                {.stderr_to_stdout = true});
  // With log_min_messages=warning the "ready" line is not logged: ask pg_isready instead.
  for (int i = 0; i < 600; ++i) {
    ChildProcess::Outcome ready =
        ChildProcess::Run({Bin("pg_isready"), "-q", "-h", "127.0.0.1", "-p", std::to_string(port)});
    if (ready.exit_code == 0) return true;
    if (server_->Wait(std::chrono::seconds(0)).has_value()) break;  // it exited: port taken?
    ::usleep(100 * 1000);
  }
  problem_ = "postgres did not start:\n" + server_->diagnostics();
  server_.reset();
  return false;
}

bool PostgresServer::Restart() {
  if (!ok()) return false;
  if (server_) server_->Terminate(SIGINT);
  server_.reset();
  return Launch(port_);
}

PostgresServer::~PostgresServer() {
  if (server_) server_->Terminate(SIGINT);  // fast shutdown: ends open sessions
}

std::string PostgresServer::diagnostics() const {
  return problem_ + (server_ ? "\n" + server_->diagnostics() : "");
}

std::string PostgresServer::Url(const std::string& database) const {
  return "postgres://" + std::string(kUser) + "@127.0.0.1:" + std::to_string(port_) + "/" +
         database;
}

std::string PostgresServer::CreateDatabase() {
  if (!ok()) return "";
  std::string name = "ferry_test_" + std::to_string(++databases_);
  ChildProcess::Outcome created =
      ChildProcess::Run({Bin("createdb"), "-h", "127.0.0.1", "-p", std::to_string(port_), "-U",
                         kUser, "-T", "template0", name},
                        {.stderr_to_stdout = true});
  if (created.exit_code != 0) {
    problem_ = "createdb " + name + " failed:\n" + created.out;
    return "";
  }
  return Url(name);
}

PostgresServer& SharedPostgres() {
  static PostgresServer server;
  return server;
}

}  // namespace ferry::test
