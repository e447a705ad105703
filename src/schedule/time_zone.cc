#include "schedule/time_zone.h"

#include <date/tz.h>

#include <algorithm>
#include <exception>

namespace ferry::schedule {
namespace {

constexpr size_t kMaxZoneName = 64;  // the longest IANA name is 32 characters

bool ZoneNameCharacters(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '/' || c == '_' || c == '-' || c == '+';
  });
}

// The database's zone names that share `name`'s first path segment ("Europe/Berln" →
// Europe/…), for the error message: at most three, the ones with the longest common prefix.
std::string NearNames(std::string_view name) {
  std::vector<std::pair<size_t, std::string>> near;
  try {
    for (const auto& zone : date::get_tzdb().zones) {
      std::string_view candidate = zone.name();
      size_t common = 0;
      while (common < candidate.size() && common < name.size() &&
             std::tolower(static_cast<unsigned char>(candidate[common])) ==
                 std::tolower(static_cast<unsigned char>(name[common]))) {
        ++common;
      }
      if (common >= 3) near.emplace_back(common, std::string(candidate));
    }
  } catch (const std::exception&) {
    return "";
  }
  std::stable_sort(near.begin(), near.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string out;
  for (size_t i = 0; i < near.size() && i < 3; ++i) out += (i ? ", " : "") + near[i].second;
  return out;
}

}  // namespace

Result<TimeZone> TimeZone::Find(std::string_view name) {
  if (name.empty()) return InvalidArgument("the time zone is empty; give an IANA name like Europe/Berlin or UTC");
  if (name.size() > kMaxZoneName || !ZoneNameCharacters(name) || name.front() == '/' ||
      name.find("..") != std::string_view::npos) {
    return InvalidArgument("time zone " + std::string(name.substr(0, kMaxZoneName)) +
                           (name.size() > kMaxZoneName ? "…" : "") +
                           " is not an IANA zone name (like Europe/Berlin or UTC)");
  }
  try {
    const date::time_zone* zone = date::locate_zone(name);
    return TimeZone(zone, std::string(name));
  } catch (const std::exception&) {
    std::string message = "unknown time zone " + std::string(name);
    if (std::string near = NearNames(name); !near.empty()) message += "; near: " + near;
    return InvalidArgument(message + " (the names of the tz database, like Europe/Berlin or UTC)");
  }
}

TimeZone TimeZone::Utc() {
  static const date::time_zone* const utc = date::locate_zone("UTC");
  return TimeZone(utc, "UTC");
}

LocalSeconds TimeZone::ToLocal(Instant t) const {
  return zone_->to_local(t).time_since_epoch().count();
}

LocalResolution TimeZone::Resolve(LocalSeconds local) const {
  const date::local_seconds wall{std::chrono::seconds(local)};
  const date::local_info info = zone_->get_info(wall);
  const std::chrono::seconds since_epoch(local);
  LocalResolution out;
  switch (info.result) {
    case date::local_info::unique:
      out.first = out.second = Instant(since_epoch - info.first.offset);
      break;
    case date::local_info::nonexistent:
      out.kind = LocalResolution::Kind::kSkipped;
      out.first = out.second = std::chrono::time_point_cast<std::chrono::seconds>(info.first.end);
      break;
    case date::local_info::ambiguous:
      out.kind = LocalResolution::Kind::kRepeated;
      out.first = Instant(since_epoch - info.first.offset);
      out.second = Instant(since_epoch - info.second.offset);
      break;
  }
  return out;
}

std::string TimeZone::Format(Instant t) const {
  const date::zoned_seconds zoned(zone_, t);
  return date::format("%F %R %Z", zoned);
}

}  // namespace ferry::schedule
