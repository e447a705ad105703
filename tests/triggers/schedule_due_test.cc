// When a schedule trigger runs: a new trigger waits for its first slot, a due slot runs once,
// missed slots during downtime become one run (never a burst), a changed expression or zone
// starts over, and the next run honours the zone's clock changes.
#include "triggers/schedule_due.h"

#include <gtest/gtest.h>

#include "common/time.h"

namespace ferry::triggers {
namespace {

TimePoint At(const char* rfc3339) { return ParseRfc3339(rfc3339).value(); }

TEST(ScheduleDueTest, ANewTriggerGetsItsNextRunAndDoesNotRunForThePast) {
  model::ScheduleCondition c{"0 2 * * *", "Europe/Berlin"};
  auto d = DecideSchedule(c, std::nullopt, "", At("2026-12-07T10:00:00Z"));
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_FALSE(d->due_slot);
  EXPECT_EQ(d->next_run, At("2026-12-08T01:00:00Z"));  // 02:00 CET
}

TEST(ScheduleDueTest, ADueSlotRunsOnceAndTheNextIsComputedFromNow) {
  model::ScheduleCondition c{"*/5 * * * *", "UTC"};
  auto first = DecideSchedule(c, std::nullopt, "", At("2026-12-07T10:01:00Z")).value();
  EXPECT_EQ(first.next_run, At("2026-12-07T10:05:00Z"));
  auto before = DecideSchedule(c, first.next_run, first.fingerprint, At("2026-12-07T10:04:59Z"));
  EXPECT_FALSE(before->due_slot);
  EXPECT_EQ(before->next_run, first.next_run);
  auto due = DecideSchedule(c, first.next_run, first.fingerprint, At("2026-12-07T10:05:00Z"));
  EXPECT_EQ(due->due_slot, At("2026-12-07T10:05:00Z"));
  EXPECT_EQ(due->next_run, At("2026-12-07T10:10:00Z"));
  EXPECT_EQ(ScheduleFireKey(*due->due_slot), ScheduleFireKey(At("2026-12-07T10:05:00Z")));
}

TEST(ScheduleDueTest, MissedRunsDuringDowntimeBecomeOneRun) {
  model::ScheduleCondition c{"*/5 * * * *", "UTC"};
  auto first = DecideSchedule(c, std::nullopt, "", At("2026-12-07T10:01:00Z")).value();
  // Down from 10:02 to 13:31: 42 slots missed.
  auto back = DecideSchedule(c, first.next_run, first.fingerprint, At("2026-12-07T13:31:00Z"));
  EXPECT_EQ(back->due_slot, At("2026-12-07T10:05:00Z"));  // the first missed slot, once
  EXPECT_EQ(back->next_run, At("2026-12-07T13:35:00Z"));
  auto after = DecideSchedule(c, back->next_run, back->fingerprint, At("2026-12-07T13:32:00Z"));
  EXPECT_FALSE(after->due_slot);
}

TEST(ScheduleDueTest, AChangedExpressionOrZoneStartsOver) {
  model::ScheduleCondition c{"*/5 * * * *", "UTC"};
  auto first = DecideSchedule(c, std::nullopt, "", At("2026-12-07T10:01:00Z")).value();
  model::ScheduleCondition moved{"0 * * * *", "UTC"};
  auto d = DecideSchedule(moved, first.next_run, first.fingerprint, At("2026-12-07T10:06:00Z"));
  EXPECT_FALSE(d->due_slot);
  EXPECT_EQ(d->next_run, At("2026-12-07T11:00:00Z"));
  model::ScheduleCondition zoned{"*/5 * * * *", "Asia/Kolkata"};
  EXPECT_NE(DecideSchedule(zoned, first.next_run, first.fingerprint, At("2026-12-07T10:06:00Z"))
                ->fingerprint,
            first.fingerprint);
}

TEST(ScheduleDueTest, TheNextRunHonoursClockChanges) {
  // 02:30 does not exist in Berlin on 2027-03-28 (02:00 → 03:00): Vixie cron runs it at 03:00.
  model::ScheduleCondition c{"30 2 * * *", "Europe/Berlin"};
  auto d = DecideSchedule(c, std::nullopt, "", At("2027-03-27T12:00:00Z")).value();
  EXPECT_EQ(d.next_run, At("2027-03-28T01:00:00Z"));
  // 02:30 happens twice on 2027-10-31: it runs once, at the first.
  auto autumn = DecideSchedule(c, std::nullopt, "", At("2027-10-30T12:00:00Z")).value();
  EXPECT_EQ(autumn.next_run, At("2027-10-31T00:30:00Z"));
  auto after =
      DecideSchedule(c, autumn.next_run, autumn.fingerprint, At("2027-10-31T00:30:00Z")).value();
  EXPECT_EQ(after.next_run, At("2027-11-01T01:30:00Z"));
}

TEST(ScheduleDueTest, AStaleRowWithABadExpressionIsAnError) {
  EXPECT_FALSE(DecideSchedule({"61 * * * *", "UTC"}, std::nullopt, "", TimePoint()).ok());
  EXPECT_FALSE(DecideSchedule({"* * * * *", "Mars/Base"}, std::nullopt, "", TimePoint()).ok());
}

}  // namespace
}  // namespace ferry::triggers
