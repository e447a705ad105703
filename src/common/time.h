// Time formatting and parsing. Pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace ferry {

// "2026-11-27T23:21:03.123Z" (millisecond precision, UTC).
std::string FormatRfc3339(TimePoint t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)"; nullopt otherwise, and for times a TimePoint
// cannot hold (before 1677-09-22 or after 2262-04-10).
std::optional<TimePoint> ParseRfc3339(std::string_view text);
int64_t ToUnixMillis(TimePoint t);
TimePoint FromUnixMillis(int64_t ms);
// "1.2s", "350ms", "2m03s" for progress displays.
std::string FormatDuration(Duration d);
// Parses "500ms", "30s", "5m", "1h" (a positive integer and a unit); nullopt otherwise.
std::optional<Duration> ParseDuration(std::string_view text);

}  // namespace ferry
