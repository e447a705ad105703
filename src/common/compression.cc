#include "common/compression.h"

#include <zlib.h>

#include <algorithm>
#include <climits>

namespace ferry {
namespace {

// zlib counts input in uInt; larger inputs are fed in pieces of this size.
constexpr size_t kMaxFeed = UINT_MAX;
constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip header and trailer

class InflateStream {
 public:
  InflateStream() { ok_ = inflateInit2(&zs_, kGzipWindowBits) == Z_OK; }
  ~InflateStream() {
    if (ok_) inflateEnd(&zs_);
  }
  InflateStream(const InflateStream&) = delete;
  InflateStream& operator=(const InflateStream&) = delete;
  bool ok() const { return ok_; }
  z_stream& z() { return zs_; }

 private:
  z_stream zs_{};
  bool ok_ = false;
};

class DeflateStream {
 public:
  DeflateStream() {
    ok_ = deflateInit2(&zs_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8,
                       Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~DeflateStream() {
    if (ok_) deflateEnd(&zs_);
  }
  DeflateStream(const DeflateStream&) = delete;
  DeflateStream& operator=(const DeflateStream&) = delete;
  bool ok() const { return ok_; }
  z_stream& z() { return zs_; }

 private:
  z_stream zs_{};
  bool ok_ = false;
};

// Gives zs the next piece of input when it has used up the last one; advances pos.
void Feed(z_stream& zs, std::string_view input, size_t& pos) {
  if (zs.avail_in != 0 || pos == input.size()) return;
  const size_t n = std::min(input.size() - pos, kMaxFeed);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data() + pos));
  zs.avail_in = static_cast<uInt>(n);
  pos += n;
}

Error Malformed() { return InvalidArgument("the gzip data is malformed or truncated"); }

}  // namespace

Result<std::string> Gunzip(std::string_view compressed, size_t max_bytes) {
  if (compressed.empty()) return InvalidArgument("the gzip data is empty");
  std::string out;
  size_t pos = 0;  // input handed to zlib so far
  char buffer[64 * 1024];
  do {
    InflateStream stream;
    if (!stream.ok()) return Internal("zlib could not start inflating");
    z_stream& zs = stream.z();
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
      Feed(zs, compressed, pos);
      zs.next_out = reinterpret_cast<Bytef*>(buffer);
      zs.avail_out = sizeof(buffer);
      rc = inflate(&zs, Z_NO_FLUSH);
      const size_t produced = sizeof(buffer) - zs.avail_out;
      if (produced > max_bytes - out.size()) {
        return Error{ErrorCode::kPayloadTooLarge,
                     "the gzip data inflates to more than " + std::to_string(max_bytes) + " bytes",
                     {}};
      }
      out.append(buffer, produced);
      // Z_BUF_ERROR means no progress: fine while input remains to be fed, truncation otherwise.
      const bool starved = rc == Z_BUF_ERROR && zs.avail_in == 0 && pos < compressed.size();
      if (rc != Z_OK && rc != Z_STREAM_END && !starved) return Malformed();
    }
    // Whatever this member left unread is the start of the next one.
    pos -= zs.avail_in;
  } while (pos < compressed.size());
  return out;
}

Result<std::string> Gzip(std::string_view data) {
  DeflateStream stream;
  if (!stream.ok()) return Internal("zlib could not start deflating");
  z_stream& zs = stream.z();
  std::string out;
  size_t pos = 0;
  char buffer[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    Feed(zs, data, pos);
    const int flush = pos == data.size() ? Z_FINISH : Z_NO_FLUSH;  // all input handed over
    zs.next_out = reinterpret_cast<Bytef*>(buffer);
    zs.avail_out = sizeof(buffer);
    rc = deflate(&zs, flush);
    if (rc == Z_STREAM_ERROR) return Internal("zlib failed while deflating");
    out.append(buffer, sizeof(buffer) - zs.avail_out);
  }
  return out;
}

}  // namespace ferry
