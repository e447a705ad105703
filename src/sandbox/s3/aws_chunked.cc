#include "sandbox/s3/aws_chunked.h"

#include "common/crypto.h"
#include "common/strings.h"

namespace ferry::sandbox::s3 {
namespace {

constexpr size_t kMaxHexDigits = 15;  // sizes past 2^60 are not chunks, they are attacks
constexpr size_t kMaxTrailers = 16;

// Returns the line that starts at pos (without CRLF) and advances pos past the CRLF.
Result<std::string_view> ReadLine(std::string_view body, size_t& pos) {
  size_t end = body.find("\r\n", pos);
  if (end == std::string_view::npos) {
    return InvalidArgument("aws-chunked body: line at offset " + std::to_string(pos) +
                           " is not terminated by CRLF");
  }
  std::string_view line = body.substr(pos, end - pos);
  pos = end + 2;
  return line;
}

Result<size_t> ParseChunkSize(std::string_view hex) {
  if (hex.empty() || hex.size() > kMaxHexDigits) {
    return InvalidArgument("aws-chunked body: invalid chunk size " + QuoteForMessage(hex));
  }
  size_t size = 0;
  for (char c : hex) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return InvalidArgument("aws-chunked body: invalid chunk size " + QuoteForMessage(hex));
    }
    size = size * 16 + static_cast<size_t>(digit);
  }
  return size;
}

}  // namespace

bool IsStreamingPayload(std::string_view content_sha256) {
  return content_sha256.starts_with("STREAMING-");
}

Result<ChunkedPayload> DecodeAwsChunked(std::string_view body) {
  ChunkedPayload out;
  size_t pos = 0;
  while (true) {
    FERRY_ASSIGN_OR_RETURN(std::string_view header, ReadLine(body, pos));
    std::string_view size_text = header;
    size_t semi = header.find(';');
    if (semi != std::string_view::npos) {
      size_text = header.substr(0, semi);
      std::string_view extension = header.substr(semi + 1);
      constexpr std::string_view kSig = "chunk-signature=";
      if (!extension.starts_with(kSig)) {
        return InvalidArgument("aws-chunked body: unknown chunk extension " +
                               QuoteForMessage(extension));
      }
      out.chunk_signatures.emplace_back(extension.substr(kSig.size()));
    }
    FERRY_ASSIGN_OR_RETURN(size_t size, ParseChunkSize(Trim(size_text)));
    out.chunk_sizes.push_back(size);
    if (size == 0) break;
    if (size > body.size() - pos || body.size() - pos - size < 2 ||
        body.substr(pos + size, 2) != "\r\n") {
      return InvalidArgument("aws-chunked body: chunk of " + std::to_string(size) +
                             " bytes at offset " + std::to_string(pos) +
                             " runs past the end of the body or lacks its CRLF");
    }
    out.data.append(body.substr(pos, size));
    pos += size + 2;
  }
  // Trailers, then an empty line; a missing final CRLF at the very end is tolerated.
  while (pos < body.size()) {
    FERRY_ASSIGN_OR_RETURN(std::string_view line, ReadLine(body, pos));
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || out.trailers.size() >= kMaxTrailers) {
      return InvalidArgument("aws-chunked body: malformed trailer " + QuoteForMessage(line));
    }
    out.trailers[ToLower(Trim(line.substr(0, colon)))] = std::string(Trim(line.substr(colon + 1)));
  }
  if (pos != body.size()) {
    return InvalidArgument("aws-chunked body: " + std::to_string(body.size() - pos) +
                           " unexpected bytes after the final chunk");
  }
  return out;
}

bool VerifyChunkSignatures(const ChunkedPayload& payload, std::string_view signing_key,
                           std::string_view amz_date, std::string_view scope,
                           std::string_view seed_signature, bool with_trailer) {
  if (payload.chunk_signatures.size() != payload.chunk_sizes.size()) return false;
  static const std::string kEmptyHash = Sha256Hex("");
  std::string previous(seed_signature);
  size_t offset = 0;
  for (size_t i = 0; i < payload.chunk_sizes.size(); ++i) {
    std::string_view chunk = std::string_view(payload.data).substr(offset, payload.chunk_sizes[i]);
    offset += payload.chunk_sizes[i];
    std::string to_sign = "AWS4-HMAC-SHA256-PAYLOAD\n" + std::string(amz_date) + "\n" +
                          std::string(scope) + "\n" + previous + "\n" + kEmptyHash + "\n" +
                          Sha256Hex(chunk);
    std::string expected = HexEncode(HmacSha256(signing_key, to_sign));
    if (!ConstantTimeEquals(expected, payload.chunk_signatures[i])) return false;
    previous = std::move(expected);
  }
  if (!with_trailer) return true;
  auto signature = payload.trailers.find("x-amz-trailer-signature");
  if (signature == payload.trailers.end()) return false;
  std::string lines;
  for (const auto& [name, value] : payload.trailers) {
    if (name != "x-amz-trailer-signature") lines += name + ":" + value + "\n";
  }
  std::string to_sign = "AWS4-HMAC-SHA256-TRAILER\n" + std::string(amz_date) + "\n" +
                        std::string(scope) + "\n" + previous + "\n" + Sha256Hex(lines);
  return ConstantTimeEquals(HexEncode(HmacSha256(signing_key, to_sign)), signature->second);
}

}  // namespace ferry::sandbox::s3
