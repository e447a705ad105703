// A notification event: something that happened to an application's deployments that a rule may
// route to channels (docs/notifications.md). Plain values with one JSON codec; the event JSON is
// what the outbox stores and what a generic webhook receives.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "common/json_fwd.h"
#include "common/result.h"
#include "model/entities.h"

namespace ferry::notify {

struct Event {
  model::NotificationEvent type = model::NotificationEvent::kExecutionStarted;
  std::string application;
  std::string service;                                     // "" when not known
  std::string environment;                                 // "" when not known
  std::optional<model::EnvironmentType> environment_type;  // for rules scoped to types
  std::string execution_id;  // "" when there is none (a refused deployment)
  std::string status;        // the execution's status ("succeeded", "rolled_back"), or ""
  std::string actor;         // who started it, or who was refused
  // One line saying what happened ("build api-7.zip rolled back: verify: Errors rose 12%").
  std::string summary;
  std::string step;           // the step concerned (a failed verification), or ""
  std::string freeze_window;  // the window that refused a deployment, or ""
  std::string url;            // a link to the execution, or ""
  TimePoint at;
};

// {"type", "application", "service", "environment", "environmentType", "executionId", "status",
//  "actor", "summary", "step", "freezeWindow", "url", "at"} (empty values left out).
Json EventJson(const Event& event);
// The inverse; kInvalidArgument for a document that is not one (a stored row from a newer
// version, a corrupted row).
Result<Event> EventFromJson(const Json& json);

// "execution.succeeded".
std::string EventName(model::NotificationEvent type);

// The key that makes one event one delivery per channel: the same event published twice (two
// replicas, a retried request) lands in the outbox once.
std::string DeliveryKey(const Event& event, const std::string& channel);

}  // namespace ferry::notify
