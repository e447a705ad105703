// Helpers shared by the config tests: the examples directory, reading files and problem lines.
// Temporary directories are support/temp_dir.h.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/loader.h"

namespace ferry::config::testing {

inline std::filesystem::path SourceDir() {
  const char* dir = std::getenv("FERRY_SOURCE_DIR");
  return dir ? std::filesystem::path(dir) : std::filesystem::current_path();
}

inline std::filesystem::path ExamplesDir() { return SourceDir() / "examples"; }

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
