// ServerRuntime: one Ferry server process, as `ferry server` and `ferry up` run it.
//
// It owns, in start order: the store (SQLite in the data directory, or PostgreSQL at store_url)
// and its delegate registry; the engine and its Runner (the background loop advancing
// executions); the embedded delegate (a DelegateAgent over the EmbeddedTransport running the
// Lambda task handlers on the real AWS clients: libcurl, the credential chain or static
// credentials, shared rate limiters and retry quota); the DeployService; the ServiceGuard loop
// (api/service_guard.h: periodic Service Guard and drift checks); and the REST API server,
// which also serves remote delegates over the same EmbeddedTransport (so a remote task is claimed,
// renewed and completed exactly like an embedded one). A new deployment, an abort and a completed
// task each wake the engine at once; so does a change another server commits on a shared store.
//
// With SQLite (the default), one server per data directory: Start takes an exclusive flock on
// DATA/server.lock (holding the pid; data_dir_lock.h) for the runtime's life; the kernel drops it
// when the process dies, even on SIGKILL. A second server on the directory fails at once.
// Holding the lock proves every lease held by an earlier server process on the directory is
// abandoned, so Start expires those (engine owners "server-...", embedded delegates
// "embedded-server-...") before its loops start: a killed server's work resumes as soon as it
// restarts, not after the lease. Other commands that open the store (`ferry token create
// --data`) do not take the lock. With PostgreSQL (store_url) there is no lock and no takeover at
// start: several servers may share the database, and a dead one's leases expire after `lease`.
//
// Stop (also run by the destructor) is graceful and ordered: the API stops accepting requests
// and ends its streams, the delegate finishes or abandons its tasks (their leases expire and
// another process, or the next start, resumes them idempotently), then the engine loop stops.
// Nothing in flight is lost: every state change is in the store before its side effect.
//
// Thread-safe: Stop and WakeEngine may be called from any thread.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "api/deploy_service.h"
#include "api/pipeline_service.h"
#include "aws/credentials.h"
#include "aws/service_client.h"
#include "api/secret_box.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/result.h"
#include "data_dir_lock.h"
#include "store/store.h"

