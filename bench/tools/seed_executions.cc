// ferry_bench_seed (--data DIR | --store postgres://…) --count N: writes N finished deployments
// (succeeded executions with one succeeded lambda.deploy step and a realistic outputs document)
// into the SQLite store of DIR, or the PostgreSQL database, through the store's own API, so that
// the footprint and API benchmarks can measure `ferry server` holding many executions. Prints
// "seeded N executions in S s" on success.
//
// Run it while no server uses DIR, or accept SQLite's busy waits. Exit codes: 0 success,
// 1 a store error (printed), 2 bad usage.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/ids.h"
#include "common/result.h"
#include "common/strings.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace {

constexpr std::string_view kUsage =
    "usage: ferry_bench_seed (--data DIR | --store postgres://USER@HOST:PORT/DB) --count N\n";

// The shape of a lambda.deploy step's outputs (docs/api.md), for one function.
std::string DeployOutputs(int i) {
  std::string n = std::to_string(i);
  return R"({"deployments":[{"functionName":"bench-single","functionArn":)"
         R"("arn:aws:lambda:us-east-1:000000000000:function:bench-single:)" +
         n + R"(","version":")" + n +
         R"(","codeSha256":"n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=","created":false,)"
         R"("aliases":{"dev":{"version":")" +
         n +
         R"(","weights":{}}},"calls":[{"operation":"UpdateFunctionCode","requestId":)"
         R"("c0ffee00-0000-4000-8000-000000000000","status":200},{"operation":)"
         R"("PublishVersion","requestId":"c0ffee00-0000-4000-8000-000000000001",)"
         R"("status":201},{"operation":"UpdateAlias","requestId":)"
         R"("c0ffee00-0000-4000-8000-000000000002","status":200}]}]})";
}

// One succeeded execution: created, running, its step succeeded, then succeeded.
ferry::Status SeedOne(ferry::store::ExecutionStore& executions, int n) {
  using ferry::store::ExecutionStatus;
  using ferry::store::StepStatus;
  ferry::store::NewExecution e;
  e.application = "bench";
  e.service = "single";
  e.environment = "dev";
  e.workflow = "deploy-single";
  e.trigger = "manual";
  e.actor = "token:bench-seed";
  e.steps.push_back({"deploy", "lambda.deploy", "{}"});
  FERRY_ASSIGN_OR_RETURN(auto created, executions.Create(e));
  const std::string id = created.execution.id;
  FERRY_ASSIGN_OR_RETURN(auto running, executions.Transition({id, ExecutionStatus::kQueued,
                                                              ExecutionStatus::kRunning}));
  (void)running;
  ferry::store::StepTransition step;
  step.execution_id = id;
  step.from_status = StepStatus::kPending;
  step.to_status = StepStatus::kSucceeded;
  step.to_state = "done";
  step.outputs_json = DeployOutputs(n);
  FERRY_ASSIGN_OR_RETURN(auto stepped, executions.TransitionStep(step));
  (void)stepped;
  FERRY_ASSIGN_OR_RETURN(
      auto done, executions.Transition({id, ExecutionStatus::kRunning, ExecutionStatus::kSucceeded,
                                        std::nullopt, std::string("{}")}));
  (void)done;
  return ferry::Status();
}

}  // namespace

int main(int argc, char** argv) {
  std::string data;
  std::string url;
  int64_t count = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--data") {
      data = argv[i + 1];
    } else if (flag == "--store") {
      url = argv[i + 1];
    } else if (flag == "--count") {
      auto parsed = ferry::ParseInt(argv[i + 1]);
      if (parsed) count = *parsed;
    }
  }
  if (data.empty() == url.empty() || count < 0 || count > 10'000'000 || argc != 5) {
    std::cerr << kUsage;
    return 2;
  }
  ferry::RandomIdGenerator ids(ferry::SystemClock::Instance());
  ferry::Result<std::unique_ptr<ferry::store::Store>> store = ferry::Error{};
  if (!url.empty()) {
    ferry::store::PostgresOptions options;
    options.url = url;
    store = ferry::store::OpenPostgresStore(options, ferry::SystemClock::Instance(), ids);
  } else {
    ferry::store::SqliteOptions options;
    options.data_dir = data;
    store = ferry::store::OpenSqliteStore(options, ferry::SystemClock::Instance(), ids);
  }
  if (!store.ok()) {
    std::cerr << "ferry_bench_seed: " << store.error().message << "\n";
    return 1;
  }
  auto& executions = (*store)->executions();
  auto started = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < count; ++i) {
    if (auto seeded = SeedOne(executions, static_cast<int>(i % 1000) + 1); !seeded.ok()) {
      std::cerr << "ferry_bench_seed: " << seeded.error().message << "\n";
      return 1;
    }
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "seeded " << count << " executions in " << seconds << " s" << std::endl;
  return 0;
}
