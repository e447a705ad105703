// CurlTransport: the production HttpTransport, over common's http::Client (common/http_client.h,
// libcurl), adding the AWS policy: the CA bundle may come from $AWS_CA_BUNDLE, and errors name the
// request as "METHOD scheme://host:port/path".
//
// Connections: pooled per endpoint (scheme://host:port) and reused, so a keep-alive connection
// serves many requests; DNS results and TLS sessions are shared. TLS peer and host verification
// are always on, with the system CA store or the configured bundle. Proxies come from the
// environment exactly as curl reads them (https_proxy / HTTPS_PROXY, http_proxy, no_proxy /
// NO_PROXY); nothing here disables that. Redirects are not followed; only http and https are
// allowed.
//
// Errors (never containing headers, bodies or query strings, which may hold pre-signed secrets):
//   kUnavailable       connection refused/reset, DNS failure, TLS failure, proxy failure
//   kDeadlineExceeded  connect_timeout or timeout of the request passed
//   kPayloadTooLarge   the response body exceeded max_response_bytes
//   kInvalidArgument   the URL is malformed or not http(s)
//
// Thread-safe: Send may be called from any number of threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "aws/http.h"
#include "common/result.h"

namespace ferry::aws {

struct CurlTransportOptions {
  // PEM file of trusted CAs replacing the system store (corporate TLS-inspecting proxies).
  // Empty: $AWS_CA_BUNDLE when set, else the system store.
  std::string ca_bundle;
  // Idle connections kept per endpoint.
  size_t max_idle_per_endpoint = 16;
  size_t max_response_bytes = 512u * 1024 * 1024;
  std::string user_agent = "ferry";
};

struct TransportStats {
  uint64_t requests = 0;
  uint64_t new_connections = 0;  // connections opened; requests - this were served by reuse
};

class CurlTransport final : public HttpTransport {
 public:
  // kInvalidArgument when ca_bundle is set but unreadable; kInternal when libcurl can't start.
  static Result<std::unique_ptr<CurlTransport>> Create(CurlTransportOptions options = {});
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<HttpResponse> Send(const HttpRequest& request) override;
  TransportStats Stats() const;

 private:
  struct Impl;
  explicit CurlTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferry::aws
