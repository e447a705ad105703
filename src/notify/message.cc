#include "notify/message.h"

#include <chrono>
#include <ctime>

#include "common/crypto.h"
#include "common/json.h"
#include "model/enums.h"

namespace ferry::notify {
namespace {

constexpr size_t kMaxSubjectBytes = 200;
constexpr size_t kMaxSummaryBytes = 4000;

// One line: control characters (CR, LF, TAB, DEL...) become spaces.
std::string OneLine(std::string_view text) {
  std::string out(text);
  for (char& ch : out) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = ' ';
  }
  return out;
}

// At most max bytes, cut at a UTF-8 character boundary.
std::string Cut(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text + "…";
}

std::string SlackEscape(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (ch == '&') {
      out += "&amp;";
    } else if (ch == '<') {
      out += "&lt;";
    } else if (ch == '>') {
      out += "&gt;";
    } else {
      out += ch;
    }
  }
  return out;
}

std::string What(const Event& e) {
  switch (e.type) {
    case model::NotificationEvent::kExecutionStarted:
      return "execution started";
    case model::NotificationEvent::kExecutionSucceeded:
      return "execution succeeded";
    case model::NotificationEvent::kExecutionFailed:
      return "execution failed" + (e.status.empty() ? "" : " (" + e.status + ")");
    case model::NotificationEvent::kExecutionRolledBack:
      return "execution rolled back";
    case model::NotificationEvent::kVerificationFailed:
      return "verification failed" + (e.step.empty() ? "" : " in step " + e.step);
    case model::NotificationEvent::kFreezeRefused:
      return "deployment refused by freeze window " +
             (e.freeze_window.empty() ? std::string("?") : "'" + e.freeze_window + "'");
    case model::NotificationEvent::kApprovalWaiting:
      return "approval waiting" + (e.step.empty() ? "" : " in step " + e.step);
  }
  return "event";
}

std::string Target(const Event& e) {
  std::string out = e.application;
  if (!e.service.empty()) out += "/" + e.service;
  if (!e.environment.empty()) out += " → " + e.environment;
  return out;
}

bool Ascii(std::string_view text) {
  for (char ch : text) {
    if (static_cast<unsigned char>(ch) >= 0x80) return false;
  }
  return true;
}

// RFC 2047 for a non-ASCII header value; ASCII as it is.
std::string EncodedWord(const std::string& text) {
  if (Ascii(text)) return text;
  return "=?UTF-8?B?" + Base64Encode(text) + "?=";
}

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// An address as a header and the envelope take it: no control characters, spaces, brackets,
// commas, quotes.
bool PlainAddress(std::string_view a) {
  if (a.empty() || a.size() > 254 || a.find('@') == std::string_view::npos) return false;
  for (char ch : a) {
    const auto u = static_cast<unsigned char>(ch);
    if (u <= 0x20 || u >= 0x7f || ch == '<' || ch == '>' || ch == ',' || ch == '"' || ch == ';' ||
        ch == '\\' || ch == '(' || ch == ')') {
      return false;
    }
  }
  return true;
}

std::string RfcDate(TimePoint now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

}  // namespace

std::string Headline(const Event& e) {
  std::string line = Target(e) + ": " + What(e);
  if (!e.actor.empty()) line += " (by " + e.actor + ")";
  return OneLine(line);
}

std::string SlackBody(const Event& e) {
  std::string text = SlackEscape(Headline(e));
  if (!e.summary.empty()) text += "\n" + SlackEscape(Cut(e.summary, kMaxSummaryBytes));
  if (!e.url.empty()) {
    // The link's target is ours (the server's URL and an execution id), its label fixed.
    text += "\n<" + SlackEscape(OneLine(e.url)) + "|execution " + SlackEscape(e.execution_id) + ">";
  }
  return DumpJson(Json{{"text", text}});
}

std::string WebhookBody(const Event& e, const std::string& delivery_id) {
  Json body = EventJson(e);
  if (body.contains("summary")) body["summary"] = Cut(e.summary, kMaxSummaryBytes);
  body["deliveryId"] = delivery_id;
  return DumpJson(body);
}

std::vector<std::pair<std::string, std::string>> WebhookHeaders(const Event& e,
                                                                const std::string& delivery_id,
                                                                const std::string& body,
                                                                const std::string& key,
                                                                TimePoint now) {
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return {{"Content-Type", "application/json"},
          {"User-Agent", "ferry-notifications"},
          {"X-Ferry-Event", EventName(e.type)},
          {"X-Ferry-Delivery", delivery_id},
          {"X-Ferry-Timestamp", std::to_string(seconds)},
          {"X-Ferry-Signature", "sha256=" + HexEncode(HmacSha256(key, body))}};
}

std::string EmailSubject(const model::EmailChannel& channel, const Event& e) {
  std::string subject;
  if (channel.subject) {
    subject = *channel.subject;
    ReplaceAll(subject, "{event}", EventName(e.type));
    ReplaceAll(subject, "{application}", e.application);
    ReplaceAll(subject, "{environment}", e.environment);
    ReplaceAll(subject, "{service}", e.service);
    ReplaceAll(subject, "{status}", e.status);
    ReplaceAll(subject, "{execution}", e.execution_id);
  } else {
    subject = "[ferry] " + Headline(e);
  }
  return Cut(OneLine(subject), kMaxSubjectBytes);
}

Result<std::string> EmailData(const model::EmailChannel& channel, const Event& e,
                              const std::string& delivery_id, TimePoint now) {
  if (!PlainAddress(channel.from)) return InvalidArgument("the sender address is unusable");
  std::string to;
  for (const auto& address : channel.to) {
    if (!PlainAddress(address)) return InvalidArgument("a recipient address is unusable");
    to += (to.empty() ? "" : ", ") + address;
  }
  std::string domain = channel.from.substr(channel.from.find('@') + 1);
  std::string data;
  data += "From: " + channel.from + "\r\n";
  data += "To: " + to + "\r\n";
  data += "Subject: " + EncodedWord(EmailSubject(channel, e)) + "\r\n";
  data += "Date: " + RfcDate(now) + "\r\n";
  data += "Message-ID: <" + OneLine(delivery_id) + "@" + domain + ">\r\n";
  data += "MIME-Version: 1.0\r\n";
  data += "Content-Type: text/plain; charset=utf-8\r\n";
  data += "Content-Transfer-Encoding: 8bit\r\n";
  data += "X-Ferry-Event: " + EventName(e.type) + "\r\n";
  data += "\r\n";
  std::vector<std::string> lines = {Headline(e), ""};
  if (!e.summary.empty()) {
    std::string summary = Cut(e.summary, kMaxSummaryBytes);
    size_t start = 0;
    while (start <= summary.size()) {
      size_t end = summary.find('\n', start);
      if (end == std::string::npos) end = summary.size();
      lines.push_back(OneLine(summary.substr(start, end - start)));
      start = end + 1;
    }
    lines.emplace_back();
  }
  auto field = [&](const char* name, const std::string& value) {
    if (!value.empty()) lines.push_back(std::string(name) + ": " + OneLine(value));
  };
  field("Application", e.application);
  field("Service", e.service);
  field("Environment", e.environment);
  field("Execution", e.execution_id);
  field("Status", e.status);
  field("Step", e.step);
  field("Freeze window", e.freeze_window);
  field("By", e.actor);
  field("Link", e.url);
  for (const auto& line : lines) data += line + "\r\n";
  return data;
}

}  // namespace ferry::notify
