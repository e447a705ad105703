// AlarmReader: how a delegate reads the CloudWatch alarms of an alarm gate (lambda/alarm_gate.h).
// The seam between the gate's task handler (lambda_tasks.cc, no AWS client) and CloudWatch:
// AwsAlarmReader (aws_alarm_reader.h) adapts ferry::aws::CloudWatchClient; tests may substitute a
// fake. Implementations are thread-safe.
#pragma once

#include <stop_token>
#include <string>
#include <vector>

#include "common/result.h"
#include "lambda/alarm_gate.h"

namespace ferry::delegate {

class AlarmReader {
 public:
  virtual ~AlarmReader() = default;
  // Every metric alarm with one of the selector's names, or whose name starts with one of its
  // prefixes (DescribeAlarms, all pages); the request ids in call order.
  virtual Result<std::vector<lambda::AlarmState>> Read(const lambda::AlarmSelector& alarms,
                                                       std::vector<std::string>* request_ids,
                                                       std::stop_token stop) = 0;
};

}  // namespace ferry::delegate
