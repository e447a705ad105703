#include "cli/http_client.h"

#include <cstdlib>

#include "common/http_client.h"
#include "common/strings.h"

namespace ferry::cli {
namespace {

std::string ContentTypeOf(const http::Response& response) {
  const std::string header = response.Header("content-type");
  std::string_view value = Trim(header);
  if (size_t semi = value.find(';'); semi != std::string_view::npos) value = value.substr(0, semi);
  return ToLower(Trim(value));
}

std::string EtagOf(const http::Response& response) {
  const std::string header = response.Header("etag");
  std::string_view value = Trim(header);
  std::string_view opaque = value.starts_with("W/") ? value.substr(2) : value;
  if (value.size() > 256 || opaque.size() < 2 || opaque.front() != '"' || opaque.back() != '"') {
    return "";
  }
  for (char c : opaque.substr(1, opaque.size() - 2)) {
    if (c <= 0x20 || c == '"' || c == 0x7f) return "";  // RFC 9110 etagc, ASCII only
  }
  return std::string(value);
}

// What the API client reads of a response (the body is moved, when there is one).
HttpResponse Reduce(http::Response& response) {
  HttpResponse out;
  out.status = response.status;
  out.content_type = ContentTypeOf(response);
  out.etag = EtagOf(response);
  out.retry_after = response.headers.count("retry-after") > 0;
  out.body = std::move(response.body);
  return out;
}

// The client's error with only the reason kept as a detail, in the CLI's words where they differ.
Error CliError(const Error& error, const HttpClientOptions& options) {
  Error out{error.code, error.message, {}};
  auto reason = error.details.find("reason");
  if (reason == error.details.end()) return out;
  out.details["reason"] = reason->second;
  if (reason->second == "too_large") {
    out.message =
        "the response is larger than " + std::to_string(options.max_response_bytes / 1024) + " KiB";
  } else if (reason->second == "url") {
    out.message = "the URL is malformed";
  }
  return out;
}

}  // namespace

struct HttpClient::Impl {
  HttpClientOptions options;
  std::unique_ptr<http::Client> client;

  // The request as the shared client takes it, or kInvalidArgument for a URL that is not http(s).
  Result<http::Request> Prepare(const HttpRequest& request) const {
    if (!request.url.starts_with("http://") && !request.url.starts_with("https://")) {
      Error error = InvalidArgument("the URL " + QuoteForMessage(request.url) +
                                    " must start with http:// or https://");
      error.details["reason"] = "url";
      return error;
    }
    http::Request call;
    call.method = request.method;
    call.url = request.url;
    call.headers = request.headers;
    call.body = request.body;
    call.connect_timeout = options.connect_timeout;
    call.timeout = options.timeout;
    call.max_response_bytes = options.max_response_bytes;
    return call;
  }
};

Result<std::unique_ptr<HttpClient>> HttpClient::Create(HttpClientOptions options) {
  http::ClientOptions client_options;
  client_options.ca_bundle = options.ca_bundle;
  if (client_options.ca_bundle.empty()) {
    const char* env = std::getenv("FERRY_CA_BUNDLE");
    if (env && *env) client_options.ca_bundle = env;
  }
  client_options.user_agent = options.user_agent;
  auto impl = std::make_unique<Impl>();
  FERRY_ASSIGN_OR_RETURN(impl->client, http::Client::Create(std::move(client_options)));
  impl->options = std::move(options);
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

const HttpClientOptions& HttpClient::options() const { return impl_->options; }

Result<HttpResponse> HttpClient::Send(const HttpRequest& request) {
  FERRY_ASSIGN_OR_RETURN(http::Request call, impl_->Prepare(request));
  auto response = impl_->client->Send(call);
  if (!response.ok()) return CliError(response.error(), impl_->options);
  return Reduce(*response);
}

Result<HttpResponse> HttpClient::Stream(const HttpRequest& request, const StartCallback& on_start,
                                        const DataCallback& on_data) {
  FERRY_ASSIGN_OR_RETURN(http::Request call, impl_->Prepare(request));
  // A stream may last for hours: only silence ends it. A non-2xx reply is buffered (it carries
  // the JSON error), bounded like any response.
  call.timeout = std::chrono::milliseconds(0);
  call.idle_timeout = impl_->options.idle_timeout;
  http::Client::StartCallback start = [&](const http::Response& response) {
    http::Response head = response;
    return on_start(Reduce(head));
  };
  auto response = impl_->client->Stream(call, start, on_data);
  if (!response.ok()) return CliError(response.error(), impl_->options);
  return Reduce(*response);
}

}  // namespace ferry::cli
