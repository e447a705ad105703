// VerificationStore on SQLite (table verifications, migration 0009). Thread-safe.
#pragma once

#include "store/sqlite/context.h"
#include "store/verification_store.h"

namespace ferry::store::sqlite {

class SqliteVerificationStore final : public VerificationStore {
 public:
  explicit SqliteVerificationStore(Context& context) : context_(context) {}
  Result<VerificationRecord> Record(const NewVerification& verification) override;
  Result<std::vector<VerificationRecord>> List(std::string_view execution_id) override;

 private:
  Context& context_;
};

}  // namespace ferry::store::sqlite
