#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>

namespace ferry::test {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(TempDirTest, IsAFreshPrivateDirectoryRemovedWithItsContents) {
  fs::path kept;
  {
    TempDir dir("ferry-tempdir-test");
    kept = dir.path();
    ASSERT_TRUE(fs::is_directory(kept));
    EXPECT_EQ(kept.filename().string().rfind("ferry-tempdir-test-", 0), 0u) << kept;
    EXPECT_TRUE(fs::is_empty(kept));
    struct stat st {};
    ASSERT_EQ(::stat(kept.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    fs::create_directories(dir.Sub("a/b"));
    std::ofstream(dir.Sub("a/b/f")) << "x";
    TempDir other("ferry-tempdir-test");
    EXPECT_NE(other.path(), kept);
  }
  EXPECT_FALSE(fs::exists(kept));
}

TEST(TempDirTest, WriteCreatesParentsAndReplacesFiles) {
  TempDir dir;
  const fs::path p = dir.Write("conf/nested/app.yaml", "first");
  EXPECT_EQ(p, dir.path() / "conf/nested/app.yaml");
  EXPECT_EQ(Read(p), "first");
  dir.Write("conf/nested/app.yaml", "2nd");
  EXPECT_EQ(Read(p), "2nd");
  EXPECT_EQ(dir.Sub("x"), (dir.path() / "x").string());
}

TEST(TempDirTest, RemovesDirectoriesATestMadeReadOnly) {
  fs::path kept;
  {
    TempDir dir;
    kept = dir.path();
    dir.Write("locked/inner/file", "x");
    fs::permissions(dir.Sub("locked/inner"), fs::perms::owner_read | fs::perms::owner_exec);
    fs::permissions(dir.Sub("locked"), fs::perms::owner_read | fs::perms::owner_exec);
    fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec);
  }
  EXPECT_FALSE(fs::exists(kept));
}

}  // namespace
}  // namespace ferry::test
