// TriggerEngine: runs the triggers stored as configuration (kind Trigger) in `ferry server`.
//
// RunOnce (the loop calls it every `tick`) reads every enabled trigger and
//   - newArtifact: polls its service's S3 source when its poll interval has passed
//     (artifact_poll.h), records each new object as an artifact (store::ArtifactStore, source
//     "APP/SERVICE", actor "trigger:APP/NAME") and starts the target once per object;
//   - schedule: starts the target when its stored next run has come (schedule_due.h) and
//     stores the next one;
//   - webhook: gives it an unguessable webhook id (HandleWebhook serves POST /hooks/{id}).
// Every start is claimed first (store::TriggerStore::ClaimFire), so it happens once across
// restarts and servers; a start that fails (a freeze window, a target that cannot run) is
// recorded as the trigger's last error and not retried: the next object, slot or delivery is
// a new fire. pipelineCompleted triggers are not run yet (`ferry validate` warns).
//
// Poll intervals are kept in memory per server: several servers each poll (the claims make
// that harmless) and a restarted server polls at once.
// Thread-safe: RunOnce runs on one thread; HandleWebhook may run on any number at once.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <stop_token>
#include <string>

#include "common/clock.h"
#include "common/ids.h"
#include "common/result.h"
#include "store/store.h"
#include "triggers/artifact_poll.h"
#include "triggers/trigger_target.h"
#include "triggers/webhook.h"

namespace ferry::triggers {

// Reads a SecretRef's value by name (a webhook's key). Never logged.
using SecretReader = std::function<Result<std::string>(const std::string& name)>;

inline constexpr auto kDefaultPollInterval = std::chrono::seconds(60);
inline constexpr auto kMinPollInterval = std::chrono::seconds(10);

struct TriggerEngineOptions {
  std::string owner = "trigger-engine";  // this server's name on its claims
  Duration tick = std::chrono::seconds(1);
  // A claim left without an outcome this long (its server died mid-start) is taken over.
  Duration stale_claim = std::chrono::minutes(5);
  PollOptions poll;
  // Called after a target started an execution (wakes the engine loop).
  std::function<void()> on_started;
};

struct WebhookOutcome {
  int status = 200;  // 202 started, 200 valid but nothing started / a replay
  std::string message;
  std::string execution_id;
};

class TriggerEngine {
 public:
  TriggerEngine(store::Store& store, ObjectLister& lister, TriggerTarget& target,
                SecretReader secrets, Clock& clock, IdGenerator& ids, TriggerEngineOptions options);

  // One pass over every trigger; errors of one trigger are its last error, never the pass's.
  void RunOnce();
  // RunOnce every tick until stop.
  void Run(std::stop_token stop);

  // POST /hooks/{id}. kNotFound for an unknown id or a trigger that is no longer a webhook
  // trigger, kFailedPrecondition for a disabled one; the errors of VerifyWebhook.
  Result<WebhookOutcome> HandleWebhook(const std::string& hook_id, const WebhookRequest& request);

  // The webhook id of a webhook trigger (given one if it has none).
  Result<std::string> HookIdOf(const std::string& application, const std::string& name);

 private:
  void PollArtifacts(const model::Trigger& trigger);
  void RunSchedule(const model::Trigger& trigger);
  // Claims `fire.fire_key` and starts the target; false when someone else had it.
  Result<std::string> Fire(TriggerFire fire, bool* claimed);
  Result<std::optional<std::string>> ChooseArtifact(const model::Trigger& trigger,
                                                    const std::optional<std::string>& triggering);
  void RecordError(const model::Trigger& trigger, const std::string& message);

  store::Store& store_;
  ObjectLister& lister_;
  TriggerTarget& target_;
  const SecretReader secrets_;
  Clock& clock_;
  IdGenerator& ids_;
  const TriggerEngineOptions options_;

  std::mutex mu_;
  // "APP/NAME" → when this server polls it next. Guarded by mu_.
  std::map<std::string, TimePoint> next_poll_;
};

// "60s" → 60 s; unset → kDefaultPollInterval. kInvalidArgument below kMinPollInterval or
// unparsable.
Result<Duration> PollIntervalOf(const model::NewArtifactCondition& condition);

}  // namespace ferry::triggers
