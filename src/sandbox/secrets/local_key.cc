#include "sandbox/secrets/local_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/crypto.h"
#include "sandbox/snapshot.h"

namespace ferry::sandbox::secrets {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;

// Writes a new key with O_EXCL (two sandboxes starting on one directory cannot both win).
Result<std::string> CreateKeyFile(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return Unavailable("cannot create " + path.parent_path().string() + ": " + ec.message());
  std::string key = SecureRandomBytes(kKeyBytes);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable("cannot create " + path.string() + ": " + std::strerror(errno));
  bool written = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
                 ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return Unavailable("cannot write " + path.string() + ": " + std::strerror(errno));
  return key;
}

}  // namespace

Result<std::shared_ptr<const LocalKey>> LocalKey::Open(
    const std::optional<std::filesystem::path>& data_dir) {
  if (!data_dir) {
    return std::shared_ptr<const LocalKey>(new LocalKey(SecureRandomBytes(kKeyBytes)));
  }
  const std::filesystem::path path = *data_dir / "kms" / "key";
  std::string key;
  if (std::filesystem::exists(path)) {
    FERRY_ASSIGN_OR_RETURN(key, ReadWholeFile(path));
    if (key.size() != kKeyBytes) {
      return InvalidArgument("sandbox key " + path.string() + " is not " +
                             std::to_string(kKeyBytes) +
                             " bytes; restore it (what it sealed cannot be read without it)");
    }
  } else {
    FERRY_ASSIGN_OR_RETURN(key, CreateKeyFile(path));
  }
  return std::shared_ptr<const LocalKey>(new LocalKey(std::move(key)));
}

Result<std::string> LocalKey::Seal(std::string_view plaintext) const {
  FERRY_ASSIGN_OR_RETURN(std::string sealed,
                         AesGcmEncrypt(key_, plaintext, SecureRandomBytes(kNonceBytes)));
  return Base64Encode(sealed);
}

Result<std::string> LocalKey::Unseal(std::string_view sealed) const {
  auto raw = Base64Decode(sealed);
  if (!raw.ok()) return InvalidArgument("sealed value is not base64");
  return AesGcmDecrypt(key_, *raw);
}

}  // namespace ferry::sandbox::secrets
