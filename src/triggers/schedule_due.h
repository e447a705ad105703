// When a schedule trigger runs. Pure; thread-safe.
//
// The next run is computed from the cron expression in its time zone (schedule/cron.h, Vixie
// cron's rules at clock changes) and stored (store::TriggerState::next_run_at, shown by
// `ferry triggers`). A run is due once now has reached the stored next run; its slot (the
// scheduled minute) is the fire key, claimed in the store, so several servers run it once.
// After a run, or when the server was down over several runs, the next run is computed from
// now: missed runs become one run at start-up, never a burst. A new trigger (or one whose cron
// or time zone changed) first gets a next run and does not run for the past.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "model/entities.h"

namespace ferry::triggers {

struct ScheduleDecision {
  std::optional<TimePoint> due_slot;  // run now for this slot
  std::optional<TimePoint> next_run;  // to store (unset: the expression never fires again)
  std::string fingerprint;            // cron + time zone, kept in the cursor
};

// `stored_next` and `stored_fingerprint` are what the store holds. kInvalidArgument for an
// unparsable expression or unknown zone (validated at apply, so only a stale row hits it).
Result<ScheduleDecision> DecideSchedule(const model::ScheduleCondition& condition,
                                        std::optional<TimePoint> stored_next,
                                        const std::string& stored_fingerprint, TimePoint now);

std::string ScheduleFireKey(TimePoint slot);

}  // namespace ferry::triggers
