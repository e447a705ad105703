#include "sandbox/cloudwatch/cloudwatch_service.h"

#include <algorithm>

#include "common/crypto.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/thread_name.h"
#include "sandbox/cloudwatch/cw_input.h"
#include "sandbox/cloudwatch/cw_protocol.h"
#include "sandbox/snapshot.h"

namespace ferry::sandbox::cloudwatch {
namespace {

constexpr int kStateFormat = 1;
constexpr uint64_t kPruneEvery = 10'000;

std::string NewRequestId(IdGenerator& ids) {
  std::string hex = HexEncode(ids.RandomBytes(16));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace

CloudWatchService::CloudWatchService(CloudWatchOptions options, const Clock& clock,
                                     IdGenerator& ids)
    : options_(std::move(options)), clock_(clock), ids_(ids), store_(options_.limits) {}

Result<std::unique_ptr<CloudWatchService>> CloudWatchService::Create(CloudWatchOptions options,
                                                                     const Clock& clock,
                                                                     IdGenerator& ids) {
  std::unique_ptr<CloudWatchService> service(new CloudWatchService(std::move(options), clock, ids));
  if (service->options_.data_dir) {
    FERRY_RETURN_IF_ERROR(service->Load());
    service->flusher_ =
        std::jthread([s = service.get()](std::stop_token stop) { s->FlushLoop(stop); });
  }
  if (service->options_.evaluate_interval.count() > 0) {
    service->evaluator_ =
        std::jthread([s = service.get()](std::stop_token stop) { s->EvaluateLoop(stop); });
  }
  return service;
}

CloudWatchService::~CloudWatchService() {
  if (evaluator_.joinable()) {
    evaluator_.request_stop();
    evaluator_.join();
  }
  if (flusher_.joinable()) {
    flusher_.request_stop();
    flusher_.join();
  }
  if (options_.data_dir) {
    Status flushed = Flush();
    if (!flushed.ok()) {
      log::Error("cloudwatch sandbox: cannot write state", {{"error", flushed.error().message}});
    }
  }
}

Status CloudWatchService::Load() {
  const auto path = *options_.data_dir / "state.json";
  FERRY_ASSIGN_OR_RETURN(std::optional<Json> state, SnapshotFile(path).Load());
  if (!state) return Ok();
  auto corrupt = [&](const std::string& why) {
    return InvalidArgument("cloudwatch state " + path.string() + " is corrupt: " + why);
  };
  if (!state->is_object() || state->value("format", 0) != kStateFormat ||
      !state->contains("metrics") || !state->contains("alarms") || !(*state)["alarms"].is_array() ||
      !(*state)["metrics"].is_array()) {
    return corrupt("unknown format");
  }
  std::lock_guard lock(mu_);
  Status metrics = store_.FromJson((*state)["metrics"]);
  if (!metrics.ok()) return corrupt(metrics.error().message);
  for (const Json& j : (*state)["alarms"]) {
    auto alarm = AlarmFromJson(j);
    if (!alarm.ok()) return corrupt(alarm.error().message);
    alarms_[{alarm->metric.account, alarm->metric.region, alarm->name}] = std::move(alarm).value();
  }
  return Ok();
}

Json CloudWatchService::StateLocked() const {
  Json alarms = Json::array();
  for (const auto& [key, alarm] : alarms_) alarms.push_back(AlarmToJson(alarm));
  return {{"format", kStateFormat}, {"metrics", store_.ToJson()}, {"alarms", alarms}};
}

Status CloudWatchService::Flush() {
  if (!options_.data_dir) return Ok();
  std::lock_guard flush_lock(flush_mu_);  // writers go in snapshot order
  Json state;
  {
    std::lock_guard lock(mu_);
    state = StateLocked();
    dirty_ = false;
  }
  Status saved = SnapshotFile(*options_.data_dir / "state.json").Save(state);
  if (!saved.ok()) {
    std::lock_guard lock(mu_);
    dirty_ = true;
  }
  return saved;
}

void CloudWatchService::FlushLoop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mu_);
      flush_cv_.wait_for(lock, stop, options_.flush_interval, [] { return false; });
      if (stop.stop_requested() || !dirty_) continue;
    }
    Status flushed = Flush();
    if (!flushed.ok()) {
      log::Warn("cloudwatch sandbox: cannot write state", {{"error", flushed.error().message}});
    }
  }
}

