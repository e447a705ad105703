#include "delegate/remote/http_transport.h"

#include <algorithm>

#include "common/host_secret.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strings.h"

namespace ferry::delegate {
namespace {

// Beyond the server's hold of a claim: time for the reply to travel.
constexpr Duration kClaimSlack = std::chrono::seconds(15);
constexpr Duration kCallTimeout = std::chrono::seconds(30);
constexpr size_t kMaxSecretNameBytes = 256;
constexpr const char* kClaimPath = "/api/v1/delegate/claim";

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// The server's error document {"error": {"code", "message"}}, or the status when it has none.
Error ServerError(const http::Response& reply) {
  auto json = ParseJson(reply.body);
  if (json.ok() && json->is_object()) {
    auto it = json->find("error");
    if (it != json->end() && it->is_object()) {
      auto code = OptionalString(*it, "code");
      auto message = OptionalString(*it, "message");
      if (code.ok() && *code && message.ok() && *message) {
        return Error{ErrorCodeFromName(**code), "server: " + **message, {}};
      }
    }
  }
  ErrorCode code = reply.status >= 500 ? ErrorCode::kUnavailable : ErrorCode::kInvalidArgument;
  return Error{code, "server answered HTTP " + std::to_string(reply.status), {}};
}

}  // namespace

bool IsOutage(const Error& error) {
  switch (error.code) {
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded:
    case ErrorCode::kInternal:  // a 500: the server may be restarting or its store busy
    case ErrorCode::kTooManyRequests:
      return true;
    default:
      return false;
  }
}

Result<std::unique_ptr<HttpTaskTransport>> HttpTaskTransport::Create(HttpTransportOptions options,
                                                                     Clock& clock) {
  std::string_view url = options.server_url;
  while (url.ends_with('/')) url.remove_suffix(1);
  const bool scheme_ok = url.starts_with("http://") || url.starts_with("https://");
  const std::string_view rest =
      url.substr(url.find("://") == std::string_view::npos ? 0 : url.find("://") + 3);
  if (!scheme_ok || rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return InvalidArgument("--server " + QuoteForMessage(options.server_url) +
                           " is not a server URL such as https://ferry.example.com:8443");
  }
  options.server_url = std::string(url);
  if (options.token.empty()) {
    return InvalidArgument("a delegate needs a delegate token (`ferry delegate-token create`)");
  }
  if (options.name.empty()) return InvalidArgument("a delegate needs a name");
  if (options.min_backoff <= Duration::zero() || options.max_backoff < options.min_backoff) {
    return InvalidArgument(
        "the delegate's backoff must be positive, the maximum at least the "
        "minimum");
  }
  http::ClientOptions client_options;
  client_options.ca_bundle = options.ca_bundle;
  client_options.max_idle_per_endpoint = 4;
  client_options.user_agent = "ferry-delegate/" + options.version;
  FERRY_ASSIGN_OR_RETURN(auto client, http::Client::Create(client_options));
  return std::unique_ptr<HttpTaskTransport>(
      new HttpTaskTransport(std::move(options), clock, std::move(client)));
}

HttpTaskTransport::HttpTaskTransport(HttpTransportOptions options, Clock& clock,
                                     std::unique_ptr<http::Client> client)
    : options_(std::move(options)),
      clock_(clock),
      client_(std::move(client)),
      backoff_(options_.min_backoff) {}

Result<http::Response> HttpTaskTransport::Call(const std::string& method, const std::string& path,
                                               const std::string& body, Duration timeout) {
  http::Request request;
  request.method = method;
  request.url = options_.server_url + path;
  request.headers = {{"Authorization", "Bearer " + options_.token}};
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.body = body;
  request.timeout = timeout;
  request.max_response_bytes = kMaxTaskMessageBytes + 4096;
  // Only a claim is ended by Shutdown: heartbeats and results of running tasks still go.
  if (path == kClaimPath) request.stop = shutdown_.get_token();
  FERRY_ASSIGN_OR_RETURN(http::Response reply, client_->Send(request));
  if (reply.status < 200 || reply.status > 299) return ServerError(reply);
  return reply;
}

bool HttpTaskTransport::Backoff(const Error& error) {
  Duration wait;
  {
    std::lock_guard lock(backoff_mu_);
    if (!disconnected_) {
      disconnected_ = true;
      log::Warn("delegate: no answer from the server, or a refusal; retrying with backoff",
                {{"server", options_.server_url}, {"reason", error.message}});
    }
    wait = backoff_;
    backoff_ = std::min(backoff_ * 2, options_.max_backoff);
  }
  return clock_.SleepFor(wait, shutdown_.get_token());
}

void HttpTaskTransport::Reconnected() {
  std::lock_guard lock(backoff_mu_);
  backoff_ = options_.min_backoff;
  if (disconnected_) {
    disconnected_ = false;
    log::Info("delegate: connected to the server again", {{"server", options_.server_url}});
  }
}

Result<std::optional<TaskAssignment>> HttpTaskTransport::ClaimNext(
    const std::string& delegate_id, const std::vector<std::string>& selectors, Duration lease) {
  std::lock_guard one_claim(claim_mu_);
  if (shutdown_.stop_requested())
    return Error{ErrorCode::kCancelled, "the delegate is stopping", {}};
  ClaimRequest claim{options_.name,    delegate_id, selectors,
                     options_.version, lease,       options_.claim_wait};
  auto reply =
      Call("POST", kClaimPath, EncodeClaimRequest(claim), options_.claim_wait + kClaimSlack);
  if (!reply.ok()) {
    Error error = reply.error();
    if (error.code == ErrorCode::kUnauthenticated) {
      error.message =
          "the server refused the delegate token (unknown, revoked or expired): create one with "
          "`ferry delegate-token create NAME` and restart the delegate with it";
    } else if (!IsOutage(error) && error.code != ErrorCode::kPermissionDenied) {
      log::Error("delegate: the server refused a claim", {{"reason", error.message}});
    }
    // Refusals back off like outages: the delegate keeps running (and saying why) until an
    // operator fixes its token or flags, instead of hammering the server.
    Backoff(error);
    return error;
  }
  Reconnected();
  if (reply->status == 204) return std::optional<TaskAssignment>();
  FERRY_ASSIGN_OR_RETURN(TaskAssignment assignment, DecodeAssignment(reply->body));
  if (assignment.owner != delegate_id) {
    return Error{ErrorCode::kInternal, "the server leased a task to another owner", {}};
  }
  return std::optional<TaskAssignment>(std::move(assignment));
}

Status HttpTaskTransport::Heartbeat(const TaskAssignment& a, Duration extension) {
  auto reply =
      Call("POST", "/api/v1/delegate/heartbeat", EncodeHeartbeat(a, extension), kCallTimeout);
  if (!reply.ok()) return reply.error();
  Reconnected();
  return Ok();
}

Status HttpTaskTransport::AppendLog(const TaskAssignment& a,
                                    const std::vector<TaskLogLine>& lines) {
  if (lines.empty()) return Ok();
  auto reply = Call("POST", "/api/v1/delegate/logs", EncodeLogLines(a, lines), kCallTimeout);
  if (!reply.ok()) return reply.error();
  return Ok();
}

Status HttpTaskTransport::Complete(const TaskAssignment& a, const TaskResult& result) {
  const std::string body = EncodeResult(a, result);
  while (true) {
    auto reply = Call("POST", "/api/v1/delegate/complete", body, kCallTimeout);
    if (reply.ok()) {
      Reconnected();
      return Ok();
    }
    if (!IsOutage(reply.error())) return reply.error();
    if (!Backoff(reply.error())) {
      return Error{ErrorCode::kCancelled,
                   "the delegate stopped before the server took the result of task " + a.task_id +
                       " (another delegate will run it again after its lease)",
                   {}};
    }
  }
}

Result<std::string> HttpTaskTransport::ResolveSecret(std::string_view name) {
  if (name.empty() || name.size() > kMaxSecretNameBytes) {
    return InvalidArgument("a secret name is 1 to 256 bytes");
  }
  FERRY_ASSIGN_OR_RETURN(
      auto reply, Call("GET", "/api/v1/delegate/secrets/" + PercentEncode(name), "", kCallTimeout));
  FERRY_ASSIGN_OR_RETURN(Json json, ParseJson(reply.body));
  if (!json.is_object()) return Internal("the server's secret reference is not an object");
  FERRY_ASSIGN_OR_RETURN(std::string source, RequiredString(json, "source"));
  FERRY_ASSIGN_OR_RETURN(std::string where, RequiredString(json, "ref"));
  const std::string host = "delegate " + options_.name;
  if (source == "env") return ReadHostSecret(name, HostSecretSource::kEnv, where, host);
  if (source == "file") return ReadHostSecret(name, HostSecretSource::kFile, where, host);
  return FailedPrecondition("secret " + std::string(name) + " has source " +
                            QuoteForMessage(source) + ", which a delegate cannot read");
}

void HttpTaskTransport::Shutdown() { shutdown_.request_stop(); }

}  // namespace ferry::delegate
