#include "cli/http_client.h"

#include <curl/curl.h>

#include <cstdlib>
#include <mutex>

#include "common/strings.h"

namespace ferry::cli {
namespace {

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void Add(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

// One transfer's state, shared with libcurl's write callback.
struct Transfer {
  CURL* curl = nullptr;
  bool streaming = false;
  const HttpClient::StartCallback* on_start = nullptr;
  const HttpClient::DataCallback* on_data = nullptr;
  size_t max_body = 0;
  bool started = false;
  bool pass_through = false;  // streaming a 2xx body to on_data rather than buffering it
  bool cancelled = false;
  bool too_large = false;
  HttpResponse response;
};

std::string ContentTypeOf(CURL* curl) {
  char* type = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type) != CURLE_OK || !type) return "";
  std::string_view value(type);
  if (size_t semi = value.find(';'); semi != std::string_view::npos) value = value.substr(0, semi);
  return ToLower(Trim(value));
}

std::string EtagOf(CURL* curl) {
  struct curl_header* header = nullptr;
  if (curl_easy_header(curl, "ETag", 0, CURLH_HEADER, -1, &header) != CURLHE_OK || !header ||
      !header->value) {
    return "";
  }
  std::string_view value = Trim(header->value);
  std::string_view opaque = value.starts_with("W/") ? value.substr(2) : value;
  if (value.size() > 256 || opaque.size() < 2 || opaque.front() != '"' || opaque.back() != '"') {
    return "";
  }
  for (char c : opaque.substr(1, opaque.size() - 2)) {
    if (c <= 0x20 || c == '"' || c == 0x7f) return "";  // RFC 9110 etagc, ASCII only
  }
  return std::string(value);
}

// Called once the status line and headers are in (at the first body byte or at the end).
bool BeginBody(Transfer& t) {
  t.started = true;
  long status = 0;
  curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &status);
  t.response.status = static_cast<int>(status);
  t.response.content_type = ContentTypeOf(t.curl);
  t.response.etag = EtagOf(t.curl);
  struct curl_header* retry_after = nullptr;
  t.response.retry_after =
      curl_easy_header(t.curl, "Retry-After", 0, CURLH_HEADER, -1, &retry_after) == CURLHE_OK;
  if (t.streaming && status >= 200 && status < 300) {
    t.pass_through = true;
    if (!(*t.on_start)(t.response)) {
      t.cancelled = true;
      return false;
    }
  }
  return true;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (!t.started && !BeginBody(t)) return 0;
  if (t.pass_through) {
    if (!(*t.on_data)(std::string_view(data, n))) {
      t.cancelled = true;
      return 0;
    }
    return n;
  }
  if (t.response.body.size() + n > t.max_body) {
    t.too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t.response.body.append(data, n);
  return n;
}

Error TransferError(CURLcode code, const Transfer& t, const HttpClientOptions& options) {
  Error error;
  if (t.too_large) {
    error.code = ErrorCode::kPayloadTooLarge;
    error.message =
        "the response is larger than " + std::to_string(options.max_response_bytes / 1024) + " KiB";
    error.details["reason"] = "too_large";
    return error;
  }
  if (t.cancelled) {
    error.code = ErrorCode::kCancelled;
    error.message = "stopped by the caller";
    error.details["reason"] = "cancelled";
    return error;
  }
  error.code = ErrorCode::kUnavailable;
  std::string reason = "transfer";
  switch (code) {
    case CURLE_COULDNT_CONNECT:
      error.message = "connection refused";
      reason = "connect";
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
      error.message = "unknown host";
      reason = "connect";
      break;
    case CURLE_COULDNT_RESOLVE_PROXY:
      error.message = "unknown proxy host";
      reason = "connect";
      break;
    case CURLE_OPERATION_TIMEDOUT:
      error.code = ErrorCode::kDeadlineExceeded;
      error.message =
          t.started ? "timed out while reading the response" : "timed out waiting for a response";
      reason = "timeout";
      break;
    case CURLE_PARTIAL_FILE:
      error.message = "the response was cut short (fewer bytes than announced)";
      reason = "truncated";
      break;
    case CURLE_GOT_NOTHING:
      error.message = "the server closed the connection without replying";
      reason = "truncated";
      break;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      error.message = "the connection broke (" + std::string(curl_easy_strerror(code)) + ")";
      reason = "truncated";
      break;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_CONTENT_ENCODING:
      error.message = "the reply is not valid HTTP (" + std::string(curl_easy_strerror(code)) + ")";
      reason = "malformed";
      break;
    case CURLE_URL_MALFORMAT:
      error.code = ErrorCode::kInvalidArgument;
      error.message = "the URL is malformed";
      reason = "url";
      break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      error.message = "TLS failed (" + std::string(curl_easy_strerror(code)) + ")";
      reason = "tls";
      break;
    default:
      error.message = curl_easy_strerror(code);
      break;
  }
  error.details["reason"] = reason;
  return error;
}

}  // namespace

