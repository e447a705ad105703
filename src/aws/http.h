// HTTP for the AWS layer: plain request/response values and the transport interface.
//
// HttpTransport is the seam between the AWS clients and the network. The production transport is
// libcurl (aws/curl_transport.h); tests may wrap it to inject faults. Implementations must be
// thread-safe: one transport serves every client and deployment in a process.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace ferry::aws {

struct HttpRequest {
  std::string method = "GET";
  // Absolute URL: scheme://host[:port]/path?query. Path and query are already percent-encoded as
  // they must appear on the wire (the signer canonicalises from this exact form).
  std::string url;
  // Header names as given; the signer lower-cases them for canonicalisation. Order preserved.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds timeout{60'000};  // whole-request deadline
};

struct HttpResponse {
  int status = 0;
  // Header names lower-cased.
  std::multimap<std::string, std::string> headers;
  std::string body;

  // The first value of a header (name lower-case), or "".
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Returns a response for every HTTP status (4xx/5xx are not errors here). Errors are for
  // requests that got no response: kUnavailable (connection refused/reset, DNS, TLS) and
  // kDeadlineExceeded (timeout). Error messages never include headers or bodies.
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

}  // namespace ferry::aws
