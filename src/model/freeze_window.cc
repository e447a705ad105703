#include "model/freeze_window.h"

#include <algorithm>
#include <chrono>

#include "common/time.h"
#include "schedule/cron.h"
#include "schedule/freeze.h"
#include "schedule/time_zone.h"

namespace ferry::model {
namespace {

Error Invalid(const FreezeWindow& w, std::string what) {
  return Error{ErrorCode::kInvalidArgument, "freeze window " + w.name + ": " + what, {}};
}

Result<schedule::FreezeTimes> TimesOf(const FreezeWindow& w) {
  if (w.recurrence) {
    FERRY_ASSIGN_OR_RETURN(auto cron, schedule::CronExpression::Parse(w.recurrence->cron));
    auto d = ParseDuration(w.recurrence->duration);
    auto seconds =
        d ? std::chrono::duration_cast<std::chrono::seconds>(*d) : std::chrono::seconds(0);
    if (seconds <= std::chrono::seconds(0)) return Invalid(w, "bad recurrence duration");
    return schedule::FreezeTimes::Recurring(std::move(cron), seconds);
  }
  if (!w.start || !w.end) return Invalid(w, "no start or end");
  const auto start = schedule::ParseLocalDateTime(*w.start);
  const auto end = schedule::ParseLocalDateTime(*w.end);
  if (!start || !end || *end <= *start) return Invalid(w, "bad start or end");
  return schedule::FreezeTimes::OneOff(*start, *end);
}

}  // namespace

Result<FreezeWindowState> EvaluateFreezeWindow(const FreezeWindow& window, TimePoint now) {
  FERRY_ASSIGN_OR_RETURN(auto zone, schedule::TimeZone::Find(window.time_zone));
  FERRY_ASSIGN_OR_RETURN(auto times, TimesOf(window));
  FreezeWindowState out;
  if (!window.enabled) return out;
  const auto instant = std::chrono::floor<std::chrono::seconds>(now);
  const schedule::FreezeState s = schedule::EvaluateFreeze(times, zone, instant);
  out.active = s.active;
  if (s.until) {
    out.until = TimePoint(*s.until);
    out.until_text = zone.Format(*s.until);
  }
  if (s.next_start) {
    out.next_start = TimePoint(*s.next_start);
    out.next_start_text = zone.Format(*s.next_start);
    const schedule::FreezeState next = schedule::EvaluateFreeze(times, zone, *s.next_start);
    if (next.active && next.until) {
      out.next_end = TimePoint(*next.until);
      out.next_end_text = zone.Format(*next.until);
    }
  }
  return out;
}

bool FreezeCovers(const FreezeWindow& window, std::string_view application, EnvironmentType type) {
  const auto& apps = window.applications;
  if (apps && std::find(apps->begin(), apps->end(), application) == apps->end()) return false;
  const auto& types = window.environment_types;
  return !types || std::find(types->begin(), types->end(), type) != types->end();
}

}  // namespace ferry::model
