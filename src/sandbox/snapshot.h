// Durable JSON state for sandbox services under `ferry sandbox --data DIR`.
//
// Save writes a temporary file next to the target, fsyncs it and renames it over the target, so a
// crash leaves either the old or the new snapshot, never a torn one. Load refuses a snapshot it
// cannot parse (kInvalidArgument naming the file) instead of starting empty: losing state silently
// is worse than failing at start-up.
//
// Thread-safe for distinct files; callers serialise Save calls for the same file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "common/json_fwd.h"
#include "common/result.h"

namespace ferry::sandbox {

class SnapshotFile {
 public:
  explicit SnapshotFile(std::filesystem::path path) : path_(std::move(path)) {}

  // nullopt when no snapshot exists yet.
  Result<std::optional<Json>> Load() const;
  Status Save(const Json& state) const;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Writes bytes to path atomically (temp file, fsync, rename). Creates parent directories.
Status WriteFileAtomically(const std::filesystem::path& path, const std::string& bytes);
// Reads a whole file; kNotFound when it does not exist.
Result<std::string> ReadWholeFile(const std::filesystem::path& path);

}  // namespace ferry::sandbox
