// SecretValueStore on PostgreSQL (table secret_values; sealed bytes as base64). Thread-safe.
#pragma once

#include "store/secret_value_store.h"
#include "store/postgres/context.h"

namespace ferry::store::postgres {

class PostgresSecretValueStore final : public SecretValueStore {
 public:
  explicit PostgresSecretValueStore(Context& context) : context_(context) {}
  Result<SealedSecret> Put(std::string_view name, std::string_view sealed,
                           std::string_view key_id, const Actor& actor) override;
  Result<SealedSecret> Get(std::string_view name) override;
  Status Delete(std::string_view name, const Actor& actor) override;
  Result<std::vector<SealedSecret>> List() override;
  Result<SealedSecret> Reseal(std::string_view name, int64_t version, std::string_view sealed,
                              std::string_view key_id, const Actor& actor) override;

 private:
  Context& context_;
};

}  // namespace ferry::store::postgres
