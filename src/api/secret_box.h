// SecretKeyring: seals and opens the values of `source: ferry` secrets with AES-256-GCM. A key is
// 32 random bytes, given as a key file (32 raw bytes, or their base64 on one line) or as the
// base64 in an environment variable; its id is the first 16 hex digits of its SHA-256, stored
// beside each sealed value so that a rotation can tell which values still need the old key. The
// secret's name is sealed with its value, so a sealed value copied to another name does not open.
//
// Rotation: start the server with the new key as current and the old one as previous; POST
// /api/v1/secret-key/rotate re-seals every value with the current key (SecretValueStore::Reseal);
// then drop the previous key.
//
// Immutable after Load; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/secret_value_store.h"

namespace ferry::api {

struct SecretKeySource {
  std::string file;     // a key file; "" = none
  std::string env_var;  // an environment variable holding the base64 key; "" = none
};

class SecretKeyring {
 public:
  // No key: `source: ferry` secrets cannot be set or read (kFailedPrecondition saying how to
  // configure one).
  SecretKeyring() = default;
  // kInvalidArgument (naming the file or variable, never the key) when a key is not 32 bytes,
  // a key file is readable by group or others, or current and previous are the same key.
  static Result<SecretKeyring> Load(const SecretKeySource& current,
                                    const SecretKeySource& previous = {});
  // Creates a key file with a fresh random key (mode 0600) unless it exists; `ferry up` uses it.
  static Status CreateKeyFileIfMissing(const std::string& path);

  bool configured() const { return current_.has_value(); }
  const std::string& current_id() const;  // "" when not configured

  // Sealed bytes for store::SecretValueStore::Put, under the current key.
  Result<std::string> Seal(std::string_view name, std::string_view value) const;
  // The value; kFailedPrecondition when the key that sealed it is not loaded or the bytes do not
  // open (tampered with, or sealed for another name).
  Result<std::string> Open(const store::SealedSecret& sealed) const;

 private:
  struct Key {
    std::string id;
    std::string bytes;
  };
  std::optional<Key> current_;
  std::optional<Key> previous_;
};

}  // namespace ferry::api
