// A pipeline stage transition's overhead (issue 15, goal ≤ 10 ms): the engine's own time from a
// stage's execution ending to the next stage's execution being started, on a real SQLite store
// in a temporary directory (WAL, the same options as `ferry server`).
//
// A pipeline execution of N stages runs; each stage's child is an execution of one step that
// succeeds at once (no delegate, no AWS), so the wall time of the whole run is the engine's own
// work: claim the pipeline, start the stage's child (its creation in the store), claim and run
// the child, end it, wake the pipeline (EngineOptions::on_ended, as ferry server does), claim the
// pipeline again, see the child ended, commit the step, start the next. The per-stage figure is
// that total divided by N; it includes the child's own run (one step), so it is an upper bound
// of the transition. Configuration resolution (api::PipelineService + DeployService reading the
// entities) is not included. Run: build/bench/ferry_bench_pipeline [STAGES] (default 100).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/ids.h"
#include "common/json.h"
#include "engine/engine.h"
#include "engine/steps/builtin.h"
#include "engine/steps/pipeline_steps.h"
#include "store/sqlite/sqlite_store.h"

namespace ferry::engine {
namespace {

class InstantStep final : public StepKind {
 public:
  Status Validate(std::string_view) const override { return Ok(); }
  Result<StepMove> Start(const StepContext&) override { return StepMove::Succeed(); }
};

class ChildLauncher final : public StageLauncher {
 public:
  Engine* engine = nullptr;
  Result<std::vector<StageStart>> StartStages(const StepContext& ctx) override {
    ExecutionSpec child;
    child.application = "bench";
    child.service = "svc";
    child.environment = ctx.step.name;
    child.actor = "bench";
    child.idempotency_key = ctx.execution.id + "/" + ctx.step.name;
    child.recorded_inputs["parent"] = DumpJson(Json{{"execution", ctx.execution.id}});
    child.steps.push_back({"noop", "bench.instant", "{}"});
    FERRY_ASSIGN_OR_RETURN(auto e, engine->Start(child));
    return std::vector<StageStart>{{ctx.step.name, e.id, "", ""}};
  }
};

int Main(int stages) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("ferry-bench-pipeline-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  Clock& clock = SystemClock::Instance();
  RandomIdGenerator ids(clock);
  auto store = store::OpenSqliteStore({.data_dir = dir.string()}, clock, ids);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.error().ToString().c_str());
    return 1;
  }
  StepRegistry registry;
  ChildLauncher launcher;
  if (!RegisterBuiltinSteps(registry).ok() ||
      !registry.Register(steps::kPipelineStages, NewPipelineStagesStep(launcher)).ok() ||
      !registry.Register("bench.instant", std::make_unique<InstantStep>()).ok()) {
    return 1;
  }
  store::Store& s = **store;
  EngineOptions options;
  options.owner = "bench";
  // As ferry server: a stage's end wakes its pipeline at once.
  options.on_ended = [&s](const store::ExecutionRecord& e) {
    auto inputs = ParseJson(e.inputs_json);
    if (inputs.ok() && inputs->contains("parent")) {
      (void)s.executions().Wake((*inputs)["parent"]["execution"].get<std::string>());
    }
  };
  Engine engine(s, clock, registry, options);
  launcher.engine = &engine;

  ExecutionSpec pipeline;
  pipeline.application = "bench";
  pipeline.service = "-";
  pipeline.environment = "-";
  pipeline.workflow = "pipeline";
  pipeline.actor = "bench";
  pipeline.failure_strategy = FailureStrategy::kAbort;
  for (int i = 0; i < stages; ++i) {
    pipeline.steps.push_back(
        {"stage-" + std::to_string(i), steps::kPipelineStages, R"({"stages":[{"name":"s"}]})"});
  }
  const auto started = std::chrono::steady_clock::now();
  auto e = engine.Start(pipeline);
  if (!e.ok()) return 1;
  int rounds = 0;
  while (true) {
    auto ran = engine.RunOnce();
    ++rounds;
    if (!ran.ok()) return 1;
    auto now = s.executions().Get(e->id);
    if (now.ok() && store::IsTerminal(now->status)) {
      const auto wall = std::chrono::steady_clock::now() - started;
      const double ms = std::chrono::duration<double, std::milli>(wall).count();
      std::printf(
          "{\"stages\": %d, \"status\": \"%s\", \"wallMs\": %.1f, \"perStageMs\": %.2f, "
          "\"engineRounds\": %d}\n",
          stages, std::string(store::ExecutionStatusName(now->status)).c_str(), ms, ms / stages,
          rounds);
      break;
    }
    if (rounds > stages * 20) {
      std::fprintf(stderr, "the pipeline did not end\n");
      return 1;
    }
  }
  store->reset();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace ferry::engine

int main(int argc, char** argv) {
  const int stages = argc > 1 ? std::atoi(argv[1]) : 100;
  return ferry::engine::Main(stages > 0 ? stages : 100);
}
