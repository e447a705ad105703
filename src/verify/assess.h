// Internal to verify: one metric's checks before the verdict adjusts them for multiplicity.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "verify/judge.h"

namespace ferry::verify::internal {

struct Assessment {
  bool has_data = false;
  std::string no_data_reason;  // "canary has 4 values (at least 10 needed)"
  std::vector<Check> checks;
  SampleSummary canary;
  SampleSummary baseline;
};

// The thresholds of one metric: the sensitivity's, with the spec's overrides applied.
Thresholds EffectiveThresholds(const MetricSpec& spec, Sensitivity sensitivity);

// Removes missing values (and outliers when asked), summarises both samples, and runs the shift
// check and the tail checks in every bad direction of spec.direction.
Assessment AssessContinuous(const MetricSpec& spec, const ContinuousSamples& samples,
                            const Thresholds& thresholds);

// Validates and totals the windows, then runs the rate check in every bad direction.
// kInvalidArgument for impossible counts (see Judge).
Result<Assessment> AssessCounts(const MetricSpec& spec, const CountSamples& samples,
                                const Thresholds& thresholds);

}  // namespace ferry::verify::internal
