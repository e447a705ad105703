#include "triggers/trigger_engine.h"

#include "common/crypto.h"
#include "common/json.h"
#include "common/log.h"
#include "common/secret_mask.h"
#include "common/strings.h"
#include "common/time.h"
#include "model/enums.h"
#include "model/json_codec.h"
#include "triggers/schedule_due.h"

namespace ferry::triggers {
namespace {

// GitHub sends no timestamp, so a delivery id is remembered this long; generic signatures only
// past their 5-minute window.
constexpr auto kGithubReplayWindow = std::chrono::hours(24 * 30);
constexpr auto kGenericReplayWindow = std::chrono::minutes(15);
constexpr size_t kBaselineChunk = 1000;

std::string TriggerId(const model::Trigger& t) { return t.application + "/" + t.name; }
std::string ActorOf(const model::Trigger& t) { return "trigger:" + TriggerId(t); }

Result<std::vector<model::Trigger>> LoadTriggers(store::EntityStore& entities,
                                                 std::optional<std::string> application) {
  FERRY_ASSIGN_OR_RETURN(auto records,
                         entities.List(model::StoreKindName(model::Kind::kTrigger), application));
  std::vector<model::Trigger> out;
  for (const auto& r : records) {
    auto entity = model::EntityFromJson(r.spec_json);
    if (!entity.ok()) continue;  // validated at apply; one that no longer decodes runs nothing
    if (auto* t = std::get_if<model::Trigger>(&*entity)) out.push_back(std::move(*t));
  }
  return out;
}

Result<model::Trigger> LoadTrigger(store::EntityStore& entities, const std::string& application,
                                   const std::string& name) {
  FERRY_ASSIGN_OR_RETURN(
      auto record,
      entities.Get({std::string(model::StoreKindName(model::Kind::kTrigger)), application, name}));
  FERRY_ASSIGN_OR_RETURN(auto entity, model::EntityFromJson(record.spec_json));
  auto* t = std::get_if<model::Trigger>(&entity);
  if (t == nullptr) return Internal("stored trigger " + name + " is not a trigger");
  return std::move(*t);
}

std::string CauseJson(const model::Trigger& t, FireCause cause, const std::string& fire_key,
                      const Json& extra = Json::object()) {
  Json j{{"trigger", TriggerId(t)},
         {"cause", std::string(FireCauseName(cause))},
         {"fireKey", fire_key}};
  j.update(extra);
  return DumpJson(j);
}

}  // namespace

Result<Duration> PollIntervalOf(const model::NewArtifactCondition& condition) {
  if (!condition.poll_interval) return Duration(kDefaultPollInterval);
  auto parsed = ParseDuration(*condition.poll_interval);
  if (!parsed) {
    return InvalidArgument("pollInterval " + QuoteForMessage(*condition.poll_interval) +
                           " is not a duration such as 60s");
  }
  if (*parsed < kMinPollInterval) {
    return InvalidArgument("pollInterval " + *condition.poll_interval +
                           " is shorter than the minimum of 10s");
  }
  return *parsed;
}

TriggerEngine::TriggerEngine(store::Store& store, ObjectLister& lister, TriggerTarget& target,
                             SecretReader secrets, Clock& clock, IdGenerator& ids,
                             TriggerEngineOptions options)
    : store_(store),
      lister_(lister),
      target_(target),
      secrets_(std::move(secrets)),
      clock_(clock),
      ids_(ids),
      options_(std::move(options)) {}

void TriggerEngine::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    RunOnce();
    clock_.SleepFor(options_.tick, stop);
  }
}

void TriggerEngine::RunOnce() {
  auto triggers = LoadTriggers(store_.entities(), std::nullopt);
  if (!triggers.ok()) {
    log::Warn("triggers: reading the configuration failed", {{"error", triggers.error().message}});
    return;
  }
  for (const model::Trigger& t : *triggers) {
    if (t.webhook) {
      (void)HookIdOf(t.application, t.name);
      continue;
    }
    if (!t.enabled) continue;
    if (t.new_artifact) PollArtifacts(t);
    if (t.schedule) RunSchedule(t);
  }
}

void TriggerEngine::RecordError(const model::Trigger& t, const std::string& message) {
  const std::string masked = MaskSecrets(message);
  log::Warn("trigger failed", {{"trigger", TriggerId(t)}, {"error", masked}});
  if (auto s = store_.triggers().RecordError(t.application, t.name, masked); !s.ok()) {
    log::Warn("triggers: recording an error failed", {{"error", s.error().message}});
  }
}

