#include "lambda/traffic.h"

#include <cmath>
#include <cstdio>
#include <regex>

#include "common/strings.h"

namespace ferry::lambda {
namespace {

constexpr int kMaxPresetMinutes = 2880;  // CodeDeploy's own limit: two days

Error Invalid(std::string message) { return Error{ErrorCode::kInvalidArgument, std::move(message)}; }

}  // namespace

Result<std::vector<TrafficShiftStep>> ShiftsOf(const TrafficSchedule& s) {
  std::vector<TrafficShiftStep> out;
  if (s.kind == TrafficScheduleKind::kAllAtOnce) {
    out.push_back({100, Duration{0}});
    return out;
  }
  if (s.percent < 1 || s.percent > 99) return Invalid("the traffic share must be between 1 and 99 percent");
  if (s.interval <= Duration{0}) return Invalid("the traffic interval must be positive");
  if (s.kind == TrafficScheduleKind::kCanary) {
    out.push_back({s.percent, s.interval});
  } else {
    for (int p = s.percent; p < 100; p += s.percent) out.push_back({p, s.interval});
  }
  out.push_back({100, Duration{0}});
  return out;
}

Result<TrafficSchedule> ParseTrafficPreset(std::string_view name) {
  if (name == "AllAtOnce") return TrafficSchedule{};
  static const std::regex kCanary("Canary([0-9]{1,2})Percent([0-9]{1,4})Minutes?");
  static const std::regex kLinear("Linear([0-9]{1,2})PercentEvery([0-9]{1,4})Minutes?");
  const std::string text(name.substr(0, 64));
  std::smatch m;
  TrafficSchedule s;
  if (name.size() <= 64 && std::regex_match(text, m, kCanary)) {
    s.kind = TrafficScheduleKind::kCanary;
  } else if (name.size() <= 64 && std::regex_match(text, m, kLinear)) {
    s.kind = TrafficScheduleKind::kLinear;
  } else {
    return Invalid("unknown traffic preset " + QuoteForMessage(name, 64) +
                   ": use AllAtOnce, Canary<percent>Percent<minutes>Minutes (Canary10Percent5Minutes) "
                   "or Linear<percent>PercentEvery<minutes>Minutes (Linear10PercentEvery1Minute)");
  }
  s.percent = std::stoi(m[1].str());
  const int minutes = std::stoi(m[2].str());
  if (s.percent < 1 || s.percent > 99) {
    return Invalid("traffic preset " + text + ": the share must be between 1 and 99 percent");
  }
  if (minutes < 1 || minutes > kMaxPresetMinutes) {
    return Invalid("traffic preset " + text + ": the interval must be between 1 and " +
                   std::to_string(kMaxPresetMinutes) + " minutes");
  }
  s.interval = std::chrono::minutes(minutes);
  return s;
}

AliasRouting RoutingAt(const std::string& stable, const std::string& next, int percent) {
  if (percent >= 100 || stable == next) return AliasRouting{next, {}};
  return AliasRouting{stable, {{next, percent / 100.0}}};
}

bool SameRouting(const AliasRouting& a, const AliasRouting& b) {
  if (a.version != b.version || a.weights.size() != b.weights.size()) return false;
  for (const auto& [version, weight] : a.weights) {
    auto it = b.weights.find(version);
    if (it == b.weights.end() || std::fabs(it->second - weight) > 1e-6) return false;
  }
  return true;
}

AliasRouting RoutingOf(const AliasState& alias) { return AliasRouting{alias.version, alias.weights}; }

int PercentOf(const std::string& next, const std::string& version, const RoutingWeights& weights) {
  if (auto it = weights.find(next); it != weights.end()) {
    return static_cast<int>(std::lround(it->second * 100.0));
  }
  if (version != next) return 0;
  double others = 0;
  for (const auto& [v, w] : weights) others += w;
  return static_cast<int>(std::lround((1.0 - others) * 100.0));
}

std::string DescribeRouting(const std::string& version, const RoutingWeights& weights) {
  double others = 0;
  for (const auto& [v, w] : weights) others += w;
  auto share = [](double w) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%g%%", std::round(w * 1000.0) / 10.0);
    return std::string(buf);
  };
  std::string out = "version " + version + " " + share(1.0 - others);
  for (const auto& [v, w] : weights) out += ", version " + v + " " + share(w);
  return out;
}

}  // namespace ferry::lambda
