#include "common/password_hash.h"

#include <argon2.h>

#include "common/crypto.h"

namespace ferry {
namespace {

constexpr uint32_t kTimeCost = 2;
constexpr uint32_t kMemoryKiB = 19456;
constexpr uint32_t kLanes = 1;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

}  // namespace

Status CheckPasswordPolicy(std::string_view password) {
  if (password.size() < kMinPasswordBytes) {
    return InvalidArgument("the password is too short: use at least " +
                           std::to_string(kMinPasswordBytes) + " characters");
  }
  if (password.size() > kMaxPasswordBytes) {
    return InvalidArgument("the password is too long: at most " +
                           std::to_string(kMaxPasswordBytes) + " bytes");
  }
  if (password.find('\0') != std::string_view::npos) {
    return InvalidArgument("the password must not contain a NUL character");
  }
  return Ok();
}

Result<std::string> HashPassword(std::string_view password) {
  FERRY_RETURN_IF_ERROR(CheckPasswordPolicy(password));
  const std::string salt = SecureRandomBytes(kSaltBytes);
  const size_t encoded_len =
      argon2_encodedlen(kTimeCost, kMemoryKiB, kLanes, kSaltBytes, kHashBytes, Argon2_id);
  std::string encoded(encoded_len, '\0');
  int rc =
      argon2id_hash_encoded(kTimeCost, kMemoryKiB, kLanes, password.data(), password.size(),
                            salt.data(), salt.size(), kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return Internal(std::string("password hashing failed: ") + argon2_error_message(rc));
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool VerifyPassword(std::string_view encoded, std::string_view password) {
  if (encoded.empty() || password.size() > kMaxPasswordBytes ||
      !encoded.starts_with("$argon2id$")) {
    return false;
  }
  const std::string hash(encoded);  // argon2 wants a NUL-terminated string
  return argon2id_verify(hash.c_str(), password.data(), password.size()) == ARGON2_OK;
}

const std::string& DecoyPasswordHash() {
  static const std::string decoy = [] {
    auto hash = HashPassword(HexEncode(SecureRandomBytes(24)));
    return hash.ok() ? *hash : std::string();
  }();
  return decoy;
}

}  // namespace ferry
