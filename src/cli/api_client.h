// ApiClient: the CLI's client of the Ferry REST API (docs/api.md), over HttpClient.
//
// Every failure comes back as an Error whose message a user can act on:
//   - the server cannot be reached: "cannot reach the Ferry server at URL: connection refused
//     (is `ferry server` running? set FERRY_SERVER)" (kUnavailable)
//   - 401: "the server refused the token (set FERRY_TOKEN or --token ...)" (kUnauthenticated)
//   - an error reply {"error": {"code", "message", "problems"?}}: its message (and problems), with
//     the code it names
//   - a reply that is not JSON, is malformed, oversized, truncated or too slow: a message naming
//     the server and what was wrong (never a crash, never the raw bytes unbounded)
// The token is sent only in the Authorization header; it is registered with the global
// SecretMasker and never appears in errors or in the verbose trace. Text coming from the server
// is masked before it is shown.
//
// Not thread-safe: one ApiClient per thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/http_client.h"
#include "cli/sse.h"
#include "common/json_fwd.h"
#include "common/result.h"

namespace ferry::cli {

inline constexpr std::string_view kDefaultServer = "http://127.0.0.1:8080";

struct ApiClientOptions {
  std::string server_url = std::string(kDefaultServer);
  std::string token;
  HttpClientOptions http;
  std::ostream* trace = nullptr;  // verbose: one line per request and response (token masked)
};

using QueryParams = std::vector<std::pair<std::string, std::string>>;

class ApiClient {
 public:
  // kInvalidArgument when server_url is not an http(s) URL or the token has characters that
  // cannot go in a header.
  static Result<std::unique_ptr<ApiClient>> Create(ApiClientOptions options);
  ~ApiClient();

  // `path` is absolute and already encoded, e.g. ApiPath({"executions", id}).
  // GET path?query; empty query values are left out.
  Result<Json> Get(std::string_view path, const QueryParams& query = {});
  // A conditional GET: with `etag` non-empty it sends If-None-Match, and the server answers 304
  // Not Modified when its version still has that tag. The query may ask the server to hold the
  // request until the resource changes (GET /executions/{id}?wait=N). Returns true and sets
  // `body` when a representation came back, false on 304; either way `etag` becomes the
  // server's ETag (empty when it sent none). `retry_later`, when given, tells whether the
  // server sent Retry-After (it could not hold the request).
  Result<bool> GetIfChanged(std::string_view path, const QueryParams& query, std::string& etag,
                            Json& body, bool* retry_later = nullptr);
  // POST path with a JSON body (and an Idempotency-Key when given).
  Result<Json> Post(std::string_view path, const Json& body,
                    const std::optional<std::string>& idempotency_key = std::nullopt);

  // PUT path with a JSON body; DELETE path (a 204 is an empty object). The trace (-v) names the
  // method and URL only, never the body.
  Result<Json> Put(std::string_view path, const Json& body);
  Result<Json> Delete(std::string_view path);

  // GET path as a Server-Sent Events stream (Accept: text/event-stream, Last-Event-ID
  // when the parser holds one). on_event returns false to end the stream, which is then a
  // success. An error reply is reported like Get's; a stream that breaks is kUnavailable (with
  // details["reason"] "truncated" or "timeout") so the caller can resume with the parser's id.
  Status StreamEvents(std::string_view path, SseParser& parser,
                      const std::function<bool(const SseEvent&)>& on_event);

  const std::string& server_url() const { return server_url_; }

  // "/api/v1/" + each segment percent-encoded: ApiPath({"executions", id, "abort"}).
  static std::string ApiPath(const std::vector<std::string>& segments);
  static std::string PercentEncode(std::string_view text);

 private:
  ApiClient(ApiClientOptions options, std::unique_ptr<HttpClient> http);
  Result<Json> Call(HttpRequest request);
  // Sends the request, tracing it; transport failures become user-facing errors.
  Result<HttpResponse> Exchange(const HttpRequest& request);
  // The JSON object of a 2xx reply.
  Result<Json> DecodeReply(const HttpResponse& response) const;
  Error ReplyError(const HttpResponse& response) const;  // adds details["http_status"]
  Error ReplyErrorMessage(const HttpResponse& response) const;
  Error TransportError(const Error& error) const;
  HttpRequest NewRequest(std::string method, std::string_view path, const QueryParams& query);
  void Trace(std::string_view line) const;

  ApiClientOptions options_;
  std::string server_url_;  // without a trailing slash
  std::unique_ptr<HttpClient> http_;
};

}  // namespace ferry::cli
