// TempDir: a fresh directory for one test, removed with everything in it on destruction.
//
//   ferry::test::TempDir dir;              // $TMPDIR/ferry-test-XXXXXX (or /tmp/...)
//   dir.Sub("data");                       // "<dir>/data" (not created)
//   dir.Write("conf/app.yaml", "kind: x"); // creates conf/, writes the file, returns its path
//
// The directory is made by mkdtemp (mode 0700, a name no other test shares); a failure to make it
// aborts the test binary (nothing sensible can run without it). Removal also clears directories
// a test made unreadable or unwritable. Not thread-safe; the path may be used from any thread.
#pragma once

#include <filesystem>
#include <string>

namespace ferry::test {

class TempDir {
 public:
  // `prefix` starts the directory's name; letters, digits and '-' only.
  explicit TempDir(const std::string& prefix = "ferry-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // The path of `name` inside the directory, as a string (nothing is created).
  std::string Sub(const std::string& name) const;
  // Writes `content` to `relative` (parent directories created, an existing file replaced).
  std::filesystem::path Write(const std::string& relative, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

}  // namespace ferry::test