namespace ferry::app {

struct ServerRuntimeOptions {
  std::string data_dir = "./ferry-data";
  // When set, the PostgreSQL store at this postgres:// URL instead of SQLite in data_dir: no
  // data directory lock (several servers may share the database), no takeover of leases at
  // start (another server holding them may be alive; they expire after `lease`), and changes
  // other servers make wake this one's engine, delegate and API waits (LISTEN/NOTIFY).
  std::string store_url;
  std::string listen = "127.0.0.1";
  int port = 8080;  // 0 picks a free port
  std::string version;
  // The delegate's AWS credentials: unset = the standard chain (environment, web identity, shared
  // files, container, IMDS); set = these (`ferry up` uses the sandbox's test/test).
  std::optional<aws::Credentials> static_credentials;
  std::string default_region = "us-east-1";
  int max_concurrent_tasks = 8;
  // How often the delegate polls a function that is becoming Active / finishing an update.
  std::chrono::milliseconds waiter_delay{1000};
  int api_threads = 64;  // ApiServerOptions::threads
  // Where env and file secrets may be read from; an empty file_dir means DATA/secrets (created
  // 0700 at start).
  api::SecretPolicy secrets;
  // Execution and task leases: how long a remote process waits before taking over the work of
  // a server that died without restarting. heartbeat (the embedded delegate's) < lease.
  Duration lease = std::chrono::seconds(10);
  Duration heartbeat = std::chrono::seconds(3);
  // The embedded delegate's selectors: it claims tasks whose selectors are a subset.
  std::vector<std::string> delegate_selectors;
  // false (`ferry server --no-embedded-delegate`): no embedded delegate; every task waits for a
  // remote `ferry delegate`.
  bool embedded_delegate = true;
  // PEM files: with both, the API speaks HTTPS only (`ferry server --tls-cert --tls-key`).
  std::string tls_cert_file;
  std::string tls_key_file;
  // Proxies (IP addresses) whose X-Forwarded-For names the client in the audit trail
  // (`ferry server --trusted-proxy ADDR`); from any other peer the header is ignored.
  std::vector<std::string> trusted_proxies;
  // The data directory's lock when the caller already holds it (`ferry up` takes it before it
  // starts its sandbox); unset: Start acquires it.
  std::shared_ptr<DataDirLock> held_lock;
  // The clock of the store, the engine, the embedded delegate and the API; unset: the system
  // clock. `ferry up` passes its sandbox's, so advancing the sandbox clock ends bakes too. Must
  // outlive the runtime.
  Clock* clock = nullptr;
  // The key that seals `source: ferry` secret values (a file, or base64 in an environment
  // variable), and the one it replaces while a rotation runs. Neither: such secrets cannot be
  // set or read (everything else works).
  api::SecretKeySource secret_key{"", "FERRY_SECRET_KEY"};
  api::SecretKeySource previous_secret_key{"", "FERRY_SECRET_PREVIOUS_KEY"};
  // Notifications (docs/notifications.md): messages link to executions under public_url ("" =
  // this server's URL); one delivery attempt waits at most notification_timeout; a failed one
  // is retried after notification_backoff, doubling (with jitter) up to 30 min, at most
  // notification_attempts times within 24 h.
  std::string public_url;
  Duration notification_timeout = std::chrono::seconds(10);
  Duration notification_backoff = std::chrono::seconds(5);
  int notification_attempts = 8;
};

// The raw flag values, as the user typed them.
struct LeaseFlags {
  std::string lease = "10s";
  std::string heartbeat = "3s";
  std::string selectors;
};
// Adds --lease, --heartbeat and --delegate-selectors to a command (ferry server, ferry up).
void AddLeaseFlags(CLI::App& cmd, LeaseFlags& flags);

// Parses the `--lease`, `--heartbeat` and `--delegate-selectors` flags of `ferry server` and
// `ferry up` into options. kInvalidArgument (a message naming the flag) when a duration is not
// one of ParseDuration's (e.g. 10s), is not between 1ms and 24h, the heartbeat is not shorter
// than the lease, or a selector is empty or invalid.
Status ApplyLeaseFlags(const std::string& lease, const std::string& heartbeat,
                       const std::string& selectors, ServerRuntimeOptions& options);

// Parses `ferry server --notification-timeout` (1s-5m) and `--notification-retry` (100ms-1h);
// kInvalidArgument naming the flag otherwise. Checks --public-url is http(s) without spaces.
Status ApplyNotificationFlags(const std::string& timeout, const std::string& retry,
                              ServerRuntimeOptions& options);

class ServerRuntime {
 public:
  // kFailedPrecondition when the data directory cannot be used or another ferry server holds
  // it, kInvalidArgument for bad lease/heartbeat options, kUnavailable when the address cannot
  // be bound, kInternal when libcurl cannot start.
  static Result<std::unique_ptr<ServerRuntime>> Start(const ServerRuntimeOptions& options);
  ~ServerRuntime();
  ServerRuntime(const ServerRuntime&) = delete;
  ServerRuntime& operator=(const ServerRuntime&) = delete;

  // "http://HOST:PORT" of the REST API ("https://" with TLS).
  std::string url() const;
  int port() const;

  store::Store& store();
  api::DeployService& deploys();
  // Starts pipeline runs (triggers call Start) and tells OnCompleted observers of their ends.
  api::PipelineService& pipelines();
  Clock& clock();
  IdGenerator& ids();
  // The process's AWS plumbing (transport, delegate credentials, rate limiters, retry quota), for
  // clients that should draw on the same account-wide limits (`ferry up` seeding its sample).
  aws::ServiceDeps AwsDeps();
  void WakeEngine();

  // Idempotent; see the header comment for the order.
  void Stop();

  struct Parts;

 private:
  explicit ServerRuntime(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// Turns SIGINT and SIGTERM into a stop request. Construct it before any other thread starts: it
// blocks both signals (every later thread inherits the mask) and one thread of its own receives
// them. Thread-safe.
class TerminationSignals {
 public:
  TerminationSignals();
  ~TerminationSignals();  // restores nothing: the process is ending
  TerminationSignals(const TerminationSignals&) = delete;
  TerminationSignals& operator=(const TerminationSignals&) = delete;

  // Fires when a signal arrives (for loops that must give up early, e.g. seeding).
  std::stop_token stop_token() const { return stop_.get_token(); }
  // Blocks until a signal arrives; returns it.
  int Wait();

 private:
  std::stop_source stop_;
  std::mutex mu_;
  std::condition_variable cv_;
  int received_ = 0;  // guarded by mu_
  std::thread waiter_;
};

}  // namespace ferry::app
