#include "schedule/freeze.h"

#include <algorithm>
#include <utility>

namespace ferry::schedule {

FreezeTimes FreezeTimes::OneOff(LocalSeconds start, LocalSeconds end) {
  FreezeTimes t;
  t.start_ = start;
  t.end_ = end;
  return t;
}

FreezeTimes FreezeTimes::Recurring(CronExpression cron, std::chrono::seconds duration) {
  FreezeTimes t;
  t.cron_ = std::move(cron);
  t.duration_ = duration;
  return t;
}

// Bounds the work of one evaluation: a cron firing every minute with a duration of a minute or
// more never lets go, and following it minute by minute to the horizon would take seconds.
constexpr int kMaxMergedOccurrences = 4000;

struct FreezeEvaluation {
  static FreezeState Evaluate(const FreezeTimes& t, const TimeZone& zone, Instant now) {
    return t.cron_ ? Recurring(t, zone, now) : OneOff(t, zone, now);
  }
  static FreezeState OneOff(const FreezeTimes& t, const TimeZone& zone, Instant now) {
    const Instant start = zone.Resolve(t.start_).first;
    const Instant end = zone.Resolve(t.end_).second;
    FreezeState s;
    if (now < start) {
      s.next_start = start;
    } else if (now < end) {
      s.active = true;
      s.until = end;
    }
    return s;
  }

  static FreezeState Recurring(const FreezeTimes& t, const TimeZone& zone, Instant now) {
    const CronExpression& cron = *t.cron_;
    const std::chrono::seconds d = t.duration_;
    FreezeState s;
    // An occurrence covering `now` started in (now - d, now]: the first firing after now - d.
    std::optional<Instant> first = cron.NextAfter(now - d, zone);
    if (!first || *first > now) {
      s.next_start = first;
      return s;
    }
    s.active = true;
    // Follow the firings while each starts before the stretch so far ends (overlap or touch).
    const Instant horizon = now + kFreezeHorizon;
    Instant end = *first + d;
    Instant firing = *first;
    for (int merged = 0;; ++merged) {
      std::optional<Instant> next = cron.NextAfter(firing, zone);
      if (!next || *next > end) {
        s.next_start = next;
        break;
      }
      end = std::max(end, *next + d);
      firing = *next;
      if (end > horizon || merged == kMaxMergedOccurrences) {
        s.next_start.reset();
        s.until.reset();
        return s;
      }
    }
    s.until = end;
    return s;
  }
};

std::optional<LocalSeconds> ParseLocalDateTime(std::string_view text) {
  if (text.size() != 16 && text.size() != 19) return std::nullopt;
  auto digits = [&](size_t at, size_t n) -> std::optional<int> {
    int value = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':') return std::nullopt;
  if (text.size() == 19 && text[16] != ':') return std::nullopt;
  auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2),
       mi = digits(14, 2);
  auto s = text.size() == 19 ? digits(17, 2) : std::optional<int>(0);
  if (!y || !mo || !d || !h || !mi || !s || *y < 1970 || *h > 23 || *mi > 59 || *s > 59) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(*y),
                                        std::chrono::month(static_cast<unsigned>(*mo)),
                                        std::chrono::day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) return std::nullopt;
  const auto days = std::chrono::sys_days(ymd).time_since_epoch().count();
  return static_cast<LocalSeconds>(days) * 86400 + *h * 3600 + *mi * 60 + *s;
}

FreezeState EvaluateFreeze(const FreezeTimes& times, const TimeZone& zone, Instant now) {
  return FreezeEvaluation::Evaluate(times, zone, now);
}

}  // namespace ferry::schedule
