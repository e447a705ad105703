// Instants from UTC calendar fields, for the schedule tests.
#pragma once

#include <chrono>

#include "schedule/time_zone.h"

namespace ferry::schedule::testing {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
constexpr long DaysFromCivil(long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}

inline Instant Utc(long y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
  return Instant(std::chrono::seconds(DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60));
}

}  // namespace ferry::schedule::testing
