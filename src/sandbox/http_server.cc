#include "sandbox/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "common/log.h"
#include "common/strings.h"

namespace ferry::sandbox {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

}  // namespace

std::string PercentDecode(std::string_view text) { return Decode(text, false); }

std::multimap<std::string, std::string> ParseQueryString(std::string_view raw) {
  std::multimap<std::string, std::string> out;
  if (raw.empty()) return out;
  for (const std::string& pair : Split(raw, '&')) {
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string_view view(pair);
    if (eq == std::string::npos) {
      out.emplace(Decode(view, true), "");
    } else {
      out.emplace(Decode(view.substr(0, eq), true), Decode(view.substr(eq + 1), true));
    }
  }
  return out;
}

namespace {

// One HTTP request on a connection: MHD hands the raw request-target to UriLog first, then calls
// the access handler once for the headers, once per body piece, and once at the end.
struct PendingRequest {
  std::string target;  // raw request-target, as on the wire
  std::string body;    // raw bytes: no Content-Encoding is undone here
  bool headers_seen = false;
  bool too_large = false;
};

struct Context {
  Front* front = nullptr;
  size_t max_body_bytes = 0;
};

void* UriLog(void* /*cls*/, const char* uri, struct MHD_Connection* /*connection*/) {
  auto* pending = new PendingRequest;
  pending->target = uri == nullptr ? "" : uri;
  return pending;
}

void RequestCompleted(void* /*cls*/, struct MHD_Connection* /*connection*/, void** req_cls,
                      enum MHD_RequestTerminationCode /*code*/) {
  delete static_cast<PendingRequest*>(*req_cls);
  *req_cls = nullptr;
}

MHD_Result CollectHeader(void* cls, enum MHD_ValueKind /*kind*/, const char* key,
                         const char* value) {
  auto* request = static_cast<Request*>(cls);
  if (key != nullptr) {
    request->headers.emplace(ToLower(key), std::string(Trim(value == nullptr ? "" : value)));
  }
  return MHD_YES;
}

std::string RemoteAddress(struct MHD_Connection* connection) {
  const union MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == nullptr || info->client_addr == nullptr) return "";
  char text[INET6_ADDRSTRLEN] = {0};
  const sockaddr* addr = info->client_addr;
  if (addr->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, text, sizeof(text));
  } else if (addr->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, text,
              sizeof(text));
  }
  return text;
}

void FreeBody(void* cls) { delete static_cast<std::string*>(cls); }

MHD_Result Send(struct MHD_Connection* connection, Response response) {
  auto* body = new std::string(std::move(response.body));
  struct MHD_Response* out = MHD_create_response_from_buffer_with_free_callback_cls(
      body->size(), body->data(), &FreeBody, body);
  if (out == nullptr) {
    delete body;
    return MHD_NO;
  }
  for (const auto& [name, value] : response.headers) {
    // MHD derives Content-Length from the body (for HEAD too) and frames the response itself.
    if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding")) {
      continue;
    }
    MHD_add_response_header(out, name.c_str(), value.c_str());
  }
  MHD_Result queued =
      MHD_queue_response(connection, static_cast<unsigned int>(response.status), out);
  MHD_destroy_response(out);
  return queued;
}

Response TooLarge(size_t limit) {
  Response r;
  r.status = 413;
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("Connection", "close");
  r.body = "{\"message\":\"Request body exceeds " + std::to_string(limit) + " bytes\"}";
  return r;
}

