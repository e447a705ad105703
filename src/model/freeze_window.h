// Freeze windows at an instant: in scope of a deployment, active or not, until when, next start.
// The times come from schedule/freeze.h; this adds the window's fields (its zone, its one-off or
// recurring times, enabled, its scope) so callers need not know the schedule module.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "model/entities.h"

namespace ferry::model {

struct FreezeWindowState {
  bool active = false;
  // Active: the first instant of the stretch no longer frozen; nullopt when it lasts past the
  // evaluation's horizon (over 400 days, or a window that never lets go).
  std::optional<TimePoint> until;
  std::optional<TimePoint> next_start;  // the next start of a stretch after `now`, if any
  // When the stretch starting at next_start ends; nullopt without a next start or when it lasts
  // past the horizon.
  std::optional<TimePoint> next_end;
  // In the window's zone ("2027-01-02 00:00 CET"); "" when unset.
  std::string until_text;
  std::string next_start_text;
  std::string next_end_text;
};

// A disabled window is never active and has no next start. kInvalidArgument when the window's
// zone, times or cron do not validate (validation refuses such windows before they are stored).
Result<FreezeWindowState> EvaluateFreezeWindow(const FreezeWindow& window, TimePoint now);

// Whether a deployment of `application` to an environment of `type` is in the window's scope.
bool FreezeCovers(const FreezeWindow& window, std::string_view application, EnvironmentType type);

}  // namespace ferry::model
