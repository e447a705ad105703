// KnownStateStore on PostgreSQL (table known_states). Thread-safe.
#pragma once

#include "store/known_state_store.h"
#include "store/postgres/context.h"

namespace ferry::store::postgres {

class PostgresKnownStateStore final : public KnownStateStore {
 public:
  explicit PostgresKnownStateStore(Context& context) : context_(context) {}
  Result<std::vector<KnownState>> Get(const std::vector<std::string>& keys) override;
  Status Put(const std::vector<KnownState>& states) override;
  Status Delete(const std::vector<std::string>& keys) override;

 private:
  Context& context_;
};

}  // namespace ferry::store::postgres
