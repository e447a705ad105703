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
// An invoke-test step (`with`: function, target, payload, times, expectStatus, expectJson,
// expectRegex, maxLatency) invokes after a deploy step; see lambda/invoke.h for what it checks.
// A verify step (`with`: mode canary|previous|fixed-baseline, window 1m..24h (default 10m),
// period 1s|5s|10s|20s|30s|N minutes (default 1m; at most 1,440 periods a window), sensitivity
// low|medium|high, marginal pass|fail (default pass), defaultMetrics all|none|a list of Errors,
// Throttles, Duration, metrics (a JSON array of custom CloudWatch metrics, lambda/verify.h), at
// most 20 metrics in all) judges after a deploy step; mode canary needs the traffic split: a
// traffic shift below 100% before it and no promotion in between. fixed-baseline takes
// `baselineStart` and `baselineEnd` (RFC 3339 times, the window 1m..24h, at most 1,440 periods):
// the alias's metrics in that window are the baseline.
// Workflow `hooks` (preTraffic, postTraffic, timeout) become kHook steps: the pre-traffic hook just
// before the first traffic shift, the post-traffic hook just after the last; they need traffic
// shifts (a basic workflow, or a custom one without traffic-shift steps, is refused).
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
#include "lambda/invoke.h"
#include "lambda/verify.h"
#include "model/entities.h"

namespace ferry::config {

// An invoke-test step's parameters, checked.
struct InvokeTestSpec {
  std::string function;  // the service function's logical name; "" = the service's only one
  lambda::InvokeTargetKind target = lambda::InvokeTargetKind::kVersion;
  std::string payload = "{}";
  int times = 1;
  lambda::InvokeExpectations expect;
};

// A workflow's approval step: `with` {userGroups: "a,b", message, timeoutOutcome}; its
// `timeout` (default 24h, 1s..30 days) is how long it waits.
struct ApprovalSpec {
  std::vector<std::string> user_groups;
  std::string message;
  bool approve_on_timeout = false;
};

// A traffic hook.
struct HookSpec {
  lambda::HookPoint point = lambda::HookPoint::kPreTraffic;
  std::string function;  // the user's function: a name, an ARN or NAME:QUALIFIER
  Duration timeout = lambda::kDefaultHookTimeout;
};

struct ReleaseStep {
  enum class Kind { kDeploy, kShift, kWait, kOther, kInvokeTest, kHook, kVerify, kApproval };
  Kind kind = Kind::kDeploy;
  std::string name;
  int percent = 0;                  // kShift: the new version's share after it, 1..100
  Duration hold{0};                 // kShift: the bake after the shift; kWait: the wait
  std::optional<Duration> timeout;  // the workflow step's own `timeout`
  size_t source = 0;                // index in the workflow's steps (for messages)
  bool implicit = false;            // not written in `steps` (the default deploy, a schedule)
  std::optional<InvokeTestSpec> invoke_test;  // kInvokeTest
  std::optional<HookSpec> hook;               // kHook (implicit: from the workflow's hooks)
  // kVerify: mode, window, period, sensitivity, policy and metrics (target, selectors and deploy
  // step are the deployment's).
  std::optional<lambda::VerifyStepInputs> verify;
  std::optional<ApprovalSpec> approval;  // kApproval
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
