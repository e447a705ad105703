#include "api/server.h"

#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "api/bounded_http_server.h"
#include "api/client_limits.h"
#include "api/http_exchange.h"
#include "api/metrics.h"
#include "api/request_actor.h"
#include "api/router.h"
#include "api/scopes.h"
#include "api/session_cookie.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/thread_name.h"

namespace ferry::api {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Strict percent-decoding: a '%' not followed by two hex digits is an error, not a literal.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      int hi = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) return InvalidArgument("malformed percent-encoding in the URL");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(plus_is_space && c == '+' ? ' ' : c);
    }
  }
  return out;
}

Result<ApiRequest> ToApiRequest(const httplib::Request& in) {
  ApiRequest out;
  out.method = in.method;
  std::string_view target = in.target;
  size_t q = target.find('?');
  out.path = std::string(target.substr(0, q));
  if (out.path.empty() || out.path.front() != '/') {
    return InvalidArgument("the request target must be an absolute path");
  }
  std::string_view path = std::string_view(out.path).substr(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);  // "/api/v1/executions/"
  if (!path.empty()) {
    for (const std::string& raw : Split(path, '/')) {
      FERRY_ASSIGN_OR_RETURN(std::string segment, PercentDecode(raw, false));
      out.segments.push_back(std::move(segment));
    }
  }
  if (q != std::string_view::npos) {
    for (const std::string& pair : Split(target.substr(q + 1), '&')) {
      if (pair.empty()) continue;
      size_t eq = pair.find('=');
      std::string_view view(pair);
      FERRY_ASSIGN_OR_RETURN(std::string key, PercentDecode(view.substr(0, eq), true));
      std::string value;
      if (eq != std::string::npos) {
        FERRY_ASSIGN_OR_RETURN(value, PercentDecode(view.substr(eq + 1), true));
      }
      out.query.emplace(std::move(key), std::move(value));
    }
  }
  for (const auto& [name, value] : in.headers) {
    std::string lower = ToLower(name);
    if (lower == "remote_addr" || lower == "remote_port" || lower == "local_addr" ||
        lower == "local_port") {
      continue;  // httplib's bookkeeping, not on the wire
    }
    out.headers[lower] = std::string(Trim(value));
  }
  out.remote_address = in.remote_addr;
  out.body = in.body;
  return out;
}

void WriteResponse(ApiResponse response, httplib::Response& out) {
  out.status = response.status;
  for (const auto& [name, value] : response.headers) out.set_header(name, value);
  if (response.stream) {
    auto stream = std::make_shared<StreamBody>(std::move(response.stream));
    out.set_chunked_content_provider(
        response.content_type, [stream](size_t, httplib::DataSink& sink) {
          (*stream)([&sink](std::string_view data) {
            return sink.is_writable() && sink.write(data.data(), data.size());
          });
          sink.done();
          return true;
        });
    return;
  }
  if (response.status == 204 || response.status == 304) return;  // no body
  out.set_content(std::move(response.body), response.content_type);
}

