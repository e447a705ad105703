#include <cmath>
#include <string>

#include "verify/assess.h"
#include "verify/distributions.h"
#include "verify/explain.h"

namespace ferry::verify::internal {
namespace {

// Counts above this are not whole numbers in a double any more.
constexpr double kMaxCount = 9007199254740992.0;  // 2^53

bool IsCount(double v) { return v >= 0 && v <= kMaxCount && std::floor(v) == v; }

Result<CountSummary> Total(const MetricSpec& spec, const char* side,
                           std::span<const CountWindow> windows) {
  CountSummary s;
  for (std::size_t i = 0; i < windows.size(); ++i) {
    const CountWindow& w = windows[i];
    if (!std::isfinite(w.events) || !std::isfinite(w.exposure)) {
      ++s.missing;
      continue;
    }
    const std::string where = spec.name + ": " + side + " window " + std::to_string(i + 1);
    if (w.events < 0 || w.exposure < 0) {
      return InvalidArgument(where + " has a negative count");
    }
    if (!IsCount(w.events) || !IsCount(w.exposure)) {
      return InvalidArgument(where + " has a count that is not a whole number up to 2^53");
    }
    if (w.events > w.exposure) {
      return InvalidArgument(where + " has " + FormatCount(w.events) + " events in " +
                             FormatCount(w.exposure) + " " + spec.exposure +
                             " (events cannot exceed " + spec.exposure + ")");
    }
    s.events += w.events;
    s.exposure += w.exposure;
    ++s.windows;
  }
  if (s.exposure > kMaxCount) {
    return InvalidArgument(spec.name + ": " + side + " totals more than 2^53 " + spec.exposure);
  }
  s.rate = s.exposure > 0 ? s.events / s.exposure : NAN;
  return s;
}

}  // namespace

Result<Assessment> AssessCounts(const MetricSpec& spec, const CountSamples& samples,
                                const Thresholds& t) {
  auto canary = Total(spec, "canary", samples.canary);
  if (!canary.ok()) return canary.error();
  auto baseline = Total(spec, "baseline", samples.baseline);
  if (!baseline.ok()) return baseline.error();
  Assessment out;
  out.canary = *canary;
  out.baseline = *baseline;
  for (auto [side, s] : {std::pair{"canary", &*canary}, std::pair{"baseline", &*baseline}}) {
    const std::size_t total = s->windows + s->missing;
    if (total == 0) {
      out.no_data_reason = std::string(side) + " has no windows";
      return out;
    }
    if (s->missing > 0 && static_cast<double>(s->missing) > t.max_missing_share * total) {
      out.no_data_reason = std::string(side) + " has " + FormatCount(s->missing) + " of " +
                           FormatCount(total) + " windows missing (at most " +
                           FormatPercent(t.max_missing_share) + " allowed)";
      return out;
    }
  }
  for (auto [side, s] : {std::pair{"canary", &*canary}, std::pair{"baseline", &*baseline}}) {
    if (s->exposure < t.min_exposure) {
      out.no_data_reason = std::string(side) + " has " + FormatCount(s->exposure) + " " +
                           spec.exposure + " (at least " + FormatCount(t.min_exposure) + " needed)";
      return out;
    }
  }
  out.has_data = true;
  // Given the total number of events, the canary's share of them is Binomial(total, canary's
  // share of the exposure) when both rates are equal: the exact conditional test of two Poisson
  // rates, one-sided in each bad direction.
  const double x = canary->events;
  const double total = x + baseline->events;
  const double share = canary->exposure / (canary->exposure + baseline->exposure);
  const double difference = canary->rate - baseline->rate;
  const double ratio = baseline->rate > 0 ? canary->rate / baseline->rate
                       : canary->rate > 0 ? INFINITY
                                          : 1;
  for (bool increase : {true, false}) {
    if (increase ? spec.direction == Direction::kDecreaseIsBad
                 : spec.direction == Direction::kIncreaseIsBad) {
      continue;
    }
    Check c;
    c.kind = CheckKind::kRate;
    c.increase = increase;
    c.p_value = increase ? BinomialUpperTail(x, total, share) : BinomialLowerTail(x, total, share);
    c.canary = canary->rate;
    c.baseline = baseline->rate;
    c.absolute_effect = difference;
    c.relative_effect = ratio - 1;
    c.canary_events = x;
    c.canary_exposure = canary->exposure;
    c.baseline_events = baseline->events;
    c.baseline_exposure = baseline->exposure;
    c.beyond_tolerance =
        increase ? difference >= t.min_rate_difference && ratio >= t.min_rate_ratio
                 : -difference >= t.min_rate_difference && ratio * t.min_rate_ratio <= 1;
    out.checks.push_back(c);
  }
  return out;
}

}  // namespace ferry::verify::internal
