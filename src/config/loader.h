// Loading a configuration from YAML files: a file or a directory of *.yaml / *.yml files, each
// holding one or more documents (separated by `---`), each document one entity with a `kind:`.
//
// LoadConfig reads, parses, decodes and validates everything, collecting EVERY problem, each
// located as file:line:col plus the field path, and a warning (located the same way) for each
// part of the configuration that Ferry cannot run yet (config/runnable.h). Limits (LoadLimits):
// files over 4 MiB, files that are not UTF-8 (or contain NUL bytes), YAML nesting deeper than 64
// and alias expansion beyond 100,000 values are rejected with a problem rather than processed.
// Thread-compatible; reads the file system.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/yaml_reader.h"
#include "model/entities.h"

namespace ferry::config {

struct ConfigProblem {
  std::string file;
  SourcePosition position;  // line 0 when the problem is the whole file
  std::string path;         // JSON pointer within the document; "" for the document or file
  std::string message;

  // "file:line:col: field.path: message" (the position and the path are left out when unknown);
  // with a severity, "file:line:col: warning: field.path: message".
  std::string ToString(std::string_view severity = {}) const;
  auto operator<=>(const ConfigProblem&) const = default;
};

// Where an entity was written.
struct EntityOrigin {
  std::string file;
  size_t document = 0;  // 0-based index among the file's documents
  std::shared_ptr<const std::map<std::string, NodePosition>> positions;
  SourcePosition start;
  // The position of a JSON pointer: the closest enclosing node that has one.
  SourcePosition Locate(const std::string& path, bool at_key) const;
};

struct LoadLimits {
  size_t max_file_bytes = 4 * 1024 * 1024;
  size_t max_files = 10000;
  YamlLimits yaml;
};

struct LoadedConfig {
  std::vector<model::Entity> entities;
  std::vector<EntityOrigin> origins;    // parallel to entities
  std::vector<ConfigProblem> problems;  // sorted by file, line, column
  // What validates but Ferry cannot run yet (config/runnable.h), located like problems and
  // sorted the same way. Warnings do not make the configuration invalid.
  std::vector<ConfigProblem> warnings;
  size_t files = 0;
  size_t documents = 0;
  bool ok() const { return problems.empty(); }
};

// Loads and checks `path` (a file or a directory, searched recursively, hidden entries skipped).
// `known` are entities defined elsewhere (e.g. already in the store) that references may name;
// an entity in the files replaces a known one with the same kind, application and name.
LoadedConfig LoadConfig(const std::filesystem::path& path, const LoadLimits& limits = {},
                        const std::vector<model::Entity>& known = {});

// The same for in-memory files (name -> content), in the order given; for tests and the API.
LoadedConfig LoadConfigFiles(const std::vector<std::pair<std::string, std::string>>& files,
                             const LoadLimits& limits = {},
                             const std::vector<model::Entity>& known = {});

}  // namespace ferry::config