std::string CloudWatchService::OperationName(const Request& request) {
  if (DetectProtocol(request) == Protocol::kJson) {
    return request.Header("x-amz-target").substr(request.Header("x-amz-target").find('.') + 1);
  }
  auto it = request.query.find("Action");
  if (it != request.query.end()) return it->second;
  for (const auto& pair : Split(request.body, '&')) {
    if (pair.starts_with("Action=")) return pair.substr(7);
  }
  return "";
}

Response CloudWatchService::Handle(const Request& request, const Caller& caller) {
  std::string request_id = NewRequestId(ids_);
  auto parsed = ParseRequest(request, options_.max_body_bytes);
  if (!parsed.ok()) {
    return RenderErrorResponse(DetectProtocol(request), parsed.error(), request_id);
  }
  Input input(parsed->input, "");
  auto output = Dispatch(parsed->action, input, caller);
  if (!output.ok()) return RenderErrorResponse(parsed->protocol, output.error(), request_id);
  return RenderOutput(parsed->protocol, parsed->action, *output, request_id);
}

Response CloudWatchService::RenderError(const Request& request, const WireError& error) {
  std::string request_id = error.request_id.empty() ? NewRequestId(ids_) : error.request_id;
  return RenderErrorResponse(DetectProtocol(request),
                             CwError(error.status, error.code, error.message), request_id);
}

Result<Json> CloudWatchService::Dispatch(const std::string& action, const Input& input,
                                         const Caller& caller) {
  if (action == "PutMetricData") return PutMetricData(input, caller);
  if (action == "GetMetricData") return GetMetricData(input, caller);
  if (action == "GetMetricStatistics") return GetMetricStatistics(input, caller);
  if (action == "ListMetrics") return ListMetrics(input, caller);
  if (action == "PutMetricAlarm") return PutMetricAlarm(input, caller);
  if (action == "DescribeAlarms") return DescribeAlarms(input, caller);
  if (action == "DescribeAlarmsForMetric") return DescribeAlarmsForMetric(input, caller);
  if (action == "DescribeAlarmHistory") return DescribeAlarmHistory(input, caller);
  if (action == "DeleteAlarms") return DeleteAlarms(input, caller);
  if (action == "SetAlarmState") return SetAlarmState(input, caller);
  if (action == "EnableAlarmActions") return SetAlarmActions(input, caller, true);
  if (action == "DisableAlarmActions") return SetAlarmActions(input, caller, false);
  return CwError(400, "InvalidAction",
                 "The action " + QuoteForMessage(action) +
                     " is not valid for this web service (or not implemented by ferry sandbox).");
}

void CloudWatchService::Record(const MetricDatum& datum) {
  MetricKey key{datum.account_id, datum.region, datum.ns, datum.name, datum.dimensions};
  std::sort(key.dimensions.begin(), key.dimensions.end());
  Aggregate sample;
  sample.AddValue(datum.value, 1);
  TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  Status added = store_.Add(key, datum.timestamp, datum.unit, sample, now);
  if (!added.ok()) {
    log::Warn("cloudwatch sandbox: metric dropped", {{"error", added.error().message}});
    return;
  }
  dirty_ = true;
  if (++adds_since_prune_ >= kPruneEvery) {
    adds_since_prune_ = 0;
    store_.Prune(now);
  }
  EvaluateAlarmsForLocked(key, now);
}

void CloudWatchService::EvaluateAlarmsForLocked(const MetricKey& key, TimePoint now) {
  for (auto& [id, alarm] : alarms_) {
    if (alarm.metric == key) Evaluate(alarm, store_, now);
  }
}

void CloudWatchService::EvaluateAlarms() {
  TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  for (auto& [id, alarm] : alarms_) {
    const std::string before = alarm.state;
    RefreshLocked(alarm, now);
    // Written with the metric data (within flush_interval), as an evaluation on new data is.
    if (alarm.state != before) dirty_ = true;
  }
}

void CloudWatchService::EvaluateLoop(std::stop_token stop) {
  SetThreadName("ferry-cw-alarms");
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mu_);
      evaluate_cv_.wait_for(lock, stop, options_.evaluate_interval, [] { return false; });
      if (stop.stop_requested()) break;
    }
    EvaluateAlarms();
  }
}

void CloudWatchService::RefreshLocked(Alarm& alarm, TimePoint now) {
  auto period_index = [&](TimePoint t) {
    return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count() / alarm.period;
  };
  if (period_index(now) != period_index(alarm.last_evaluated)) Evaluate(alarm, store_, now);
}

}  // namespace ferry::sandbox::cloudwatch
