// Time zones for schedules and freeze windows: IANA names from the host's tz database
// (/usr/share/zoneinfo, Debian's tzdata) through Howard Hinnant's date library (Debian's
// libhowardhinnant-date-dev; g++ 12's <chrono> has no tzdb yet).
//
//   FERRY_ASSIGN_OR_RETURN(TimeZone berlin, TimeZone::Find("Europe/Berlin"));
//   LocalResolution r = berlin.Resolve(local_seconds);  // a wall-clock time → instants
//
// A TimeZone is a small value (a pointer into the process-wide database); thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace date {
class time_zone;
}

namespace ferry::schedule {

using Instant = std::chrono::sys_seconds;

// Seconds since 1970-01-01 00:00 on a zone's wall clock (what a person there reads).
using LocalSeconds = std::int64_t;

// Where a wall-clock time falls: once, never (the clocks jumped over it) or twice (the clocks
// went back over it).
struct LocalResolution {
  enum class Kind { kUnique, kSkipped, kRepeated };
  Kind kind = Kind::kUnique;
  // kUnique: the instant. kSkipped: the instant the clocks jumped (the first one after the gap).
  // kRepeated: the earlier of the two instants.
  Instant first;
  // kRepeated: the later instant; otherwise equal to first.
  Instant second;
};

class TimeZone {
 public:
  // The zone of an IANA name ("Europe/Berlin", "America/New_York", "UTC"). kInvalidArgument for
  // a name the database lacks (with the closest names when one is near), an empty or overlong
  // name, or characters no zone name has.
  static Result<TimeZone> Find(std::string_view name);
  static TimeZone Utc();

  const std::string& name() const { return name_; }

  LocalSeconds ToLocal(Instant t) const;
  LocalResolution Resolve(LocalSeconds local) const;

  // "2026-03-29 03:00 CEST" — minutes, the zone's abbreviation at t.
  std::string Format(Instant t) const;

 private:
  TimeZone(const date::time_zone* zone, std::string name) : zone_(zone), name_(std::move(name)) {}
  const date::time_zone* zone_;  // owned by the process-wide tz database, never freed
  std::string name_;
};

}  // namespace ferry::schedule
