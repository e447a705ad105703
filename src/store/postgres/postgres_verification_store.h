// VerificationStore on PostgreSQL (table verifications, migration 0006). Thread-safe.
#pragma once

#include "store/postgres/context.h"
#include "store/verification_store.h"

namespace ferry::store::postgres {

class PostgresVerificationStore final : public VerificationStore {
 public:
  explicit PostgresVerificationStore(Context& context) : context_(context) {}
  Result<VerificationRecord> Record(const NewVerification& verification) override;
  Result<std::vector<VerificationRecord>> List(std::string_view execution_id) override;

 private:
  Context& context_;
};

}  // namespace ferry::store::postgres
