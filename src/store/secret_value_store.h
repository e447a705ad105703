// SecretValueStore: the values of `source: ferry` secrets, sealed. The store never sees a value:
// callers seal it (AES-256-GCM, api/secret_box.h) and hand over the sealed bytes and the id of the
// key that sealed them, so a stolen database holds nothing readable without the key file.
// Setting and deleting are audited ("secret.set", "secret.delete"; subject "secret/NAME"), with
// the key id and version only. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/actor.h"

namespace ferry::store {

struct SealedSecret {
  std::string name;
  std::string sealed;  // opaque bytes (nonce || ciphertext || tag)
  std::string key_id;  // which key sealed it
  int64_t version = 0;  // 1 on the first Put, +1 on every Put or Reseal
  TimePoint updated_at;
  std::string updated_by;
};

class SecretValueStore {
 public:
  virtual ~SecretValueStore() = default;
  // Creates or replaces the value. kInvalidArgument for a bad name, an empty key id or sealed
  // bytes over 128 KiB.
  virtual Result<SealedSecret> Put(std::string_view name, std::string_view sealed,
                                   std::string_view key_id, const Actor& actor) = 0;
  // kNotFound when no value is stored under that name.
  virtual Result<SealedSecret> Get(std::string_view name) = 0;
  // kNotFound when no value is stored under that name.
  virtual Status Delete(std::string_view name, const Actor& actor) = 0;
  // Every stored value, ordered by name (for key rotation).
  virtual Result<std::vector<SealedSecret>> List() = 0;
  // Replaces the sealed bytes of `name` if its version is still `version` (a concurrent Put
  // wins: kConflict); audited as "secret.reseal".
  virtual Result<SealedSecret> Reseal(std::string_view name, int64_t version,
                                      std::string_view sealed, std::string_view key_id,
                                      const Actor& actor) = 0;
};

}  // namespace ferry::store
