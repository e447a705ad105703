// Delivering one event to one channel: ChannelDelivery is the seam (the outbox sender calls it;
// tests may wrap it), NetworkDelivery the real one — Slack-compatible and generic webhooks over
// common's http::Client, e-mail over common's smtp::Send. Credentials are read through the
// SecretResolver at each attempt, registered with the SecretMasker, and never put in an error:
// a webhook URL (which may hold a token) appears in no message, only the receiver's answer
// ("HTTP 500", "timed out").
//
// Errors say whether trying again can help:
//   kUnavailable, kDeadlineExceeded  transient (connection, timeout, HTTP 5xx/408/429): retry
//   anything else                    permanent (a refused URL scheme, HTTP 4xx, a secret that
//                                    does not resolve, a refused login): give up at once
// Thread-safe when the client and resolver are.
#pragma once

#include <chrono>
#include <string>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/result.h"
#include "common/secret_text.h"
#include "model/entities.h"
#include "notify/event.h"

namespace ferry::notify {

class ChannelDelivery {
 public:
  virtual ~ChannelDelivery() = default;
  virtual Status Deliver(const model::NotificationChannel& channel, const Event& event,
                         const std::string& delivery_id) = 0;
};

// Whether an error from Deliver is worth another attempt.
bool Transient(const Error& error);

struct NetworkDeliveryOptions {
  std::chrono::milliseconds timeout{10'000};  // per HTTP request or SMTP exchange
  std::string smtp_ca_bundle;                 // "" = the system store
};

class NetworkDelivery final : public ChannelDelivery {
 public:
  NetworkDelivery(http::Client& http, SecretResolver secrets, Clock& clock,
                  NetworkDeliveryOptions options = {});
  Status Deliver(const model::NotificationChannel& channel, const Event& event,
                 const std::string& delivery_id) override;

 private:
  Result<std::string> Secret(const std::string& name, const char* what);
  Status Post(const std::string& url, const std::string& body,
              std::vector<std::pair<std::string, std::string>> headers);

  http::Client& http_;
  const SecretResolver secrets_;
  Clock& clock_;
  const NetworkDeliveryOptions options_;
};

}  // namespace ferry::notify
