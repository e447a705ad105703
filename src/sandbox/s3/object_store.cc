#include "sandbox/s3/object_store.h"

#include <algorithm>
#include <mutex>
#include <set>

#include "common/crypto.h"
#include "common/json.h"
#include "common/strings.h"
#include "common/time.h"
#include "sandbox/s3/checksums.h"
#include "sandbox/s3/s3_error.h"
#include "sandbox/snapshot.h"

namespace ferry::sandbox::s3 {
namespace {

constexpr int kIndexFormat = 1;

Error AccessDenied() { return S3Error(403, "AccessDenied", "Access Denied"); }

Error NoSuchVersion(const std::string& key, const std::string& version_id) {
  return WithField(
      WithField(S3Error(404, "NoSuchVersion", "The specified version does not exist."), "Key", key),
      "VersionId", version_id);
}

// Version ids this store hands out: "null" or a 26-character id from the IdGenerator.
bool IsPlausibleVersionId(const std::string& id) {
  if (id == "null") return true;
  return id.size() == 26 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
         });
}

Error InvalidVersionId(const std::string& id) {
  return InvalidArgumentError("Invalid version id specified", "versionId", id);
}

Json VersionToJson(const ObjectVersion& v) {
  Json j = {{"id", v.version_id},
            {"marker", v.delete_marker},
            {"modified", ToUnixMillis(v.last_modified)},
            {"size", v.size},
            {"etag", v.etag},
            {"type", v.content_type},
            {"headers", v.headers},
            {"meta", v.metadata},
            {"checksum_algorithm", v.checksum_algorithm},
            {"checksum", v.checksum},
            {"blob", v.blob_id}};
  return j;
}

Result<ObjectVersion> VersionFromJson(const Json& j) {
  try {
    ObjectVersion v;
    v.version_id = j.at("id").get<std::string>();
    v.delete_marker = j.at("marker").get<bool>();
    v.last_modified = FromUnixMillis(j.at("modified").get<int64_t>());
    v.size = j.at("size").get<uint64_t>();
    v.etag = j.at("etag").get<std::string>();
    v.content_type = j.at("type").get<std::string>();
    v.headers = j.at("headers").get<std::map<std::string, std::string>>();
    v.metadata = j.at("meta").get<std::map<std::string, std::string>>();
    v.checksum_algorithm = j.at("checksum_algorithm").get<std::string>();
    v.checksum = j.at("checksum").get<std::string>();
    v.blob_id = j.at("blob").get<std::string>();
    if (v.blob_id.find('/') != std::string::npos || v.blob_id.starts_with(".")) {
      return InvalidArgument("invalid blob id " + QuoteForMessage(v.blob_id));
    }
    return v;
  } catch (const std::exception& e) {
    return InvalidArgument(e.what());
  }
}

// The common prefix key falls under, or "" when the delimiter does not occur after prefix.
std::string CommonPrefixOf(const std::string& key, const std::string& prefix,
                           const std::string& delimiter) {
  if (delimiter.empty()) return "";
  size_t pos = key.find(delimiter, prefix.size());
  if (pos == std::string::npos) return "";
  return key.substr(0, pos + delimiter.size());
}

}  // namespace

ObjectStore::ObjectStore(Options options, const Clock& clock, IdGenerator& ids)
    : options_(std::move(options)), clock_(clock), ids_(ids) {}

ObjectStore::~ObjectStore() = default;

Result<std::unique_ptr<ObjectStore>> ObjectStore::Open(Options options, const Clock& clock,
                                                       IdGenerator& ids) {
  std::unique_ptr<ObjectStore> store(new ObjectStore(std::move(options), clock, ids));
  if (store->options_.data_dir) FERRY_RETURN_IF_ERROR(store->Load());
  return store;
}

std::filesystem::path ObjectStore::BlobPath(const std::string& blob_id) const {
  return *options_.data_dir / "blobs" / blob_id;
}

