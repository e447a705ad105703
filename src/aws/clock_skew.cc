#include "aws/clock_skew.h"

#include <array>
#include <cstdlib>
#include <ctime>

namespace ferry::aws {
namespace {

bool Contains(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

std::optional<int> Digits(std::string_view text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

bool IsClockSkewError(std::string_view code, std::string_view message) {
  if (code == "RequestTimeTooSkewed" || code == "RequestExpired" || code == "RequestInTheFuture") {
    return true;
  }
  if (code == "InvalidSignatureException" || code == "SignatureDoesNotMatch" ||
      code == "AuthFailure") {
    return Contains(message, "Signature expired") || Contains(message, "Signature not yet current");
  }
  return false;
}

std::optional<TimePoint> ParseHttpDate(std::string_view text) {
  // "Sun, 06 Nov 1994 08:49:37 GMT": exactly 29 characters.
  if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int month = -1;
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (text.substr(8, 3) == kMonths[i]) month = static_cast<int>(i);
  }
  auto day = Digits(text.substr(5, 2));
  auto year = Digits(text.substr(12, 4));
  auto hour = Digits(text.substr(17, 2));
  auto minute = Digits(text.substr(20, 2));
  auto second = Digits(text.substr(23, 2));
  if (month < 0 || !day || !year || !hour || !minute || !second || *day < 1 || *day > 31 ||
      *year < 1970 || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  const time_t seconds = timegm(&tm);
  if (seconds == static_cast<time_t>(-1) || tm.tm_mday != *day) return std::nullopt;  // Feb 30
  return TimePoint(std::chrono::seconds(seconds));
}

TimePoint ClockSkew::Corrected(TimePoint now) const { return now + offset(); }

std::chrono::milliseconds ClockSkew::offset() const {
  return std::chrono::milliseconds(offset_ms_.load(std::memory_order_relaxed));
}

bool ClockSkew::AdjustFrom(std::string_view aws_code, std::string_view message,
                           const HttpResponse& response, TimePoint signed_at, TimePoint local_now) {
  if (!IsClockSkewError(aws_code, message)) return false;
  const std::optional<TimePoint> server = ParseHttpDate(response.Header("date"));
  if (!server.has_value()) return false;
  const auto difference = *server > signed_at ? *server - signed_at : signed_at - *server;
  if (difference < kSkewThreshold) return false;
  const auto offset = std::chrono::duration_cast<std::chrono::milliseconds>(*server - local_now);
  offset_ms_.store(offset.count(), std::memory_order_relaxed);
  return true;
}

}  // namespace ferry::aws
