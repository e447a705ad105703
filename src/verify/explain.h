// Internal to verify: how numbers and results read in the judge's sentences.
#pragma once

#include <string>

#include "verify/judge.h"

namespace ferry::verify::internal {

// 1,234,567 (whole numbers, thousands separated).
std::string FormatCount(double count);
// Three significant digits, thousands separated from 1,000 on: "0.000123", "19.6", "1,234".
std::string FormatNumber(double value);
// A share as a percentage: 0.015 → "1.5%", 0.5 → "50%".
std::string FormatPercent(double share);
// A relative change: 0.2 → "+20%", -0.033 → "-3.3%".
std::string FormatChange(double relative);
// "p=0.0004", "p<0.0001".
std::string FormatP(double p);

// The sentence of a judged metric (result.outcome, .decision, summaries set).
std::string Explain(const MetricSpec& spec, const MetricResult& result);
// "Errors: no data — canary has 40 invocations (at least 100 needed)".
std::string ExplainNoData(const MetricSpec& spec, const std::string& reason);

}  // namespace ferry::verify::internal
