// Hashing, HMAC, encodings, randomness and authenticated encryption over OpenSSL, which is
// included only in crypto.cc. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace ferry {

std::string Sha256(std::string_view data);  // raw 32 bytes
// Digests kept for the protocols that name them (S3's ETag and Content-MD5, x-amz-checksum-sha1);
// never for anything that must resist collisions.
std::string Md5(std::string_view data);   // raw 16 bytes
std::string Sha1(std::string_view data);  // raw 20 bytes
std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string HexEncode(std::string_view bytes);
std::string Base64Encode(std::string_view bytes);
// Strict standard base64 (with padding); kInvalidArgument on any other character.
Result<std::string> Base64Decode(std::string_view text);
// Constant-time comparison for secrets and signatures.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// n bytes from the operating system's CSPRNG. Throws std::runtime_error when the entropy source
// fails: nothing can work around that, so it aborts the operation rather than being returned.
std::string SecureRandomBytes(size_t n);

// AES-256-GCM with a random 12-byte nonce; output is nonce || ciphertext || tag.
// key must be 32 bytes. Decrypt returns kInvalidArgument when the data was tampered with.
Result<std::string> AesGcmEncrypt(std::string_view key, std::string_view plaintext,
                                  std::string_view nonce);
Result<std::string> AesGcmDecrypt(std::string_view key, std::string_view sealed);

}  // namespace ferry
