// AwsAlarmReader: AlarmReader over ferry::aws::CloudWatchClient (the real CloudWatch, or ferry
// sandbox). Names go 100 to a DescribeAlarms call (its limit), each prefix in a call of its own;
// every page is read. Thread-safe (CloudWatchClient is).
#pragma once

#include "aws/cloudwatch_client.h"
#include "delegate/lambda/alarm_reader.h"

namespace ferry::delegate {

class AwsAlarmReader final : public AlarmReader {
 public:
  explicit AwsAlarmReader(aws::CloudWatchClient& client) : client_(client) {}
  Result<std::vector<lambda::AlarmState>> Read(const lambda::AlarmSelector& alarms,
                                               std::vector<std::string>* request_ids,
                                               std::stop_token stop) override;

 private:
  aws::CloudWatchClient& client_;
};

}  // namespace ferry::delegate
