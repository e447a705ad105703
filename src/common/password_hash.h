// Password hashing for Ferry's users: argon2id (libargon2; this library's .cc is the only one
// including argon2.h). Parameters follow OWASP's password storage guidance for argon2id:
// 19 MiB of memory (m = 19456 KiB), 2 passes (t = 2), 1 lane (p = 1), a 16-byte random salt and
// a 32-byte hash, kept in the PHC string format ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash"), so
// a hash made with other parameters (stronger ones later) still verifies.
// A password is 12 to 1024 bytes of UTF-8 (any characters but NUL). Thread-safe; one hash takes
// about 19 MiB for its duration, so callers bound how many run at once.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ferry {

inline constexpr size_t kMinPasswordBytes = 12;
inline constexpr size_t kMaxPasswordBytes = 1024;

// kInvalidArgument (saying which rule, never the password) for a password outside the policy.
Status CheckPasswordPolicy(std::string_view password);

// The PHC-encoded argon2id hash of `password` with a fresh random salt; kInvalidArgument when
// the password breaks the policy, kInternal when libargon2 fails (e.g. out of memory).
Result<std::string> HashPassword(std::string_view password);

// Whether `password` matches `encoded` (argon2's verification compares in constant time). False
// for a malformed hash, an empty one, or a password over kMaxPasswordBytes.
bool VerifyPassword(std::string_view encoded, std::string_view password);

// A fixed, valid hash of a random password, to verify against when the user does not exist, so
// that a sign-in for an unknown user costs what one for a known user costs.
const std::string& DecoyPasswordHash();

}  // namespace ferry
