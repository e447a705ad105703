// Safe extraction of a deployment package for the handler workers: rejects absolute paths and
// ".." components (zip-slip), refuses archives that expand past a byte or entry limit (zip bombs,
// counted on the bytes actually inflated, not the sizes the archive claims), never follows or
// creates symlinks. Extracts into a temporary directory renamed into place, so a crashed
// extraction never leaves a half-written code directory. Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/result.h"

namespace ferry::sandbox::runtime {

struct UnzipLimits {
  uint64_t max_total_bytes = 262144000;  // Lambda's unzipped limit
  uint64_t max_entries = 20000;
};

// Extracts zip bytes into `target` (which must not exist yet). kInvalidArgument for hostile or
// corrupt archives; kUnavailable for file-system errors.
Status ExtractZip(const std::string& zip_bytes, const std::filesystem::path& target,
                  const UnzipLimits& limits = {});

}  // namespace ferry::sandbox::runtime