Status ObjectStore::Load() {
  const auto index_path = *options_.data_dir / "index.json";
  FERRY_ASSIGN_OR_RETURN(std::optional<Json> loaded, SnapshotFile(index_path).Load());
  std::set<std::string> referenced;
  if (loaded) {
    const Json& root = *loaded;
    auto corrupt = [&](const std::string& why) {
      return InvalidArgument("s3 index " + index_path.string() + " is corrupt: " + why);
    };
    if (!root.is_object() || root.value("format", 0) != kIndexFormat || !root.contains("buckets") ||
        !root["buckets"].is_array()) {
      return corrupt("unknown format");
    }
    try {
      for (const Json& jb : root["buckets"]) {
        Bucket bucket;
        bucket.info.name = jb.at("name").get<std::string>();
        bucket.info.owner_account = jb.at("owner").get<std::string>();
        bucket.info.region = jb.at("region").get<std::string>();
        bucket.info.created = FromUnixMillis(jb.at("created").get<int64_t>());
        bucket.info.versioning = jb.at("versioning").get<std::string>();
        for (const Json& jo : jb.at("objects")) {
          std::vector<ObjectVersion> versions;
          for (const Json& jv : jo.at("versions")) {
            auto v = VersionFromJson(jv);
            if (!v.ok()) return corrupt(v.error().message);
            if (!v->blob_id.empty()) referenced.insert(v->blob_id);
            versions.push_back(std::move(v).value());
          }
          if (versions.empty()) return corrupt("an object without versions");
          bucket.objects[jo.at("key").get<std::string>()] = std::move(versions);
        }
        std::string name = bucket.info.name;
        buckets_[name] = std::move(bucket);
      }
    } catch (const std::exception& e) {
      return corrupt(e.what());
    }
  }
  // Blobs nobody points at were written by a put that crashed before its index update.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(*options_.data_dir / "blobs", ec)) {
    if (!referenced.contains(entry.path().filename().string())) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
  return Ok();
}

Json ObjectStore::ToJsonLocked() const {
  Json buckets = Json::array();
  for (const auto& [name, bucket] : buckets_) {
    Json objects = Json::array();
    for (const auto& [key, versions] : bucket.objects) {
      Json jv = Json::array();
      for (const auto& v : versions) jv.push_back(VersionToJson(v));
      objects.push_back({{"key", key}, {"versions", std::move(jv)}});
    }
    buckets.push_back({{"name", name},
                       {"owner", bucket.info.owner_account},
                       {"region", bucket.info.region},
                       {"created", ToUnixMillis(bucket.info.created)},
                       {"versioning", bucket.info.versioning},
                       {"objects", std::move(objects)}});
  }
  return {{"format", kIndexFormat}, {"buckets", std::move(buckets)}};
}

Status ObjectStore::SaveLocked() const {
  if (!options_.data_dir) return Ok();
  Status saved = SnapshotFile(*options_.data_dir / "index.json").Save(ToJsonLocked());
  if (!saved.ok()) {
    return S3Error(503, "ServiceUnavailable", "cannot persist: " + saved.error().message);
  }
  return Ok();
}

Result<std::string> ObjectStore::ReadBytes(const ObjectVersion& version) const {
  if (version.bytes) return *version.bytes;
  if (version.blob_id.empty()) return std::string();
  auto bytes = ReadWholeFile(BlobPath(version.blob_id));
  if (!bytes.ok()) {
    return S3Error(500, "InternalError", "object data is missing: " + bytes.error().message);
  }
  return bytes;
}

void ObjectStore::DropBytes(const ObjectVersion& version) const {
  if (!options_.data_dir || version.blob_id.empty()) return;
  std::error_code ec;
  std::filesystem::remove(BlobPath(version.blob_id), ec);
}

Result<const ObjectStore::Bucket*> ObjectStore::FindLocked(const std::string& account,
                                                           const std::string& name) const {
  auto it = buckets_.find(name);
  if (it == buckets_.end()) return NoSuchBucket(name);
  if (it->second.info.owner_account != account) return AccessDenied();
  return &it->second;
}

Status ObjectStore::CreateBucket(const std::string& account, const std::string& name,
                                 const std::string& region) {
  std::unique_lock lock(mu_);
  auto it = buckets_.find(name);
  if (it != buckets_.end()) {
    if (it->second.info.owner_account != account) {
      return WithField(S3Error(409, "BucketAlreadyExists",
                               "The requested bucket name is not available. The bucket namespace "
                               "is shared by all users of the system. Please select a different "
                               "name and try again."),
                       "BucketName", name);
    }
    // S3 keeps answering 200 in us-east-1 for a bucket the caller already owns there.
    if (region == "us-east-1" && it->second.info.region == "us-east-1") return Ok();
    return WithField(S3Error(409, "BucketAlreadyOwnedByYou",
                             "Your previous request to create the named bucket succeeded and you "
                             "already own it."),
                     "BucketName", name);
  }
  Bucket bucket;
  bucket.info = {name, account, region, clock_.Now(), ""};
  buckets_[name] = std::move(bucket);
  Status saved = SaveLocked();
  if (!saved.ok()) buckets_.erase(name);
  return saved;
}

