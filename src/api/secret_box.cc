#include "api/secret_box.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "common/crypto.h"
#include "common/strings.h"

namespace ferry::api {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;

// 32 raw bytes, or base64 of 32 bytes (surrounding whitespace ignored).
std::optional<std::string> DecodeKey(std::string text) {
  if (text.size() == kKeyBytes) return text;
  auto decoded = Base64Decode(Trim(text));
  if (decoded.ok() && decoded->size() == kKeyBytes) return std::move(*decoded);
  return std::nullopt;
}

Result<std::optional<std::string>> ReadKey(const SecretKeySource& source, const char* role) {
  if (!source.file.empty()) {
    struct stat st {};
    if (::stat(source.file.c_str(), &st) != 0) {
      return InvalidArgument(std::string(role) + " secret key file " +
                             QuoteForMessage(source.file) + ": " + std::strerror(errno));
    }
    if ((st.st_mode & 077) != 0) {
      return InvalidArgument(std::string(role) + " secret key file " +
                             QuoteForMessage(source.file) +
                             " is readable by group or others; chmod 600 it");
    }
    std::ifstream in(source.file, std::ios::binary);
    std::string text(256, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    auto key = DecodeKey(std::move(text));
    if (!key) {
      return InvalidArgument(std::string(role) + " secret key file " +
                             QuoteForMessage(source.file) +
                             " must hold 32 bytes, raw or base64 (openssl rand -base64 32)");
    }
    return std::optional<std::string>(std::move(*key));
  }
  if (!source.env_var.empty()) {
    const char* value = std::getenv(source.env_var.c_str());
    if (value == nullptr || *value == '\0') return std::optional<std::string>();
    auto key = DecodeKey(value);
    if (!key) {
      return InvalidArgument(std::string(role) + " secret key in $" + source.env_var +
                             " must be the base64 of 32 bytes (openssl rand -base64 32)");
    }
    return std::optional<std::string>(std::move(*key));
  }
  return std::optional<std::string>();
}

std::string KeyId(const std::string& key) { return Sha256Hex(key).substr(0, 16); }

Error NotConfigured() {
  return FailedPrecondition(
      "no secret key is configured for `source: ferry` secrets: start the server with "
      "--secret-key-file FILE or FERRY_SECRET_KEY (openssl rand -base64 32)");
}

}  // namespace

Result<SecretKeyring> SecretKeyring::Load(const SecretKeySource& current,
                                          const SecretKeySource& previous) {
  SecretKeyring ring;
  FERRY_ASSIGN_OR_RETURN(auto key, ReadKey(current, "the"));
  if (key) ring.current_ = Key{KeyId(*key), std::move(*key)};
  FERRY_ASSIGN_OR_RETURN(auto old, ReadKey(previous, "the previous"));
  if (old) {
    if (!ring.current_) {
      return InvalidArgument("a previous secret key is given without a current one");
    }
    if (KeyId(*old) == ring.current_->id) {
      return InvalidArgument("the previous secret key is the current one");
    }
    ring.previous_ = Key{KeyId(*old), std::move(*old)};
  }
  return ring;
}

Status SecretKeyring::CreateKeyFileIfMissing(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Ok();
    return Unavailable("cannot create secret key file " + QuoteForMessage(path) + ": " +
                       std::strerror(errno));
  }
  const std::string key = Base64Encode(SecureRandomBytes(kKeyBytes)) + "\n";
  const bool ok = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Unavailable("cannot write secret key file " + QuoteForMessage(path));
  return Ok();
}

const std::string& SecretKeyring::current_id() const {
  static const std::string kNone;
  return current_ ? current_->id : kNone;
}

Result<std::string> SecretKeyring::Seal(std::string_view name, std::string_view value) const {
  if (!current_) return NotConfigured();
  std::string plaintext(name);
  plaintext.push_back('\0');
  plaintext.append(value);
  return AesGcmEncrypt(current_->bytes, plaintext, SecureRandomBytes(kNonceBytes));
}

Result<std::string> SecretKeyring::Open(const store::SealedSecret& sealed) const {
  if (!current_) return NotConfigured();
  const Key* key = sealed.key_id == current_->id                 ? &*current_
                   : previous_ && sealed.key_id == previous_->id ? &*previous_
                                                                 : nullptr;
  if (key == nullptr) {
    return FailedPrecondition("secret '" + sealed.name + "' was sealed with key " +
                              sealed.key_id + ", which this server does not have (current " +
                              current_->id +
                              "); start it with that key as --secret-previous-key-file");
  }
  auto opened = AesGcmDecrypt(key->bytes, sealed.sealed);
  const std::string prefix = sealed.name + std::string(1, '\0');
  if (!opened.ok() || opened->rfind(prefix, 0) != 0) {
    return FailedPrecondition("the stored value of secret '" + sealed.name +
                              "' does not open with key " + key->id +
                              " (altered, or copied from another secret)");
  }
  return opened->substr(prefix.size());
}

}  // namespace ferry::api
