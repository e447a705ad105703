// `ferry server` and `ferry up` as child processes (support/child_process.h), and the one-shot
// `ferry token create`.
//
//   ferry::test::TempDir dir;
//   auto sandbox = ferry::test::SandboxProcess::Start(dir.Sub("sandbox"));
//   auto server = ferry::test::ServerProcess::Start(dir.Sub("data"), {.env = SandboxAwsEnv()});
//   ASSERT_TRUE(server->ok()) << server->diagnostics();
//   server->url();    // "http://127.0.0.1:PORT" (from "ferry server listening on ...")
//   server->token();  // a fresh "fry_..." token created with `ferry token create`
//
// Each process is its own process group, killed when its object goes away. Not thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/child_process.h"

namespace ferry::test {

// The AWS environment a child needs to talk to a sandbox with its default account (test/test,
// us-east-1), without ever reaching a real credential source or IMDS.
std::map<std::string, std::string> SandboxAwsEnv();

// `ferry token create NAME --data DIR` (or `--store URL` when store_url is set): the secret, or
// "" (with the reason in *error).
std::string CreateToken(const std::string& data_dir, const std::string& name,
                        std::string* error = nullptr, const std::string& store_url = "");

// The text up to the first blank ("http://127.0.0.1:8080  (the REST API)" → the URL).
std::string FirstWord(const std::string& text);

struct ServerOptions {
  std::vector<std::string> extra_args;  // after `server --data DIR --port 0`
  std::map<std::string, std::string> env = SandboxAwsEnv();
  bool create_token = true;
  std::string token_name = "e2e";
  // When set, `--store URL` (PostgreSQL) for the server and its token instead of the SQLite
  // store in the data directory.
  std::string store_url;
};

// `ferry server --data DIR --port 0`, with a token created beforehand.
class ServerProcess {
 public:
  static std::unique_ptr<ServerProcess> Start(const std::string& data_dir,
                                              ServerOptions options = {});

  // Started, listening and (when asked) a token exists.
  bool ok() const { return !url_.empty() && (!options_.create_token || !token_.empty()); }
  const std::string& url() const { return url_; }
  const std::string& token() const { return token_; }
  const std::string& data_dir() const { return data_dir_; }
  ChildProcess& process() { return *child_; }
  std::string diagnostics() const { return problem_ + "\n" + child_->diagnostics(); }

  // SIGKILL (a crash), then a new process on the same data directory and port 0 (url() changes).
  void KillAndRestart();
  // SIGKILL, then a new process on the same data directory and the same port (url() stays), for
  // clients that must find the server again (remote delegates).
  void KillAndRestartOnSamePort();
  // Graceful stop (SIGTERM); the exit code.
  std::optional<int> Stop() { return child_->Terminate(SIGTERM); }

 private:
  ServerProcess() = default;
  void Launch(const std::string& port = "0");

  ServerOptions options_;
  std::string data_dir_;
  std::unique_ptr<ChildProcess> child_;
  std::string url_;
  std::string token_;
  std::string problem_;
};

// `ferry up --port 0 --sandbox-port 0 [extra...]` in `cwd`: waits for the `api:`, `sandbox:` and
// `token:` lines.
class UpProcess {
 public:
  static std::unique_ptr<UpProcess> Start(
      const std::string& cwd, std::vector<std::string> extra = {},
      ChildProcess::seconds timeout = ChildProcess::seconds(120),
      std::map<std::string, std::string> env = {});
  bool ok() const { return !api_.empty() && !sandbox_.empty() && !token_.empty(); }
  const std::string& api_url() const { return api_; }
  const std::string& sandbox_url() const { return sandbox_; }
  const std::string& token() const { return token_; }
  ChildProcess& process() { return *child_; }
  std::string diagnostics() const { return child_->diagnostics(); }

 private:
  UpProcess() = default;
  std::unique_ptr<ChildProcess> child_;
  std::string api_, sandbox_, token_;
};

}  // namespace ferry::test
