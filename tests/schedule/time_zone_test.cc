#include "schedule/time_zone.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "schedule/instants.h"

namespace ferry::schedule {
namespace {

using ::testing::HasSubstr;
using testing::Utc;

TEST(TimeZoneTest, FindsIanaNamesAndFormatsInstantsWithTheirAbbreviation) {
  auto berlin = TimeZone::Find("Europe/Berlin");
  ASSERT_TRUE(berlin.ok()) << berlin.error().message;
  EXPECT_EQ(berlin->name(), "Europe/Berlin");
  EXPECT_EQ(berlin->Format(Utc(2027, 1, 15, 12, 0)), "2027-01-15 13:00 CET");
  EXPECT_EQ(berlin->Format(Utc(2027, 7, 15, 12, 0)), "2027-07-15 14:00 CEST");
  EXPECT_EQ(TimeZone::Utc().Format(Utc(2027, 7, 15, 12, 5)), "2027-07-15 12:05 UTC");
}

TEST(TimeZoneTest, ResolvesWallClockTimesAcrossBothClockChanges) {
  const TimeZone berlin = TimeZone::Find("Europe/Berlin").value();
  const LocalSeconds day = 24 * 3600;
  // 2027-03-28: 02:00 CET becomes 03:00 CEST (01:00 UTC).
  const LocalSeconds spring = berlin.ToLocal(Utc(2027, 3, 28)) / day * day;
  LocalResolution gap = berlin.Resolve(spring + 2 * 3600 + 30 * 60);
  EXPECT_EQ(gap.kind, LocalResolution::Kind::kSkipped);
  EXPECT_EQ(gap.first, Utc(2027, 3, 28, 1, 0));
  // 2027-10-31: 03:00 CEST becomes 02:00 CET (01:00 UTC); 02:30 happens twice.
  const LocalSeconds autumn = berlin.ToLocal(Utc(2027, 10, 31, 12)) / day * day;
  LocalResolution fold = berlin.Resolve(autumn + 2 * 3600 + 30 * 60);
  EXPECT_EQ(fold.kind, LocalResolution::Kind::kRepeated);
  EXPECT_EQ(fold.first, Utc(2027, 10, 31, 0, 30));
  EXPECT_EQ(fold.second, Utc(2027, 10, 31, 1, 30));
  LocalResolution plain = berlin.Resolve(autumn + 12 * 3600);
  EXPECT_EQ(plain.kind, LocalResolution::Kind::kUnique);
  EXPECT_EQ(plain.first, Utc(2027, 10, 31, 11, 0));
}

TEST(TimeZoneTest, UnknownNamesSayWhichNamesAreNear) {
  auto typo = TimeZone::Find("Europe/Berln");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(typo.error().message, HasSubstr("unknown time zone Europe/Berln"));
  EXPECT_THAT(typo.error().message, HasSubstr("Europe/Berlin"));
}

TEST(TimeZoneTest, HostileNamesAreRefusedWithoutTouchingTheFileSystem) {
  for (std::string name : {std::string(""), std::string("../../etc/passwd"),
                           std::string("/etc/localtime"), std::string("Europe/Berlin\n"),
                           std::string("Europe/Berlin\0x", 15), std::string(5000, 'A'),
                           std::string("Europe/../Europe/Berlin"), std::string("Zoné/Ünknown"),
                           std::string("posixrules%n%n")}) {
    auto zone = TimeZone::Find(name);
    ASSERT_FALSE(zone.ok()) << name;
    EXPECT_EQ(zone.error().code, ErrorCode::kInvalidArgument);
    EXPECT_LT(zone.error().message.size(), 300u);
  }
}

}  // namespace
}  // namespace ferry::schedule
