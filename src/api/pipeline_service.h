// PipelineService: runs pipelines (F-PIPELINE). A pipeline execution is an engine execution
// (workflow "pipeline", `pipeline` = its name) whose steps are the pipeline's stages: a
// pipeline.stages step per stage or parallel group (its workflow executions are the pipeline
// execution's children) and an approval step per approval stage (engine/steps/pipeline_steps.h).
// The engine advances it like any execution — leases, durable waits, a server killed anywhere
// resumes it — so several replicas on one PostgreSQL never run a stage twice (each child is
// started with an idempotency key of the pipeline execution, its step and its stage).
//
// Start checks the pipeline variables against the pipeline's declarations, refuses while a freeze
// window covers an environment a stage deploys to (deploy_freeze.h; an admin's override reason is
// recorded and handed to every stage), picks the artifact (given, else the newest recorded with
// source "APP/SERVICE" of the first stage's service, else the service's pinned key) and starts the
// execution. Workflow stages render their templates when they start: `skipWhen`,
// `environment` and `variables` see ${app.name}, ${pipeline.variables.X} (the run's values, then
// the values approvers gave in earlier approval stages), ${artifact.key} and ${artifact.version}
// (empty when the run names no artifact). An approval's
// message is rendered when the run starts (the run's values only).
//
// Rerun starts a new pipeline execution of a failed (or aborted) one from its first stage that
// did not succeed, with the same variables, artifact and approval values; earlier stages are not
// run again. It is idempotent per failed execution (rerunning twice returns the first rerun).
//
// Observers (OnCompleted) learn that a pipeline execution ended, with its status, once, from the
// server whose engine committed the end (best effort: a crash right after the commit loses the
// call; the execution's status in the store is the record). They run on the engine's thread and
// must not block.
//
// Thread-safe; store, engine, deploys and clock must outlive it. Register observers before the
// engine runs.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/artifact_location.h"
#include "api/deploy_service.h"
#include "common/clock.h"
#include "common/result.h"
#include "engine/steps/pipeline_steps.h"
#include "store/store.h"

namespace ferry::api {

struct PipelineRunInput {
  std::string application;
  std::string pipeline;
  std::optional<std::string> artifact_id;    // a recorded artifact
  std::optional<ArtifactLocation> artifact;  // or an S3 location
  std::map<std::string, std::string> variables;
  std::string actor;
  std::string actor_source;      // the client address; "" when not over the API
  std::string cause = "manual";  // the execution's trigger: "manual", "trigger:NAME", ...
  std::optional<std::string> idempotency_key;
  std::optional<std::string> freeze_override_reason;  // only admins (the API checks)
};

// A pipeline execution ended.
struct PipelineCompletion {
  std::string execution_id;
  std::string application;
  std::string pipeline;
  store::ExecutionStatus status = store::ExecutionStatus::kSucceeded;
  std::optional<std::string> error;
};

// What a pipeline's stages deploy to, for permission checks before a run.
struct PipelineTargets {
  std::vector<std::string> environments;  // concrete ones (templated ones are checked at start)
};

struct PipelineServiceOptions {
  std::function<void()> wake_engine;  // after a start or a child's end
};

class PipelineService final : public engine::StageLauncher {
 public:
  using CompletionObserver = std::function<void(const PipelineCompletion&)>;

  PipelineService(store::Store& store, engine::Engine& engine, DeployService& deploys, Clock& clock,
                  PipelineServiceOptions options);

  // The entry point other code (triggers, the API) starts pipelines with. kNotFound for an
  // unknown application or pipeline; kInvalidArgument for an undeclared, disallowed, missing or
  // malformed variable; kFailedPrecondition when a freeze window refuses it. `created` (when
  // given) is false when the idempotency key named an earlier run.
  Result<store::ExecutionRecord> Start(const PipelineRunInput& input, bool* created = nullptr);

  // kNotFound; kFailedPrecondition unless `execution_id` is a pipeline execution that ended
  // failed or aborted.
  Result<store::ExecutionRecord> Rerun(const std::string& execution_id, const std::string& actor,
                                       const std::string& actor_source);

  Result<PipelineTargets> Targets(const std::string& application, const std::string& pipeline);

  void OnCompleted(CompletionObserver observer);

  // The engine's EngineOptions::on_ended: wakes a child's pipeline execution and tells the
  // observers when a pipeline execution ended.
  void ExecutionEnded(const store::ExecutionRecord& execution);

  // engine::StageLauncher.
  Result<std::vector<engine::StageStart>> StartStages(const engine::StepContext& ctx) override;

 private:
  Result<store::ExecutionRecord> StartSteps(const PipelineRunInput& input,
                                            const std::string& inputs_json,
                                            std::optional<std::string> from_stage, bool* created);

  store::Store& store_;
  engine::Engine& engine_;
  DeployService& deploys_;
  Clock& clock_;
  const PipelineServiceOptions options_;
  std::mutex mu_;
  std::vector<CompletionObserver> observers_;  // guarded by mu_
};

// The name pipeline executions carry as their workflow.
inline constexpr char kPipelineWorkflow[] = "pipeline";

}  // namespace ferry::api
