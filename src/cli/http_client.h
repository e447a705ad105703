// HttpClient: the CLI's HTTP(S) transport, over common's http::Client (common/http_client.h,
// libcurl), adding the CLI's policy: the CA bundle may come from $FERRY_CA_BUNDLE (read when the
// client is created), and replies are reduced to what the API client reads.
//
// One request at a time per client; every request has a connect timeout and either a total
// timeout (Send) or an idle timeout (Stream: a live log stream may last for hours but must not
// go silent for longer than idle_timeout). TLS peer and host verification are always on for https
// URLs (system CA store, or FERRY_CA_BUNDLE / ca_bundle). Redirects are not followed.
//
// Errors never contain request headers or bodies (the Authorization header holds a token), and
// carry details["reason"] (connect, tls, timeout, truncated, malformed, too_large, cancelled, url,
// request, transfer):
//   kUnavailable       connection refused or reset, DNS or TLS failure, a response cut short
//   kDeadlineExceeded  connect_timeout, timeout or idle_timeout passed
//   kPayloadTooLarge   the response body exceeded max_response_bytes
//   kInvalidArgument   the URL is malformed or not http(s)
//   kCancelled         a Stream callback asked to stop (not an error for the caller to report)
//
// Not thread-safe: use one HttpClient per thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace ferry::cli {

struct HttpClientOptions {
  Duration connect_timeout = std::chrono::seconds(10);
  Duration timeout = std::chrono::seconds(60);       // whole request (Send)
  Duration idle_timeout = std::chrono::seconds(60);  // no byte received (Stream)
  size_t max_response_bytes = 16u * 1024 * 1024;     // Send; Stream bounds each event instead
  std::string ca_bundle;                             // PEM file; empty = $FERRY_CA_BUNDLE or system
  std::string user_agent = "ferry-cli";
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::string content_type;  // lower-cased, parameters stripped ("application/json")
  // The ETag header when it is a well-formed entity tag ("..." or W/"...", at most 256 visible
  // ASCII characters); empty otherwise, so a hostile value never travels further.
  std::string etag;
  bool retry_after = false;  // a Retry-After header came with it
  std::string body;
};

class HttpClient {
 public:
  // kInternal when the HTTP client cannot be initialised.
  static Result<std::unique_ptr<HttpClient>> Create(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends the request and reads the whole response (any HTTP status is a successful Result).
  Result<HttpResponse> Send(const HttpRequest& request);

  // Sends the request and passes the body to on_data as it arrives, once the status line and
  // headers are in (on_start sees them first, with an empty body). Returning false from either
  // callback ends the transfer with kCancelled. Returns the response without its body.
  using StartCallback = std::function<bool(const HttpResponse&)>;
  using DataCallback = std::function<bool(std::string_view)>;
  Result<HttpResponse> Stream(const HttpRequest& request, const StartCallback& on_start,
                              const DataCallback& on_data);

  const HttpClientOptions& options() const;

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferry::cli
