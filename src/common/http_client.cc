#include "common/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <mutex>

#include "common/strings.h"

namespace ferry::http {
namespace {

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

Error WithReason(Error error, std::string reason) {
  error.details["reason"] = std::move(reason);
  return error;
}

// What an error may say about a URL: scheme, host, port and path; never the query, which carries
// pre-signed credentials.
struct UrlInfo {
  std::string endpoint;  // scheme://host:port, the pool key
  std::string safe;      // endpoint + path
};

Result<UrlInfo> InspectUrl(const std::string& url) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u) return Internal("out of memory parsing a URL");
  if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return WithReason(InvalidArgument("malformed request URL"), "url");
  }
  auto part = [&](CURLUPart which, unsigned flags) -> std::string {
    char* value = nullptr;
    if (curl_url_get(u.get(), which, &value, flags) != CURLUE_OK || value == nullptr) return "";
    std::string out(value);
    curl_free(value);
    return out;
  };
  std::string scheme = ToLower(part(CURLUPART_SCHEME, 0));
  if (scheme != "http" && scheme != "https") {
    return WithReason(InvalidArgument("request URL must be http or https"), "url");
  }
  UrlInfo info;
  info.endpoint =
      scheme + "://" + part(CURLUPART_HOST, 0) + ":" + part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  info.safe = info.endpoint + part(CURLUPART_PATH, 0);
  return info;
}

bool HasLineBreak(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

// One transfer's state, shared with libcurl's callbacks.
struct Transfer {
  CURL* curl = nullptr;
  bool streaming = false;
  const Client::StartCallback* on_start = nullptr;
  const Client::DataCallback* on_data = nullptr;
  size_t max_body = 0;
  bool started = false;
  bool pass_through = false;  // streaming a 2xx body to on_data rather than buffering it
  bool cancelled = false;
  bool too_large = false;
  std::stop_token stop;
  Response response;
};

// libcurl calls this often during a transfer, also while nothing arrives: ends it on request.
int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto& t = *static_cast<Transfer*>(user);
  if (!t.stop.stop_requested()) return 0;
  t.cancelled = true;
  return 1;  // CURLE_ABORTED_BY_CALLBACK
}

// Called once the status line and headers are in (at the first body byte or at the end).
bool BeginBody(Transfer& t) {
  t.started = true;
  long status = 0;
  curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &status);
  t.response.status = static_cast<int>(status);
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

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    // A new response (after 100 Continue or a proxy's CONNECT reply) starts over.
    t.response.headers.clear();
    return line.size();
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos && colon > 0) {
    t.response.headers.emplace(ToLower(Trim(line.substr(0, colon))),
                               std::string(Trim(line.substr(colon + 1))));
  }
  return line.size();
}

// libcurl's description of a failure: its error text and, when that names no query, the error
// buffer's details (hosts and ports).
std::string CauseOf(CURLcode code, std::string_view buffer) {
  std::string cause = curl_easy_strerror(code);
  buffer = Trim(buffer);
  if (!buffer.empty() && buffer.find('?') == std::string_view::npos) {
    cause += " (" + std::string(buffer) + ")";
  }
  return cause;
}

Error TransferError(CURLcode code, const Transfer& t, std::string_view error_buffer) {
  Error error;
  if (t.too_large) {
    error.code = ErrorCode::kPayloadTooLarge;
    error.message = "the response is larger than " + std::to_string(t.max_body) + " bytes";
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
  const std::string what = curl_easy_strerror(code);
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
      error.message = "the connection broke (" + what + ")";
      reason = "truncated";
      break;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:  // also an HTTP/0.9 reply, i.e. not HTTP
    case CURLE_BAD_CONTENT_ENCODING:
      error.message = "the reply is not valid HTTP (" + what + ")";
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
      error.message = "TLS failed (" + what + ")";
      reason = "tls";
      break;
    case CURLE_OUT_OF_MEMORY:
      error.code = ErrorCode::kInternal;
      error.message = what;
      break;
    default:
      error.message = what;
      break;
  }
  error.details["reason"] = reason;
  error.details["cause"] = CauseOf(code, error_buffer);
  return error;
}

// Appends one line to a header list; false when out of memory.
bool Append(Slist& list, const std::string& line) {
  curl_slist* next = curl_slist_append(list.get(), line.c_str());
  if (next == nullptr) return false;
  (void)list.release();  // next now heads the list that included it
  list.reset(next);
  return true;
}

}  // namespace

struct Client::Impl {
  ClientOptions options;
  CURLSH* share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks;

  std::mutex mu;
  // Guarded by mu: idle handles per endpoint; each keeps its live connections.
  std::map<std::string, std::vector<EasyHandle>> idle;
  ClientStats stats;

