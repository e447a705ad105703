#include "notify/outbox_sender.h"

#include <algorithm>

#include "common/json.h"
#include "common/log.h"
#include "common/thread_name.h"
#include "model/enums.h"
#include "model/json_codec.h"

namespace ferry::notify {
namespace {

using store::DeliveryOutcome;
using store::DeliveryStatus;

DeliveryOutcome GiveUp(std::string error) {
  return DeliveryOutcome{DeliveryStatus::kFailed, std::move(error), {}};
}

}  // namespace

OutboxSender::OutboxSender(store::Store& store, ChannelDelivery& delivery, Clock& clock,
                           IdGenerator& ids, OutboxSenderOptions options)
    : store_(store), delivery_(delivery), clock_(clock), ids_(ids), options_(std::move(options)) {}

OutboxSender::~OutboxSender() { Stop(); }

Duration OutboxSender::Backoff(int attempts, double unit) const {
  Duration d = options_.first_backoff;
  for (int i = 1; i < attempts && d < options_.max_backoff; ++i) d *= 2;
  d = std::min(d, options_.max_backoff);
  // "Equal jitter": never less than half the step, so retries stay spread out but bounded.
  return d / 2 + Duration(static_cast<int64_t>(static_cast<double>(d.count() / 2) * unit));
}

Status OutboxSender::Attempt(const store::NotificationRecord& row) {
  auto finish = [&](const DeliveryOutcome& outcome) -> Status {
    auto done = store_.notifications().Finish(row.id, options_.owner, outcome);
    if (!done.ok()) return done.error();
    if (done->status == DeliveryStatus::kFailed) {
      log::Warn("notification given up", {{"channel", row.channel},
                                          {"event", row.event},
                                          {"attempts", std::to_string(done->attempts)},
                                          {"error", done->last_error}});
    }
    return Ok();
  };
  auto json = ParseJson(row.event_json);
  auto event = json.ok() ? EventFromJson(*json) : Result<Event>(json.error());
  if (!event.ok()) return finish(GiveUp("the stored event does not decode"));
  auto record = store_.entities().Get(store::EntityKey{
      std::string(model::StoreKindName(model::Kind::kNotificationChannel)), "", row.channel});
  if (!record.ok()) {
    if (record.error().code != ErrorCode::kNotFound) return record.error();
    return finish(GiveUp("channel " + row.channel + " no longer exists"));
  }
  auto entity = model::EntityFromJson(record->spec_json);
  const auto* channel = entity.ok() ? std::get_if<model::NotificationChannel>(&*entity) : nullptr;
  if (channel == nullptr) return finish(GiveUp("channel " + row.channel + " does not decode"));
  if (!channel->enabled) return finish(GiveUp("channel " + row.channel + " is disabled"));

  Status delivered = delivery_.Deliver(*channel, *event, row.id);
  if (delivered.ok()) return finish(DeliveryOutcome{DeliveryStatus::kDelivered, "", {}});
  const Error& error = delivered.error();
  const int attempts = row.attempts + 1;
  if (!Transient(error)) return finish(GiveUp(error.message));
  const TimePoint now = clock_.Now();
  const TimePoint retry_at = now + Backoff(attempts, ids_.NextUnit());
  if (attempts >= options_.max_attempts || retry_at > row.created_at + options_.give_up_after) {
    return finish(
        GiveUp("gave up after " + std::to_string(attempts) + " attempts: " + error.message));
  }
  return finish(DeliveryOutcome{DeliveryStatus::kPending, error.message, retry_at});
}

Result<int> OutboxSender::RunOnce() {
  int attempted = 0;
  // One row per claim: a lease covers one attempt, whatever the receivers' speed.
  for (int i = 0; i < 1000; ++i) {
    FERRY_ASSIGN_OR_RETURN(auto claimed,
                           store_.notifications().ClaimDue(options_.owner, options_.lease, 1));
    if (claimed.empty()) break;
    for (const auto& row : claimed) {
      ++attempted;
      if (Status s = Attempt(row); !s.ok()) {
        // The lease expires and the row is tried again; nothing is lost.
        log::Warn("a notification's outcome could not be recorded",
                  {{"channel", row.channel}, {"error", s.error().message}});
      }
    }
  }
  return attempted;
}

void OutboxSender::Start() {
  thread_ = std::jthread([this](std::stop_token stop) {
    SetThreadName("ferry-notify");
    while (!stop.stop_requested()) {
      if (auto r = RunOnce(); !r.ok()) {
        log::Warn("notification round failed", {{"error", r.error().message}});
      }
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, stop, options_.idle_poll, [this] { return woken_; });
      woken_ = false;
    }
  });
}

void OutboxSender::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  cv_.notify_all();
  thread_.join();
}

void OutboxSender::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

}  // namespace ferry::notify
