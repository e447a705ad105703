// The steps a workflow runs (F-PROGRESSIVE), compiled from its strategy, its traffic schedule
// (`trafficShift`: percent + interval, or a CodeDeploy preset) and its step list:
//
//   basic             deploy (every alias moves to the new version at once), then its steps.
//   canary / linear   the deploy step publishes but leaves existing aliases on their stable
//                     version; traffic-shift steps move them. Without `steps`: deploy, then the
//                     schedule (canary 10%/10m: shift to 10%, hold 10m, shift to 100%).
//   custom            `steps` as written; every traffic-shift step gives `percent` (without
//                     one, the deploy step moves every alias at once, as basic).
//
// In `steps`, a traffic-shift step with `percent` (1..100) shifts to that share and holds for
// `wait` (a duration, optional); one without `percent` runs the workflow's schedule — all of it,
// or, when a later traffic-shift step follows, every shift below 100% (the later step promotes).
// A schedule of several shifts becomes steps NAME-1, NAME-2, … A wait step holds for `duration`.
// The last traffic shift must reach 100%: a workflow never ends with traffic split.
// `alarms` (names, or prefixes written "orders-*") gate every traffic shift: checked before it and
// watched through its hold; a workflow that shifts no traffic cannot have alarms.
//
// Steps of types Ferry cannot run yet (config/runnable.h) are kept as kOther: `ferry validate`
// warns about them and the deploy path refuses them before compiling. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "lambda/alarm_gate.h"
#include "model/entities.h"

namespace ferry::config {

struct ReleaseStep {
  enum class Kind { kDeploy, kShift, kWait, kOther };
  Kind kind = Kind::kDeploy;
  std::string name;
  int percent = 0;                  // kShift: the new version's share after it, 1..100
  Duration hold{0};                 // kShift: the bake after the shift; kWait: the wait
  std::optional<Duration> timeout;  // the workflow step's own `timeout`
  size_t source = 0;                // index in the workflow's steps (for messages)
  bool implicit = false;            // not written in `steps` (the default deploy, a schedule)
};

struct ReleasePlan {
  // The deploy step leaves existing aliases for traffic-shift steps (TrafficPolicy::kNone).
  bool shifts_traffic = false;
  std::vector<ReleaseStep> steps;
  // The workflow's `alarms`: they gate every traffic shift (with the environment's).
  lambda::AlarmSelector alarms;
};

// A problem with where it is: a JSON pointer into the workflow ("/trafficShift/preset").
struct ReleaseProblem {
  std::string path;
  std::string message;
};

// The plan, or the first problem (also returned as kInvalidArgument "PATH: MESSAGE" by
// PlanRelease when `problem` is null).
Result<ReleasePlan> PlanRelease(const model::Workflow& workflow, ReleaseProblem* problem = nullptr);

}  // namespace ferry::config
