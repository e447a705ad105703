// CloudWatch alarm gates of a traffic shift (F-PROGRESSIVE): the alarms a workflow and its
// environment name, what a delegate reports about them, and how that decides the gate. Pure;
// thread-safe.
//
// A gate is checked before each shift (an alarm that does not exist, or one in ALARM, fails the
// step before any traffic moves) and watched through each bake: the delegate polls DescribeAlarms
// until the bake's end and stops at the first alarm it sees in ALARM.
//
//   kind                   payload         result
//   cloudwatch.alarm-gate  AlarmGateTask   AlarmGateResult
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "lambda/target.h"

namespace ferry::lambda {

inline constexpr char kAlarmGateTask[] = "cloudwatch.alarm-gate";

// How often a watching delegate reads the alarms: an alarm that enters ALARM fails the step
// within this (plus one DescribeAlarms call) of the change CloudWatch records.
inline constexpr Duration kAlarmPoll = std::chrono::seconds(3);

// Alarms by exact name, and by name prefix (written "orders-*" in the configuration).
struct AlarmSelector {
  std::vector<std::string> names;
  std::vector<std::string> prefixes;
  bool empty() const { return names.empty() && prefixes.empty(); }
  bool operator==(const AlarmSelector&) const = default;
};

// "orders-errors" → a name, "orders-*" → a prefix. kInvalidArgument for an empty entry, one
// longer than CloudWatch's 255 characters, a lone "*", a '*' anywhere but last, or a control
// character.
Result<AlarmSelector> ParseAlarmSelector(const std::vector<std::string>& entries);
// Both selectors' alarms, each once.
AlarmSelector MergeAlarms(const AlarmSelector& a, const AlarmSelector& b);
// "orders-errors, orders-*".
std::string DescribeAlarms(const AlarmSelector& alarms);

struct AlarmState {
  std::string name;
  std::string state;   // OK | ALARM | INSUFFICIENT_DATA
  std::string reason;  // CloudWatch's StateReason
  std::optional<TimePoint> updated;  // StateUpdatedTimestamp
  bool operator==(const AlarmState&) const = default;
};

// A change of state the watch saw (the first reading of each alarm counts as one).
struct AlarmObservation {
  TimePoint at;  // when the delegate saw it
  AlarmState alarm;
  bool operator==(const AlarmObservation&) const = default;
};

struct AlarmGateTask {
  LambdaTarget target;
  AlarmSelector alarms;
  // Watch until then (a bake's end, absolute: a re-run task waits only the rest); none = one
  // check.
  std::optional<TimePoint> until;
  Duration poll = kAlarmPoll;
};

struct AlarmGateResult {
  std::vector<AlarmState> alarms;          // the last reading: every alarm the selector matched
  std::vector<std::string> missing;        // names that exist nowhere, prefixes matching none
  std::optional<AlarmState> fired;         // the first alarm seen in ALARM
  std::optional<TimePoint> fired_seen_at;  // when the delegate saw it
  std::vector<AlarmObservation> seen;      // every change of state, oldest first (at most 200)
  int checks = 0;                          // DescribeAlarms readings
};

// What one reading of the alarms means for the gate: the names and prefixes that matched
// nothing, and the first alarm in ALARM (by name).
struct AlarmVerdict {
  std::vector<std::string> missing;
  std::optional<AlarmState> fired;
};
AlarmVerdict JudgeAlarms(const AlarmSelector& selector, const std::vector<AlarmState>& read);

std::string EncodeAlarmGateTask(const AlarmGateTask& task);
Result<AlarmGateTask> DecodeAlarmGateTask(std::string_view json);
std::string EncodeAlarmGateResult(const AlarmGateResult& result);
Result<AlarmGateResult> DecodeAlarmGateResult(std::string_view json);

}  // namespace ferry::lambda
