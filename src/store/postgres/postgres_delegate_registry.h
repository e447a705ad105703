// DelegateRegistry on PostgreSQL (table delegates, migration 0003). Thread-safe.
#pragma once

#include "store/delegate_registry.h"
#include "store/postgres/context.h"

namespace ferry::store::postgres {

class PostgresDelegateRegistry final : public DelegateRegistry {
 public:
  explicit PostgresDelegateRegistry(Context& context) : context_(context) {}
  Result<DelegateRecord> Seen(const DelegateSighting& sighting) override;
  Status Touch(std::string_view instance) override;
  Result<std::vector<DelegateRecord>> List() override;

 private:
  Context& context_;
};

}  // namespace ferry::store::postgres
