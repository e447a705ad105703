// TriggerStore: what the trigger engine (src/trigger) keeps between polls, restarts and server
// replicas. Two tables:
//   - one state row per trigger (application, name): its webhook id, last fire, last execution,
//     next scheduled run, last error, and the artifact poller's listing point (`cursor_json`,
//     whose shape the trigger module owns);
//   - one fire row per (trigger, fire key), unique: a fire key names one thing that starts the
//     trigger's target at most once ("object:BUCKET/KEY#ETAG", "schedule:<unix minute>",
//     "generic:<signature>", "github:<delivery id>"). ClaimFire inserts it before the target is
//     started, so two servers (or a restarted one) never start the same fire twice; a claim left
//     without an outcome (its server died between claiming and starting) may be taken over
//     after `stale`, and the trigger engine then starts the target with the same idempotency
//     key, so the execution is still created once.
// Fire rows are also the webhooks' replay cache (PruneFires forgets the expired ones).
//
// Not audited: like step transitions, these rows are the trigger engine's own bookkeeping; what
// a fire does (an artifact recorded, an execution created) is audited where it happens, with
// the trigger as the actor. Thread-safe; safe across processes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace ferry::store {

struct TriggerState {
  std::string application;
  std::string name;
  std::string hook_id;  // "" until EnsureHookId gave it one
  std::optional<TimePoint> last_fire_at;
  std::string last_execution;  // the execution the last fire started ("" none)
  std::optional<TimePoint> next_run_at;
  std::string last_error;  // "" when the last attempt succeeded
  std::optional<TimePoint> last_error_at;
  std::string cursor_json = "{}";
  TimePoint updated_at;
};

enum class FireStatus { kClaimed, kStarted, kFailed, kBaseline };

struct FireRecord {
  std::string application;
  std::string name;
  std::string fire_key;
  FireStatus status = FireStatus::kClaimed;
  std::string owner;
  std::string execution_id;
  std::string error;
  TimePoint claimed_at;
};

// How a claimed fire ended: exactly one of execution_id and error is non-empty.
struct FireOutcome {
  std::string application;
  std::string name;
  std::string fire_key;
  std::string execution_id;
  std::string error;
};

class TriggerStore {
 public:
  virtual ~TriggerStore() = default;

  // kNotFound when the trigger never had a state row.
  virtual Result<TriggerState> Get(std::string_view application, std::string_view name) = 0;
  // By application, then name; all applications when `application` is empty. At most
  // kMaxPageSize rows.
  virtual Result<std::vector<TriggerState>> List(std::string_view application) = 0;

  // Gives the trigger `candidate` as its webhook id unless it has one; returns the id it has.
  // kConflict when another trigger holds `candidate`.
  virtual Result<std::string> EnsureHookId(std::string_view application, std::string_view name,
                                           std::string_view candidate) = 0;
  // kNotFound when no trigger holds the id.
  virtual Result<TriggerState> FindByHookId(std::string_view hook_id) = 0;

  // The poller's listing point; a JSON object of at most 64 KiB (kPayloadTooLarge beyond).
  virtual Status SaveCursor(std::string_view application, std::string_view name,
                            std::string_view cursor_json) = 0;
  virtual Status SetNextRun(std::string_view application, std::string_view name,
                            std::optional<TimePoint> next_run_at) = 0;
  // A failure that belongs to no fire (a listing that failed, a target that cannot run):
  // becomes the trigger's last error. Messages are cut at 2 KiB.
  virtual Status RecordError(std::string_view application, std::string_view name,
                             std::string_view error) = 0;

  // True when the caller now owns the fire: it was new, or a claim older than `stale` had no
  // outcome. False when it is claimed, started, failed or part of a baseline. The fire key is at
  // most 2 KiB of UTF-8 without control characters (kInvalidArgument otherwise).
  virtual Result<bool> ClaimFire(std::string_view application, std::string_view name,
                                 std::string_view fire_key, std::string_view owner,
                                 Duration stale) = 0;
  // Records the outcome of a claimed fire and the trigger's last fire (an execution clears the
  // last error) or last error. kNotFound when the fire was never claimed.
  virtual Status CompleteFire(const FireOutcome& outcome) = 0;
  // Marks fires as seen without starting anything (the first poll's baseline); fires that
  // exist keep their status. At most kMaxPageSize keys per call.
  virtual Status AddBaseline(std::string_view application, std::string_view name,
                             const std::vector<std::string>& fire_keys) = 0;
  // kNotFound when the fire was never claimed.
  virtual Result<FireRecord> GetFire(std::string_view application, std::string_view name,
                                     std::string_view fire_key) = 0;
  // Forgets the fires of the trigger whose key starts with `key_prefix` claimed before
  // `before` (a webhook's replay cache past its window); returns how many.
  virtual Result<int> PruneFires(std::string_view application, std::string_view name,
                                 std::string_view key_prefix, TimePoint before) = 0;
};

std::string_view FireStatusName(FireStatus status);

}  // namespace ferry::store
