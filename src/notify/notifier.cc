#include "notify/notifier.h"

#include <algorithm>

#include "common/json.h"
#include "common/log.h"
#include "model/enums.h"
#include "model/json_codec.h"

namespace ferry::notify {
namespace {

bool Matches(const model::NotificationRule& rule, const Event& event) {
  if (std::find(rule.events.begin(), rule.events.end(), event.type) == rule.events.end()) {
    return false;
  }
  if (!rule.environment_types) return true;
  return event.environment_type &&
         std::find(rule.environment_types->begin(), rule.environment_types->end(),
                   *event.environment_type) != rule.environment_types->end();
}

template <typename T>
Result<std::optional<T>> Load(store::EntityStore& entities, model::Kind kind,
                              const std::string& name) {
  auto record = entities.Get(store::EntityKey{std::string(model::StoreKindName(kind)), "", name});
  if (!record.ok()) {
    if (record.error().code == ErrorCode::kNotFound) return std::optional<T>();
    return record.error();
  }
  auto entity = model::EntityFromJson(record->spec_json);
  const T* value = entity.ok() ? std::get_if<T>(&*entity) : nullptr;
  if (value == nullptr) return Internal("the stored entity " + name + " does not decode");
  return std::optional<T>(*value);
}

}  // namespace

Notifier::Notifier(store::Store& store, NotifierOptions options)
    : store_(store), options_(std::move(options)), base_url_(options_.base_url) {}

void Notifier::SetBaseUrl(std::string base_url) {
  std::lock_guard lock(mu_);
  base_url_ = std::move(base_url);
}

Result<int> Notifier::Publish(Event event) {
  if (event.application.empty()) return 0;
  FERRY_ASSIGN_OR_RETURN(
      auto application,
      Load<model::Application>(store_.entities(), model::Kind::kApplication, event.application));
  if (!application || application->notifications.empty()) return 0;
  std::string base_url;
  {
    std::lock_guard lock(mu_);
    base_url = base_url_;
  }
  if (event.url.empty() && !event.execution_id.empty() && !base_url.empty()) {
    event.url = base_url + "/api/v1/executions/" + event.execution_id;
  }
  const std::string event_json = DumpJson(EventJson(event));
  int enqueued = 0;
  std::vector<std::string> done;  // one delivery per channel, however many rules name it
  for (const auto& rule : application->notifications) {
    if (!Matches(rule, event)) continue;
    if (std::find(done.begin(), done.end(), rule.channel) != done.end()) continue;
    done.push_back(rule.channel);
    FERRY_ASSIGN_OR_RETURN(auto channel,
                           Load<model::NotificationChannel>(
                               store_.entities(), model::Kind::kNotificationChannel, rule.channel));
    if (!channel || !channel->enabled) continue;
    FERRY_RETURN_IF_ERROR(store_.notifications().Enqueue(
        store::NewNotification{.key = DeliveryKey(event, rule.channel),
                               .channel = rule.channel,
                               .event = EventName(event.type),
                               .application = event.application,
                               .execution_id = event.execution_id,
                               .event_json = event_json}));
    ++enqueued;
  }
  if (enqueued > 0 && options_.wake_sender) options_.wake_sender();
  return enqueued;
}

void Notifier::PublishLogged(Event event) {
  const std::string what = EventName(event.type) + " of " + event.application;
  auto published = Publish(std::move(event));
  if (!published.ok()) {
    log::Warn("a notification could not be queued",
              {{"event", what}, {"error", published.error().message}});
  }
}

}  // namespace ferry::notify
