#include "schedule/cron.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "schedule/instants.h"

namespace ferry::schedule {
namespace {

using ::testing::HasSubstr;
using testing::Utc;

CronExpression Cron(const std::string& text) {
  auto cron = CronExpression::Parse(text);
  EXPECT_TRUE(cron.ok()) << text << ": " << cron.error().message;
  return cron.value();
}

TimeZone Zone(const std::string& name) { return TimeZone::Find(name).value(); }

// The instants at which `cron` fires after `after`, `count` of them.
std::vector<Instant> Fires(const CronExpression& cron, Instant after, const TimeZone& zone,
                           int count) {
  std::vector<Instant> out;
  for (int i = 0; i < count; ++i) {
    auto next = cron.NextAfter(after, zone);
    if (!next) break;
    out.push_back(*next);
    after = *next;
  }
  return out;
}

TEST(CronTest, WeekdayNightsInBerlin) {
  // 2027-01-15 is a Friday; 02:00 CET is 01:00 UTC.
  const auto fires = Fires(Cron("0 2 * * MON-FRI"), Utc(2027, 1, 15, 2, 0), Zone("Europe/Berlin"), 3);
  EXPECT_EQ(fires, (std::vector<Instant>{Utc(2027, 1, 18, 1, 0), Utc(2027, 1, 19, 1, 0),
                                         Utc(2027, 1, 20, 1, 0)}));
}

TEST(CronTest, NextIsStrictlyAfter) {
  const CronExpression hourly = Cron("@hourly");
  EXPECT_EQ(hourly.NextAfter(Utc(2027, 1, 1, 5, 0), TimeZone::Utc()), Utc(2027, 1, 1, 6, 0));
  EXPECT_EQ(hourly.NextAfter(Utc(2027, 1, 1, 5, 0) - std::chrono::seconds(1), TimeZone::Utc()),
            Utc(2027, 1, 1, 5, 0));
}

TEST(CronTest, ListsRangesStepsNamesAndShorthands) {
  const TimeZone utc = TimeZone::Utc();
  EXPECT_EQ(Fires(Cron("*/20 9-10 * * *"), Utc(2027, 1, 1), utc, 7),
            (std::vector<Instant>{Utc(2027, 1, 1, 9, 0), Utc(2027, 1, 1, 9, 20),
                                  Utc(2027, 1, 1, 9, 40), Utc(2027, 1, 1, 10, 0),
                                  Utc(2027, 1, 1, 10, 20), Utc(2027, 1, 1, 10, 40),
                                  Utc(2027, 1, 2, 9, 0)}));
  // a/n runs from a to the field's maximum; names are case-insensitive; 7 is Sunday.
  EXPECT_EQ(Fires(Cron("50/5 0 1 jan,Jul *"), Utc(2027, 1, 1), utc, 3),
            (std::vector<Instant>{Utc(2027, 1, 1, 0, 50), Utc(2027, 1, 1, 0, 55),
                                  Utc(2027, 7, 1, 0, 50)}));
  // 2027-01-03 and 2027-01-10 are Sundays.
  EXPECT_EQ(Fires(Cron("0 0 * * 7"), Utc(2027, 1, 1), utc, 2),
            (std::vector<Instant>{Utc(2027, 1, 3), Utc(2027, 1, 10)}));
  EXPECT_EQ(Cron("@weekly").NextAfter(Utc(2027, 1, 1), utc), Utc(2027, 1, 3));
  EXPECT_EQ(Cron("@monthly").NextAfter(Utc(2027, 1, 1), utc), Utc(2027, 2, 1));
  EXPECT_EQ(Cron("@yearly").NextAfter(Utc(2027, 1, 1), utc), Utc(2028, 1, 1));
  EXPECT_EQ(Cron("@daily").NextAfter(Utc(2027, 1, 1), utc), Utc(2027, 1, 2));
  EXPECT_EQ(Cron("  0   12 * *   *  ").NextAfter(Utc(2027, 1, 1), utc), Utc(2027, 1, 1, 12));
}

TEST(CronTest, BothDayFieldsRestrictedMeansEither) {
  // The 13th, and every Friday: 2027-08-06 (Fri), 08-13 (Fri and 13th), 08-20 (Fri), 09-03 …
  EXPECT_EQ(Fires(Cron("0 0 13 * FRI"), Utc(2027, 8, 1), TimeZone::Utc(), 5),
            (std::vector<Instant>{Utc(2027, 8, 6), Utc(2027, 8, 13), Utc(2027, 8, 20),
                                  Utc(2027, 8, 27), Utc(2027, 9, 3)}));
  // A step starting with * leaves the day of month unrestricted (crontab(5)).
  EXPECT_EQ(Fires(Cron("0 0 */1 * FRI"), Utc(2027, 8, 1), TimeZone::Utc(), 2),
            (std::vector<Instant>{Utc(2027, 8, 6), Utc(2027, 8, 13)}));
}

TEST(CronTest, LeapDaysComeEveryFourYears) {
  EXPECT_EQ(Cron("0 0 29 2 *").NextAfter(Utc(2027, 1, 1), TimeZone::Utc()), Utc(2028, 2, 29));
}

TEST(CronTest, AFixedTimeTheClocksJumpOverFiresAtTheJump) {
  // Europe/Berlin 2027-03-28: 02:00 CET → 03:00 CEST at 01:00 UTC.
  const auto fires = Fires(Cron("30 2 * * *"), Utc(2027, 3, 27, 12), Zone("Europe/Berlin"), 2);
  EXPECT_EQ(fires, (std::vector<Instant>{Utc(2027, 3, 28, 1, 0), Utc(2027, 3, 29, 0, 30)}));
}

TEST(CronTest, AFixedTimeThatHappensTwiceFiresOnce) {
  // Europe/Berlin 2027-10-31: 03:00 CEST → 02:00 CET at 01:00 UTC; 02:30 is 00:30 and 01:30 UTC.
  const auto fires = Fires(Cron("30 2 * * *"), Utc(2027, 10, 30, 12), Zone("Europe/Berlin"), 2);
  EXPECT_EQ(fires, (std::vector<Instant>{Utc(2027, 10, 31, 0, 30), Utc(2027, 11, 1, 1, 30)}));
}

TEST(CronTest, AWildcardHourKeepsRealTimeIntervalsThroughClockChanges) {
  const TimeZone berlin = Zone("Europe/Berlin");
  // Autumn: every 30 real minutes through the repeated hour.
  EXPECT_EQ(Fires(Cron("*/30 * * * *"), Utc(2027, 10, 31, 0, 0), berlin, 4),
            (std::vector<Instant>{Utc(2027, 10, 31, 0, 30), Utc(2027, 10, 31, 1, 0),
                                  Utc(2027, 10, 31, 1, 30), Utc(2027, 10, 31, 2, 0)}));
  // Spring: 02:00 and 02:30 do not exist; they fire once, at the jump (03:00 CEST).
  EXPECT_EQ(Fires(Cron("*/30 * * * *"), Utc(2027, 3, 28, 0, 0), berlin, 3),
            (std::vector<Instant>{Utc(2027, 3, 28, 0, 30), Utc(2027, 3, 28, 1, 0),
                                  Utc(2027, 3, 28, 1, 30)}));
}

TEST(CronTest, SouthernHemisphereAndHalfHourZones) {
  // Australia/Sydney 2027-04-04 03:00 AEDT (+11) → 02:00 AEST (+10): 09:00 on the 3rd is 22:00
  // UTC on the 2nd, 09:00 on the 4th is 23:00 UTC on the 3rd.
  EXPECT_EQ(Fires(Cron("0 9 * * *"), Utc(2027, 4, 2, 12), Zone("Australia/Sydney"), 3),
            (std::vector<Instant>{Utc(2027, 4, 2, 22, 0), Utc(2027, 4, 3, 23, 0),
                                  Utc(2027, 4, 4, 23, 0)}));
  EXPECT_EQ(Cron("0 9 * * *").NextAfter(Utc(2027, 1, 1), Zone("Asia/Kolkata")),
            Utc(2027, 1, 1, 3, 30));
}

// In UTC (no clock changes), NextAfter equals a minute-by-minute search for random expressions.
TEST(CronTest, AgreesWithABruteForceSearchInUtc) {
  std::mt19937 rng(20261207);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto field = [&](int lo, int hi) -> std::string {
    switch (pick(0, 4)) {
      case 0: return "*";
      case 1: return std::to_string(pick(lo, hi));
      case 2: { int a = pick(lo, hi); return std::to_string(a) + "-" + std::to_string(pick(a, hi)); }
      case 3: return "*/" + std::to_string(pick(1, hi / 2 + 1));
      default: return std::to_string(pick(lo, hi)) + "," + std::to_string(pick(lo, hi));
    }
  };
  int checked = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const std::string text = field(0, 59) + " " + field(0, 23) + " " + field(1, 28) + " " +
                             field(1, 12) + " " + field(0, 6);
    auto cron = CronExpression::Parse(text);
    ASSERT_TRUE(cron.ok()) << text << ": " << cron.error().message;
    const Instant after = Utc(2027, 1, 1) + std::chrono::minutes(pick(0, 400 * 24 * 60));
    const auto next = cron->NextAfter(after, TimeZone::Utc());
    ASSERT_TRUE(next.has_value()) << text;
    // Check every minute from `after` to the answer does not fire, and the answer does.
    if (*next - after > std::chrono::hours(24 * 2)) continue;  // keep the search short
    auto fires_at = [&](Instant t) {
      auto probe = cron->NextAfter(t - std::chrono::seconds(1), TimeZone::Utc());
      return probe && *probe == t;
    };
    EXPECT_TRUE(fires_at(*next)) << text;
    const Instant first_minute = std::chrono::ceil<std::chrono::minutes>(after + std::chrono::seconds(1));
    for (Instant t = first_minute; t < *next; t += std::chrono::minutes(1)) {
      ASSERT_FALSE(fires_at(t)) << text << " fires at " << t.time_since_epoch().count();
    }
    ++checked;
  }
  EXPECT_GT(checked, 30);
}

TEST(CronTest, BadExpressionsSayWhatIsWrong) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0 2 * *", "has 4 fields; give five"},
      {"0 2 * * * *", "has 6 fields"},
      {"", "has 0 fields"},
      {"60 * * * *", "minute 60 is out of range 0-59"},
      {"0 24 * * *", "hour 24 is out of range 0-23"},
      {"0 0 0 * *", "day of month 0 is out of range 1-31"},
      {"0 0 * 13 *", "month 13 is out of range 1-12"},
      {"0 0 * * 8", "day of week 8 is out of range 0-7"},
      {"0 0 * * FRI-MON", "running backwards"},
      {"0 0 * * MONDAY", "neither a number nor one of SUN…SAT"},
      {"0 0 * FOO *", "neither a number nor one of JAN…DEC"},
      {"*/0 * * * *", "step 0"},
      {"*/ * * * *", "step "},
      {"*/99999999999999999999 * * * *", "step 99999999999999999999"},
      {"1,,2 * * * *", "empty list item"},
      {"1, * * * *", "empty list item"},
      {"-5 * * * *", "empty value"},
      {"5- * * * *", "empty value"},
      {"0x10 * * * *", "not a number"},
      {"99999999999 * * * *", "not a number"},
      {"0 0 30 2 *", "never fires"},
      {"0 0 31 4,6,9,11 *", "never fires"},
      {"@reboot", "unknown shorthand"},
      {"@daily 5", "unknown shorthand"},
      {"0 0 * * *\n", "control or non-ASCII"},
      {std::string("0 0 * * *\0", 10), "control or non-ASCII"},
      {"0 0 * * L", "neither a number"},
      {"0 0 ? * *", "not a number"},
      {std::string(300, '*'), "at most 256"},
  };
  for (const auto& [text, want] : cases) {
    auto cron = CronExpression::Parse(text);
    ASSERT_FALSE(cron.ok()) << "'" << text << "' parsed";
    EXPECT_EQ(cron.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(cron.error().message, HasSubstr(want)) << text;
    EXPECT_LT(cron.error().message.size(), 400u) << text;
  }
}

TEST(CronTest, HugeListsAreBoundedByTheExpressionLength) {
  std::string many;
  for (int i = 0; i < 60 && many.size() < 240; ++i) many += (i ? "," : "") + std::to_string(i);
  auto cron = CronExpression::Parse(many + " * * * *");
  ASSERT_TRUE(cron.ok()) << cron.error().message;
  EXPECT_EQ(cron->NextAfter(Utc(2027, 1, 1, 0, 0), TimeZone::Utc()), Utc(2027, 1, 1, 0, 1));
}

}  // namespace
}  // namespace ferry::schedule
