#include "triggers/schedule_due.h"

#include "common/json.h"
#include "schedule/cron.h"
#include "schedule/time_zone.h"

namespace ferry::triggers {
namespace {

Result<std::optional<TimePoint>> NextAfter(const model::ScheduleCondition& c, TimePoint after) {
  FERRY_ASSIGN_OR_RETURN(auto cron, schedule::CronExpression::Parse(c.cron));
  FERRY_ASSIGN_OR_RETURN(auto zone, schedule::TimeZone::Find(c.time_zone));
  auto next = cron.NextAfter(std::chrono::floor<std::chrono::seconds>(after), zone);
  if (!next) return std::optional<TimePoint>();
  return std::optional<TimePoint>(TimePoint(*next));
}

}  // namespace

Result<ScheduleDecision> DecideSchedule(const model::ScheduleCondition& condition,
                                        std::optional<TimePoint> stored_next,
                                        const std::string& stored_fingerprint, TimePoint now) {
  ScheduleDecision out;
  out.fingerprint = DumpJson(Json{{"cron", condition.cron}, {"timeZone", condition.time_zone}});
  if (stored_next && stored_fingerprint == out.fingerprint && now >= *stored_next) {
    out.due_slot = stored_next;
  }
  if (stored_next && stored_fingerprint == out.fingerprint && !out.due_slot) {
    out.next_run = stored_next;
    return out;
  }
  FERRY_ASSIGN_OR_RETURN(out.next_run, NextAfter(condition, now));
  return out;
}

std::string ScheduleFireKey(TimePoint slot) {
  return "schedule:" +
         std::to_string(
             std::chrono::duration_cast<std::chrono::minutes>(slot.time_since_epoch()).count());
}

}  // namespace ferry::triggers
