#include "aws/curl_transport.h"

#include <cstdlib>
#include <fstream>

#include "common/http_client.h"
#include "common/secret_mask.h"
#include "common/strings.h"

namespace ferry::aws {
namespace {

std::string Detail(const Error& error, const char* key) {
  auto it = error.details.find(key);
  return it == error.details.end() ? std::string() : it->second;
}

// The client's error in this transport's words: "METHOD url: what happened", no details.
Error TransportError(const HttpRequest& request, const Error& error, size_t max_response_bytes) {
  const std::string what = request.method + " " + Detail(error, "url");
  if (error.code == ErrorCode::kPayloadTooLarge) {
    return Error{ErrorCode::kPayloadTooLarge,
                 what + ": response body exceeds " + std::to_string(max_response_bytes) + " bytes",
                 {}};
  }
  const std::string cause = Detail(error, "cause");
  // Refused before anything was sent (a bad URL, method or header): the message says why.
  if (cause.empty()) return Error{error.code, MaskSecrets(error.message), {}};
  return Error{error.code, MaskSecrets(what + ": " + cause), {}};
}

}  // namespace

struct CurlTransport::Impl {
  CurlTransportOptions options;
  std::unique_ptr<http::Client> client;
};

CurlTransport::CurlTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CurlTransport::~CurlTransport() = default;

Result<std::unique_ptr<CurlTransport>> CurlTransport::Create(CurlTransportOptions options) {
  if (options.ca_bundle.empty()) {
    // The variable every AWS SDK and the AWS CLI honour.
    if (const char* env = std::getenv("AWS_CA_BUNDLE"); env != nullptr) options.ca_bundle = env;
  }
  if (!options.ca_bundle.empty() && !std::ifstream(options.ca_bundle).good()) {
    return InvalidArgument("CA bundle " + QuoteForMessage(options.ca_bundle) + " is not readable");
  }
  http::ClientOptions client_options;
  client_options.ca_bundle = options.ca_bundle;
  client_options.max_idle_per_endpoint = options.max_idle_per_endpoint;
  client_options.user_agent = options.user_agent;
  auto impl = std::make_unique<Impl>();
  FERRY_ASSIGN_OR_RETURN(impl->client, http::Client::Create(std::move(client_options)));
  impl->options = std::move(options);
  return std::unique_ptr<CurlTransport>(new CurlTransport(std::move(impl)));
}

TransportStats CurlTransport::Stats() const {
  const http::ClientStats stats = impl_->client->Stats();
  return TransportStats{stats.requests, stats.new_connections};
}

Result<HttpResponse> CurlTransport::Send(const HttpRequest& request) {
  http::Request call;
  call.method = request.method;
  call.url = request.url;
  call.headers = request.headers;
  call.body = request.body;
  call.connect_timeout = request.connect_timeout;
  call.timeout = request.timeout;
  call.max_response_bytes = impl_->options.max_response_bytes;
  auto response = impl_->client->Send(call);
  if (!response.ok()) {
    return TransportError(request, response.error(), impl_->options.max_response_bytes);
  }
  HttpResponse out;
  out.status = response->status;
  out.headers = std::move(response->headers);
  out.body = std::move(response->body);
  return out;
}

}  // namespace ferry::aws
