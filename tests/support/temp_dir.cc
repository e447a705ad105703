#include "support/temp_dir.h"

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <system_error>

namespace ferry::test {
namespace {

namespace fs = std::filesystem;

// Gives the owner every permission on `dir` and the directories below it, so remove_all can
// empty directories a test made read-only (e.g. to provoke "not writable" errors).
void MakeRemovable(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(dir, ec))) return;
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::add, ec);
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    MakeRemovable(entry.path());
  }
}

}  // namespace

TempDir::TempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    std::perror(("TempDir: mkdtemp " + pattern).c_str());
    std::abort();
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
  if (ec) {
    MakeRemovable(path_);
    fs::remove_all(path_, ec);
  }
}

std::string TempDir::Sub(const std::string& name) const { return (path_ / name).string(); }

fs::path TempDir::Write(const std::string& relative, const std::string& content) const {
  const fs::path file = path_ / relative;
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary | std::ios::trunc) << content;
  return file;
}

}  // namespace ferry::test
