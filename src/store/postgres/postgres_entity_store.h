// EntityStore on PostgreSQL. Thread-safe.
#pragma once

#include "store/entity_store.h"
#include "store/postgres/context.h"

namespace ferry::store::postgres {

class PostgresEntityStore final : public EntityStore {
 public:
  explicit PostgresEntityStore(Context& context) : context_(context) {}

  Result<std::vector<PutOutcome>> PutAll(const std::vector<EntityWrite>& writes,
                                         const Actor& actor) override;
  Result<PutOutcome> Put(const EntityWrite& write, const Actor& actor) override;
  Result<EntityRecord> Get(const EntityKey& key) override;
  Result<std::vector<EntityRecord>> List(std::string_view kind,
                                         std::optional<std::string> application) override;
  Status Delete(const EntityKey& key, const Actor& actor) override;

 private:
  Context& context_;
};

}  // namespace ferry::store::postgres
