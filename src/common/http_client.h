// http::Client: Ferry's HTTP(S) client, over libcurl, which is included only in http_client.cc.
// The AWS layer's transport (aws/curl_transport.h) and the CLI's API client (cli/http_client.h)
// are both built on it; each adds its own policy (where a CA bundle comes from, what its error
// messages say).
//
// Connections: handles are pooled per endpoint (scheme://host:port) and reused, so a keep-alive
// connection serves many requests; DNS results and TLS sessions are shared between handles. TLS
// peer and host verification are always on, with the system CA store or options.ca_bundle.
// Proxies come from the environment exactly as curl reads them (https_proxy / HTTPS_PROXY,
// http_proxy, no_proxy / NO_PROXY). Redirects are not followed; only http and https are allowed.
// libcurl never adds "Expect: 100-continue", nor a Content-Type the request did not set.
//
// Errors never contain request headers, bodies or the URL's query (which may hold pre-signed
// credentials). details["reason"] says what happened; details["cause"] is libcurl's own wording
// (which names hosts and ports, never queries) and details["url"] the URL without its query
// (scheme://host:port/path), when there are any:
//   kInvalidArgument   "url": the URL is malformed or not http(s); "request": a method or header
//                      that would break the request line or headers (CR, LF, ':' in a name)
//   kUnavailable       "connect" (refused, unknown host or proxy), "tls", "truncated" (reset, cut
//                      short, closed without a reply), "malformed" (not HTTP), "transfer" (other)
//   kDeadlineExceeded  "timeout": connect_timeout, timeout or idle_timeout passed
//   kPayloadTooLarge   "too_large": a buffered body exceeded max_response_bytes
//   kCancelled         "cancelled": a Stream callback asked to stop, or request.stop
//   kInternal          libcurl could not start or ran out of memory
//
// Thread-safe: Send and Stream may be called from any number of threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace ferry::http {

struct ClientOptions {
  // PEM file of trusted CAs replacing the system store; empty: the system store.
  std::string ca_bundle;
  // Idle connections kept per endpoint.
  size_t max_idle_per_endpoint = 16;
  std::string user_agent = "ferry";
};

struct Request {
  std::string method = "GET";
  // Absolute http(s) URL, with path and query percent-encoded as they must appear on the wire.
  std::string url;
  // Sent in order, as given. An empty value is sent as an empty header.
  std::vector<std::pair<std::string, std::string>> headers;
  // Must stay valid until Send or Stream returns.
  std::string_view body;
  std::chrono::milliseconds connect_timeout{10'000};
  // Whole exchange; zero: no limit (a stream guarded by idle_timeout instead).
  std::chrono::milliseconds timeout{60'000};
  // Abort when less than one byte arrives in this long (whole seconds, at least one); zero: off.
  std::chrono::milliseconds idle_timeout{0};
  // Bound on a buffered body (Send, and the non-2xx replies of Stream).
  size_t max_response_bytes = 16u * 1024 * 1024;
  // When stop is requested the transfer ends (within about a second, even while the server is
  // silent) with kCancelled "cancelled".
  std::stop_token stop;
};

struct Response {
  int status = 0;
  // The final response's headers (after any 100 Continue), names lower-cased, values trimmed.
  std::multimap<std::string, std::string> headers;
  std::string body;

  // The first value of a header (name lower-case), or "".
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct ClientStats {
  uint64_t requests = 0;
  uint64_t new_connections = 0;  // connections opened; requests - this were served by reuse
};

class Client {
 public:
  // kInternal when libcurl cannot be initialised.
  static Result<std::unique_ptr<Client>> Create(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends the request and reads the whole response; every HTTP status is a successful Result.
  Result<Response> Send(const Request& request);

  // Like Send, but the body of a 2xx response goes to on_data as it arrives, after on_start has
  // seen the status and headers (with an empty body); any other response is buffered as by Send,
  // without calling either (it carries an error document). Returning false from a callback ends
  // the transfer with kCancelled. Returns the response; its body is empty when it was streamed.
  using StartCallback = std::function<bool(const Response&)>;
  using DataCallback = std::function<bool(std::string_view)>;
  Result<Response> Stream(const Request& request, const StartCallback& on_start,
                          const DataCallback& on_data);

  ClientStats Stats() const;

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferry::http
