// DelegateRegistry on SQLite (table delegates, migration 0005). Thread-safe.
#pragma once

#include "store/delegate_registry.h"
#include "store/sqlite/context.h"

namespace ferry::store::sqlite {

class SqliteDelegateRegistry final : public DelegateRegistry {
 public:
  explicit SqliteDelegateRegistry(Context& context) : context_(context) {}
  Result<DelegateRecord> Seen(const DelegateSighting& sighting) override;
  Status Touch(std::string_view instance) override;
  Result<std::vector<DelegateRecord>> List() override;

 private:
  Context& context_;
};

}  // namespace ferry::store::sqlite
