#include "common/crypto.h"

#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>

#include <cctype>
#include <memory>
#include <stdexcept>

namespace ferry {
namespace {

// OpenSSL 3's one-shot SHA256() and HMAC() look the algorithm up in the provider store, under
// its lock, on every call: most of their cost for the short inputs of a signed AWS request
// (profiled: 60% of SHA256's time was EVP_MD_fetch). Each algorithm is fetched once here, and
// each thread keeps one HMAC context that it re-keys.
const EVP_MD* Digest(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) throw std::runtime_error(std::string("OpenSSL has no ") + name);
  return md;  // kept for the process's life
}

const EVP_MD* Sha256Digest() {
  static const EVP_MD* md = Digest("SHA256");
  return md;
}

std::string EvpDigest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) {
    throw std::runtime_error("OpenSSL failed to compute a digest");
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

struct MacContextFree {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

EVP_MAC_CTX* ThreadHmacSha256() {
  static EVP_MAC* const mac = [] {
    EVP_MAC* m = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (m == nullptr) throw std::runtime_error("OpenSSL has no HMAC");
    return m;
  }();
  thread_local std::unique_ptr<EVP_MAC_CTX, MacContextFree> ctx = [] {
    std::unique_ptr<EVP_MAC_CTX, MacContextFree> c(EVP_MAC_CTX_new(mac));
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (c == nullptr || EVP_MAC_CTX_set_params(c.get(), params) != 1) {
      throw std::runtime_error("OpenSSL failed to set up HMAC-SHA256");
    }
    return c;
  }();
  return ctx.get();
}

}  // namespace

std::string Sha256(std::string_view data) { return EvpDigest(Sha256Digest(), data); }

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

std::string Md5(std::string_view data) {
  static const EVP_MD* md = Digest("MD5");
  return EvpDigest(md, data);
}

std::string Sha1(std::string_view data) {
  static const EVP_MD* md = Digest("SHA1");
  return EvpDigest(md, data);
}

std::string SecureRandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  EVP_MAC_CTX* ctx = ThreadHmacSha256();
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  // An empty key is valid HMAC; OpenSSL wants a non-null pointer for it.
  static const unsigned char kEmpty = 0;
  const auto* key_bytes =
      key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  if (EVP_MAC_init(ctx, key_bytes, key.size(), nullptr) != 1 ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx, out, &len, sizeof out) != 1) {
    throw std::runtime_error("OpenSSL failed to compute an HMAC");
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return InvalidArgument("base64 length is not a multiple of 4");
  for (char c : text) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=')) {
      return InvalidArgument("base64 contains an invalid character");
    }
  }
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return InvalidArgument("invalid base64");
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

namespace {
struct CtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;
constexpr size_t kNonce = 12, kTag = 16;
}  // namespace

Result<std::string> AesGcmEncrypt(std::string_view key, std::string_view plaintext,
                                  std::string_view nonce) {
  if (key.size() != 32) return InvalidArgument("AES-256-GCM key must be 32 bytes");
  if (nonce.size() != kNonce) return InvalidArgument("AES-GCM nonce must be 12 bytes");
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  std::string out(nonce);
  out.resize(kNonce + plaintext.size() + kTag);
  int len = 0;
  auto* k = reinterpret_cast<const unsigned char*>(key.data());
  auto* iv = reinterpret_cast<const unsigned char*>(nonce.data());
  auto* dst = reinterpret_cast<unsigned char*>(out.data()) + kNonce;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, k, iv) != 1 ||
      EVP_EncryptUpdate(ctx.get(), dst, &len,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), dst + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag, dst + plaintext.size()) != 1) {
    return Internal("AES-GCM encryption failed");
  }
  return out;
}

Result<std::string> AesGcmDecrypt(std::string_view key, std::string_view sealed) {
  if (key.size() != 32) return InvalidArgument("AES-256-GCM key must be 32 bytes");
  if (sealed.size() < kNonce + kTag) return InvalidArgument("sealed data is too short");
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  const size_t n = sealed.size() - kNonce - kTag;
  std::string out(n, '\0');
  int len = 0;
  auto* k = reinterpret_cast<const unsigned char*>(key.data());
  auto* iv = reinterpret_cast<const unsigned char*>(sealed.data());
  auto* src = reinterpret_cast<const unsigned char*>(sealed.data()) + kNonce;
  std::string tag(sealed.substr(kNonce + n));
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, k, iv) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, src,
                        static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) != 1) {
    return Internal("AES-GCM decryption failed");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &len) !=
      1) {
    return InvalidArgument("sealed data failed authentication");
  }
  return out;
}

}  // namespace ferry