Result<BucketInfo> ObjectStore::GetBucket(const std::string& account,
                                          const std::string& name) const {
  std::shared_lock lock(mu_);
  FERRY_ASSIGN_OR_RETURN(const Bucket* bucket, FindLocked(account, name));
  return bucket->info;
}

std::vector<BucketInfo> ObjectStore::ListBuckets(const std::string& account) const {
  std::shared_lock lock(mu_);
  std::vector<BucketInfo> out;
  for (const auto& [name, bucket] : buckets_) {
    if (bucket.info.owner_account == account) out.push_back(bucket.info);
  }
  return out;
}

Status ObjectStore::DeleteBucket(const std::string& account, const std::string& name) {
  std::unique_lock lock(mu_);
  FERRY_ASSIGN_OR_RETURN(const Bucket* bucket, FindLocked(account, name));
  if (!bucket->objects.empty()) {
    return WithField(S3Error(409, "BucketNotEmpty", "The bucket you tried to delete is not empty"),
                     "BucketName", name);
  }
  Bucket removed = std::move(buckets_[name]);
  buckets_.erase(name);
  Status saved = SaveLocked();
  if (!saved.ok()) buckets_[name] = std::move(removed);
  return saved;
}

Status ObjectStore::SetVersioning(const std::string& account, const std::string& bucket_name,
                                  const std::string& status) {
  std::unique_lock lock(mu_);
  FERRY_RETURN_IF_ERROR(FindLocked(account, bucket_name));
  Bucket& bucket = buckets_[bucket_name];
  std::string previous = bucket.info.versioning;
  bucket.info.versioning = status;
  Status saved = SaveLocked();
  if (!saved.ok()) bucket.info.versioning = previous;
  return saved;
}

Result<ObjectVersion> ObjectStore::PutObject(const std::string& account,
                                             const std::string& bucket_name, const std::string& key,
                                             ObjectVersion meta, std::string bytes) {
  if (bytes.size() > options_.max_object_size) {
    Error error =
        S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size");
    error = WithField(std::move(error), "ProposedSize", std::to_string(bytes.size()));
    return WithField(std::move(error), "MaxSizeAllowed", std::to_string(options_.max_object_size));
  }
  {
    std::shared_lock lock(mu_);
    FERRY_RETURN_IF_ERROR(FindLocked(account, bucket_name));
  }
  meta.delete_marker = false;
  meta.size = bytes.size();
  if (meta.etag.empty()) meta.etag = "\"" + HexEncode(Md5(bytes)) + "\"";
  if (options_.data_dir) {
    meta.blob_id = ids_.NewId();
    Status written = WriteFileAtomically(BlobPath(meta.blob_id), bytes);
    if (!written.ok()) {
      return S3Error(503, "ServiceUnavailable", "cannot store object: " + written.error().message);
    }
  } else {
    meta.bytes = std::make_shared<const std::string>(std::move(bytes));
  }

  std::unique_lock lock(mu_);
  auto found = FindLocked(account, bucket_name);  // the bucket may be gone since the check
  if (!found.ok()) {
    DropBytes(meta);
    return found.error();
  }
  Bucket& bucket = buckets_[bucket_name];
  meta.last_modified = clock_.Now();
  auto& versions = bucket.objects[key];
  std::vector<ObjectVersion> previous = versions;
  std::vector<ObjectVersion> replaced;
  if (bucket.info.versioning == "Enabled") {
    meta.version_id = ids_.NewId();
  } else {
    meta.version_id = "null";
    auto null_it = std::find_if(versions.begin(), versions.end(),
                                [](const ObjectVersion& v) { return v.version_id == "null"; });
    if (null_it != versions.end()) {
      replaced.push_back(*null_it);
      versions.erase(null_it);
    }
  }
  versions.insert(versions.begin(), meta);
  Status saved = SaveLocked();
  if (!saved.ok()) {
    if (previous.empty()) {
      bucket.objects.erase(key);
    } else {
      versions = std::move(previous);
    }
    DropBytes(meta);
    return saved.error();
  }
  for (const auto& old : replaced) DropBytes(old);
  return meta;
}

