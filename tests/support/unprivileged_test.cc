#include "support/unprivileged.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "support/temp_dir.h"

namespace ferry::test {
namespace {

namespace fs = std::filesystem;

TEST(RunUnprivilegedTest, PermissionBitsRestrictTheFunctionEvenForRoot) {
  TempDir dir;
  fs::permissions(dir.path(), fs::perms::others_read | fs::perms::others_exec,
                  fs::perm_options::add);
  const std::string locked = dir.Sub("locked");
  fs::create_directories(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  int writable = -1;
  uid_t uid = 0;
  const std::string problem = RunUnprivileged([&] {
    writable = ::access(locked.c_str(), W_OK);
    uid = ::geteuid();
  });
  ASSERT_EQ(problem, "");
  EXPECT_NE(writable, 0) << "an unprivileged function could write to a read-only directory";
  EXPECT_NE(uid, 0u);
}

TEST(RunUnprivilegedTest, TheRestOfTheProcessKeepsItsIdentity) {
  const uid_t before = ::geteuid();
  ASSERT_EQ(RunUnprivileged([] {}), "");
  EXPECT_EQ(::geteuid(), before);
  EXPECT_EQ(::getuid(), before);
}

}  // namespace
}  // namespace ferry::test