MHD_Result Access(void* cls, struct MHD_Connection* connection, const char* /*url*/,
                  const char* method, const char* /*version*/, const char* upload_data,
                  size_t* upload_data_size, void** req_cls) {
  auto* context = static_cast<Context*>(cls);
  auto* pending = static_cast<PendingRequest*>(*req_cls);
  if (pending == nullptr) return MHD_NO;  // UriLog always runs first; never expected
  if (!pending->headers_seen) {
    pending->headers_seen = true;
    // Refuse a declared oversized body before reading it (and before 100 Continue).
    const char* length =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length != nullptr) {
      auto declared = ParseInt(length);
      if (declared && *declared > 0 &&
          static_cast<uint64_t>(*declared) > context->max_body_bytes) {
        return Send(connection, TooLarge(context->max_body_bytes));
      }
    }
    return MHD_YES;
  }
  if (*upload_data_size > 0) {
    if (!pending->too_large) {
      if (pending->body.size() + *upload_data_size > context->max_body_bytes) {
        pending->too_large = true;  // a chunked body past the limit: read and drop the rest
        std::string().swap(pending->body);
      } else {
        pending->body.append(upload_data, *upload_data_size);
      }
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (pending->too_large) return Send(connection, TooLarge(context->max_body_bytes));

  Request request;
  request.method = method == nullptr ? "" : method;
  std::string_view target = pending->target;
  auto q = target.find('?');
  request.raw_path = std::string(target.substr(0, q));
  request.raw_query = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
  request.path = PercentDecode(request.raw_path);
  request.query = ParseQueryString(request.raw_query);
  MHD_get_connection_values(connection, MHD_HEADER_KIND, &CollectHeader, &request);
  request.host = request.Header("host");
  request.body = std::move(pending->body);
  return Send(connection, context->front->Handle(request, RemoteAddress(connection)));
}

// The address to bind: an IPv4/IPv6 literal or a name ("localhost") resolved to its first
// address.
Result<sockaddr_storage> ResolveBindAddress(const std::string& host, int port, socklen_t& length) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0 || found == nullptr) {
    return Unavailable("cannot resolve listen address " + QuoteForMessage(host));
  }
  sockaddr_storage out{};
  std::memcpy(&out, found->ai_addr, found->ai_addrlen);
  length = found->ai_addrlen;
  freeaddrinfo(found);
  return out;
}

}  // namespace

struct HttpServer::Impl {
  Context context;
  struct MHD_Daemon* daemon = nullptr;
  int port = 0;
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

int HttpServer::port() const { return impl_->port; }

void HttpServer::Stop() {
  if (!impl_ || impl_->daemon == nullptr) return;
  MHD_stop_daemon(impl_->daemon);
  impl_->daemon = nullptr;
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      Front& front) {
  auto impl = std::make_unique<Impl>();
  impl->context.front = &front;
  impl->context.max_body_bytes = options.max_body_bytes;
  socklen_t length = 0;
  FERRY_ASSIGN_OR_RETURN(sockaddr_storage address,
                         ResolveBindAddress(options.host, options.port, length));
  // A thread per connection: an Invoke blocks its thread for the handler's duration, and a slow
  // handler must not hold up other connections.
  unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                       MHD_USE_POLL | MHD_USE_ERROR_LOG;
  if (address.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
  unsigned int connections = static_cast<unsigned int>(std::max(options.max_connections, 1));
  impl->daemon = MHD_start_daemon(
      flags, static_cast<uint16_t>(options.port), nullptr, nullptr, &Access, &impl->context,
      MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&address),  //
      MHD_OPTION_URI_LOG_CALLBACK, &UriLog, nullptr,                //
      MHD_OPTION_NOTIFY_COMPLETED, &RequestCompleted, nullptr,      //
      MHD_OPTION_CONNECTION_LIMIT, connections,                     //
      MHD_OPTION_CONNECTION_TIMEOUT, static_cast<unsigned int>(options.idle_timeout_seconds),
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<size_t>(64 * 1024),  //
      MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,                               //
      MHD_OPTION_END);
  if (impl->daemon == nullptr) {
    return Unavailable("cannot bind " + options.host + ":" + std::to_string(options.port) +
                       " (in use, or not a local address)");
  }
  const union MHD_DaemonInfo* info = MHD_get_daemon_info(impl->daemon, MHD_DAEMON_INFO_BIND_PORT);
  impl->port = info != nullptr ? info->port : options.port;
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

}  // namespace ferry::sandbox
