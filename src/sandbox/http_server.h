// The sandbox's HTTP listener: libmicrohttpd on a loopback address, every request handed to the
// Front. libmicrohttpd stays inside http_server.cc.
//
// Bodies reach the Front exactly as sent (Transfer-Encoding: chunked is undone, Content-Encoding
// never is), so SigV4 payload hashes are checked over the bytes the client signed; a gzip body
// is inflated later by the Front, after verification. A body over max_body_bytes gets 413 (a
// declared Content-Length is refused before the body is read).
//
// Start binds (port 0 picks a free port) and serves on background threads (one per connection)
// until Stop or destruction. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "sandbox/front.h"

namespace ferry::sandbox {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 4566;
  // Concurrent connections, each served by its own thread (an Invoke holds one for the
  // handler's duration); connections past the limit are closed at accept.
  int max_connections = 1000;
  int idle_timeout_seconds = 30;  // an idle keep-alive connection is closed after this
  size_t max_body_bytes = 80u * 1024u * 1024u;
};

class HttpServer {
 public:
  // kUnavailable when the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options, Front& front);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const;
  // Stops accepting and waits for the serving thread.
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Percent-decodes a path ("+" stays "+"). Invalid escapes are kept as they are.
std::string PercentDecode(std::string_view text);
// Parses "a=1&b=x%20y" into decoded pairs ("+" is a space, as in form bodies).
std::multimap<std::string, std::string> ParseQueryString(std::string_view raw);

}  // namespace ferry::sandbox
