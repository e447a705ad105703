// Cron expressions for schedule triggers: the five fields of crontab(5) in a time zone, with
// names, ranges, steps, lists and the @daily-style shorthands.
//
//   FERRY_ASSIGN_OR_RETURN(CronExpression cron, CronExpression::Parse("0 2 * * MON-FRI"));
//   std::optional<Instant> next = cron.NextAfter(now, berlin);
//
// Fields: minute 0-59, hour 0-23, day of month 1-31, month 1-12 or JAN-DEC, day of week 0-7 or
// SUN-SAT (0 and 7 are Sunday). Each field is `*`, a value, a range `a-b`, a step `*/n`,
// `a-b/n` or `a/n` (a to the field's maximum), or a comma-separated list of these; names are
// case-insensitive. As in crontab(5), when both day fields are restricted (neither starts with
// `*`), a day matches when either does.
//
// Clock changes, the rules of Vixie cron (and so of most crontabs):
// - a wall-clock time the clocks jump over fires once, at the jump ("30 2 * * *" fires at 03:00
//   on the day summer time starts in Europe/Berlin);
// - a wall-clock time that occurs twice fires once, at its first occurrence, unless the minute or
//   hour field starts with `*`: then it fires at both ("*/15 * * * *" keeps firing every 15 real
//   minutes through the repeated hour).
//
// Parse refuses what can never fire (day 30 of February). Immutable; thread-safe.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "schedule/time_zone.h"

namespace ferry::schedule {

class CronExpression {
 public:
  // kInvalidArgument naming the field, its text and the rule broken ("hour 24 is out of range
  // 0-23"), for the caller to put after the expression's place ("schedule.cron: …").
  static Result<CronExpression> Parse(std::string_view text);

  // The first instant strictly after `after` at which this fires in `zone`; nullopt when there
  // is none in the next eight years (only an expression firing on 29 February in a century's
  // non-leap stretch could get there).
  std::optional<Instant> NextAfter(Instant after, const TimeZone& zone) const;

  const std::string& text() const { return text_; }

 private:
  CronExpression() = default;
  bool DayMatches(int month, int day_of_month, int weekday) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;      // 1-31
  std::bitset<13> months_;    // 1-12
  std::bitset<7> weekdays_;   // 0 (Sunday) - 6
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;
  bool fires_twice_in_repeated_hour_ = false;
};

}  // namespace ferry::schedule
