#include "sandbox/s3/multipart_uploads.h"

#include "common/crypto.h"
#include "sandbox/s3/checksums.h"
#include "sandbox/s3/s3_error.h"

namespace ferry::sandbox::s3 {
namespace {

Error NoSuchUpload(const std::string& upload_id) {
  return WithField(S3Error(404, "NoSuchUpload",
                           "The specified upload does not exist. The upload ID may be invalid, "
                           "or the upload may have been aborted or completed."),
                   "UploadId", upload_id);
}

Error InvalidPart(int64_t number) {
  return WithField(S3Error(400, "InvalidPart",
                           "One or more of the specified parts could not be found. The part may "
                           "not have been uploaded, or the specified entity tag may not match "
                           "the part's entity tag."),
                   "PartNumber", std::to_string(number));
}

std::string Unquoted(const std::string& etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

}  // namespace

void MultipartUploads::Begin(const std::string& upload_id, const UploadTarget& target,
                             ObjectVersion meta) {
  std::lock_guard lock(mu_);
  uploads_[upload_id] = Upload{target, std::move(meta), {}};
}

Result<std::string> MultipartUploads::PutPart(const UploadTarget& target,
                                              const std::string& upload_id, int64_t part_number,
                                              std::string bytes) {
  if (part_number < 1 || part_number > 10000) {
    return InvalidArgumentError("Part number must be an integer between 1 and 10000, inclusive",
                                "partNumber", std::to_string(part_number));
  }
  std::string etag = "\"" + HexEncode(Md5(bytes)) + "\"";
  std::lock_guard lock(mu_);
  auto it = uploads_.find(upload_id);
  if (it == uploads_.end() || it->second.target != target) return NoSuchUpload(upload_id);
  uint64_t upload_total = bytes.size();
  for (const auto& [n, part] : it->second.parts) {
    if (n != part_number) upload_total += part.second.size();
  }
  auto existing = it->second.parts.find(part_number);
  uint64_t replaced = existing == it->second.parts.end() ? 0 : existing->second.second.size();
  if (upload_total > max_object_size_ || held_bytes_ - replaced + bytes.size() > max_held_bytes_) {
    return WithField(
        S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"),
        "MaxSizeAllowed", std::to_string(max_object_size_));
  }
  held_bytes_ = held_bytes_ - replaced + bytes.size();
  it->second.parts[part_number] = {etag, std::move(bytes)};
  return etag;
}

Result<AssembledObject> MultipartUploads::Complete(
    const UploadTarget& target, const std::string& upload_id,
    const std::vector<std::pair<int64_t, std::string>>& parts, uint64_t min_part_size) {
  std::lock_guard lock(mu_);
  auto it = uploads_.find(upload_id);
  if (it == uploads_.end() || it->second.target != target) return NoSuchUpload(upload_id);
  Upload& upload = it->second;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].first <= parts[i - 1].first) {
      return S3Error(400, "InvalidPartOrder",
                     "The list of parts was not in ascending order. Parts must be ordered by "
                     "part number.");
    }
  }
  std::string md5s;
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto& [number, etag] = parts[i];
    auto part = upload.parts.find(number);
    if (part == upload.parts.end() || Unquoted(part->second.first) != Unquoted(etag)) {
      return InvalidPart(number);
    }
    if (i + 1 < parts.size() && part->second.second.size() < min_part_size) {
      Error error = S3Error(400, "EntityTooSmall",
                            "Your proposed upload is smaller than the minimum allowed object "
                            "size.");
      error =
          WithField(std::move(error), "ProposedSize", std::to_string(part->second.second.size()));
      return WithField(std::move(error), "MinSizeAllowed", std::to_string(min_part_size));
    }
    md5s += Md5(part->second.second);
  }
  AssembledObject out;
  out.meta = upload.meta;
  for (const auto& [number, etag] : parts) out.bytes += upload.parts[number].second;
  out.meta.etag = "\"" + HexEncode(Md5(md5s)) + "-" + std::to_string(parts.size()) + "\"";
  for (const auto& [n, part] : upload.parts) held_bytes_ -= part.second.size();
  uploads_.erase(it);
  return out;
}

Status MultipartUploads::Abort(const UploadTarget& target, const std::string& upload_id) {
  std::lock_guard lock(mu_);
  auto it = uploads_.find(upload_id);
  if (it == uploads_.end() || it->second.target != target) return NoSuchUpload(upload_id);
  for (const auto& [n, part] : it->second.parts) held_bytes_ -= part.second.size();
  uploads_.erase(it);
  return Ok();
}

}  // namespace ferry::sandbox::s3
