#include "sandbox/http_server.h"

#include <httplib.h>

#include <thread>

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

Request ToRequest(const httplib::Request& in) {
  Request out;
  out.method = in.method;
  std::string_view target = in.target;
  auto q = target.find('?');
  out.raw_path = std::string(target.substr(0, q));
  out.raw_query = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
  out.path = PercentDecode(out.raw_path);
  out.query = ParseQueryString(out.raw_query);
  for (const auto& [name, value] : in.headers) {
    std::string lower = ToLower(name);
    // httplib adds these for its own bookkeeping; they were not on the wire.
    if (lower == "remote_addr" || lower == "remote_port" || lower == "local_addr" ||
        lower == "local_port") {
      continue;
    }
    out.headers.emplace(std::move(lower), std::string(Trim(value)));
  }
  out.host = out.Header("host");
  out.body = in.body;
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

struct HttpServer::Impl {
  httplib::Server server;
  std::thread thread;
  int port = 0;
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

int HttpServer::port() const { return impl_->port; }

void HttpServer::Stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      Front& front) {
  auto impl = std::make_unique<Impl>();
  httplib::Server& server = impl->server;
  int threads = options.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(options.max_body_bytes);
  server.set_keep_alive_max_count(100000);
  server.set_keep_alive_timeout(2);  // idle connections must not hold up shutdown
  server.set_read_timeout(60, 0);
  server.set_write_timeout(60, 0);
  server.set_tcp_nodelay(true);

  auto handler = [&front](const httplib::Request& in, httplib::Response& out) {
    Request request = ToRequest(in);
    // httplib would slice the body again for a Range request; the services answer ranges
    // themselves (S3 returns 206 with the slice). The Request is httplib's own mutable object.
    const_cast<httplib::Request&>(in).ranges.clear();
    Response response = front.Handle(request, in.remote_addr);
    out.status = response.status;
    std::string content_type;
    for (const auto& [name, value] : response.headers) {
      if (EqualsIgnoreCase(name, "Content-Type")) {
        content_type = value;
      } else if (!EqualsIgnoreCase(name, "Content-Length")) {
        out.set_header(name, value);
      }
    }
    if (!response.body.empty() || !content_type.empty()) {
      out.set_content(std::move(response.body), content_type);
    }
  };
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
    return Unavailable("cannot bind " + options.host + ":" + std::to_string(port) +
                       " (in use, or not a local address)");
  }
  impl->port = port;
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->server.listen_after_bind(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

}  // namespace ferry::sandbox