// Headers every answer carries: nothing the API returns is meant to be sniffed into another
// type, framed, cached or to run scripts (a browser that opens an API URL gets inert text).
void AddSecurityHeaders(httplib::Response& out) {
  auto set_default = [&out](const char* name, const char* value) {
    if (!out.has_header(name)) out.set_header(name, value);
  };
  set_default("X-Content-Type-Options", "nosniff");
  set_default("X-Frame-Options", "DENY");
  set_default("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  set_default("Referrer-Policy", "no-referrer");
  set_default("Cache-Control", "no-store");
  if (BoundedHttpServer::ClosingAfterResponse() && out.get_header_value("Connection") != "close") {
    out.set_header("Connection", "close");
  }
}

// The reply to a request the connection layer refused (bounded_http_server.h).
Error FaultError(ConnectionFault fault, const ApiServerOptions& options) {
  auto seconds = [](std::chrono::milliseconds ms) {
    return std::to_string(std::max<int64_t>(1, (ms.count() + 999) / 1000)) + " s";
  };
  switch (fault) {
    case ConnectionFault::kHeadTooLarge:
      return InvalidArgument("the request line and headers are over the limit of 64 KiB");
    case ConnectionFault::kHeadTimeout:
      return Error{
          ErrorCode::kDeadlineExceeded,
          "the request line and headers did not arrive within " + seconds(options.header_timeout),
          {}};
    case ConnectionFault::kBodyTimeout:
      return Error{ErrorCode::kDeadlineExceeded,
                   "the request body did not arrive within " + seconds(options.body_timeout),
                   {}};
    case ConnectionFault::kBodyTooLarge:
      return Error{
          ErrorCode::kPayloadTooLarge,
          "request body is over the limit of " + std::to_string(options.max_body_bytes) + " bytes",
          {}};
    case ConnectionFault::kContentEncoding:
      return InvalidArgument("request bodies must not be compressed (no Content-Encoding)");
    case ConnectionFault::kTransferEncoding:
      return Error{ErrorCode::kUnimplemented,
                   "only Content-Length and Transfer-Encoding: chunked bodies are accepted",
                   {}};
    case ConnectionFault::kNone:
      break;
  }
  return InvalidArgument("malformed HTTP request");
}

ApiResponse Unauthenticated(std::string message) {
  ApiResponse reply = ErrorReply({ErrorCode::kUnauthenticated, std::move(message), {}});
  reply.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"ferry\"");
  return reply;
}

}  // namespace

struct ApiServer::Impl {
  Impl(const ApiServerOptions& o, ApiDependencies d)
      : options(o),
        deps(std::move(d)),
        wait_slots(std::clamp(o.max_waiting_requests, 0, std::max(2, o.threads) / 2)),
        claim_slots(std::clamp(o.max_waiting_claims, 0, std::max(4, o.threads) / 4)),
        stream_slots(std::max(1, o.max_streams_per_token),
                     std::clamp(o.max_streams, 1, std::max(4, o.threads) / 4)),
        auth_throttle(deps.clock, o.auth_failures_allowed, o.auth_failure_window),
        sign_in_by_user_address(deps.clock, o.sign_in_failures_per_user_address,
                                o.sign_in_failure_window),
        sign_in_by_user(deps.clock, o.sign_in_failures_per_user, o.sign_in_failure_window),
        sign_in_by_address(deps.clock, o.sign_in_failures_per_address, o.sign_in_failure_window),
        sessions{.lifetime = o.session_lifetime,
                 .idle = o.session_idle,
                 .secure_cookie = !o.tls_cert_file.empty(),
                 .by_user_address = &sign_in_by_user_address,
                 .by_user = &sign_in_by_user,
                 .by_address = &sign_in_by_address},
        ctx{deps.store,       deps.deploys,  deps.clock,          deps.wake_engine,
            o.max_body_bytes, o.stream_poll, o.stream_keepalive,  stop,
            deps.changes,     wait_slots,    deps.delegate_tasks, deps.delegates,
            claim_slots,      stream_slots,  deps.secret_keys,    &sightings,
            &sessions,        deps.pipelines,    deps.triggers},
        limits{.header_timeout = o.header_timeout,
               .body_timeout = o.body_timeout,
               .io_timeout = std::chrono::seconds(30),
               .max_head_bytes = 64u * 1024u,
               .max_body_bytes = o.max_body_bytes,
               .max_connections_per_address = std::max(1, o.max_connections_per_address)} {}

  ApiResponse Handle(const httplib::Request& in, std::string& route);
  Result<ApiResponse> Dispatch(ApiRequest& request, std::string& route);
  Status Authenticate(ApiRequest& request);
  Status AuthenticateToken(ApiRequest& request, std::string_view secret);
  Status AuthenticateSession(ApiRequest& request, std::string_view secret);

  const ApiServerOptions options;
  ApiDependencies deps;
  StopSignal stop;
  WaitSlots wait_slots;
  WaitSlots claim_slots;
  StreamSlots stream_slots;
  AuthFailureThrottle auth_throttle;
  // A delegate's repeated claims refresh the registry every 5 s at most (it is alive for 60 s).
  DelegateSightings sightings{std::chrono::seconds(5), 4096};
  AuthFailureThrottle sign_in_by_user_address;
  AuthFailureThrottle sign_in_by_user;
  AuthFailureThrottle sign_in_by_address;
  RouteContext::Sessions sessions;
  RouteContext ctx;
  Router router;
  HttpMetrics metrics;
  const ConnectionLimits limits;
  // A BoundedHttpServer for HTTP; with TLS an httplib::SSLServer, which keeps httplib's own
  // limits (see README.md: the connection bounds are not yet applied to TLS connections). Set by
  // Start.
  std::unique_ptr<httplib::Server> server;
  std::thread thread;
  int port = 0;
  std::atomic<bool> stopped{false};
  std::atomic<bool> listen_returned{false};
};

