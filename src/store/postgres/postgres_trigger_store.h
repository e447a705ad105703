// TriggerStore on PostgreSQL (tables trigger_states and trigger_fires, migration 0010).
// Thread-safe.
#pragma once

#include "store/postgres/context.h"
#include "store/trigger_store.h"

namespace ferry::store::postgres {

class PostgresTriggerStore final : public TriggerStore {
 public:
  explicit PostgresTriggerStore(Context& context) : context_(context) {}
  Result<TriggerState> Get(std::string_view application, std::string_view name) override;
  Result<std::vector<TriggerState>> List(std::string_view application) override;
  Result<std::string> EnsureHookId(std::string_view application, std::string_view name,
                                   std::string_view candidate) override;
  Result<TriggerState> FindByHookId(std::string_view hook_id) override;
  Status SaveCursor(std::string_view application, std::string_view name,
                    std::string_view cursor_json) override;
  Status SetNextRun(std::string_view application, std::string_view name,
                    std::optional<TimePoint> next_run_at) override;
  Status RecordError(std::string_view application, std::string_view name,
                     std::string_view error) override;
  Result<bool> ClaimFire(std::string_view application, std::string_view name,
                         std::string_view fire_key, std::string_view owner,
                         Duration stale) override;
  Status CompleteFire(const FireOutcome& outcome) override;
  Status AddBaseline(std::string_view application, std::string_view name,
                     const std::vector<std::string>& fire_keys) override;
  Result<FireRecord> GetFire(std::string_view application, std::string_view name,
                             std::string_view fire_key) override;
  Result<int> PruneFires(std::string_view application, std::string_view name,
                         std::string_view key_prefix, TimePoint before) override;

 private:
  Context& context_;
};

}  // namespace ferry::store::postgres
