// The sandbox's stand-in for KMS: one AES-256-GCM key that seals what Secrets Manager and SSM
// SecureString parameters store, so values are never on disk in plain text (under --data the key
// is DATA/kms/key, mode 0600, created on first start; without --data it lives in memory).
//
// Thread-safe (immutable after Open).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ferry::sandbox::secrets {

class LocalKey {
 public:
  // kUnavailable when the key file cannot be created or read; kInvalidArgument when it is not 32
  // bytes (a corrupt key is never replaced: what it sealed would be lost).
  static Result<std::shared_ptr<const LocalKey>> Open(
      const std::optional<std::filesystem::path>& data_dir);

  // base64(nonce || ciphertext || tag).
  Result<std::string> Seal(std::string_view plaintext) const;
  // kInvalidArgument when `sealed` was not sealed by this key or was altered.
  Result<std::string> Unseal(std::string_view sealed) const;

 private:
  explicit LocalKey(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace ferry::sandbox::secrets