// The value of cookie `name` in a Cookie header; "" when absent.
std::string CookieValue(std::string_view header, std::string_view name) {
  for (const std::string& part : Split(header, ';')) {
    std::string_view item = Trim(part);
    if (item.size() > name.size() && item.starts_with(name) && item[name.size()] == '=') {
      return std::string(item.substr(name.size() + 1));
    }
  }
  return "";
}

bool IsSafeMethod(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

Status ApiServer::Impl::Authenticate(ApiRequest& request) {
  std::string header = request.Header("authorization");
  if (header.empty()) {
    std::string session = CookieValue(request.Header("cookie"), kSessionCookie);
    if (!session.empty()) return AuthenticateSession(request, session);
    return Error{ErrorCode::kUnauthenticated,
                 "missing token: send the header Authorization with the value 'Bearer fry_...' "
                 "(create a token with `ferry login` or `ferry token create NAME --data DIR`; "
                 "the CLI reads FERRY_TOKEN), or sign in (POST /api/v1/session)",
                 {}};
  }
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size() ||
      !EqualsIgnoreCase(std::string_view(header).substr(0, kScheme.size()), kScheme)) {
    return Error{
        ErrorCode::kUnauthenticated, "the Authorization header must be 'Bearer fry_...'", {}};
  }
  return AuthenticateToken(request, Trim(std::string_view(header).substr(kScheme.size())));
}

Status ApiServer::Impl::AuthenticateToken(ApiRequest& request, std::string_view secret) {
  auto record = deps.store.tokens().Authenticate(secret);
  if (!record.ok()) {
    if (record.error().code != ErrorCode::kUnauthenticated) return record.error();
    auth_throttle.RecordFailure(request.remote_address);
    return Error{ErrorCode::kUnauthenticated,
                 "the token is unknown, revoked or expired; create a new one with "
                 "`ferry login` or `ferry token create NAME --data DIR`",
                 {}};
  }
  Principal& p = request.principal;
  p.account = record->owner;
  p.token = record->name;
  const bool delegate = std::find(record->scopes.begin(), record->scopes.end(),
                                  ScopeName(Scope::kDelegate)) != record->scopes.end();
  if (delegate) {
    p.kind = PrincipalKind::kDelegate;
    p.delegate_name = record->delegate_name.value_or("");
    request.actor = "token:" + record->name;
    return Ok();
  }
  auto account = deps.store.access().GetAccount(record->owner);
  if (!account.ok()) {
    if (account.error().code != ErrorCode::kNotFound) return account.error();
    return Error{ErrorCode::kUnauthenticated, "the token's account no longer exists", {}};
  }
  FERRY_ASSIGN_OR_RETURN(auto grants, deps.store.access().GrantsOf(record->owner));
  p.kind =
      account->kind == store::AccountKind::kUser ? PrincipalKind::kUser : PrincipalKind::kService;
  p.grants = ToGrants(grants, ScopeCap(record->scopes));
  request.actor =
      p.kind == PrincipalKind::kUser ? "user:" + account->name : "token:" + record->name;
  return Ok();
}

