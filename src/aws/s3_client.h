// S3Client: the S3 (rest-xml) operations Ferry uses to find and read artifacts: ListObjectsV2,
// ListObjectVersions, HeadObject, GetObject, PutObject.
//
// Addressing: virtual-hosted ("https://bucket.s3.region.amazonaws.com/key") by default;
// path-style ("endpoint/bucket/key") with S3Options::path_style, which endpoint overrides
// (ferry sandbox, s3rver, MinIO) need. Keys are percent-encoded once (S3 signing rules: no
// double encoding, '/' kept).
//
// Errors: as service_client.h; NoSuchKey / NoSuchBucket / a 404 HEAD → kNotFound, AccessDenied →
// kPermissionDenied, PreconditionFailed → kFailedPrecondition. Malformed or hostile XML gives
// kUnavailable ("malformed S3 response"), never a crash. GetObject refuses bodies over max_bytes
// (kPayloadTooLarge).
//
// Every operation is idempotent as sent (PutObject writes the same bytes under the same key), so
// all are retried per the standard mode. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "aws/service_client.h"

namespace ferry::aws {

struct S3Options {
  bool path_style = false;
};

// A ServiceConfig for S3 at `endpoint` ("https://s3.us-east-1.amazonaws.com") in `region`.
ServiceConfig S3ServiceConfig(std::string endpoint, std::string region);

struct S3Object {
  std::string key;
  int64_t size = 0;
  std::string etag;
  std::string last_modified;  // RFC 3339 as sent
  std::string storage_class;
};

struct ListObjectsRequest {
  std::string bucket;
  std::string prefix;
  std::string delimiter;
  std::string continuation_token;
  int max_keys = 0;  // 0: S3's default (1,000)
  std::string start_after;  // only keys after this one (S3 lists keys in UTF-8 byte order)
};

struct ListObjectsResult {
  std::vector<S3Object> objects;
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_continuation_token;
  std::string request_id;  // x-amz-request-id of the response
};

struct S3ObjectVersion {
  std::string key;
  std::string version_id;
  bool is_latest = false;
  bool is_delete_marker = false;
  int64_t size = 0;
  std::string etag;
  std::string last_modified;
};

struct ListObjectVersionsRequest {
  std::string bucket;
  std::string prefix;
  std::string key_marker;
  std::string version_id_marker;
  int max_keys = 0;
};

struct ListObjectVersionsResult {
  std::vector<S3ObjectVersion> versions;  // versions and delete markers, in S3's order
  bool is_truncated = false;
  std::string next_key_marker;
  std::string next_version_id_marker;
  std::string request_id;
};

struct S3ObjectHead {
  int64_t content_length = 0;
  std::string etag;
  std::string last_modified;  // HTTP date as sent
  std::string version_id;
  std::string content_type;
  std::map<std::string, std::string> metadata;  // x-amz-meta-*, names lower-cased
  std::string request_id;
};

struct S3GetResult {
  S3ObjectHead head;
  std::string body;
};

struct PutObjectRequest {
  std::string bucket;
  std::string key;
  std::string body;
  std::string content_type;
  std::map<std::string, std::string> metadata;
};

struct PutObjectResult {
  std::string etag;
  std::string version_id;
  std::string request_id;
};

class S3Client {
 public:
  S3Client(ServiceConfig config, ServiceDeps deps, S3Options options = {});

  Result<ListObjectsResult> ListObjectsV2(const ListObjectsRequest& request,
                                          std::stop_token stop = {});
  Result<ListObjectVersionsResult> ListObjectVersions(const ListObjectVersionsRequest& request,
                                                      std::stop_token stop = {});
  Result<S3ObjectHead> HeadObject(const std::string& bucket, const std::string& key,
                                  const std::string& version_id = "", std::stop_token stop = {});
  Result<S3GetResult> GetObject(const std::string& bucket, const std::string& key,
                                const std::string& version_id = "",
                                size_t max_bytes = 256u * 1024 * 1024, std::stop_token stop = {});
  Result<PutObjectResult> PutObject(const PutObjectRequest& request, std::stop_token stop = {});

 private:
  // The path (and host prefix for virtual-hosted style) of bucket/key plus an encoded query.
  Result<OperationCall> MakeCall(std::string operation, std::string method,
                                 const std::string& bucket, const std::string& key,
                                 const std::string& query) const;

  S3Options options_;
  ServiceClient service_;
};

}  // namespace ferry::aws
