// What each channel type sends for an event: the Slack-compatible body, the generic webhook's
// body and signature headers, the e-mail's headers and text. Pure functions; thread-safe.
//
// Header safety: every value that reaches an e-mail header (subject, addresses) is one line —
// control characters in event fields become spaces, and the addresses are checked again here
// (configuration validation refuses them first) — so an event cannot add a header or a
// recipient. Non-ASCII subjects are RFC 2047 encoded.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "model/entities.h"
#include "notify/event.h"

namespace ferry::notify {

// One readable line for people: "shop/api → dev: execution succeeded (by alice)".
std::string Headline(const Event& event);

// {"text": "..."}: the headline, the summary and a link to the execution, with Slack's
// mrkdwn control characters (&, <, >) escaped in every value that came from the event.
std::string SlackBody(const Event& event);

// The event JSON plus "deliveryId", compact.
std::string WebhookBody(const Event& event, const std::string& delivery_id);
// X-Ferry-Event, X-Ferry-Delivery, X-Ferry-Timestamp (Unix seconds, when sent) and
// X-Ferry-Signature: "sha256=" + hex HMAC-SHA256(key, body).
std::vector<std::pair<std::string, std::string>> WebhookHeaders(const Event& event,
                                                                const std::string& delivery_id,
                                                                const std::string& body,
                                                                const std::string& key,
                                                                TimePoint now);

// The subject: the channel's template ({event}, {application}, {environment}, {service},
// {status}, {execution}; unknown placeholders stay as written) or "[ferry] " + headline; one
// line, at most 200 bytes before encoding.
std::string EmailSubject(const model::EmailChannel& channel, const Event& event);
// The whole message (headers, blank line, body; CRLF line ends). kInvalidArgument when an
// address would break a header.
Result<std::string> EmailData(const model::EmailChannel& channel, const Event& event,
                              const std::string& delivery_id, TimePoint now);

}  // namespace ferry::notify