Status ApiServer::Impl::AuthenticateSession(ApiRequest& request, std::string_view secret) {
  auto session = deps.store.access().TouchSession(secret, options.session_idle);
  if (!session.ok()) {
    if (session.error().code != ErrorCode::kUnauthenticated) return session.error();
    auth_throttle.RecordFailure(request.remote_address);
    return Error{ErrorCode::kUnauthenticated,
                 "the session is unknown, expired or signed out; sign in again",
                 {}};
  }
  // A cookie rides along with any request a browser sends, including ones another site makes
  // it send: unsafe methods must also carry the session's CSRF token, which only pages that
  // signed in (and read it from the sign-in answer) know.
  if (!IsSafeMethod(request.method)) {
    std::string csrf = request.Header("x-csrf-token");
    if (csrf.empty() || !ConstantTimeEquals(Sha256Hex(csrf), session->csrf_sha256)) {
      return Error{ErrorCode::kPermissionDenied,
                   "missing or wrong X-CSRF-Token header: a request signed in by cookie that "
                   "changes something must send the csrfToken its sign-in returned",
                   {}};
    }
  }
  FERRY_ASSIGN_OR_RETURN(auto grants, deps.store.access().GrantsOf(session->account));
  Principal& p = request.principal;
  p.kind = PrincipalKind::kUser;
  p.account = session->account;
  p.by_session = true;
  p.grants = ToGrants(grants, kRolePermissions);
  request.actor = "user:" + session->account;
  return Ok();
}

Result<ApiResponse> ApiServer::Impl::Dispatch(ApiRequest& request, std::string& route) {
  const std::vector<std::string>& s = request.segments;
  if (request.method == "GET" && s.size() == 1) {
    if (s[0] == "healthz") {
      route = "/healthz";
      return JsonReply(200, {{"status", "ok"}});
    }
    if (s[0] == "readyz") {
      route = "/readyz";
      bool ready = deps.store.SchemaVersion().ok() && (!deps.ready || deps.ready());
      if (!ready) return Unavailable("not ready: the store is not open or the engine not started");
      return JsonReply(200, {{"status", "ready"}});
    }
    if (s[0] == "metrics") {
      route = "/metrics";
      ApiResponse reply;
      reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
      reply.body = metrics.Render(deps.store, options.version);
      return reply;
    }
  }
  if (request.method == "POST" && s.size() == 2 && s[0] == "hooks") {
    // A webhook: its signature authenticates it (triggers/webhook.h), not a token.
    route = "/hooks/{id}";
    if (auto hook = router.FindPublic(request)) return (*hook->handler)(request, hook->params);
    return NotFound("no webhook here");
  }
  if (s.size() < 2 || s[0] != "api" || s[1] != "v1") {
    route = "other";
    return NotFound("no route " + QuoteForMessage(request.path, 120) +
                    "; the API lives under /api/v1 (see docs/api.md)");
  }
  if (auto open = router.FindPublic(request)) {  // sign-in: throttled by its own counts
    route = open->pattern;
    return (*open->handler)(request, open->params);
  }
  // Authenticate before routing so that an unauthenticated caller learns nothing about routes.
  route = "/api/v1 (unauthenticated)";
  if (auto wait = auth_throttle.Blocked(request.remote_address)) {
    ApiResponse busy =
        ErrorReply({ErrorCode::kTooManyRequests,
                    "too many failed token authentications from this address; retry in " +
                        std::to_string(wait->count()) + " s",
                    {}});
    busy.headers.emplace_back("Retry-After", std::to_string(wait->count()));
    return busy;
  }
  if (Status auth = Authenticate(request); !auth.ok()) {
    if (auth.error().code == ErrorCode::kUnauthenticated) {
      return Unauthenticated(auth.error().message);
    }
    return auth.error();
  }
  route = "/api/v1 (no route)";
  FERRY_ASSIGN_OR_RETURN(Router::Match match, router.Find(request));
  route = match.pattern;
  if (match.any_principal ? request.principal.kind == PrincipalKind::kDelegate
                          : !HoldsAnywhere(request.principal, match.permission)) {
    const Principal& p = request.principal;
    std::string who =
        p.kind == PrincipalKind::kDelegate ? "delegate token " + QuoteForMessage(p.token, 64)
        : p.token.empty()
            ? "user " + QuoteForMessage(p.account, 64)
            : "token " + QuoteForMessage(p.token, 64) + " of " + QuoteForMessage(p.account, 64);
    std::string needs = match.any_principal ? std::string("a user or service account")
                                            : "'" + std::string(PermissionName(match.permission)) +
                                                  "' (a permission)";
    std::string hint =
        match.permission == Permission::kDelegate
            ? "a delegate token (`ferry delegate-token create NAME`)"
        : p.kind == PrincipalKind::kDelegate
            ? "a token that is not a delegate token"
            : "a role binding that grants it (`ferry rbac bind`), and a token whose scope "
              "allows it";
    return Error{ErrorCode::kPermissionDenied,
                 who + " may not " + request.method + " " + match.pattern + ": it needs " + needs +
                     "; ask for " + hint,
                 {}};
  }
  return (*match.handler)(request, match.params);
}

