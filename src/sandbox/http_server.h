// The sandbox's HTTP listener: cpp-httplib on a loopback address, every request handed to the
// Front. httplib stays inside http_server.cc.
//
// Start binds (port 0 picks a free port) and serves on a background thread until Stop or
// destruction. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "sandbox/front.h"

namespace ferry::sandbox {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 4566;
  int threads = 64;  // concurrent requests (an Invoke holds one for the handler's duration)
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
