#include "notify/delivery.h"

#include "common/secret_mask.h"
#include "common/smtp_client.h"
#include "common/strings.h"
#include "notify/message.h"

namespace ferry::notify {
namespace {

// The receiver's answer, without the URL (its path may hold a token).
Error HttpFailure(const Error& error) {
  auto reason = error.details.find("reason");
  const std::string why = reason != error.details.end() ? reason->second : "transfer";
  const ErrorCode code = error.code == ErrorCode::kDeadlineExceeded  ? ErrorCode::kDeadlineExceeded
                         : error.code == ErrorCode::kInvalidArgument ? ErrorCode::kInvalidArgument
                                                                     : ErrorCode::kUnavailable;
  const std::string text = why == "timeout"   ? "the receiver did not answer in time"
                           : why == "connect" ? "cannot connect to the receiver"
                           : why == "tls"     ? "TLS with the receiver failed"
                           : why == "url"     ? "the receiver's URL is malformed"
                                              : "the transfer to the receiver failed (" + why + ")";
  return Error{code, text, {{"reason", why}}};
}

bool HttpUrl(const std::string& url) {
  return (url.starts_with("https://") || url.starts_with("http://")) &&
         url.find_first_of(" \t\r\n") == std::string::npos;
}

}  // namespace

bool Transient(const Error& error) {
  return error.code == ErrorCode::kUnavailable || error.code == ErrorCode::kDeadlineExceeded ||
         error.code == ErrorCode::kTooManyRequests;
}

NetworkDelivery::NetworkDelivery(http::Client& http, SecretResolver secrets, Clock& clock,
                                 NetworkDeliveryOptions options)
    : http_(http), secrets_(std::move(secrets)), clock_(clock), options_(std::move(options)) {}

Result<std::string> NetworkDelivery::Secret(const std::string& name, const char* what) {
  if (!secrets_) return FailedPrecondition(std::string(what) + ": no secrets can be read here");
  auto value = secrets_(name);
  if (!value.ok()) {
    // The resolver's message names the secret and its source, never its value.
    return Error{
        value.error().code == ErrorCode::kUnavailable ? ErrorCode::kUnavailable
                                                      : ErrorCode::kFailedPrecondition,
        std::string(what) + " (secret " + QuoteForMessage(name) + "): " + value.error().message,
        {}};
  }
  if (!value->empty()) SecretMasker::Global().Register(*value);
  return value;
}

Status NetworkDelivery::Post(const std::string& url, const std::string& body,
                             std::vector<std::pair<std::string, std::string>> headers) {
  if (!HttpUrl(url)) {
    return InvalidArgument(
        "the receiver's URL must be http:// or https:// (other schemes are "
        "refused)");
  }
  http::Request request;
  request.method = "POST";
  request.url = url;
  request.headers = std::move(headers);
  request.body = body;
  request.connect_timeout = options_.timeout;
  request.timeout = options_.timeout;
  request.max_response_bytes = 64 * 1024;
  auto response = http_.Send(request);
  if (!response.ok()) return HttpFailure(response.error());
  const int status = response->status;
  if (status >= 200 && status < 300) return Ok();
  const std::string text = "the receiver answered HTTP " + std::to_string(status);
  if (status >= 500 || status == 408) return Error{ErrorCode::kUnavailable, text, {}};
  if (status == 429) return Error{ErrorCode::kTooManyRequests, text, {}};
  return Error{ErrorCode::kFailedPrecondition, text, {}};
}

Status NetworkDelivery::Deliver(const model::NotificationChannel& channel, const Event& event,
                                const std::string& delivery_id) {
  if (channel.slack) {
    FERRY_ASSIGN_OR_RETURN(std::string url, Secret(channel.slack->url_secret, "the Slack URL"));
    return Post(url, SlackBody(event),
                {{"Content-Type", "application/json"}, {"User-Agent", "ferry-notifications"}});
  }
  if (channel.webhook) {
    const model::WebhookChannel& w = *channel.webhook;
    std::string url;
    if (w.url) {
      url = *w.url;
    } else {
      FERRY_ASSIGN_OR_RETURN(url, Secret(w.url_secret.value_or(""), "the webhook URL"));
    }
    FERRY_ASSIGN_OR_RETURN(std::string key, Secret(w.signing_secret, "the signing key"));
    const std::string body = WebhookBody(event, delivery_id);
    return Post(url, body, WebhookHeaders(event, delivery_id, body, key, clock_.Now()));
  }
  if (channel.email) {
    const model::EmailChannel& m = *channel.email;
    smtp::Server server;
    server.host = m.host;
    server.port = static_cast<int>(m.port);
    server.start_tls = m.start_tls;
    server.username = m.username.value_or("");
    if (m.password_secret) {
      FERRY_ASSIGN_OR_RETURN(server.password, Secret(*m.password_secret, "the SMTP password"));
    }
    server.ca_bundle = options_.smtp_ca_bundle;
    server.timeout = options_.timeout;
    FERRY_ASSIGN_OR_RETURN(std::string data, EmailData(m, event, delivery_id, clock_.Now()));
    return smtp::Send(server, smtp::Mail{m.from, m.to, std::move(data)});
  }
  return InvalidArgument("the channel has no slack, webhook or email settings");
}

}  // namespace ferry::notify