ApiResponse ApiServer::Impl::Handle(const httplib::Request& in, std::string& route) {
  route = "other";
  auto request = ToApiRequest(in);
  if (!request.ok()) return ErrorReply(request.error());
  request->client_address = ClientAddress(*request, options.trusted_proxies);
  auto reply = Dispatch(*request, route);
  if (reply.ok()) return std::move(*reply);
  ApiResponse error = ErrorReply(reply.error());
  if (auto it = reply.error().details.find("allow"); it != reply.error().details.end()) {
    error.headers.emplace_back("Allow", it->second);
  }
  return error;
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ApiServer::~ApiServer() { Stop(); }

int ApiServer::port() const { return impl_->port; }

std::vector<ApiServer::RouteEntry> ApiServer::Routes() const {
  std::vector<RouteEntry> out;
  for (Router::Entry& e : impl_->router.Routes()) {
    out.push_back({std::move(e.method), std::move(e.pattern), std::move(e.permission)});
  }
  return out;
}

void ApiServer::Stop() {
  if (!impl_ || impl_->stopped.exchange(true)) return;
  impl_->stop.Stop();  // streams and long-polls end first, so the workers they hold can be joined
  if (impl_->deps.changes) impl_->deps.changes->Notify();  // wakes those waiting on it
  if (impl_->server) impl_->server->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

Result<std::unique_ptr<ApiServer>> ApiServer::Start(const ApiServerOptions& options,
                                                    ApiDependencies deps) {
  auto impl = std::make_unique<Impl>(options, std::move(deps));
  Impl* raw = impl.get();
  AddExecutionRoutes(raw->router, raw->ctx);
  AddIncidentRoutes(raw->router, raw->ctx);
  AddDeployRoutes(raw->router, raw->ctx);
  AddArtifactRoutes(raw->router, raw->ctx);
  AddSecretRoutes(raw->router, raw->ctx);
  AddDelegateRoutes(raw->router, raw->ctx);
  AddSessionRoutes(raw->router, raw->ctx);
  AddAccessRoutes(raw->router, raw->ctx);
  AddAuditRoutes(raw->router, raw->ctx);
  AddPipelineRoutes(raw->router, raw->ctx);
  AddTriggerRoutes(raw->router, raw->ctx);
  AddNotificationRoutes(raw->router, raw->ctx);
  AddEntityRoutes(raw->router, raw->ctx);  // last: its /api/v1/{kind} patterns are generic

  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return InvalidArgument("TLS needs both a certificate and a key file");
  }
  if (!options.tls_cert_file.empty()) {
    for (const std::string& file : {options.tls_cert_file, options.tls_key_file}) {
      if (::access(file.c_str(), R_OK) != 0) {
        return InvalidArgument("cannot read the TLS file " + QuoteForMessage(file));
      }
    }
    auto tls = std::make_unique<httplib::SSLServer>(options.tls_cert_file.c_str(),
                                                    options.tls_key_file.c_str());
    if (!tls->is_valid()) {
      return InvalidArgument("the TLS certificate " + QuoteForMessage(options.tls_cert_file) +
                             " and key " + QuoteForMessage(options.tls_key_file) +
                             " cannot be loaded (PEM files of a matching certificate and key)");
    }
    raw->server = std::move(tls);
  } else {
    raw->server = std::make_unique<BoundedHttpServer>(raw->limits);
  }
  httplib::Server& server = *raw->server;
  auto* bounded = dynamic_cast<BoundedHttpServer*>(raw->server.get());
  if (bounded == nullptr) {
    server.set_payload_max_length(options.max_body_bytes);
    server.set_read_timeout(
        std::chrono::duration_cast<std::chrono::seconds>(options.header_timeout).count(), 0);
  }
  int threads = std::max(2, options.threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  if (bounded != nullptr)
    bounded->fault_body = [raw](int status, ConnectionFault fault) {
      if (status == 429) {
        return ErrorReply({ErrorCode::kTooManyRequests,
                           "too many connections from this address; close some and retry",
                           {}})
            .body;
      }
      return ErrorReply(FaultError(fault, raw->options)).body;
    };
  server.set_post_routing_handler(
      [](const httplib::Request&, httplib::Response& out) { AddSecurityHeaders(out); });
  server.set_keep_alive_timeout(2);  // idle connections must not hold up Stop
  server.set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, which would let a second server bind the same
  // port and silently share it; keep only SO_REUSEADDR (fast restarts past TIME_WAIT).
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });

  auto handler = [raw](const httplib::Request& in, httplib::Response& out) {
    thread_local const bool named = (SetThreadName("ferry-api"), true);  // httplib's pool thread
    (void)named;
    auto start = raw->deps.clock.SteadyNow();
    std::string route;
    ApiResponse reply;
    try {
      reply = raw->Handle(in, route);
    } catch (const std::exception& e) {
      // Our code reports expected failures as Results; reaching this is a bug, but one
      // request must not take the server down.
      log::Error("api: unexpected exception", {{"route", route}, {"what", e.what()}});
      reply = ErrorReply(Internal("internal error; see the server log"));
    }
    int status = reply.status;
    WriteResponse(std::move(reply), out);
    double seconds = std::chrono::duration<double>(raw->deps.clock.SteadyNow() - start).count();
    raw->metrics.Record(in.method, route, status, seconds);
    // The route pattern, never the raw path or query (which may carry anything).
    log::Write(status >= 500 ? log::Level::kWarn : log::Level::kDebug, "api request",
               {{"method", in.method},
                {"route", route},
                {"status", std::to_string(status)},
                {"ms", std::to_string(static_cast<int64_t>(seconds * 1000))}});
  };
  // Failures httplib detects itself (body over the limit, URI too long, bad request line)
  // reach no handler; give them the same JSON error shape and count them.
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [raw](const httplib::Request& in, httplib::Response& out) {
        if (!out.body.empty() || out.is_chunked_content_provider_) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        Error error = InvalidArgument("malformed HTTP request");
        if (ConnectionFault fault = BoundedHttpServer::CurrentFault();
            fault != ConnectionFault::kNone) {
          error = FaultError(fault, raw->options);
          out.status = ConnectionFaultStatus(fault);
        } else if (out.status == 413) {
          error = FaultError(ConnectionFault::kBodyTooLarge, raw->options);
        } else if (out.status == 414) {
          error = InvalidArgument("request URI is too long");
        }
        ApiResponse reply = ErrorReply(error);
        reply.status = out.status;
        out.set_content(reply.body, reply.content_type);
        raw->metrics.Record(in.method.empty() ? "?" : in.method, "other", out.status, 0);
        return httplib::Server::HandlerResponse::Handled;
      }));
  const char* any = ".*";
  server.Get(any, handler);
  server.Post(any, handler);
  server.Put(any, handler);
  server.Delete(any, handler);
  server.Patch(any, handler);
  server.Options(any, handler);

  int port = options.port;
  if (port == 0) {
    port = server.bind_to_any_port(options.host);
    if (port < 0) return Unavailable("cannot bind " + options.host + " to a free port");
  } else if (!server.bind_to_port(options.host, port)) {
    return Unavailable("cannot listen on " + options.host + ":" + std::to_string(port) +
                       " (the port is in use, or the address is not local)");
  }
  if (bounded != nullptr) bounded->WidenListenBacklog();
  raw->port = port;
  raw->thread = std::thread([raw] {
    SetThreadName("ferry-api-listen");
    raw->server->listen_after_bind();
    raw->listen_returned = true;
  });
  // httplib's stop() is a no-op until the listen loop runs, so a server stopped right after
  // Start would serve forever: return only once it is running (or has failed).
  while (!server.is_running() && !raw->listen_returned) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server.is_running()) {
    raw->thread.join();
    return Unavailable("the API server could not listen on " + options.host + ":" +
                       std::to_string(port));
  }
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

}  // namespace ferry::api
