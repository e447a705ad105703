#include "triggers/trigger_target.h"

namespace ferry::triggers {

Result<std::string> PipelineTargetSeam::Start(const TriggerFire& fire) {
  if (start_) return start_(fire);
  return Error{ErrorCode::kUnimplemented,
               "pipelines cannot run yet: trigger " + fire.trigger.name + " targets pipeline " +
                   fire.trigger.pipeline.value_or("?") +
                   "; target a workflow instead until pipelines run",
               {}};
}

Result<std::string> TargetByKind::Start(const TriggerFire& fire) {
  if (fire.trigger.pipeline) return pipelines_.Start(fire);
  if (fire.trigger.workflow) return workflows_.Start(fire);
  return InvalidArgument("trigger " + fire.trigger.name + " names no workflow or pipeline");
}

std::string_view FireCauseName(FireCause cause) {
  switch (cause) {
    case FireCause::kNewArtifact:
      return "newArtifact";
    case FireCause::kSchedule:
      return "schedule";
    case FireCause::kWebhook:
      return "webhook";
  }
  return "unknown";
}

}  // namespace ferry::triggers