  ~Impl() {
    idle.clear();
    if (share != nullptr) curl_share_cleanup(share);
  }

  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->share_locks[data].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Impl*>(user)->share_locks[data].unlock();
  }

  EasyHandle Checkout(const std::string& endpoint) {
    {
      std::lock_guard lock(mu);
      auto it = idle.find(endpoint);
      if (it != idle.end() && !it->second.empty()) {
        EasyHandle h = std::move(it->second.back());
        it->second.pop_back();
        return h;
      }
    }
    return EasyHandle(curl_easy_init());
  }

  void Return(const std::string& endpoint, EasyHandle h, bool new_connection) {
    std::lock_guard lock(mu);
    stats.requests++;
    if (new_connection) stats.new_connections++;
    auto& list = idle[endpoint];
    if (list.size() < options.max_idle_per_endpoint) list.push_back(std::move(h));
  }

  Result<Response> Perform(const Request& request, Transfer& t);
};

Result<Response> Client::Impl::Perform(const Request& request, Transfer& t) {
  FERRY_ASSIGN_OR_RETURN(UrlInfo url, InspectUrl(request.url));
  auto invalid = [&](std::string message) {
    Error error = WithReason(InvalidArgument(std::move(message)), "request");
    error.details["url"] = url.safe;
    return error;
  };
  if (request.method.empty() || HasLineBreak(request.method) ||
      request.method.find(' ') != std::string::npos) {
    return invalid("invalid HTTP method for " + url.safe);
  }
  Slist headers;
  bool has_content_type = false;
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value) ||
        name.find(':') != std::string::npos) {
      return invalid(request.method + " " + url.safe +
                     ": a request header has an invalid name or value");
    }
    if (EqualsIgnoreCase(name, "content-type")) has_content_type = true;
    // "name;" is libcurl's spelling of a header with an empty value ("name:" would remove it).
    if (!Append(headers, value.empty() ? name + ";" : name + ": " + value)) {
      return Internal("out of memory building request headers");
    }
  }
  // No "Expect: 100-continue" round trip, and no libcurl-invented Content-Type (it would be
  // wrong, and unsigned where the request is signed).
  if (!Append(headers, "Expect:") || (!has_content_type && !Append(headers, "Content-Type:"))) {
    return Internal("out of memory building request headers");
  }

  EasyHandle h = Checkout(url.endpoint);
  if (!h) return Internal("libcurl failed to create a handle");
  CURL* c = h.get();
  curl_easy_reset(c);  // keeps live connections, DNS and TLS session caches
  t.curl = c;
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_SHARE, share);
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  if (request.timeout.count() > 0) {
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  }
  if (request.idle_timeout.count() > 0) {
    // A stream may last for hours; what must not happen is silence (servers send keep-alive
    // comments), so abort when less than one byte arrives per idle_timeout.
    const long idle_s = std::max<long>(1, static_cast<long>(request.idle_timeout.count() / 1000));
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, idle_s);
  }
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.ca_bundle.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_bundle.c_str());
  }
  curl_easy_setopt(c, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  if (request.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
        request.method == "PATCH") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    }
  }

  t.stop = request.stop;
  if (t.stop.stop_possible()) {
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &OnProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  }
  CURLcode code = curl_easy_perform(c);
  if (t.stop.stop_possible()) {  // the handle is pooled: the next transfer has no callback
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 1L);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, nullptr);
  }
  long connects = 0;
  curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
  // The handle must not keep pointers into this frame.
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, nullptr);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, nullptr);
  if (code == CURLE_OK && !t.started) BeginBody(t);  // a reply without a body
  t.curl = nullptr;
  Return(url.endpoint, std::move(h), connects > 0);

  if (code == CURLE_OK && t.cancelled) code = CURLE_WRITE_ERROR;
  if (code == CURLE_ABORTED_BY_CALLBACK) t.cancelled = true;
  if (code != CURLE_OK) {
    Error error = TransferError(code, t, errbuf);
    error.details["url"] = url.safe;
    return error;
  }
  return std::move(t.response);
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::Create(ClientOptions options) {
  static std::once_flag once;
  static CURLcode init = CURLE_OK;
  std::call_once(once, [] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init != CURLE_OK) return Internal("libcurl failed to initialise");
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->share = curl_share_init();
  if (impl->share == nullptr) return Internal("libcurl failed to create a share handle");
  curl_share_setopt(impl->share, CURLSHOPT_LOCKFUNC, &Impl::Lock);
  curl_share_setopt(impl->share, CURLSHOPT_UNLOCKFUNC, &Impl::Unlock);
  curl_share_setopt(impl->share, CURLSHOPT_USERDATA, impl.get());
  curl_share_setopt(impl->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(impl->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

ClientStats Client::Stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

Result<Response> Client::Send(const Request& request) {
  Transfer t;
  t.max_body = request.max_response_bytes;
  return impl_->Perform(request, t);
}

Result<Response> Client::Stream(const Request& request, const StartCallback& on_start,
                                const DataCallback& on_data) {
  Transfer t;
  t.streaming = true;
  t.on_start = &on_start;
  t.on_data = &on_data;
  t.max_body = request.max_response_bytes;
  return impl_->Perform(request, t);
}

}  // namespace ferry::http
