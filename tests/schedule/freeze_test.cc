#include "schedule/freeze.h"

#include <gtest/gtest.h>

#include <chrono>

#include "schedule/instants.h"

namespace ferry::schedule {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using testing::DaysFromCivil;
using testing::Utc;

// A wall-clock time as LocalSeconds (what a person in the zone reads).
LocalSeconds Local(long y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
  return DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

TimeZone Berlin() { return TimeZone::Find("Europe/Berlin").value(); }

FreezeTimes Every(const char* cron, std::chrono::seconds duration) {
  return FreezeTimes::Recurring(CronExpression::Parse(cron).value(), duration);
}

TEST(FreezeTest, OneOffWindowIsActiveFromItsLocalStartToItsLocalEnd) {
  // 2026-12-20 00:00 CET to 2027-01-02 00:00 CET (UTC+1).
  const FreezeTimes holidays = FreezeTimes::OneOff(Local(2026, 12, 20), Local(2027, 1, 2));
  FreezeState before = EvaluateFreeze(holidays, Berlin(), Utc(2026, 12, 19, 12));
  EXPECT_FALSE(before.active);
  EXPECT_EQ(before.next_start, Utc(2026, 12, 19, 23));
  FreezeState at_start = EvaluateFreeze(holidays, Berlin(), Utc(2026, 12, 19, 23));
  EXPECT_TRUE(at_start.active);
  EXPECT_EQ(at_start.until, Utc(2027, 1, 1, 23));
  FreezeState last_minute = EvaluateFreeze(holidays, Berlin(), Utc(2027, 1, 1, 22, 59));
  EXPECT_TRUE(last_minute.active);
  FreezeState after = EvaluateFreeze(holidays, Berlin(), Utc(2027, 1, 1, 23));
  EXPECT_FALSE(after.active);
  EXPECT_FALSE(after.until);
  EXPECT_FALSE(after.next_start);
}

TEST(FreezeTest, OneOffWindowStartsAtTheJumpAndEndsAtTheSecondOfARepeatedTime) {
  // 02:30 on 2027-03-28 never happens in Berlin (02:00 CET becomes 03:00 CEST at 01:00 UTC);
  // 02:30 on 2027-10-31 happens twice (00:30 and 01:30 UTC).
  const FreezeTimes summer =
      FreezeTimes::OneOff(Local(2027, 3, 28, 2, 30), Local(2027, 10, 31, 2, 30));
  EXPECT_EQ(EvaluateFreeze(summer, Berlin(), Utc(2027, 3, 1)).next_start, Utc(2027, 3, 28, 1));
  EXPECT_TRUE(EvaluateFreeze(summer, Berlin(), Utc(2027, 3, 28, 1)).active);
  FreezeState inside = EvaluateFreeze(summer, Berlin(), Utc(2027, 10, 31, 1));
  EXPECT_TRUE(inside.active);
  EXPECT_EQ(inside.until, Utc(2027, 10, 31, 1, 30));
}

TEST(FreezeTest, RecurringWindowLastsItsDurationInRealTimeAcrossTheAutumnChange) {
  // Fridays 18:00 for 62 hours: 2027-10-29 18:00 CEST (16:00 UTC) to 62 real hours later,
  // Monday 2027-11-01 06:00 UTC (07:00 CET: the clocks went back in between).
  const FreezeTimes weekend = Every("0 18 * * FRI", hours(62));
  FreezeState saturday = EvaluateFreeze(weekend, Berlin(), Utc(2027, 10, 30, 12));
  EXPECT_TRUE(saturday.active);
  EXPECT_EQ(saturday.until, Utc(2027, 11, 1, 6));
  EXPECT_EQ(Berlin().Format(*saturday.until), "2027-11-01 07:00 CET");
  FreezeState monday = EvaluateFreeze(weekend, Berlin(), Utc(2027, 11, 1, 6));
  EXPECT_FALSE(monday.active);
  EXPECT_EQ(monday.next_start, Utc(2027, 11, 5, 17));  // 18:00 CET
  FreezeState friday = EvaluateFreeze(weekend, Berlin(), Utc(2027, 10, 29, 15, 59));
  EXPECT_FALSE(friday.active);
  EXPECT_EQ(friday.next_start, Utc(2027, 10, 29, 16));
}

TEST(FreezeTest, RecurringWindowAcrossTheSpringChange) {
  // 2027-03-26 18:00 CET (17:00 UTC) + 62 h = 2027-03-29 07:00 UTC (09:00 CEST).
  const FreezeTimes weekend = Every("0 18 * * FRI", hours(62));
  FreezeState sunday = EvaluateFreeze(weekend, Berlin(), Utc(2027, 3, 28, 3));
  EXPECT_TRUE(sunday.active);
  EXPECT_EQ(sunday.until, Utc(2027, 3, 29, 7));
}

TEST(FreezeTest, OverlappingAndTouchingOccurrencesMergeIntoOneStretch) {
  // Weekdays 09:00 for 24 hours: Monday 09:00 to Saturday 09:00 in one stretch.
  const FreezeTimes weekdays = Every("0 9 * * MON-FRI", hours(24));
  FreezeState tuesday = EvaluateFreeze(weekdays, Berlin(), Utc(2027, 1, 5, 11));
  EXPECT_TRUE(tuesday.active);
  EXPECT_EQ(tuesday.until, Utc(2027, 1, 9, 8));
  EXPECT_EQ(tuesday.next_start, Utc(2027, 1, 11, 8));
}

TEST(FreezeTest, ClockChangesMakeDailyOccurrencesOverlapInSpringAndLeaveAGapInAutumn) {
  const FreezeTimes noon = Every("0 12 * * FRI,SAT,SUN", hours(24));
  // Spring: Sunday's noon (10:00 UTC) comes 23 hours after Saturday's (11:00 UTC) and merges.
  FreezeState spring = EvaluateFreeze(noon, Berlin(), Utc(2027, 3, 27, 12));
  EXPECT_TRUE(spring.active);
  EXPECT_EQ(spring.until, Utc(2027, 3, 29, 10));
  // Autumn: Sunday's noon (11:00 UTC) comes 25 hours after Saturday's (10:00 UTC): an hour
  // unfrozen between them.
  FreezeState autumn = EvaluateFreeze(noon, Berlin(), Utc(2027, 10, 30, 12));
  EXPECT_TRUE(autumn.active);
  EXPECT_EQ(autumn.until, Utc(2027, 10, 31, 10));
  EXPECT_EQ(autumn.next_start, Utc(2027, 10, 31, 11));
  EXPECT_FALSE(EvaluateFreeze(noon, Berlin(), Utc(2027, 10, 31, 10, 30)).active);
}

TEST(FreezeTest, RepeatedHourFiresOnceForAFixedMinute) {
  // "30 2 * * *" fires at the first 02:30 of 2027-10-31 (00:30 UTC) only.
  const FreezeTimes night = Every("30 2 * * *", minutes(30));
  EXPECT_TRUE(EvaluateFreeze(night, Berlin(), Utc(2027, 10, 31, 0, 45)).active);
  EXPECT_FALSE(EvaluateFreeze(night, Berlin(), Utc(2027, 10, 31, 1, 45)).active);
}

TEST(FreezeTest, AWindowThatNeverLetsGoHasNoEndAndTheEvaluationStops) {
  FreezeState always = EvaluateFreeze(Every("* * * * *", hours(1)), Berlin(), Utc(2027, 1, 1));
  EXPECT_TRUE(always.active);
  EXPECT_FALSE(always.until);
  FreezeState daily = EvaluateFreeze(Every("0 0 * * *", hours(25)), Berlin(), Utc(2027, 1, 1, 3));
  EXPECT_TRUE(daily.active);
  EXPECT_FALSE(daily.until);
}

TEST(FreezeTest, ParsesLocalDateTimesAndRefusesEverythingElse) {
  EXPECT_EQ(ParseLocalDateTime("2026-12-20T00:00"), Local(2026, 12, 20));
  EXPECT_EQ(ParseLocalDateTime("2028-02-29T23:59:30"), Local(2028, 2, 29, 23, 59) + 30);
  for (const char* bad : {"", "2026-12-20", "2026-12-20 00:00", "2027-02-29T00:00",
                          "2026-13-01T00:00", "2026-12-32T00:00", "2026-12-20T24:00",
                          "2026-12-20T00:60", "1969-12-31T23:59", "+026-12-20T00:00",
                          "2026-12-20T00:00Z", "2026-12-20T00:00+01:00", "2026-1-20T00:00",
                          "2026-12-20T00:00:0x", "２026-12-20T00:00"}) {
    EXPECT_FALSE(ParseLocalDateTime(bad)) << bad;
  }
}

}  // namespace
}  // namespace ferry::schedule