Result<std::optional<std::string>> TriggerEngine::ChooseArtifact(
    const model::Trigger& t, const std::optional<std::string>& triggering) {
  switch (t.artifact_selection) {
    case model::ArtifactSelection::kTriggering:
      if (triggering) return triggering;
      [[fallthrough]];  // a webhook carries no artifact: the newest one
    case model::ArtifactSelection::kLastCollected: {
      std::string service =
          t.artifact_service.value_or(t.new_artifact ? t.new_artifact->service : std::string());
      store::ArtifactFilter filter;
      if (!service.empty()) filter.source = t.application + "/" + service;
      filter.limit = 1;
      if (service.empty()) return std::optional<std::string>();  // the target's own choice
      FERRY_ASSIGN_OR_RETURN(auto newest, store_.artifacts().List(filter));
      if (newest.empty()) {
        return FailedPrecondition("no artifact of service " + service + " has been collected yet");
      }
      return std::optional<std::string>(newest.front().id);
    }
    case model::ArtifactSelection::kLastDeployed:
      return Error{ErrorCode::kUnimplemented,
                   "artifactSelection last-deployed is not yet implemented; use last-collected",
                   {}};
  }
  return std::optional<std::string>();
}

Result<std::string> TriggerEngine::Fire(TriggerFire fire, bool* claimed) {
  const model::Trigger& t = fire.trigger;
  FERRY_ASSIGN_OR_RETURN(
      *claimed, store_.triggers().ClaimFire(t.application, t.name, fire.fire_key, options_.owner,
                                            options_.stale_claim));
  if (!*claimed) return std::string();
  fire.idempotency_key = "trigger-" + Sha256Hex(TriggerId(t) + "\n" + fire.fire_key).substr(0, 40);
  Result<std::string> started = target_.Start(fire);
  store::FireOutcome outcome{t.application, t.name, fire.fire_key, "", ""};
  if (started.ok()) {
    outcome.execution_id = *started;
    log::Info("trigger started an execution",
              {{"trigger", TriggerId(t)}, {"execution", *started}, {"fire", fire.fire_key}});
  } else {
    outcome.error = MaskSecrets(started.error().message);
    log::Warn("trigger could not start its target",
              {{"trigger", TriggerId(t)}, {"error", outcome.error}});
  }
  FERRY_RETURN_IF_ERROR(store_.triggers().CompleteFire(outcome));
  if (started.ok() && options_.on_started) options_.on_started();
  return started;
}

