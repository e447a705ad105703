// Multipart uploads in progress for the S3 sandbox (CreateMultipartUpload, UploadPart,
// CompleteMultipartUpload, AbortMultipartUpload), as `aws s3 cp` uses for files past its 8 MiB
// threshold. Parts are held in memory until completion (an upload in progress does not survive a
// restart: the client gets NoSuchUpload and starts over, as after an S3 lifecycle abort).
//
// Errors are S3 errors: NoSuchUpload, InvalidPart, InvalidPartOrder, EntityTooSmall,
// EntityTooLarge. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "sandbox/s3/object_store.h"

namespace ferry::sandbox::s3 {

struct UploadTarget {
  std::string account;
  std::string bucket;
  std::string key;
  auto operator<=>(const UploadTarget&) const = default;
};

struct AssembledObject {
  ObjectVersion meta;  // with the multipart ETag ("<md5 of part md5s>-<count>")
  std::string bytes;
};

class MultipartUploads {
 public:
  // max_object_size bounds each upload's total; max_held_bytes bounds all uploads together.
  MultipartUploads(uint64_t max_object_size, uint64_t max_held_bytes)
      : max_object_size_(max_object_size), max_held_bytes_(max_held_bytes) {}

  void Begin(const std::string& upload_id, const UploadTarget& target, ObjectVersion meta);
  // Returns the part's quoted ETag; a part uploaded again replaces the previous one.
  Result<std::string> PutPart(const UploadTarget& target, const std::string& upload_id,
                              int64_t part_number, std::string bytes);
  // Checks the client's part list (ascending, existing, matching ETags, all but the last at
  // least min_part_size) and removes the upload, returning the object to store.
  Result<AssembledObject> Complete(const UploadTarget& target, const std::string& upload_id,
                                   const std::vector<std::pair<int64_t, std::string>>& parts,
                                   uint64_t min_part_size);
  Status Abort(const UploadTarget& target, const std::string& upload_id);

 private:
  struct Upload {
    UploadTarget target;
    ObjectVersion meta;
    std::map<int64_t, std::pair<std::string, std::string>> parts;  // number -> (etag, bytes)
  };

  const uint64_t max_object_size_;
  const uint64_t max_held_bytes_;
  std::mutex mu_;
  std::map<std::string, Upload> uploads_;  // Guarded by mu_.
  uint64_t held_bytes_ = 0;                // Guarded by mu_.
};

}  // namespace ferry::sandbox::s3
