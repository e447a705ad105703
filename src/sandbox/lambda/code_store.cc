#include "sandbox/lambda/code_store.h"

#include "common/crypto.h"
#include "common/zip_archive.h"
#include "sandbox/snapshot.h"

namespace ferry::sandbox::lambda {

Status ValidateZip(const std::string& bytes) {
  static const std::string kUnzipError =
      "Could not unzip uploaded file. Please check your file, then try to upload again.";
  if (bytes.size() < 22) return InvalidArgument(kUnzipError);  // smaller than an end record
  auto archive = ZipReader::Open(bytes, {.check_consistency = true});
  if (!archive.ok()) return InvalidArgument(kUnzipError);
  uint64_t total = 0;  // as the archive claims: Lambda checks the claim before unzipping
  const size_t entries = (*archive)->EntryCount();
  for (size_t i = 0; i < entries; ++i) {
    auto entry = (*archive)->Entry(i);
    if (!entry.ok()) return InvalidArgument(kUnzipError);
    total += entry->claimed_size;
  }
  if (entries == 0) return InvalidArgument("Uploaded file must be a non-empty zip");
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