void TriggerEngine::PollArtifacts(const model::Trigger& t) {
  const TimePoint now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    auto it = next_poll_.find(TriggerId(t));
    if (it != next_poll_.end() && now < it->second) return;
  }
  auto interval = PollIntervalOf(*t.new_artifact);
  {
    std::lock_guard lock(mu_);
    next_poll_[TriggerId(t)] = now + (interval.ok() ? *interval : Duration(kDefaultPollInterval));
  }
  if (!interval.ok()) return RecordError(t, interval.error().message);
  auto service = store_.entities().Get({std::string(model::StoreKindName(model::Kind::kService)),
                                        t.application, t.new_artifact->service});
  if (!service.ok())
    return RecordError(t, "service " + t.new_artifact->service + ": " + service.error().message);
  auto entity = model::EntityFromJson(service->spec_json);
  if (!entity.ok() || !std::holds_alternative<model::Service>(*entity)) {
    return RecordError(t, "service " + t.new_artifact->service + " does not decode");
  }
  const auto& svc = std::get<model::Service>(*entity);
  auto selection = SelectionOf(svc.artifact);
  if (!selection.ok()) return RecordError(t, selection.error().message);

  std::string cursor_json = "{}";
  if (auto state = store_.triggers().Get(t.application, t.name); state.ok()) {
    cursor_json = state->cursor_json;
  }
  auto polled =
      triggers::PollArtifacts(lister_, *selection, DecodeCursor(cursor_json), options_.poll);
  if (!polled.ok()) {
    return RecordError(t, "listing s3://" + selection->bucket + "/" + selection->list_prefix +
                              ": " + polled.error().message);
  }
  for (size_t i = 0; i < polled->baseline_keys.size(); i += kBaselineChunk) {
    std::vector<std::string> chunk(
        polled->baseline_keys.begin() + static_cast<std::ptrdiff_t>(i),
        polled->baseline_keys.begin() + static_cast<std::ptrdiff_t>(std::min(
                                            i + kBaselineChunk, polled->baseline_keys.size())));
    if (auto s = store_.triggers().AddBaseline(t.application, t.name, chunk); !s.ok()) {
      return RecordError(t, "recording the baseline: " + s.error().message);
    }
  }
  for (const NewObject& n : polled->found) {
    // Claimed already (seen again by a full listing, or by another server): nothing to do.
    auto fire = store_.triggers().GetFire(t.application, t.name, n.fire_key);
    if (fire.ok() && fire->status != store::FireStatus::kClaimed) continue;
    const ListRequest where{
        selection->cloud_provider, selection->region, selection->bucket, "", "", ""};
    auto sha = lister_.CodeSha256(where, n.object.key, n.object.etag);
    if (!sha.ok()) {
      // Not claimed: the next poll that sees the object (a full listing) tries again.
      RecordError(
          t, "reading s3://" + selection->bucket + "/" + n.object.key + ": " + sha.error().message);
      continue;
    }
    store::NewArtifact artifact;
    artifact.code_sha256 = *sha;
    artifact.source = t.application + "/" + svc.name;
    artifact.key = n.object.key;
    artifact.version = n.version;
    artifact.location_json =
        DumpJson(Json{{"s3Bucket", selection->bucket}, {"s3Key", n.object.key}});
    artifact.size_bytes = n.object.size;
    artifact.metadata_json = DumpJson(Json{{"etag", n.object.etag},
                                           {"lastModified", FormatRfc3339(n.object.last_modified)},
                                           {"trigger", TriggerId(t)}});
    auto recorded = store_.artifacts().Record(artifact, ActorOf(t));
    if (!recorded.ok()) {
      RecordError(t, "recording s3://" + selection->bucket + "/" + n.object.key + ": " +
                         recorded.error().message);
      continue;
    }
    TriggerFire fire_in;
    fire_in.trigger = t;
    fire_in.cause = FireCause::kNewArtifact;
    fire_in.fire_key = n.fire_key;
    auto chosen = ChooseArtifact(t, recorded->artifact.id);
    if (!chosen.ok()) {
      RecordError(t, chosen.error().message);
      continue;
    }
    fire_in.artifact_id = *chosen;
    auto vars = RenderTriggerVariables(t.variables, t.name, {});
    if (!vars.ok()) {
      RecordError(t, vars.error().message);
      continue;
    }
    fire_in.variables = *vars;
    fire_in.cause_json = CauseJson(t, FireCause::kNewArtifact, n.fire_key,
                                   Json{{"s3Bucket", selection->bucket},
                                        {"polledAt", FormatRfc3339(now)},
                                        {"s3Key", n.object.key},
                                        {"etag", n.object.etag},
                                        {"artifact", recorded->artifact.id}});
    bool claimed = false;
    (void)Fire(std::move(fire_in), &claimed);  // its outcome is the trigger's state
  }
  if (auto s = store_.triggers().SaveCursor(t.application, t.name, EncodeCursor(polled->cursor));
      !s.ok()) {
    RecordError(t, "saving the listing point: " + s.error().message);
  }
}

void TriggerEngine::RunSchedule(const model::Trigger& t) {
  const TimePoint now = clock_.Now();
  std::optional<TimePoint> stored_next;
  std::string fingerprint;
  if (auto state = store_.triggers().Get(t.application, t.name); state.ok()) {
    stored_next = state->next_run_at;
    auto cursor = ParseJson(state->cursor_json);
    if (cursor.ok() && cursor->is_object() && cursor->contains("schedule") &&
        (*cursor)["schedule"].is_string()) {
      fingerprint = (*cursor)["schedule"].get<std::string>();
    }
  }
  auto decision = DecideSchedule(*t.schedule, stored_next, fingerprint, now);
  if (!decision.ok()) return RecordError(t, decision.error().message);
  if (decision->due_slot) {
    const std::string key = ScheduleFireKey(*decision->due_slot);
    TriggerFire fire;
    fire.trigger = t;
    fire.cause = FireCause::kSchedule;
    fire.fire_key = key;
    auto vars = RenderTriggerVariables(t.variables, t.name, {});
    auto chosen = ChooseArtifact(t, std::nullopt);
    bool claimed = false;
    if (!vars.ok() || !chosen.ok()) {
      // The slot is still used up: claimed with the error, so no replica retries it.
      auto claim = store_.triggers().ClaimFire(t.application, t.name, key, options_.owner,
                                               options_.stale_claim);
      if (claim.ok() && *claim) {
        (void)store_.triggers().CompleteFire(
            {t.application, t.name, key, "",
             !vars.ok() ? vars.error().message : chosen.error().message});
      }
    } else {
      fire.artifact_id = *chosen;
      fire.variables = *vars;
      fire.cause_json = CauseJson(t, FireCause::kSchedule, key,
                                  Json{{"slot", FormatRfc3339(*decision->due_slot)}});
      (void)Fire(std::move(fire), &claimed);
    }
  }
  if (decision->next_run != stored_next || decision->fingerprint != fingerprint) {
    (void)store_.triggers().SetNextRun(t.application, t.name, decision->next_run);
    (void)store_.triggers().SaveCursor(t.application, t.name,
                                       DumpJson(Json{{"schedule", decision->fingerprint}}));
  }
}

