#include "sandbox/lambda/code_store.h"

#include <zip.h>

#include "common/crypto.h"
#include "sandbox/snapshot.h"

namespace ferry::sandbox::lambda {

Status ValidateZip(const std::string& bytes) {
  static const std::string kUnzipError =
      "Could not unzip uploaded file. Please check your file, then try to upload again.";
  if (bytes.size() < 22) return InvalidArgument(kUnzipError);  // smaller than an end record
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (source == nullptr) {
    zip_error_fini(&error);
    return InvalidArgument(kUnzipError);
  }
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  zip_error_fini(&error);
  if (archive == nullptr) {
    zip_source_free(source);
    return InvalidArgument(kUnzipError);
  }
  uint64_t total = 0;
  zip_int64_t entries = zip_get_num_entries(archive, 0);
  for (zip_int64_t i = 0; i < entries; ++i) {
    zip_stat_t st;
    if (zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &st) != 0) {
      zip_close(archive);
      return InvalidArgument(kUnzipError);
    }
    if ((st.valid & ZIP_STAT_SIZE) != 0) total += st.size;
  }
  zip_discard(archive);
  if (entries <= 0) return InvalidArgument("Uploaded file must be a non-empty zip");
  if (total > kMaxUnzippedBytes) {
    return InvalidArgument("Unzipped size must be smaller than " +
                           std::to_string(kMaxUnzippedBytes) + " bytes");
  }
  return Ok();
}

Result<std::string> CodeStore::Put(std::string bytes) {
  std::string hex = Sha256Hex(bytes);
  {
    std::lock_guard lock(mu_);
    if (blobs_.count(hex) != 0) return hex;
  }
  if (dir_) FERRY_RETURN_IF_ERROR(WriteFileAtomically(*dir_ / (hex + ".zip"), bytes));
  std::lock_guard lock(mu_);
  blobs_.emplace(hex, std::make_shared<const std::string>(std::move(bytes)));
  return hex;
}

Result<std::shared_ptr<const std::string>> CodeStore::Get(const std::string& sha_hex) {
  {
    std::lock_guard lock(mu_);
    auto it = blobs_.find(sha_hex);
    if (it != blobs_.end()) return it->second;
  }
  if (!dir_ || sha_hex.size() != 64 ||
      sha_hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return NotFound("code " + sha_hex + " is not stored");
  }
  FERRY_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(*dir_ / (sha_hex + ".zip")));
  if (Sha256Hex(bytes) != sha_hex) {
    return Internal("stored code " + sha_hex + " is corrupt (its hash does not match)");
  }
  auto blob = std::make_shared<const std::string>(std::move(bytes));
  std::lock_guard lock(mu_);
  blobs_.emplace(sha_hex, blob);
  return blob;
}

}  // namespace ferry::sandbox::lambda
