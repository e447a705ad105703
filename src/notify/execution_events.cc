#include "notify/execution_events.h"

#include "model/enums.h"
#include "model/json_codec.h"

namespace ferry::notify {

using model::NotificationEvent;
using store::ExecutionStatus;

Result<std::vector<Event>> ExecutionEvents(store::Store& store, const store::ExecutionRecord& e,
                                           TimePoint now) {
  Event base;
  base.application = e.application;
  base.service = e.service;
  base.environment = e.environment;
  base.execution_id = e.id;
  base.status = std::string(store::ExecutionStatusName(e.status));
  base.actor = e.actor;
  base.at = now;
  auto env = store.entities().Get(store::EntityKey{
      std::string(model::StoreKindName(model::Kind::kEnvironment)), e.application, e.environment});
  if (env.ok()) {
    auto entity = model::EntityFromJson(env->spec_json);
    if (const auto* environment =
            entity.ok() ? std::get_if<model::Environment>(&*entity) : nullptr) {
      base.environment_type = environment->type;
    }
  } else if (env.error().code != ErrorCode::kNotFound) {
    return env.error();
  }
  std::vector<Event> out;
  auto add = [&](NotificationEvent type, std::string summary) {
    Event event = base;
    event.type = type;
    event.summary = std::move(summary);
    out.push_back(std::move(event));
  };
  const std::string what = e.trigger == "rollback" ? "rollback" : "deployment";
  switch (e.status) {
    case ExecutionStatus::kRunning:
    case ExecutionStatus::kWaiting:
      add(NotificationEvent::kExecutionStarted,
          what + " started, workflow " + e.workflow + ", trigger " + e.trigger);
      return out;
    case ExecutionStatus::kSucceeded:
      add(NotificationEvent::kExecutionSucceeded, what + " succeeded");
      break;
    case ExecutionStatus::kRolledBack:
      add(NotificationEvent::kExecutionRolledBack,
          what + " rolled back" + (e.error ? ": " + *e.error : ""));
      break;
    case ExecutionStatus::kFailed:
    case ExecutionStatus::kRollbackFailed:
    case ExecutionStatus::kAborted:
      add(NotificationEvent::kExecutionFailed,
          what + " " + base.status + (e.error ? ": " + *e.error : ""));
      break;
    default:
      return out;
  }
  FERRY_ASSIGN_OR_RETURN(auto verifications, store.verifications().List(e.id));
  for (const auto& v : verifications) {
    if (v.passed) continue;
    Event event = base;
    event.type = NotificationEvent::kVerificationFailed;
    event.step = v.step_name;
    event.summary =
        "verification (" + v.mode + ") in step " + v.step_name + ": verdict " + v.verdict;
    out.push_back(std::move(event));
  }
  return out;
}

}  // namespace ferry::notify
