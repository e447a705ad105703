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

#include "api/deploy_service.h"
#include "api/secret_box.h"
#include "common/change_signal.h"
#include "common/clock.h"
#include "common/result.h"
#include "store/store.h"

namespace ferry::delegate {
class TaskTransport;
}
namespace ferry::store {
class DelegateRegistry;
}

namespace ferry::api {

struct ApiServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 16;  // concurrent requests (an SSE stream holds one while it follows)
  size_t max_body_bytes = 8u * 1024u * 1024u;
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
  void Stop();  // stops accepting, ends SSE streams, waits for the serving threads

 private:
  struct Impl;
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferry::api
