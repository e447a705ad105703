// Helpers shared by the config tests: the examples directory and temporary directories.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "config/loader.h"

namespace ferry::config::testing {

inline std::filesystem::path SourceDir() {
  const char* dir = std::getenv("FERRY_SOURCE_DIR");
  return dir ? std::filesystem::path(dir) : std::filesystem::current_path();
}

inline std::filesystem::path ExamplesDir() { return SourceDir() / "examples"; }

// A directory removed when the object goes away.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("ferry-config-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path Write(const std::string& name, const std::string& content) const {
    std::filesystem::path p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

 private:
  std::filesystem::path path_;
};

inline std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Problems as "file:line:col: field: message" with `strip` removed from file names.
inline std::vector<std::string> Lines(const LoadedConfig& loaded, const std::string& strip = "") {
  std::vector<std::string> out;
  for (const ConfigProblem& p : loaded.problems) {
    std::string line = p.ToString();
    if (!strip.empty() && line.rfind(strip, 0) == 0) line = line.substr(strip.size());
    out.push_back(line);
  }
  return out;
}

}  // namespace ferry::config::testing
