#include "notify/event.h"

#include "common/json.h"
#include "common/time.h"
#include "model/enums.h"

namespace ferry::notify {
namespace {

void Put(Json& out, const char* name, const std::string& value) {
  if (!value.empty()) out[name] = value;
}

std::string Get(const Json& json, const char* name) {
  auto it = json.find(name);
  return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string EventName(model::NotificationEvent type) { return std::string(model::EnumName(type)); }

Json EventJson(const Event& e) {
  Json out = Json::object();
  out["type"] = EventName(e.type);
  Put(out, "application", e.application);
  Put(out, "service", e.service);
  Put(out, "environment", e.environment);
  if (e.environment_type)
    out["environmentType"] = std::string(model::EnumName(*e.environment_type));
  Put(out, "executionId", e.execution_id);
  Put(out, "status", e.status);
  Put(out, "actor", e.actor);
  Put(out, "summary", e.summary);
  Put(out, "step", e.step);
  Put(out, "freezeWindow", e.freeze_window);
  Put(out, "url", e.url);
  out["at"] = FormatRfc3339(e.at);
  return out;
}

Result<Event> EventFromJson(const Json& json) {
  if (!json.is_object()) return InvalidArgument("a notification event must be a JSON object");
  auto type = model::ParseEnum<model::NotificationEvent>(Get(json, "type"));
  if (!type) return InvalidArgument("a notification event has an unknown type");
  Event e;
  e.type = *type;
  e.application = Get(json, "application");
  e.service = Get(json, "service");
  e.environment = Get(json, "environment");
  if (auto t = model::ParseEnum<model::EnvironmentType>(Get(json, "environmentType"))) {
    e.environment_type = *t;
  }
  e.execution_id = Get(json, "executionId");
  e.status = Get(json, "status");
  e.actor = Get(json, "actor");
  e.summary = Get(json, "summary");
  e.step = Get(json, "step");
  e.freeze_window = Get(json, "freezeWindow");
  e.url = Get(json, "url");
  auto at = ParseRfc3339(Get(json, "at"));
  if (!at) return InvalidArgument("a notification event has no time");
  e.at = *at;
  return e;
}

std::string DeliveryKey(const Event& e, const std::string& channel) {
  // An execution's event happens once per execution (and a verification once per step); a
  // refusal has no execution, so its time tells two refusals apart.
  std::string subject =
      e.execution_id.empty() ? e.application + "@" + FormatRfc3339(e.at) : e.execution_id;
  if (!e.step.empty()) subject += "/" + e.step;
  return EventName(e.type) + "/" + subject + "/" + channel;
}

}  // namespace ferry::notify