struct HttpClient::Impl {
  HttpClientOptions options;
  CURL* curl = nullptr;
  ~Impl() {
    if (curl) curl_easy_cleanup(curl);
  }

  Result<HttpResponse> Perform(const HttpRequest& request, Transfer& t) {
    if (!request.url.starts_with("http://") && !request.url.starts_with("https://")) {
      return InvalidArgument("the URL " + QuoteForMessage(request.url) +
                             " must start with http:// or https://");
    }
    CURL* c = curl;
    curl_easy_reset(c);
    t.curl = c;
    HeaderList headers;
    for (const auto& [name, value] : request.headers) headers.Add(name + ": " + value);
    // libcurl would otherwise send "Expect: 100-continue" for larger bodies.
    headers.Add("Expect:");
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    if (t.streaming) {
      // A stream may last for hours; what must not happen is silence (servers send keep-alive
      // comments), so abort when less than one byte arrives per idle_timeout.
      const long idle_s = std::max<long>(1, static_cast<long>(options.idle_timeout.count() / 1000));
      curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, idle_s);
    } else {
      curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
    }
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    std::string ca_bundle = options.ca_bundle;
    if (ca_bundle.empty()) {
      const char* env = std::getenv("FERRY_CA_BUNDLE");
      if (env && *env) ca_bundle = env;
    }
    if (!ca_bundle.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, ca_bundle.c_str());
    curl_easy_setopt(c, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.list);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    if (request.method == "GET") {
      curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    }
    CURLcode code = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
    if (code != CURLE_OK) return TransferError(code, t, options);
    if (!t.started && !BeginBody(t)) return TransferError(CURLE_WRITE_ERROR, t, options);
    return std::move(t.response);
  }
};

Result<std::unique_ptr<HttpClient>> HttpClient::Create(HttpClientOptions options) {
  static std::once_flag once;
  static CURLcode init = CURLE_OK;
  std::call_once(once, [] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init != CURLE_OK) return Internal("libcurl failed to initialise");
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->curl = curl_easy_init();
  if (!impl->curl) return Internal("libcurl failed to create a handle");
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

const HttpClientOptions& HttpClient::options() const { return impl_->options; }

Result<HttpResponse> HttpClient::Send(const HttpRequest& request) {
  Transfer t;
  t.max_body = impl_->options.max_response_bytes;
  return impl_->Perform(request, t);
}

Result<HttpResponse> HttpClient::Stream(const HttpRequest& request, const StartCallback& on_start,
                                        const DataCallback& on_data) {
  Transfer t;
  t.streaming = true;
  t.on_start = &on_start;
  t.on_data = &on_data;
  // A non-2xx reply is buffered (it carries the JSON error), bounded like any response.
  t.max_body = impl_->options.max_response_bytes;
  return impl_->Perform(request, t);
}

}  // namespace ferry::cli
