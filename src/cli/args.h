// Validation of the CLI's arguments, before any request is made. Each parser returns
// kInvalidArgument with a message that names the flag, shows the bad value (quoted, bounded) and
// gives an example of a good one; the commands turn that into exit code 2. Pure, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ferry::cli {

enum class OutputFormat { kText, kJson };

struct ServiceRef {
  std::string application;
  std::string service;
};

struct S3Location {
  std::string bucket;
  std::string key;
  std::optional<std::string> version_id;
};

// "APP/SERVICE": two names of letters, digits, '-', '_' and '.', 1..128 characters each.
Result<ServiceRef> ParseServiceRef(std::string_view text);
// "s3://bucket/key[?versionId=V]": a bucket named per S3's rules (3..63 of a-z 0-9 . -), a
// non-empty key of at most 1024 bytes without control characters, an optional version id.
Result<S3Location> ParseS3Url(std::string_view text);
// "text" or "json".
Result<OutputFormat> ParseOutputFormat(std::string_view text);
// An environment, workflow or execution id: 1..128 of letters, digits, '-', '_', '.'.
Status ValidateName(std::string_view flag, std::string_view text);

}  // namespace ferry::cli
