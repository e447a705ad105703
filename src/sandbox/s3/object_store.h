// The S3 sandbox's buckets, object versions and bytes, with S3's semantics: the global bucket
// namespace, versioning (Enabled/Suspended, "null" versions, delete markers) and listings in
// UTF-8 binary key order.
//
// Errors are S3 errors (see s3_error.h): NoSuchBucket, AccessDenied (a bucket of another
// account), BucketAlreadyExists, BucketAlreadyOwnedByYou, BucketNotEmpty, NoSuchKey,
// NoSuchVersion, MethodNotAllowed (a delete marker's version), EntityTooLarge.
//
// Storage: in memory, or with a data directory DIR: DIR/index.json (metadata, rewritten
// atomically after every mutation) and DIR/blobs/<generated id> (object bytes, written before the
// index points at them). Keys never become file names, so no key can escape DIR. Open refuses a
// corrupt index with a message naming the file.
//
// Thread-safe: readers share a lock, mutations are serialised.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/ids.h"
#include "common/json_fwd.h"
#include "common/result.h"

namespace ferry::sandbox::s3 {

inline constexpr uint64_t kDefaultMaxObjectSize = 256ull * 1024 * 1024;

struct ObjectVersion {
  std::string version_id;  // "null" when written while versioning was off or suspended
  bool delete_marker = false;
  TimePoint last_modified;
  uint64_t size = 0;
  std::string etag;  // quoted hex MD5, as on the wire
  std::string content_type;
  std::map<std::string, std::string> headers;   // content-encoding, cache-control, ... (lower)
  std::map<std::string, std::string> metadata;  // x-amz-meta-* without the prefix (lower)
  std::string checksum_algorithm;               // "CRC32", ... or ""
  std::string checksum;                         // base64
  std::string blob_id;                          // file name under DIR/blobs ("" in memory)
  std::shared_ptr<const std::string> bytes;     // in-memory storage
};

struct BucketInfo {
  std::string name;
  std::string owner_account;
  std::string region;
  TimePoint created;
  std::string versioning;  // "", "Enabled" or "Suspended"
};

struct ObjectEntry {
  std::string key;
  ObjectVersion version;
  bool is_latest = true;
};

struct ListQuery {
  std::string prefix;
  std::string delimiter;
  std::string start_after;  // exclusive
  // When the previous page ended on a common prefix: skip every key starting with it.
  std::string skip_prefix;
  int max_keys = 1000;
};

struct ListPage {
  std::vector<ObjectEntry> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string last_item;  // last key or common prefix returned, for continuation
  bool last_is_prefix = false;
};

struct VersionListQuery {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  std::string version_id_marker;
  int max_keys = 1000;
};

struct VersionListPage {
  std::vector<ObjectEntry> versions;  // delete markers included, newest first per key
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_version_id_marker;
};

struct DeleteOutcome {
  bool delete_marker = false;  // a marker was created, or the version removed was one
  std::string version_id;      // the marker's or the removed version's id; "" when unversioned
};

class ObjectStore {
 public:
  struct Options {
    std::optional<std::filesystem::path> data_dir;
    uint64_t max_object_size = kDefaultMaxObjectSize;
  };

  static Result<std::unique_ptr<ObjectStore>> Open(Options options, const Clock& clock,
                                                   IdGenerator& ids);
  ~ObjectStore();

  uint64_t max_object_size() const { return options_.max_object_size; }

  Status CreateBucket(const std::string& account, const std::string& name,
                      const std::string& region);
  Result<BucketInfo> GetBucket(const std::string& account, const std::string& name) const;
  std::vector<BucketInfo> ListBuckets(const std::string& account) const;
  Status DeleteBucket(const std::string& account, const std::string& name);
  Status SetVersioning(const std::string& account, const std::string& bucket,
                       const std::string& status);

  // Stores bytes as the newest version; fills version_id, last_modified, size and (unless set,
  // as for a completed multipart upload) etag.
  Result<ObjectVersion> PutObject(const std::string& account, const std::string& bucket,
                                  const std::string& key, ObjectVersion meta, std::string bytes);
  // The latest version, or the one named. With want_bytes, out_bytes receives the content.
  Result<ObjectVersion> GetObject(const std::string& account, const std::string& bucket,
                                  const std::string& key,
                                  const std::optional<std::string>& version_id,
                                  std::string* out_bytes) const;
  Result<DeleteOutcome> DeleteObject(const std::string& account, const std::string& bucket,
                                     const std::string& key,
                                     const std::optional<std::string>& version_id);

  Result<ListPage> ListObjects(const std::string& account, const std::string& bucket,
                               const ListQuery& query) const;
  Result<VersionListPage> ListVersions(const std::string& account, const std::string& bucket,
                                       const VersionListQuery& query) const;

 private:
  struct Bucket {
    BucketInfo info;
    std::map<std::string, std::vector<ObjectVersion>> objects;  // versions newest first
  };

  ObjectStore(Options options, const Clock& clock, IdGenerator& ids);
  Status Load();
  // Writes the index; called with mu_ held exclusively.
  Status SaveLocked() const;
  Json ToJsonLocked() const;
  Result<const Bucket*> FindLocked(const std::string& account, const std::string& name) const;
  Result<std::string> ReadBytes(const ObjectVersion& version) const;
  void DropBytes(const ObjectVersion& version) const;
  std::filesystem::path BlobPath(const std::string& blob_id) const;

  const Options options_;
  const Clock& clock_;
  IdGenerator& ids_;
  mutable std::shared_mutex mu_;
  std::map<std::string, Bucket> buckets_;  // Guarded by mu_.
};

}  // namespace ferry::sandbox::s3
