// Traffic shifting on a weighted alias (FEATURES.md F-PROGRESSIVE): the schedules a workflow asks
// for and the alias routing each step of them sets. Pure; thread-safe.
//
// A schedule is a list of shifts; each sets the new version's share of the alias's traffic and
// then bakes (waits) before the next. The last shift of every schedule is 100%: the alias points
// at the new version with no additional weights (promotion). Below 100% the alias keeps the
// stable version as its FunctionVersion and weights the new one (RoutingConfig
// AdditionalVersionWeights {new: percent / 100}), so the stable version serves the rest.
//
//   canary  {percent p, interval i}: p% for i, then 100%.
//   linear  {percent p, interval i}: p%, 2p%, … each for i, then 100%.
//   CodeDeploy's presets: "Canary10Percent5Minutes" (canary 10%, 5 minutes),
//   "Linear10PercentEvery1Minute" (linear 10%, 1 minute), … — any "Canary<p>Percent<m>Minute(s)"
//   or "Linear<p>PercentEvery<m>Minute(s)" with p in 1..99 and m in 1..2880 — and "AllAtOnce"
//   (100% at once).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "lambda/function_state.h"

namespace ferry::lambda {

struct TrafficShiftStep {
  int percent = 100;   // the new version's share after the shift, 1..100
  Duration bake{0};    // how long it holds before the next shift (0 for the last)
  bool operator==(const TrafficShiftStep&) const = default;
};

enum class TrafficScheduleKind { kCanary, kLinear, kAllAtOnce };

struct TrafficSchedule {
  TrafficScheduleKind kind = TrafficScheduleKind::kAllAtOnce;
  int percent = 100;  // canary's first share, linear's increment
  Duration interval{0};
};

// The shifts of a schedule, promotion (100%) last. kInvalidArgument when percent is outside
// 1..99 or the interval is not positive (canary, linear).
Result<std::vector<TrafficShiftStep>> ShiftsOf(const TrafficSchedule& schedule);

// A CodeDeploy preset name as a schedule; kInvalidArgument naming the accepted forms otherwise.
Result<TrafficSchedule> ParseTrafficPreset(std::string_view name);

// What an alias serves after a shift to `percent` (1..100) from `stable` to `next`: below 100,
// FunctionVersion `stable` with {next: percent/100}; at 100, `next` alone.
struct AliasRouting {
  std::string version;
  RoutingWeights weights;
  bool operator==(const AliasRouting&) const = default;
};
AliasRouting RoutingAt(const std::string& stable, const std::string& next, int percent);

// Same version and the same weights (to a millionth).
bool SameRouting(const AliasRouting& a, const AliasRouting& b);
AliasRouting RoutingOf(const AliasState& alias);

// The new version's share of an alias's traffic in percent (rounded), given its routing.
int PercentOf(const std::string& next, const std::string& version, const RoutingWeights& weights);

// "version 4 90%, version 5 10%" / "version 5 100%".
std::string DescribeRouting(const std::string& version, const RoutingWeights& weights);

}  // namespace ferry::lambda