Result<ObjectVersion> ObjectStore::GetObject(const std::string& account,
                                             const std::string& bucket_name, const std::string& key,
                                             const std::optional<std::string>& version_id,
                                             std::string* out_bytes) const {
  std::shared_lock lock(mu_);
  FERRY_ASSIGN_OR_RETURN(const Bucket* bucket, FindLocked(account, bucket_name));
  if (version_id && !IsPlausibleVersionId(*version_id)) return InvalidVersionId(*version_id);
  auto it = bucket->objects.find(key);
  if (it == bucket->objects.end()) {
    if (version_id) return NoSuchVersion(key, *version_id);
    return NoSuchKey(key);
  }
  const ObjectVersion* version = &it->second.front();
  if (version_id) {
    auto v = std::find_if(it->second.begin(), it->second.end(),
                          [&](const ObjectVersion& c) { return c.version_id == *version_id; });
    if (v == it->second.end()) return NoSuchVersion(key, *version_id);
    version = &*v;
    if (version->delete_marker) {
      Error error = S3Error(405, "MethodNotAllowed",
                            "The specified method is not allowed against this resource.");
      error = WithField(std::move(error), "Method", "GET");
      error = WithField(std::move(error), "ResourceType", "DeleteMarker");
      error = WithHeader(std::move(error), "x-amz-delete-marker", "true");
      return WithHeader(std::move(error), "x-amz-version-id", version->version_id);
    }
  } else if (version->delete_marker) {
    Error error = WithHeader(NoSuchKey(key), "x-amz-delete-marker", "true");
    return WithHeader(std::move(error), "x-amz-version-id", version->version_id);
  }
  if (out_bytes != nullptr) {
    FERRY_ASSIGN_OR_RETURN(*out_bytes, ReadBytes(*version));
  }
  ObjectVersion copy = *version;
  copy.bytes.reset();
  return copy;
}

Result<DeleteOutcome> ObjectStore::DeleteObject(const std::string& account,
                                                const std::string& bucket_name,
                                                const std::string& key,
                                                const std::optional<std::string>& version_id) {
  std::unique_lock lock(mu_);
  FERRY_RETURN_IF_ERROR(FindLocked(account, bucket_name));
  if (version_id && !IsPlausibleVersionId(*version_id)) return InvalidVersionId(*version_id);
  Bucket& bucket = buckets_[bucket_name];
  auto it = bucket.objects.find(key);
  std::vector<ObjectVersion> previous;
  if (it != bucket.objects.end()) previous = it->second;
  std::vector<ObjectVersion> dropped;
  DeleteOutcome outcome;

  auto remove_version = [&](const std::string& id) {
    if (it == bucket.objects.end()) return false;
    auto v = std::find_if(it->second.begin(), it->second.end(),
                          [&](const ObjectVersion& c) { return c.version_id == id; });
    if (v == it->second.end()) return false;
    outcome.delete_marker = v->delete_marker;
    dropped.push_back(*v);
    it->second.erase(v);
    return true;
  };

  if (version_id) {
    // Deleting a version that does not exist succeeds, as in S3.
    if (!remove_version(*version_id)) return DeleteOutcome{false, *version_id};
    outcome.version_id = *version_id;
  } else if (bucket.info.versioning.empty()) {
    if (it == bucket.objects.end()) return outcome;
    dropped = it->second;
    it->second.clear();
  } else {
    ObjectVersion marker;
    marker.delete_marker = true;
    marker.last_modified = clock_.Now();
    if (bucket.info.versioning == "Enabled") {
      marker.version_id = ids_.NewId();
    } else {
      remove_version("null");
      marker.version_id = "null";
    }
    it = bucket.objects.try_emplace(key).first;
    it->second.insert(it->second.begin(), marker);
    outcome = {true, marker.version_id};
  }
  if (it != bucket.objects.end() && it->second.empty()) {
    bucket.objects.erase(it);
    it = bucket.objects.end();
  }
  Status saved = SaveLocked();
  if (!saved.ok()) {
    if (previous.empty()) {
      bucket.objects.erase(key);
    } else {
      bucket.objects[key] = std::move(previous);
    }
    return saved.error();
  }
  for (const auto& v : dropped) DropBytes(v);
  return outcome;
}

