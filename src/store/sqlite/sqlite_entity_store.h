// EntityStore on SQLite. Thread-safe.
#pragma once

#include "store/entity_store.h"
#include "store/sqlite/context.h"

namespace ferry::store::sqlite {

class SqliteEntityStore final : public EntityStore {
 public:
  explicit SqliteEntityStore(Context& context) : context_(context) {}

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

}  // namespace ferry::store::sqlite
