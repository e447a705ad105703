// pipeline.stages (pipeline_steps.h): starts the workflow executions of one group of stages
// through the StageLauncher and waits, inside the engine, until each has ended. A child's end
// wakes the pipeline execution (api::PipelineService observes the engine's ends); the step also
// re-reads its children every kRecheck, so a lost wake-up only delays it.
#include "common/json.h"
#include "common/strings.h"
#include "engine/steps/pipeline_steps.h"

namespace ferry::engine {
namespace {

constexpr Duration kRecheck = std::chrono::seconds(10);

Json StagesOf(std::string_view outputs) {
  auto parsed = ParseJson(outputs);
  if (!parsed.ok() || !parsed->is_object() || !parsed->contains("stages") ||
      !(*parsed)["stages"].is_array()) {
    return Json::array();
  }
  return (*parsed)["stages"];
}

class PipelineStagesStep final : public StepKind {
 public:
  explicit PipelineStagesStep(StageLauncher& launcher) : launcher_(launcher) {}

  Status Validate(std::string_view inputs_json) const override {
    auto parsed = ParseJson(inputs_json);
    if (!parsed.ok() || !parsed->is_object() || !parsed->contains("stages") ||
        !(*parsed)["stages"].is_array() || (*parsed)["stages"].empty()) {
      return InvalidArgument("pipeline stage step inputs need a non-empty stages array");
    }
    for (const Json& s : (*parsed)["stages"]) {
      if (!s.is_object() || !s.contains("name") || !s["name"].is_string()) {
        return InvalidArgument("each stage of a pipeline stage step needs a name");
      }
    }
    return Ok();
  }

  Result<StepMove> Start(const StepContext& ctx) override {
    FERRY_ASSIGN_OR_RETURN(auto started, launcher_.StartStages(ctx));
    Json stages = Json::array();
    std::vector<std::string> running;
    std::vector<std::string> failed;
    for (const auto& s : started) {
      Json j{{"name", s.stage}};
      if (s.execution_id) {
        j["execution"] = *s.execution_id;
        running.push_back(s.stage + " (" + *s.execution_id + ")");
      }
      if (!s.skipped.empty()) j["skipped"] = s.skipped;
      if (!s.error.empty()) {
        j["error"] = s.error;
        failed.push_back("stage " + s.stage + " could not start: " + s.error);
      }
      stages.push_back(std::move(j));
    }
    const std::string outputs = DumpJson(Json{{"stages", stages}});
    if (running.empty() && !failed.empty()) return StepMove::Fail(Join(failed, "; "), outputs);
    if (running.empty()) return StepMove::Succeed(outputs, "step " + ctx.step.name + ": skipped");
    return StepMove::Wait("running", ctx.clock.Now() + kRecheck, outputs,
                          "step " + ctx.step.name + ": started " + Join(running, ", "));
  }

  Result<StepMove> OnWake(const StepContext& ctx) override {
    Json stages = StagesOf(ctx.step.outputs_json);
    bool all_ended = true;
    bool changed = false;
    std::vector<std::string> failed;
    for (Json& s : stages) {
      if (s.contains("error")) {
        failed.push_back("stage " + s.value("name", "") +
                         " could not start: " + s.value("error", ""));
      }
      if (!s.contains("execution")) continue;
      const std::string id = s["execution"].get<std::string>();
      FERRY_ASSIGN_OR_RETURN(auto child, ctx.store.executions().Get(id));
      const std::string status(store::ExecutionStatusName(child.status));
      if (s.value("status", "") != status) {
        s["status"] = status;
        changed = true;
      }
      if (!store::IsTerminal(child.status)) {
        all_ended = false;
      } else if (child.status != store::ExecutionStatus::kSucceeded) {
        failed.push_back("stage " + s["name"].get<std::string>() + ": execution " + id + " ended " +
                         status + (child.error ? " (" + *child.error + ")" : ""));
      }
    }
    const std::string outputs = DumpJson(Json{{"stages", stages}});
    if (!all_ended) {
      return StepMove::Wait("running", ctx.clock.Now() + kRecheck,
                            changed ? std::optional<std::string>(outputs) : std::nullopt);
    }
    if (!failed.empty()) return StepMove::Fail(Join(failed, "; "), outputs);
    return StepMove::Succeed(outputs);
  }

  Duration DefaultTimeout() const override { return kPipelineStageTimeout; }

 private:
  StageLauncher& launcher_;
};

}  // namespace

std::unique_ptr<StepKind> NewPipelineStagesStep(StageLauncher& launcher) {
  return std::make_unique<PipelineStagesStep>(launcher);
}

}  // namespace ferry::engine
