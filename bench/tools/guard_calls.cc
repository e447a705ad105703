// One Service Guard check of N functions against a CloudWatch endpoint (bench/guard.py): the
// lambda.guard task's runner (delegate/lambda/guard_runner.h) over the real CloudWatch client,
// as a delegate runs it. Prints one JSON object: functions, windows, queries per window,
// GetMetricData calls, findings by outcome, wall time.
//
//   ferry_bench_guard ENDPOINT FUNCTIONS BASELINE_DAYS [INTERVAL_MINUTES] [TRAILING_MINUTES]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

#include "api/service_guard.h"
#include "aws/cloudwatch_client.h"
#include "aws/credentials_chain.h"
#include "aws/curl_transport.h"
#include "aws/rate_limiter.h"
#include "aws/retry.h"
#include "common/ids.h"
#include "common/json.h"
#include "delegate/lambda/aws_metric_reader.h"
#include "delegate/lambda/guard_runner.h"

namespace {

class QuietContext final : public ferry::delegate::TaskContext {
 public:
  void Log(ferry::delegate::TaskLogLevel, const std::string& text) override {
    std::cerr << text << "\n";
  }
  std::stop_token stop() const override { return {}; }
};

}  // namespace

int main(int argc, char** argv) {
  using namespace ferry;
  if (argc < 4) {
    std::cerr << "usage: ferry_bench_guard ENDPOINT FUNCTIONS BASELINE_DAYS [INTERVAL_MINUTES] "
                 "[TRAILING_MINUTES]\n";
    return 2;
  }
  const std::string endpoint = argv[1];
  const int functions = std::atoi(argv[2]);
  const int days = std::atoi(argv[3]);
  const int interval = argc > 4 ? std::atoi(argv[4]) : 5;
  const int trailing = argc > 5 ? std::atoi(argv[5]) : 60;
  if (functions < 1 || days < 0 || days > 14 || interval < 1 || trailing < interval) {
    std::cerr << "bad arguments\n";
    return 2;
  }

  Clock& clock = SystemClock::Instance();
  RandomIdGenerator ids(clock);
  aws::RateLimiterRegistry limiters(clock);
  aws::RetryQuota quota;
  auto transport = aws::CurlTransport::Create();
  if (!transport.ok()) {
    std::cerr << transport.error().message << "\n";
    return 1;
  }
  aws::StaticProvider credentials(aws::Credentials{"test", "test", "", std::nullopt, "bench"});
  aws::CloudWatchClient cw(aws::CloudWatchServiceConfig(endpoint, "us-east-1"),
                           aws::ServiceDeps{**transport, credentials, clock, ids, limiters, quota});
  delegate::AwsMetricReader reader(cw);

  const auto now = clock.Now().time_since_epoch();
  const Duration step = std::chrono::minutes(interval);
  const TimePoint slot(now - now % step);
  const api::GuardWindows windows =
      api::GuardWindowsAt(slot, step, std::chrono::minutes(trailing), days);
  lambda::GuardTask task;
  task.target.region = "us-east-1";
  task.target.endpoint = endpoint;
  for (int i = 0; i < functions; ++i) {
    task.subjects.push_back({"bench-guard-" + std::to_string(i), "live"});
  }
  task.recent = windows.recent;
  task.baselines = windows.baselines;
  task.metrics = lambda::GuardMetricNames();

  QuietContext context;
  // One task holds at most kMaxGuardFunctions functions, as the server splits them.
  int64_t calls = 0, queries = 0;
  std::map<std::string, int> outcomes;
  const auto started = std::chrono::steady_clock::now();
  for (size_t begin = 0; begin < task.subjects.size(); begin += lambda::kMaxGuardFunctions) {
    lambda::GuardTask part = task;
    const size_t end = std::min(task.subjects.size(), begin + lambda::kMaxGuardFunctions);
    part.subjects.assign(task.subjects.begin() + begin, task.subjects.begin() + end);
    auto result = delegate::RunGuard(reader, part, context);
    if (!result.succeeded) {
      std::cerr << "the check failed: " << result.error << "\n";
      return 1;
    }
    auto decoded = lambda::DecodeGuardResult(result.result_json);
    if (!decoded.ok()) {
      std::cerr << decoded.error().message << "\n";
      return 1;
    }
    calls += decoded->calls;
    queries += decoded->queries;
    for (const auto& f : decoded->findings) ++outcomes[f.metric + ":" + f.outcome];
  }
  const double wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  Json out = {{"functions", functions},      {"windows", 1 + windows.baselines.size()},
              {"queriesPerWindow", queries}, {"calls", calls},
              {"wallMs", wall_ms},           {"outcomes", outcomes}};
  std::cout << DumpJson(out) << "\n";
  return 0;
}
