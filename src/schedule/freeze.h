// Freeze windows in time: whether a window is active at an instant, until when its active stretch
// lasts, and when it next starts. Pure: no clock, no I/O but the tz database behind TimeZone.
//
//   FreezeTimes times = FreezeTimes::Recurring(cron, std::chrono::hours(62));
//   FreezeState s = EvaluateFreeze(times, berlin, now);
//   if (s.active) ... s.until ...
//
// A one-off window runs from its local start to its local end, wall-clock times in the zone. A
// start the clocks jump over begins at the jump; a start that occurs twice begins at its first
// occurrence; an end that occurs twice ends at its second (the window covers every instant that
// reads inside it). A recurring window starts at each firing of its cron expression (with the
// cron's rules at clock changes, cron.h) and lasts `duration` of real time, so a 62-hour freeze
// over the autumn change still lasts 62 hours. Occurrences that overlap or touch merge into one
// active stretch: `until` is the end of the whole stretch.
//
// Immutable values; thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "schedule/cron.h"
#include "schedule/time_zone.h"

namespace ferry::schedule {

class FreezeTimes {
 public:
  // From the local wall-clock start to the local end (end after start, checked by the caller).
  static FreezeTimes OneOff(LocalSeconds start, LocalSeconds end);
  // From each firing of `cron` for `duration` (positive).
  static FreezeTimes Recurring(CronExpression cron, std::chrono::seconds duration);

 private:
  friend struct FreezeEvaluation;
  FreezeTimes() = default;
  LocalSeconds start_ = 0;
  LocalSeconds end_ = 0;
  std::optional<CronExpression> cron_;
  std::chrono::seconds duration_{0};
};

struct FreezeState {
  bool active = false;
  // Active: when the active stretch ends (the first instant no longer frozen); nullopt when it
  // lasts past kFreezeHorizon from the instant asked about or merges more than 4,000
  // occurrences (a window that never lets go, such as every minute for an hour).
  std::optional<Instant> until;
  // The next instant after the one asked about at which a (new) stretch starts; nullopt when
  // there is none (a one-off window that began, a cron that never fires again).
  std::optional<Instant> next_start;
};

// How far ahead a merged stretch is followed.
inline constexpr std::chrono::hours kFreezeHorizon{24 * 400};

FreezeState EvaluateFreeze(const FreezeTimes& times, const TimeZone& zone, Instant now);

// A local date-time "2026-12-20T00:00" (or with seconds, "2026-12-20T00:00:30") of years
// 1970-9999; nullopt for anything else, including dates no calendar has (2027-02-29).
std::optional<LocalSeconds> ParseLocalDateTime(std::string_view text);

}  // namespace ferry::schedule
