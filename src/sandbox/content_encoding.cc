#include "sandbox/content_encoding.h"

#include <zlib.h>

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
  std::string out;
  size_t pos = 0;
  // RFC 1952 allows several members one after the other; each is inflated in turn.
  do {
    z_stream zs{};
    if (inflateInit2(&zs, 15 + 16) != Z_OK) return Internal("zlib inflateInit2 failed");
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data() + pos));
    zs.avail_in = static_cast<uInt>(compressed.size() - pos);
    char buffer[64 * 1024];
    int rc = Z_OK;
    while (rc == Z_OK) {
      zs.next_out = reinterpret_cast<Bytef*>(buffer);
      zs.avail_out = sizeof(buffer);
      rc = inflate(&zs, Z_NO_FLUSH);
      size_t produced = sizeof(buffer) - zs.avail_out;
      if (out.size() + produced > max_bytes) {
        inflateEnd(&zs);
        Error error;
        error.code = ErrorCode::kPayloadTooLarge;
        error.message =
            "The gzip request body inflates to more than " + std::to_string(max_bytes) + " bytes";
        return error;
      }
      out.append(buffer, produced);
      if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // truncated input
    }
    size_t consumed = (compressed.size() - pos) - zs.avail_in;
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) {
      return InvalidArgument("The gzip request body is malformed or truncated");
    }
    pos += consumed;
  } while (pos < compressed.size());
  if (compressed.empty()) return InvalidArgument("The gzip request body is empty");
  return out;
}

}  // namespace ferry::sandbox
