#include "sandbox/content_encoding.h"

#include "common/compression.h"
#include "common/strings.h"

namespace ferry::sandbox {
namespace {

bool IsGzipToken(std::string_view token) {
  return EqualsIgnoreCase(token, "gzip") || EqualsIgnoreCase(token, "x-gzip");
}

}  // namespace

bool HasGzipEncoding(std::string_view content_encoding) {
  for (const std::string& token : Split(content_encoding, ',')) {
    if (IsGzipToken(Trim(token))) return true;
  }
  return false;
}

std::string WithoutGzip(std::string_view content_encoding) {
  std::vector<std::string> kept;
  for (const std::string& token : Split(content_encoding, ',')) {
    std::string_view trimmed = Trim(token);
    if (!trimmed.empty() && !IsGzipToken(trimmed)) kept.emplace_back(trimmed);
  }
  return Join(kept, ",");
}

Result<std::string> InflateGzip(std::string_view compressed, size_t max_bytes) {
  if (compressed.empty()) return InvalidArgument("The gzip request body is empty");
  auto inflated = Gunzip(compressed, max_bytes);
  if (inflated.ok()) return inflated;
  switch (inflated.error().code) {
    case ErrorCode::kPayloadTooLarge:
      return Error{
          ErrorCode::kPayloadTooLarge,
          "The gzip request body inflates to more than " + std::to_string(max_bytes) + " bytes",
          {}};
    case ErrorCode::kInvalidArgument:
      return InvalidArgument("The gzip request body is malformed or truncated");
    default:
      return inflated.error();
  }
}

}  // namespace ferry::sandbox
