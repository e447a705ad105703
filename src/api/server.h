// ApiServer: the REST API of `ferry server` (docs/api.md) on cpp-httplib, which stays inside
// src/api/*.cc. Routes under /api/v1 need a bearer token (store::TokenStore); /healthz, /readyz
// and /metrics do not. Every request is counted in /metrics and logged without secrets.
//
// Start binds (port 0 picks a free port) and serves on background threads until Stop or
// destruction. Thread-safe; every dependency must outlive the server.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/deploy_service.h"
#include "api/secret_box.h"
#include "common/change_signal.h"
#include "common/clock.h"
#include "common/result.h"
#include "store/store.h"

namespace ferry::delegate {
class TaskTransport;
}
namespace ferry::triggers {
class TriggerEngine;
}
namespace ferry::store {
class DelegateRegistry;
}

namespace ferry::api {
class PipelineService;  // pipeline_service.h

struct ApiServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  // Worker threads: connections served at once (a keep-alive connection, a long-poll and a log
  // stream each hold one). Connections beyond it wait for a free worker.
  int threads = 64;
  size_t max_body_bytes = 8u * 1024u * 1024u;
  // Connection limits cpp-httplib lacks (bounded_http_server.h): one client address holds at
  // most this many connections (more are answered 429 at once); a request's line and headers
  // must arrive within header_timeout of its first byte, its body within body_timeout.
  int max_connections_per_address = 32;
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{60000};
  // Following log streams (SSE) open at once: per token, and in all (at most a quarter of
  // `threads`). One over either limit is answered 429 with Retry-After.
  int max_streams_per_token = 4;
  int max_streams = 16;
  // Failed token authentications per client address: after `auth_failures_allowed` failures
  // within `auth_failure_window`, /api/v1 answers that address 429 with Retry-After (without
  // looking at the token) until the window that began with its first failure has passed.
  int auth_failures_allowed = 20;
  std::chrono::seconds auth_failure_window{60};
  // Sign-in (POST /api/v1/session, docs/security.md): a session cookie lives at most
  // session_lifetime and ends after session_idle without a request. Failed sign-ins are counted
  // (OWASP's advice, so that failing on purpose from one address cannot lock a user out of
  // theirs) per user name and client address (sign_in_failures_per_user_address, strict), per
  // user name from every address (sign_in_failures_per_user, far higher: reaching it takes many
  // addresses) and per client address (sign_in_failures_per_address, password spraying), in
  // windows of sign_in_failure_window; past any, sign-in answers 429 with Retry-After, whether
  // or not the user exists. The client address is the one X-Forwarded-For names when the
  // request comes from a trusted proxy.
  std::chrono::seconds session_lifetime{12 * 3600};
  std::chrono::seconds session_idle{30 * 60};
  int sign_in_failures_per_user_address = 5;
  int sign_in_failures_per_user = 100;
  int sign_in_failures_per_address = 20;
  std::chrono::seconds sign_in_failure_window{15 * 60};
  std::string version;  // reported in /metrics ferry_build_info
  // A following log stream (SSE) re-reads the store this often, and sends a comment line this
  // often when idle (which is how a client that went away is noticed).
  std::chrono::milliseconds stream_poll{200};
  std::chrono::milliseconds stream_keepalive{15000};
  // Requests held open by GET /api/v1/executions/{id}?wait=N until the execution changes; at
  // most half of `threads`, so that waiting clients never starve the others. A long-poll that
  // finds no free slot is answered at once (304 with Retry-After).
  int max_waiting_requests = 8;
  // Claims of remote delegates held open (up to 20 s each) while nothing is claimable; at most
  // a quarter of `threads`. A claim that finds no free slot is answered at once (204).
  int max_waiting_claims = 4;
  // PEM files: with both, the server speaks HTTPS only (OpenSSL through cpp-httplib); Start is
  // kInvalidArgument when one is missing, unreadable or they do not load as a matching pair.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Peers (exact IP addresses) whose X-Forwarded-For names the client in the audit trail; from
  // every other peer the header is ignored. Empty: the connection's peer is the client.
  std::vector<std::string> trusted_proxies;
};

struct ApiDependencies {
  store::Store& store;
  DeployService& deploys;
  Clock& clock;
  std::function<bool()> ready;        // /readyz; unset = always ready
  std::function<void()> wake_engine;  // after an abort request; may be unset
  // Notified whenever executions advanced (ferry server: after every engine round that did);
  // long-polls and log streams wake on it instead of waiting for their next re-read. May be
  // null. Must outlive the server.
  ChangeSignal* changes = nullptr;
  // The routes of remote delegates (/api/v1/delegate/...) and GET /api/v1/delegates: the task
  // transport they call (the same as the embedded delegate's) and the delegate registry. Both
  // null: those routes answer 501. Must outlive the server.
  delegate::TaskTransport* delegate_tasks = nullptr;
  store::DelegateRegistry* delegates = nullptr;
  // Seals and opens `source: ferry` secret values; null: they cannot be set. Must outlive the
  // server.
  const SecretKeyring* secret_keys = nullptr;
  // Starts pipeline runs and reruns; null: those routes answer 501. Must outlive the server.
  PipelineService* pipelines = nullptr;
  // Runs the triggers' webhooks (POST /hooks/{id}) and gives GET /api/v1/triggers their
  // webhook paths; null: webhooks answer 501. Must outlive the server.
  triggers::TriggerEngine* triggers = nullptr;
};

class ApiServer {
 public:
  // kUnavailable when the address cannot be bound.
  static Result<std::unique_ptr<ApiServer>> Start(const ApiServerOptions& options,
                                                  ApiDependencies deps);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  int port() const;
  // Every route: method, pattern and what it needs (a permission name, "public" or
  // "authenticated"), in the order they are matched.
  struct RouteEntry {
    std::string method;
    std::string pattern;
    std::string permission;
  };
  std::vector<RouteEntry> Routes() const;
  void Stop();  // stops accepting, ends SSE streams, waits for the serving threads

 private:
  struct Impl;
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferry::api
