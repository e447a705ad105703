// Password hashing (common/password_hash.h): argon2id with the documented parameters, fresh
// salts, the policy, and hostile hashes and passwords.
#include "common/password_hash.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(PasswordHash, HashesWithArgon2idAndTheDocumentedParameters) {
  auto a = HashPassword("correct horse battery");
  auto b = HashPassword("correct horse battery");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *a;
  EXPECT_NE(*a, *b);  // a fresh salt each time
  EXPECT_EQ(a->find("correct"), std::string::npos);
  EXPECT_TRUE(VerifyPassword(*a, "correct horse battery"));
  EXPECT_TRUE(VerifyPassword(*b, "correct horse battery"));
  EXPECT_FALSE(VerifyPassword(*a, "correct horse batterY"));
  EXPECT_FALSE(VerifyPassword(*a, ""));
  auto unicode = HashPassword("pässwörd 🔑🔑🔑");
  ASSERT_TRUE(unicode.ok());
  EXPECT_TRUE(VerifyPassword(*unicode, "pässwörd 🔑🔑🔑"));
}

TEST(PasswordHash, ThePolicyRefusesShortLongAndNulPasswordsWithoutEchoingThem) {
  for (const std::string& bad :
       {std::string("short pw"), std::string(1025, 'x'), std::string("0123456789\0ab", 13)}) {
    auto hashed = HashPassword(bad);
    ASSERT_FALSE(hashed.ok());
    EXPECT_EQ(hashed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(hashed.error().message.find(bad.substr(0, 8)), std::string::npos);
  }
  EXPECT_TRUE(HashPassword(std::string(12, 'x')).ok());
  EXPECT_TRUE(HashPassword(std::string(1024, 'x')).ok());
}

TEST(PasswordHash, MalformedHashesNeverVerify) {
  for (const std::string& hash :
       {std::string(), std::string("$argon2id$"),
        std::string("$argon2i$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA"), std::string("plain text"),
        std::string(10000, '$'), std::string("$argon2id$\0x", 12)}) {
    EXPECT_FALSE(VerifyPassword(hash, "correct horse battery")) << hash.size();
  }
  EXPECT_FALSE(VerifyPassword(DecoyPasswordHash(), "correct horse battery"));
  EXPECT_FALSE(DecoyPasswordHash().empty());
}

}  // namespace
}  // namespace ferry
