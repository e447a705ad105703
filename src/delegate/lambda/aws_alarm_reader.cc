#include "delegate/lambda/aws_alarm_reader.h"

#include <algorithm>

namespace ferry::delegate {
namespace {

constexpr size_t kNamesPerCall = 100;  // DescribeAlarms' AlarmNames limit
constexpr int kMaxPages = 100;         // 10,000 alarms per name list or prefix

}  // namespace

Result<std::vector<lambda::AlarmState>> AwsAlarmReader::Read(const lambda::AlarmSelector& alarms,
                                                             std::vector<std::string>* request_ids,
                                                             std::stop_token stop) {
  std::vector<lambda::AlarmState> out;
  auto read_all = [&](aws::DescribeAlarmsRequest request) -> Status {
    for (int page = 0; page < kMaxPages; ++page) {
      auto result = client_.DescribeAlarms(request, stop);
      if (!result.ok()) return result.error();
      if (request_ids != nullptr) request_ids->push_back(result->request_id);
      for (const auto& a : result->metric_alarms) {
        if (std::any_of(out.begin(), out.end(),
                        [&](const lambda::AlarmState& s) { return s.name == a.alarm_name; })) {
          continue;
        }
        out.push_back(
            lambda::AlarmState{a.alarm_name, a.state_value, a.state_reason, a.state_updated});
      }
      if (result->next_token.empty()) return Ok();
      request.next_token = result->next_token;
    }
    return Error{ErrorCode::kFailedPrecondition, "DescribeAlarms returned more than 100 pages"};
  };
  for (size_t from = 0; from < alarms.names.size(); from += kNamesPerCall) {
    aws::DescribeAlarmsRequest r;
    r.alarm_names.assign(alarms.names.begin() + static_cast<std::ptrdiff_t>(from),
                         alarms.names.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                    alarms.names.size(), from + kNamesPerCall)));
    FERRY_RETURN_IF_ERROR(read_all(std::move(r)));
  }
  for (const auto& prefix : alarms.prefixes) {
    aws::DescribeAlarmsRequest r;
    r.alarm_name_prefix = prefix;
    FERRY_RETURN_IF_ERROR(read_all(std::move(r)));
  }
  return out;
}

}  // namespace ferry::delegate
