#include "cli/api_client.h"

#include <chrono>

#include "common/json.h"
#include "common/secret_mask.h"
#include "common/strings.h"

namespace ferry::cli {
namespace {

constexpr std::string_view kServerHint =
    "(is `ferry server` running? set FERRY_SERVER or --server)";
constexpr size_t kShownBodyBytes = 200;

// Server-provided text for a message: masked, quoted, control characters escaped, bounded.
std::string ShowServerText(std::string_view text) {
  return QuoteForMessage(MaskSecrets(text.substr(0, kShownBodyBytes * 4)), kShownBodyBytes);
}

std::string StatusText(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

// The inverse of common's HttpStatus (each code has its own status); any other status, e.g. a
// proxy's 502, is internal.
ErrorCode CodeForStatus(int status) {
  for (int c = 0; c <= static_cast<int>(ErrorCode::kDeadlineExceeded); ++c) {
    auto code = static_cast<ErrorCode>(c);
    if (HttpStatus(code) == status) return code;
  }
  return ErrorCode::kInternal;
}

bool IsJsonType(std::string_view content_type) {
  return content_type.empty() || content_type == "application/json" ||
         content_type.ends_with("+json");
}

}  // namespace

std::string ApiClient::PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string ApiClient::ApiPath(const std::vector<std::string>& segments) {
  std::string path = "/api/v1";
  for (const std::string& s : segments) path += "/" + PercentEncode(s);
  return path;
}

Result<std::unique_ptr<ApiClient>> ApiClient::Create(ApiClientOptions options) {
  std::string url(Trim(options.server_url));
  while (url.ends_with('/')) url.pop_back();
  const bool http = url.starts_with("http://"), https = url.starts_with("https://");
  const size_t host_start = http ? 7 : 8;
  if ((!http && !https) || url.size() <= host_start ||
      url.find_first_of(" \t\r\n?#@") != std::string::npos) {
    return InvalidArgument("the server URL " + QuoteForMessage(options.server_url) +
                           " is not an http:// or https:// URL such as " +
                           std::string(kDefaultServer) + " (set FERRY_SERVER or --server)");
  }
  for (char c : options.token) {
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) {
      return InvalidArgument(
          "the token contains spaces or control characters (check FERRY_TOKEN or --token; it "
          "looks like fry_ followed by 64 hex characters)");
    }
  }
  if (!options.token.empty()) SecretMasker::Global().Register(options.token);
  FERRY_ASSIGN_OR_RETURN(auto http_client, HttpClient::Create(options.http));
  options.server_url = url;
  return std::unique_ptr<ApiClient>(new ApiClient(std::move(options), std::move(http_client)));
}

ApiClient::ApiClient(ApiClientOptions options, std::unique_ptr<HttpClient> http)
    : options_(std::move(options)), server_url_(options_.server_url), http_(std::move(http)) {}

ApiClient::~ApiClient() = default;

void ApiClient::Trace(std::string_view line) const {
  if (options_.trace) *options_.trace << MaskSecrets(line) << "\n";
}

HttpRequest ApiClient::NewRequest(std::string method, std::string_view path,
                                  const QueryParams& query) {
  HttpRequest request;
  request.method = std::move(method);
  request.url = server_url_ + std::string(path);
  char sep = '?';
  for (const auto& [name, value] : query) {
    if (value.empty()) continue;
    request.url += sep + PercentEncode(name) + "=" + PercentEncode(value);
    sep = '&';
  }
  request.headers.emplace_back("Accept", "application/json");
  if (!options_.token.empty()) {
    request.headers.emplace_back("Authorization", "Bearer " + options_.token);
  }
  return request;
}

Error ApiClient::TransportError(const Error& error) const {
  auto reason = error.details.find("reason");
  const std::string why = reason == error.details.end() ? "" : reason->second;
  Error out = error;
  if (why == "connect" || why == "tls") {
    out.message = "cannot reach the Ferry server at " + server_url_ + ": " + error.message + " " +
                  std::string(kServerHint);
  } else if (why == "timeout") {
    out.message = "the Ferry server at " + server_url_ + " " + error.message;
  } else if (why == "too_large") {
    out.message = "the Ferry server at " + server_url_ + " sent an oversized reply (" +
                  error.message + "); is FERRY_SERVER the Ferry API?";
  } else {
    out.message = "the Ferry server at " + server_url_ + " sent a broken reply: " + error.message;
  }
  return out;
}

Error ApiClient::ReplyError(const HttpResponse& response) const {
  Error e = ReplyErrorMessage(response);
  e.details["http_status"] = std::to_string(response.status);
  return e;
}

Error ApiClient::ReplyErrorMessage(const HttpResponse& response) const {
  if (response.status == 401) {
    Error e{ErrorCode::kUnauthenticated, ""};
    e.message = options_.token.empty()
                    ? "the server requires a token: set FERRY_TOKEN or --token (create one with "
                      "`ferry token create NAME --data DIR`)"
                    : "the server refused the token (set FERRY_TOKEN or --token to a valid, "
                      "unrevoked token; create one with `ferry token create NAME --data DIR`)";
    return e;
  }
  // The documented error shape: {"error": {"code", "message", "problems"?}}.
  auto parsed = ParseJson(response.body, {.max_bytes = response.body.size() + 1, .max_depth = 16});
  if (parsed.ok() && parsed->is_object() && parsed->contains("error") &&
      (*parsed)["error"].is_object()) {
    const Json& body = (*parsed)["error"];
    Error e{CodeForStatus(response.status), ""};
    if (body.contains("code") && body["code"].is_string()) {
      e.code = ErrorCodeFromName(body["code"].get<std::string>());
    }
    if (body.contains("message") && body["message"].is_string()) {
      e.message = MaskSecrets(body["message"].get<std::string>());
    }
    if (e.message.empty())
      e.message = "the server answered HTTP " + std::to_string(response.status);
    if (body.contains("problems") && body["problems"].is_array()) {
      size_t shown = 0;
      for (const Json& p : body["problems"]) {
        if (!p.is_object() || ++shown > 50) continue;
        std::string line = "\n  ";
        if (p.contains("path") && p["path"].is_string())
          line += p["path"].get<std::string>() + ": ";
        if (p.contains("message") && p["message"].is_string()) {
          line += p["message"].get<std::string>();
        }
        e.message += MaskSecrets(line);
      }
    }
    return e;
  }
  std::string status = std::to_string(response.status);
  if (std::string text = StatusText(response.status); !text.empty()) status += " " + text;
  Error e{CodeForStatus(response.status), ""};
  e.message = "the Ferry server at " + server_url_ + " answered HTTP " + status;
  if (response.status == 404) {
    e.message += " for an API route; is FERRY_SERVER the Ferry API (and as new as this CLI)?";
  } else if (!response.body.empty()) {
    e.message += ": " + ShowServerText(response.body);
  }
  return e;
}

Result<HttpResponse> ApiClient::Exchange(const HttpRequest& request) {
  Trace("> " + request.method + " " + request.url);
  const auto start = std::chrono::steady_clock::now();
  auto response = http_->Send(request);
  if (!response.ok()) {
    Trace("< " + response.error().message);
    return TransportError(response.error());
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  Trace("< " + std::to_string(response->status) + " " + response->content_type + " " +
        std::to_string(response->body.size()) + " bytes in " + std::to_string(ms) + "ms");
  return response;
}

Result<Json> ApiClient::DecodeReply(const HttpResponse& response) const {
  if (response.status < 200 || response.status >= 300) return ReplyError(response);
  if (response.status == 204 || response.body.empty()) return Json::object();
  if (!IsJsonType(response.content_type)) {
    return Error{ErrorCode::kUnavailable,
                 "the Ferry server at " + server_url_ + " sent " +
                     (response.content_type.empty() ? "a non-JSON reply" : response.content_type) +
                     " instead of JSON: " + ShowServerText(response.body) +
                     "; is FERRY_SERVER the Ferry API?"};
  }
  auto json = ParseJson(response.body, {.max_bytes = http_->options().max_response_bytes});
  if (!json.ok()) {
    return Error{ErrorCode::kUnavailable, "the Ferry server at " + server_url_ +
                                              " sent malformed JSON (" + json.error().message +
                                              ")"};
  }
  if (!json->is_object()) {
    return Error{ErrorCode::kUnavailable,
                 "the Ferry server at " + server_url_ + " sent JSON that is not an object"};
  }
  return std::move(*json);
}

Result<Json> ApiClient::Call(HttpRequest request) {
  FERRY_ASSIGN_OR_RETURN(HttpResponse response, Exchange(request));
  return DecodeReply(response);
}

Result<bool> ApiClient::GetIfChanged(std::string_view path, const QueryParams& query,
                                     std::string& etag, Json& body, bool* retry_later) {
  HttpRequest request = NewRequest("GET", path, query);
  if (!etag.empty()) request.headers.emplace_back("If-None-Match", etag);
  FERRY_ASSIGN_OR_RETURN(HttpResponse response, Exchange(request));
  if (retry_later) *retry_later = response.retry_after;
  if (response.status == 304) {
    if (etag.empty()) {
      return Error{ErrorCode::kUnavailable, "the Ferry server at " + server_url_ +
                                                " answered 304 Not Modified to a request that "
                                                "named no version; is FERRY_SERVER the Ferry API?"};
    }
    if (!response.etag.empty()) etag = response.etag;
    return false;
  }
  FERRY_ASSIGN_OR_RETURN(body, DecodeReply(response));
  etag = response.etag;
  return true;
}

Result<Json> ApiClient::Get(std::string_view path, const QueryParams& query) {
  return Call(NewRequest("GET", path, query));
}

Result<Json> ApiClient::Post(std::string_view path, const Json& body,
                             const std::optional<std::string>& idempotency_key) {
  HttpRequest request = NewRequest("POST", path, {});
  request.headers.emplace_back("Content-Type", "application/json");
  if (idempotency_key) request.headers.emplace_back("Idempotency-Key", *idempotency_key);
  request.body = DumpJson(body);
  return Call(std::move(request));
}

Result<Json> ApiClient::Put(std::string_view path, const Json& body) {
  HttpRequest request = NewRequest("PUT", path, {});
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = DumpJson(body);
  return Call(std::move(request));
}

Result<Json> ApiClient::Delete(std::string_view path) {
  return Call(NewRequest("DELETE", path, {}));
}

Status ApiClient::StreamEvents(std::string_view path, SseParser& parser,
                               const std::function<bool(const SseEvent&)>& on_event) {
  HttpRequest request = NewRequest("GET", path, {});
  request.headers[0] = {"Accept", "text/event-stream"};
  if (!parser.last_event_id().empty()) {
    request.headers.emplace_back("Last-Event-ID", parser.last_event_id());
  }
  parser.Reset();
  Trace("> GET " + request.url + " (stream" +
        (parser.last_event_id().empty() ? "" : ", after " + parser.last_event_id()) + ")");
  Status parse_status;
  bool stopped = false;
  auto response = http_->Stream(
      request,
      [&](const HttpResponse& r) {
        Trace("< " + std::to_string(r.status) + " " + r.content_type + " (stream)");
        if (r.content_type != "text/event-stream") {
          parse_status = Error{ErrorCode::kUnavailable,
                               "the Ferry server at " + server_url_ + " sent " +
                                   (r.content_type.empty() ? "an untyped reply" : r.content_type) +
                                   " instead of an event stream; is FERRY_SERVER the Ferry API?"};
          return false;
        }
        return true;
      },
      [&](std::string_view data) {
        parse_status = parser.Feed(data, [&](const SseEvent& e) {
          if (!on_event(e)) stopped = true;
          return !stopped;
        });
        return parse_status.ok() && !stopped;
      });
  if (!parse_status.ok()) {
    Error e = parse_status.error();
    if (e.code == ErrorCode::kPayloadTooLarge) {
      e.message = "the Ferry server at " + server_url_ + " sent " + e.message;
    }
    return e;
  }
  if (stopped) return Ok();
  if (!response.ok()) return TransportError(response.error());
  if (response->status < 200 || response->status >= 300) return ReplyError(*response);
  // The server closed the stream without an end event: the caller decides whether to resume.
  Error e{ErrorCode::kUnavailable,
          "the log stream from the Ferry server at " + server_url_ + " ended early"};
  e.details["reason"] = "truncated";
  return e;
}

}  // namespace ferry::cli
