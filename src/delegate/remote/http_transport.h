// HttpTaskTransport: the TaskTransport of a remote `ferry delegate`, carrying the task protocol's
// JSON messages to a Ferry server over HTTP(S) (the routes /api/v1/delegate/..., docs/api.md).
// It only connects out: a claim is a long-poll that the server holds until a task is claimable
// or its wait passes (then the delegate simply asks again), so no inbound port is needed.
//
// Failures and reconnecting: when the server cannot be reached (refused, reset, timed out, 5xx)
// ClaimNext waits before it returns the error, with exponential backoff from min_backoff to
// max_backoff, and logs the outage once and the reconnection once. A result (Complete) is never
// dropped for an outage: it is retried with the same backoff until the server answers, which
// accepts it or says the lease was lost (kFailedPrecondition). Heartbeats and log lines are not
// retried (the next heartbeat follows soon; a lost log line never fails a task).
//
// Only one claim is in flight at a time, whatever the number of workers: an idle delegate holds
// one request on the server, not one per worker. Shutdown ends every backoff wait and the claim
// in flight at once (kCancelled; a task the server leased at that very moment is claimed again
// after its lease), while heartbeats and results of running tasks still go; a result facing an
// outage after Shutdown is given up (its task runs again after its lease).
//
// The token is sent as a bearer token and never logged. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <stop_token>
#include <string>

#include "common/http_client.h"
#include "delegate/protocol/task_protocol.h"

namespace ferry::delegate {

struct HttpTransportOptions {
  std::string server_url;  // http(s)://HOST:PORT, no path
  std::string token;       // a delegate token (fry_...)
  std::string name;        // the delegate's name, reported with every claim
  std::string version;
  std::string ca_bundle;  // PEM of trusted CAs for an https server; empty: the system store
  Duration claim_wait = std::chrono::seconds(20);  // how long the server may hold a claim
  Duration min_backoff = std::chrono::seconds(1);
  Duration max_backoff = std::chrono::seconds(30);
};

class HttpTaskTransport final : public TaskTransport {
 public:
  // kInvalidArgument for a server URL that is not http(s)://HOST[:PORT] or an empty token or
  // name; kInternal when libcurl cannot start.
  static Result<std::unique_ptr<HttpTaskTransport>> Create(HttpTransportOptions options,
                                                           Clock& clock);

  Result<std::optional<TaskAssignment>> ClaimNext(const std::string& delegate_id,
                                                  const std::vector<std::string>& selectors,
                                                  Duration lease) override;
  Status Heartbeat(const TaskAssignment& assignment, Duration extension) override;
  Status AppendLog(const TaskAssignment& assignment,
                   const std::vector<TaskLogLine>& lines) override;
  Status Complete(const TaskAssignment& assignment, const TaskResult& result) override;

  // The secret `name` read on this host, where the server's SecretRef says it lives (an env
  // variable or a file): errors as common/host_secret.h, or the server's (kNotFound, or
  // kFailedPrecondition for a source a delegate cannot read).
  Result<std::string> ResolveSecret(std::string_view name);

  // Ends backoff waits and the claim in flight now; later claims fail at once with kCancelled.
  void Shutdown();

 private:
  HttpTaskTransport(HttpTransportOptions options, Clock& clock,
                    std::unique_ptr<http::Client> client);
  // Sends and maps a non-2xx reply to the server's error (code and message of its JSON body).
  Result<http::Response> Call(const std::string& method, const std::string& path,
                              const std::string& body, Duration timeout);
  // After an outage: logs it (once), sleeps the current backoff and doubles it. False when shut
  // down.
  bool Backoff(const Error& error);
  void Reconnected();

  const HttpTransportOptions options_;
  Clock& clock_;
  std::unique_ptr<http::Client> client_;
  std::stop_source shutdown_;
  std::mutex claim_mu_;  // held for a whole claim: one long-poll at a time
  std::mutex backoff_mu_;
  Duration backoff_;           // guarded by backoff_mu_
  bool disconnected_ = false;  // guarded by backoff_mu_
};

// Whether an error means "the server did not answer" (try again later) rather than an answer.
bool IsOutage(const Error& error);

}  // namespace ferry::delegate
