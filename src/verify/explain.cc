#include "verify/explain.h"

#include <cmath>
#include <cstdio>

namespace ferry::verify::internal {
namespace {

std::string Printf(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

std::string WithSeparators(std::string digits) {
  const std::size_t start = !digits.empty() && digits[0] == '-' ? 1 : 0;
  for (std::size_t at = digits.size(); at > start + 3; at -= 3) digits.insert(at - 3, ",");
  return digits;
}

std::string WithUnit(double value, const std::string& unit) {
  return unit.empty() ? FormatNumber(value) : FormatNumber(value) + " " + unit;
}

std::string QuantileName(double q) {
  return "p" + Printf("%.0f", q * 100 < 1.5 ? 1 : std::round(q * 100));
}

std::string ContinuousSentence(const MetricSpec& spec, const MetricResult& r) {
  const auto& c = std::get<ContinuousSummary>(r.canary);
  const auto& b = std::get<ContinuousSummary>(r.baseline);
  const Check& d = r.decision;
  std::string s = spec.name + ": canary median " + WithUnit(c.median, spec.unit) + " vs baseline " +
                  WithUnit(b.median, spec.unit);
  if (b.median != 0) s += " (" + FormatChange((c.median - b.median) / std::fabs(b.median)) + ")";
  if (d.kind == CheckKind::kTail) {
    s += ", " + QuantileName(d.quantile) + " " + WithUnit(d.canary, spec.unit) + " vs " +
         WithUnit(d.baseline, spec.unit);
    if (d.baseline != 0) s += " (" + FormatChange(d.relative_effect) + ")";
    s += ": " + FormatCount(d.exceed) + " of " + FormatCount(static_cast<double>(c.values)) +
         " canary values " + (d.increase ? "above " : "below ") + WithUnit(d.threshold, spec.unit) +
         " where " + FormatNumber(d.expected) + " were expected beyond the baseline's " +
         QuantileName(d.quantile);
  } else {
    s += ", p99 " + WithUnit(c.p99, spec.unit) + " vs " + WithUnit(b.p99, spec.unit);
  }
  if (c.missing + b.missing + c.outliers + b.outliers > 0) {
    s += "; removed " + FormatCount(static_cast<double>(c.missing + b.missing)) + " missing and " +
         FormatCount(static_cast<double>(c.outliers + b.outliers)) + " outlying values";
  }
  return s;
}

std::string CountSentence(const MetricSpec& spec, const MetricResult& r) {
  const auto& c = std::get<CountSummary>(r.canary);
  const auto& b = std::get<CountSummary>(r.baseline);
  return spec.name + ": " + FormatPercent(c.rate) + " of canary " + spec.exposure + " vs " +
         FormatPercent(b.rate) + " of baseline (" + FormatCount(c.events) + " of " +
         FormatCount(c.exposure) + " vs " + FormatCount(b.events) + " of " +
         FormatCount(b.exposure) + ")";
}

}  // namespace

std::string FormatCount(double count) {
  if (!std::isfinite(count)) return Printf("%g", count);
  if (std::fabs(count) >= 1e18) return Printf("%.3g", count);
  return WithSeparators(Printf("%.0f", count));
}

std::string FormatNumber(double value) {
  if (!std::isfinite(value)) return Printf("%g", value);
  if (std::fabs(value) >= 1000 && std::fabs(value) < 1e15) return FormatCount(std::round(value));
  return Printf("%.3g", value);
}

std::string FormatPercent(double share) {
  if (!std::isfinite(share)) return Printf("%g", share);
  const double percent = share * 100;
  return Printf(std::fabs(percent) >= 10 ? "%.0f%%" : "%.2g%%", percent);
}

std::string FormatChange(double relative) {
  if (!std::isfinite(relative)) return relative > 0 ? "up from 0" : "down from 0";
  const std::string percent = FormatPercent(relative);
  return relative >= 0 ? "+" + percent : percent;
}

std::string FormatP(double p) {
  if (p < 0.0001) return "p<0.0001";
  return Printf("p=%.2g", p);
}

std::string Explain(const MetricSpec& spec, const MetricResult& r) {
  std::string s =
      r.decision.kind == CheckKind::kRate ? CountSentence(spec, r) : ContinuousSentence(spec, r);
  return s + ", " + FormatP(r.decision.p_value) + " — " + OutcomeName(r.outcome);
}

std::string ExplainNoData(const MetricSpec& spec, const std::string& reason) {
  return spec.name + ": no data — " + reason;
}

}  // namespace ferry::verify::internal
