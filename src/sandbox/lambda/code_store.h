// Content-addressed storage of deployment packages (zips) for the sandbox's Lambda, in memory and,
// with a data directory, as lambda/code/<sha256-hex>.zip. Also validates zips the way Lambda
// does before accepting them. Thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/result.h"

namespace ferry::sandbox::lambda {

// Lambda's limits on a deployment package.
inline constexpr size_t kMaxZippedBytes = 50u * 1024u * 1024u;
inline constexpr uint64_t kMaxUnzippedBytes = 262144000;

// kInvalidArgument with Lambda's message when bytes are not a readable zip or unzip too large.
Status ValidateZip(const std::string& bytes);

class CodeStore {
 public:
  explicit CodeStore(std::optional<std::filesystem::path> dir) : dir_(std::move(dir)) {}

  // Stores the zip; returns its sha256 hex.
  Result<std::string> Put(std::string bytes);
  // kNotFound when unknown.
  Result<std::shared_ptr<const std::string>> Get(const std::string& sha_hex);

 private:
  std::optional<std::filesystem::path> dir_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const std::string>> blobs_;  // Guarded by mu_.
};

}  // namespace ferry::sandbox::lambda