Result<std::string> TriggerEngine::HookIdOf(const std::string& application,
                                            const std::string& name) {
  if (auto state = store_.triggers().Get(application, name);
      state.ok() && !state->hook_id.empty()) {
    return state->hook_id;
  }
  return store_.triggers().EnsureHookId(application, name, HexEncode(ids_.RandomBytes(20)));
}

Result<WebhookOutcome> TriggerEngine::HandleWebhook(const std::string& hook_id,
                                                    const WebhookRequest& request) {
  auto state = store_.triggers().FindByHookId(hook_id);
  if (!state.ok()) {
    if (state.error().code == ErrorCode::kNotFound ||
        state.error().code == ErrorCode::kInvalidArgument) {
      return NotFound("no webhook here");
    }
    return state.error();
  }
  auto trigger = LoadTrigger(store_.entities(), state->application, state->name);
  if (!trigger.ok() || !trigger->webhook) return NotFound("no webhook here");
  const model::Trigger& t = *trigger;
  if (request.body.size() > kMaxWebhookBodyBytes) {
    return VerifyWebhook(*t.webhook, "x", request, clock_.Now()).error();  // 413 before secrets
  }
  auto key = secrets_ ? secrets_(t.webhook->secret)
                      : Result<std::string>(Error{ErrorCode::kUnimplemented, "no secrets", {}});
  if (!key.ok()) {
    RecordError(t, "reading webhook secret " + t.webhook->secret + ": " + key.error().message);
    return Error{ErrorCode::kUnavailable, "the webhook's secret cannot be read", {}};
  }
  const TimePoint now = clock_.Now();
  FERRY_ASSIGN_OR_RETURN(VerifiedWebhook verified, VerifyWebhook(*t.webhook, *key, request, now));
  if (!t.enabled) return FailedPrecondition("trigger " + TriggerId(t) + " is disabled");
  const bool generic = t.webhook->type == model::WebhookType::kGeneric;
  (void)store_.triggers().PruneFires(
      t.application, t.name, generic ? "generic:" : "github:",
      now - (generic ? Duration(kGenericReplayWindow) : Duration(kGithubReplayWindow)));
  if (!verified.start) {
    return WebhookOutcome{200, "nothing started: " + verified.reason, ""};
  }
  TriggerFire fire;
  fire.trigger = t;
  fire.cause = FireCause::kWebhook;
  fire.fire_key = verified.fire_key;
  FERRY_ASSIGN_OR_RETURN(fire.variables,
                         RenderTriggerVariables(t.variables, t.name, verified.payload));
  Json extra = Json::object();
  if (!generic) extra["delivery"] = verified.fire_key.substr(7);
  fire.cause_json =
      CauseJson(t, FireCause::kWebhook, generic ? "generic" : verified.fire_key, extra);
  auto chosen = ChooseArtifact(t, std::nullopt);
  bool claimed = false;
  if (!chosen.ok()) {
    FERRY_ASSIGN_OR_RETURN(
        claimed, store_.triggers().ClaimFire(t.application, t.name, fire.fire_key, options_.owner,
                                             options_.stale_claim));
    if (!claimed) return WebhookOutcome{200, "a replay: this delivery was received before", ""};
    (void)store_.triggers().CompleteFire(
        {t.application, t.name, fire.fire_key, "", chosen.error().message});
    return chosen.error();
  }
  fire.artifact_id = *chosen;
  auto started = Fire(std::move(fire), &claimed);
  if (!claimed) return WebhookOutcome{200, "a replay: this delivery was received before", ""};
  if (!started.ok()) return started.error();
  return WebhookOutcome{202, "started execution " + *started, *started};
}

}  // namespace ferry::triggers
