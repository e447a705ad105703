#include "aws/curl_transport.h"

#include <curl/curl.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <vector>

#include "common/secret_mask.h"
#include "common/strings.h"

namespace ferry::aws {
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

// What the error message may say about a URL: scheme, host, port and path; never the query,
// which carries pre-signed credentials.
struct UrlInfo {
  std::string endpoint;  // scheme://host:port, the pool key
  std::string safe;      // endpoint + path
};

Result<UrlInfo> InspectUrl(const std::string& url) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u) return Internal("out of memory parsing a URL");
  if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return InvalidArgument("malformed request URL");
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
    return InvalidArgument("request URL must be http or https");
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

struct Transfer {
  HttpResponse response;
  size_t max_bytes = 0;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->response.body.size() + n > t->max_bytes) {
    t->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->response.body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    // A new response (after 100 Continue or a proxy's CONNECT reply) starts over.
    t->response.headers.clear();
    return line.size();
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos && colon > 0) {
    t->response.headers.emplace(ToLower(Trim(line.substr(0, colon))),
                                std::string(Trim(line.substr(colon + 1))));
  }
  return line.size();
}

ErrorCode CodeFor(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return ErrorCode::kDeadlineExceeded;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return ErrorCode::kInvalidArgument;
    case CURLE_OUT_OF_MEMORY:
      return ErrorCode::kInternal;
    default:
      return ErrorCode::kUnavailable;
  }
}

}  // namespace

struct CurlTransport::Impl {
  CurlTransportOptions options;
  CURLSH* share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks;

  std::mutex mu;
  // Guarded by mu: idle handles per endpoint; each keeps its live connections.
  std::map<std::string, std::vector<EasyHandle>> idle;
  TransportStats stats;

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
};

CurlTransport::CurlTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CurlTransport::~CurlTransport() = default;

Result<std::unique_ptr<CurlTransport>> CurlTransport::Create(CurlTransportOptions options) {
  static std::once_flag once;
  static CURLcode init = CURLE_OK;
  std::call_once(once, [] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init != CURLE_OK) return Internal("libcurl failed to initialise");
  if (options.ca_bundle.empty()) {
    // The variable every AWS SDK and the AWS CLI honour.
    if (const char* env = std::getenv("AWS_CA_BUNDLE"); env != nullptr) options.ca_bundle = env;
  }
  if (!options.ca_bundle.empty() && !std::ifstream(options.ca_bundle).good()) {
    return InvalidArgument("CA bundle " + QuoteForMessage(options.ca_bundle) + " is not readable");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->share = curl_share_init();
  if (impl->share == nullptr) return Internal("libcurl failed to create a share handle");
  curl_share_setopt(impl->share, CURLSHOPT_LOCKFUNC, &Impl::Lock);
  curl_share_setopt(impl->share, CURLSHOPT_UNLOCKFUNC, &Impl::Unlock);
  curl_share_setopt(impl->share, CURLSHOPT_USERDATA, impl.get());
  curl_share_setopt(impl->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(impl->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  return std::unique_ptr<CurlTransport>(new CurlTransport(std::move(impl)));
}

TransportStats CurlTransport::Stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

Result<HttpResponse> CurlTransport::Send(const HttpRequest& request) {
  FERRY_ASSIGN_OR_RETURN(UrlInfo url, InspectUrl(request.url));
  const std::string what = request.method + " " + url.safe;
  if (request.method.empty() || HasLineBreak(request.method) ||
      request.method.find(' ') != std::string::npos) {
    return InvalidArgument("invalid HTTP method for " + url.safe);
  }
  Slist headers;
  bool has_content_type = false;
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value) ||
        name.find(':') != std::string::npos) {
      return InvalidArgument(what + ": a request header has an invalid name or value");
    }
    if (EqualsIgnoreCase(name, "content-type")) has_content_type = true;
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next == nullptr) return Internal("out of memory building request headers");
    headers.release();
    headers.reset(next);
  }
  // No "Expect: 100-continue" round trip, and no curl-invented Content-Type (it would be
  // unsigned and wrong).
  for (const char* line : {"Expect:", has_content_type ? nullptr : "Content-Type:"}) {
    if (line == nullptr) continue;
    curl_slist* next = curl_slist_append(headers.get(), line);
    if (next == nullptr) return Internal("out of memory building request headers");
    headers.release();
    headers.reset(next);
  }

  EasyHandle h = impl_->Checkout(url.endpoint);
  if (!h) return Internal("libcurl failed to create a handle");
  CURL* c = h.get();
  curl_easy_reset(c);  // keeps live connections, DNS and TLS session caches
  Transfer transfer;
  transfer.max_bytes = impl_->options.max_response_bytes;
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_SHARE, impl_->share);
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!impl_->options.ca_bundle.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, impl_->options.ca_bundle.c_str());
  }
  curl_easy_setopt(c, CURLOPT_USERAGENT, impl_->options.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
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

  CURLcode code = curl_easy_perform(c);
  long connects = 0;
  curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  // The handle must not keep pointers into this frame.
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
  impl_->Return(url.endpoint, std::move(h), connects > 0);

  if (code != CURLE_OK) {
    if (transfer.too_large) {
      return Error{ErrorCode::kPayloadTooLarge,
                   what + ": response body exceeds " +
                       std::to_string(impl_->options.max_response_bytes) + " bytes",
                   {}};
    }
    std::string detail = curl_easy_strerror(code);
    std::string_view buffer(errbuf);
    // curl's detail names hosts and ports, never queries; keep it only if that holds.
    if (!buffer.empty() && buffer.find('?') == std::string_view::npos) {
      detail += " (" + std::string(Trim(buffer)) + ")";
    }
    return Error{CodeFor(code), MaskSecrets(what + ": " + detail), {}};
  }
  transfer.response.status = static_cast<int>(status);
  return std::move(transfer.response);
}

}  // namespace ferry::aws
