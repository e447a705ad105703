// What a trigger starts: the narrow seam between the trigger engine and the services that run
// things. A TriggerFire says which trigger fired, why, with which artifact and variables; a
// TriggerTarget starts the trigger's workflow or pipeline and returns the execution id.
//
// Implementations: api::WorkflowTriggerTarget (api/trigger_target.h) starts a workflow through
// DeployService; pipeline targets go through PipelineTargetSeam below, which `ferry server`
// (apps/ferry/server_runtime.cc) constructs with a call of api::PipelineService::Start.
// Thread-safety: implementations are called from the trigger engine's loop and from webhook
// requests at once, so they must be thread-safe.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "common/result.h"
#include "model/entities.h"

namespace ferry::triggers {

enum class FireCause { kNewArtifact, kSchedule, kWebhook };

struct TriggerFire {
  model::Trigger trigger;  // as stored when it fired
  FireCause cause = FireCause::kNewArtifact;
  std::string fire_key;  // store::TriggerStore's: unique per trigger
  // The artifact to deploy (a store::ArtifactRecord id), chosen by the trigger's
  // artifactSelection; unset: the target's own choice (a service whose source pins a key).
  std::optional<std::string> artifact_id;
  // The trigger's `variables` with ${trigger.*} rendered (payload fields included).
  std::map<std::string, std::string> variables;
  // Starting the same fire again (a claim taken over after a crash) passes the same key, so
  // the target creates its execution once.
  std::string idempotency_key;
  std::string cause_json;  // {"trigger", "cause", "fireKey", ...}: recorded with the execution
};

class TriggerTarget {
 public:
  virtual ~TriggerTarget() = default;
  // The id of the execution started. Errors are the trigger's last error, shown to users as is:
  // kFailedPrecondition when a freeze window refuses (naming it), kUnimplemented when the target
  // cannot run yet.
  virtual Result<std::string> Start(const TriggerFire& fire) = 0;
};

// Pipeline targets: a function that starts a pipeline run (the server passes one calling
// api::PipelineService::Start, with the fire's artifact, variables and idempotency key). Without
// one (a trigger engine built without pipelines, as in some tests) Start answers kUnimplemented
// "pipelines cannot run yet", recorded as the trigger's last error.
class PipelineTargetSeam final : public TriggerTarget {
 public:
  using StartPipeline = std::function<Result<std::string>(const TriggerFire&)>;
  explicit PipelineTargetSeam(StartPipeline start = nullptr) : start_(std::move(start)) {}
  Result<std::string> Start(const TriggerFire& fire) override;

 private:
  const StartPipeline start_;
};

// Routes a fire to the workflow or the pipeline target by the trigger's target kind.
class TargetByKind final : public TriggerTarget {
 public:
  TargetByKind(TriggerTarget& workflows, TriggerTarget& pipelines)
      : workflows_(workflows), pipelines_(pipelines) {}
  Result<std::string> Start(const TriggerFire& fire) override;

 private:
  TriggerTarget& workflows_;
  TriggerTarget& pipelines_;
};

std::string_view FireCauseName(FireCause cause);

}  // namespace ferry::triggers
