// ArtifactStore: the builds Ferry has seen (a zip in S3, ...), identified by (source, key,
// version). A version is immutable: recording the same identity again with the same CodeSha256
// only refreshes last_seen_at; with a different one it is kConflict, because exact rollback
// depends on a version meaning one thing forever. New artifacts are audited. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/actor.h"

namespace ferry::store {

struct NewArtifact {
  std::string source;                // the artifact source's name in config, e.g. "builds"
  std::string key;                   // e.g. the S3 key "shop/checkout.zip"
  std::string version;               // e.g. the S3 VersionId, a build number or an ETag
  std::string location_json = "{}";  // how to fetch it, e.g. {"s3Bucket":..., "s3Key":...}
  int64_t size_bytes = 0;
  std::string code_sha256;  // base64 SHA-256 of the zip, as Lambda reports CodeSha256
  std::string metadata_json = "{}";
};

struct ArtifactRecord {
  std::string id;
  std::string source;
  std::string key;
  std::string version;
  std::string location_json;
  int64_t size_bytes = 0;
  std::string code_sha256;
  std::string metadata_json;
  TimePoint first_seen_at;
  TimePoint last_seen_at;
};

struct RecordedArtifact {
  ArtifactRecord artifact;
  bool created = true;
};

struct ArtifactFilter {
  std::optional<std::string> source;
  std::optional<std::string> key;
  std::optional<std::string> before_id;  // paging, newest first
  int limit = 50;                        // 1..kMaxPageSize
};

class ArtifactStore {
 public:
  virtual ~ArtifactStore() = default;
  virtual Result<RecordedArtifact> Record(const NewArtifact& artifact, const Actor& actor) = 0;
  virtual Result<ArtifactRecord> Get(std::string_view id) = 0;
  // kNotFound when never recorded.
  virtual Result<ArtifactRecord> Find(std::string_view source, std::string_view key,
                                      std::string_view version) = 0;
  // Newest first.
  virtual Result<std::vector<ArtifactRecord>> List(const ArtifactFilter& filter) = 0;
};

}  // namespace ferry::store
