#include "verify/thresholds.h"

namespace ferry::verify {
namespace {

// clang-format off
constexpr Thresholds kLow{
    .alpha = 0.001, .marginal_alpha = 0.005, .shift_tolerance = 0.25, .tail_tolerance = 0.50,
    .min_rate_ratio = 2.0, .min_rate_difference = 0.005, .min_samples = 10,
    .min_tail_samples = 10, .min_exposure = 100, .max_missing_share = 0.5,
    .pass_score = 95, .marginal_score = 75};
constexpr Thresholds kMedium{
    .alpha = 0.005, .marginal_alpha = 0.02, .shift_tolerance = 0.10, .tail_tolerance = 0.20,
    .min_rate_ratio = 1.5, .min_rate_difference = 0.001, .min_samples = 10,
    .min_tail_samples = 10, .min_exposure = 100, .max_missing_share = 0.5,
    .pass_score = 95, .marginal_score = 75};
constexpr Thresholds kHigh{
    .alpha = 0.01, .marginal_alpha = 0.05, .shift_tolerance = 0.05, .tail_tolerance = 0.10,
    .min_rate_ratio = 1.2, .min_rate_difference = 0.0005, .min_samples = 10,
    .min_tail_samples = 10, .min_exposure = 100, .max_missing_share = 0.5,
    .pass_score = 95, .marginal_score = 75};
// clang-format on

}  // namespace

const char* SensitivityName(Sensitivity sensitivity) {
  switch (sensitivity) {
    case Sensitivity::kLow:
      return "low";
    case Sensitivity::kMedium:
      return "medium";
    case Sensitivity::kHigh:
      return "high";
  }
  return "medium";
}

Result<Sensitivity> ParseSensitivity(std::string_view name) {
  for (Sensitivity s : {Sensitivity::kLow, Sensitivity::kMedium, Sensitivity::kHigh}) {
    if (name == SensitivityName(s)) return s;
  }
  return InvalidArgument("sensitivity must be low, medium or high");
}

const Thresholds& ThresholdsFor(Sensitivity sensitivity) {
  switch (sensitivity) {
    case Sensitivity::kLow:
      return kLow;
    case Sensitivity::kHigh:
      return kHigh;
    case Sensitivity::kMedium:
      break;
  }
  return kMedium;
}

}  // namespace ferry::verify
