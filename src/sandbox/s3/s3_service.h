// The S3 service of `ferry sandbox` (rest-xml, signing name "s3").
//
// Operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation,
// Put/GetBucketVersioning, ListObjects, ListObjectsV2, ListObjectVersions, PutObject, CopyObject,
// GetObject, HeadObject, DeleteObject, DeleteObjects, CreateMultipartUpload, UploadPart,
// CompleteMultipartUpload, AbortMultipartUpload. Anything else is S3's 501 NotImplemented.
// Path-style ("/bucket/key") and virtual-hosted-style ("bucket.localhost", "bucket.s3.localhost",
// "bucket.127.0.0.1", "bucket.s3.<region>.amazonaws.com", extra suffixes from Options) addressing.
// PutObject accepts aws-chunked bodies (signed and unsigned streaming, with x-amz-checksum-*
// trailers) and checks Content-MD5, x-amz-checksum-* and a hex x-amz-content-sha256 against the
// bytes received. Chunk signatures are parsed but not verified (the front verifies the request
// signature; the chunk chain would need the signing key).
//
// HeadObject responses carry the object bytes as their body, so that the HTTP layer computes the
// Content-Length a HEAD must announce; the HTTP layer must not send a body for HEAD.
//
// Also the ObjectReader Lambda uses to fetch code from a bucket.
//
// Thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/ids.h"
#include "sandbox/metrics.h"
#include "sandbox/s3/multipart_uploads.h"
#include "sandbox/s3/object_store.h"
#include "sandbox/service.h"

namespace ferry::sandbox::s3 {

struct S3Options {
  // State is kept under data_dir (index.json, blobs/) when set; in memory otherwise.
  std::optional<std::filesystem::path> data_dir;
  uint64_t max_object_size = kDefaultMaxObjectSize;
  // Host names (without port) whose subdomains are virtual-hosted buckets, in addition to
  // localhost, s3.localhost, IPv4 literals and *.amazonaws.com.
  std::vector<std::string> virtual_host_suffixes;
  // Multipart uploads: the minimum size of every part but the last (S3: 5 MiB), and the most
  // bytes all uploads in progress may hold in memory.
  uint64_t min_part_size = 5ull * 1024 * 1024;
  uint64_t max_upload_bytes_held = 1024ull * 1024 * 1024;
};

class S3Service final : public Service, public ObjectReader {
 public:
  // Fails when the data directory holds a corrupt index.
  static Result<std::unique_ptr<S3Service>> Create(S3Options options, const Clock& clock,
                                                   IdGenerator& ids);

  std::string_view signing_name() const override { return "s3"; }
  Response Handle(const Request& request, const Caller& caller) override;
  Response RenderError(const Request& request, const WireError& error) override;
  std::string OperationName(const Request& request) override;

  Result<std::string> ReadObject(const std::string& account_id, const std::string& bucket,
                                 const std::string& key,
                                 const std::optional<std::string>& version_id) override;

  ObjectStore& store() { return *store_; }

 private:
  struct Target {
    std::string bucket;  // "" for the service (ListBuckets)
    std::string key;     // "" for bucket operations
  };
  struct Context {
    const Request& request;
    const Caller& caller;
    const Target& target;
    std::string request_id;
  };

  S3Service(S3Options options, const Clock& clock, IdGenerator& ids,
            std::unique_ptr<ObjectStore> store);

  Result<Target> ResolveTarget(const Request& request) const;
  std::string RouteOperation(const Request& request, const Target& target) const;
  Result<Response> Dispatch(const std::string& operation, const Context& ctx);
  Response ErrorResponse(const Request& request, const Error& error,
                         const std::string& request_id) const;
  std::string OwnerId(const std::string& account) const;

  // Bucket operations (s3_bucket_ops.cc).
  Result<Response> ListBuckets(const Context& ctx);
  Result<Response> CreateBucket(const Context& ctx);
  Result<Response> HeadBucket(const Context& ctx);
  Result<Response> DeleteBucket(const Context& ctx);
  Result<Response> GetBucketLocation(const Context& ctx);
  Result<Response> PutBucketVersioning(const Context& ctx);
  Result<Response> GetBucketVersioning(const Context& ctx);
  Result<Response> DeleteObjects(const Context& ctx);

  // Listings (s3_listing.cc).
  Result<Response> ListObjects(const Context& ctx, bool v2);
  Result<Response> ListObjectVersions(const Context& ctx);

  // Object operations (s3_object_ops.cc).
  Result<Response> PutObject(const Context& ctx);
  Result<Response> CopyObject(const Context& ctx);
  Result<Response> GetObject(const Context& ctx, bool head);
  Result<Response> DeleteObject(const Context& ctx);

  // Multipart uploads (s3_multipart_ops.cc).
  Result<Response> CreateMultipartUpload(const Context& ctx);
  Result<Response> UploadPart(const Context& ctx);
  Result<Response> CompleteMultipartUpload(const Context& ctx);
  Result<Response> AbortMultipartUpload(const Context& ctx);

  const S3Options options_;
  const Clock& clock_;
  IdGenerator& ids_;
  std::unique_ptr<ObjectStore> store_;
  MultipartUploads uploads_;
};

}  // namespace ferry::sandbox::s3