Result<ListPage> ObjectStore::ListObjects(const std::string& account,
                                          const std::string& bucket_name,
                                          const ListQuery& query) const {
  std::shared_lock lock(mu_);
  FERRY_ASSIGN_OR_RETURN(const Bucket* bucket, FindLocked(account, bucket_name));
  ListPage page;
  if (query.max_keys <= 0) return page;
  const auto& objects = bucket->objects;
  auto it = query.start_after.empty() || query.start_after < query.prefix
                ? objects.lower_bound(query.prefix)
                : objects.upper_bound(query.start_after);
  int count = 0;
  for (; it != objects.end(); ++it) {
    const std::string& key = it->first;
    if (!key.starts_with(query.prefix)) break;  // keys under a prefix are contiguous
    if (!query.skip_prefix.empty() && key.starts_with(query.skip_prefix)) continue;
    const ObjectVersion& latest = it->second.front();
    if (latest.delete_marker) continue;
    std::string common = CommonPrefixOf(key, query.prefix, query.delimiter);
    if (!common.empty() && page.last_is_prefix && common == page.last_item) continue;
    if (count == query.max_keys) {
      page.truncated = true;
      break;
    }
    ++count;
    if (!common.empty()) {
      page.common_prefixes.push_back(common);
      page.last_item = common;
      page.last_is_prefix = true;
    } else {
      ObjectEntry entry{key, latest, true};
      entry.version.bytes.reset();
      page.objects.push_back(std::move(entry));
      page.last_item = key;
      page.last_is_prefix = false;
    }
  }
  return page;
}

Result<VersionListPage> ObjectStore::ListVersions(const std::string& account,
                                                  const std::string& bucket_name,
                                                  const VersionListQuery& query) const {
  std::shared_lock lock(mu_);
  FERRY_ASSIGN_OR_RETURN(const Bucket* bucket, FindLocked(account, bucket_name));
  VersionListPage page;
  if (query.max_keys <= 0) return page;
  const auto& objects = bucket->objects;
  // A key marker that is itself a common prefix continues after everything under it.
  std::string skip_prefix;
  if (!query.key_marker.empty() &&
      CommonPrefixOf(query.key_marker, query.prefix, query.delimiter) == query.key_marker) {
    skip_prefix = query.key_marker;
  }
  auto it = objects.lower_bound(std::max(query.prefix, query.key_marker));
  int count = 0;
  std::string last_prefix;
  bool stop = false;
  for (; it != objects.end() && !stop; ++it) {
    const std::string& key = it->first;
    if (!key.starts_with(query.prefix)) break;
    if (!skip_prefix.empty() && key.starts_with(skip_prefix)) continue;
    size_t first = 0;
    if (!query.key_marker.empty() && key == query.key_marker) {
      if (query.version_id_marker.empty()) continue;
      auto v = std::find_if(it->second.begin(), it->second.end(), [&](const ObjectVersion& c) {
        return c.version_id == query.version_id_marker;
      });
      if (v == it->second.end()) continue;
      first = static_cast<size_t>(v - it->second.begin()) + 1;
    }
    std::string common = CommonPrefixOf(key, query.prefix, query.delimiter);
    if (!common.empty()) {
      if (common == last_prefix) continue;
      if (count == query.max_keys) {
        page.truncated = true;
        break;
      }
      ++count;
      page.common_prefixes.push_back(common);
      last_prefix = common;
      page.next_key_marker = common;
      page.next_version_id_marker.clear();
      continue;
    }
    for (size_t i = first; i < it->second.size(); ++i) {
      if (count == query.max_keys) {
        page.truncated = true;
        stop = true;
        break;
      }
      ++count;
      ObjectEntry entry{key, it->second[i], i == 0};
      entry.version.bytes.reset();
      page.next_key_marker = key;
      page.next_version_id_marker = entry.version.version_id;
      page.versions.push_back(std::move(entry));
    }
  }
  if (!page.truncated) {
    page.next_key_marker.clear();
    page.next_version_id_marker.clear();
  }
  return page;
}

}  // namespace ferry::sandbox::s3
