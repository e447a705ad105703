#include "delegate/lambda/aws_metric_reader.h"

#include <set>

#include "common/strings.h"

namespace ferry::delegate {
namespace {

Error Unexpected(const std::string& what) {
  return Error{ErrorCode::kUnavailable, "unexpected GetMetricData answer: " + what};
}

}  // namespace

Result<std::vector<MetricSeries>> AwsMetricReader::Read(const std::vector<MetricQuery>& queries,
                                                        TimePoint start, TimePoint end,
                                                        std::vector<std::string>* request_ids,
                                                        std::stop_token stop) {
  std::vector<MetricSeries> out(queries.size());
  std::vector<std::set<int64_t>> seen(queries.size());
  size_t datapoints = 0;
  for (size_t from = 0; from < queries.size(); from += kQueriesPerCall) {
    const size_t to = std::min(queries.size(), from + kQueriesPerCall);
    aws::GetMetricDataRequest request;
    request.start_time = start;
    request.end_time = end;
    request.scan_by = "TimestampAscending";
    for (size_t i = from; i < to; ++i) {
      const MetricQuery& q = queries[i];
      aws::MetricDataQuery m;
      m.id = "q" + std::to_string(i);
      m.namespace_ = q.ns;
      m.metric_name = q.metric;
      for (const auto& [n, v] : q.dimensions) m.dimensions.push_back({n, v});
      m.period_seconds = q.period_seconds;
      m.stat = q.stat;
      request.queries.push_back(std::move(m));
    }
    std::vector<bool> complete(to - from, false);
    std::set<std::string> tokens;
    for (int page = 0;; ++page) {
      if (page == kMaxPages) {
        return Unexpected("more than " + std::to_string(kMaxPages) + " pages for one call");
      }
      auto result = client_.GetMetricData(request, stop);
      if (!result.ok()) return result.error();
      if (request_ids != nullptr) request_ids->push_back(result->request_id);
      for (const auto& r : result->results) {
        const auto index =
            r.id.size() > 1 && r.id[0] == 'q' ? ParseInt(r.id.substr(1)) : std::nullopt;
        if (!index || *index < static_cast<int64_t>(from) || *index >= static_cast<int64_t>(to) ||
            "q" + std::to_string(*index) != r.id) {
          return Unexpected("a result for query " + QuoteForMessage(r.id, 40) +
                            ", which was not asked");
        }
        const size_t i = static_cast<size_t>(*index);
        if (r.status_code == "Forbidden" || r.status_code == "InternalError") {
          return Unexpected("query " + queries[i].metric + " (" + queries[i].stat + ") is " +
                            r.status_code);
        }
        if (r.status_code == "Complete") {
          complete[i - from] = true;
        } else if (r.status_code != "PartialData") {
          return Unexpected("status " + QuoteForMessage(r.status_code, 40) + " for query " +
                            queries[i].metric);
        }
        datapoints += r.values.size();
        if (datapoints > kMaxDatapoints) {
          return Unexpected("more than " + std::to_string(kMaxDatapoints) + " datapoints");
        }
        for (size_t k = 0; k < r.values.size(); ++k) {
          const int64_t at = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 r.timestamps[k].time_since_epoch())
                                 .count();
          if (!seen[i].insert(at).second) {
            return Unexpected("a repeated datapoint for query " + queries[i].metric);
          }
          // CloudWatch rounds StartTime down (to the minute, or to the period when shorter),
          // so the first period may start up to one period before `start`.
          if (r.timestamps[k] < start - std::chrono::seconds(queries[i].period_seconds) ||
              r.timestamps[k] >= end) {
            return Unexpected("a datapoint outside the window asked for query " +
                              queries[i].metric);
          }
          out[i].timestamps.push_back(r.timestamps[k]);
          out[i].values.push_back(r.values[k]);
        }
      }
      if (result->next_token.empty()) break;
      if (!tokens.insert(result->next_token).second) {
        return Unexpected("a NextToken that repeats an earlier one");
      }
      request.next_token = result->next_token;
    }
    for (size_t i = from; i < to; ++i) {
      if (!complete[i - from]) {
        return Unexpected("no complete answer for query " + queries[i].metric + " (" +
                          queries[i].stat + ")");
      }
    }
  }
  return out;
}

}  // namespace ferry::delegate
