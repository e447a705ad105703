#include "sandbox/s3/s3_payload.h"

#include "common/crypto.h"
#include "common/strings.h"
#include "sandbox/s3/aws_chunked.h"
#include "sandbox/s3/checksums.h"
#include "sandbox/s3/s3_error.h"

namespace ferry::sandbox::s3 {
namespace {

constexpr size_t kMaxKeyBytes = 1024;
constexpr size_t kMaxMetadataBytes = 2048;
const char* const kStoredHeaders[] = {"cache-control", "content-disposition", "content-encoding",
                                      "content-language", "expires"};
constexpr ChecksumAlgorithm kAlgorithms[] = {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c,
                                             ChecksumAlgorithm::kCrc64Nvme,
                                             ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256};

// Strips "aws-chunked" from a Content-Encoding list: it describes the transfer, not the object.
std::string StoredContentEncoding(const std::string& header) {
  std::vector<std::string> kept;
  for (const auto& part : Split(header, ',')) {
    std::string trimmed(Trim(part));
    if (!trimmed.empty() && trimmed != "aws-chunked") kept.push_back(trimmed);
  }
  return Join(kept, ",");
}

}  // namespace

Status ValidateKey(const std::string& key) {
  if (key.size() > kMaxKeyBytes) {
    return WithField(WithField(S3Error(400, "KeyTooLongError", "Your key is too long"),
                               "MaxSizeAllowed", std::to_string(kMaxKeyBytes)),
                     "Size", std::to_string(key.size()));
  }
  if (!IsValidUtf8(key)) {
    return InvalidArgumentError("Object keys must be valid UTF-8", "key", "");
  }
  return Ok();
}

// The object bytes of a PutObject body: aws-chunked decoded, every digest the client sent checked.
// Fills the checksum the object is stored with.
Result<std::string> ReceivePayload(const Request& request, ObjectVersion& meta) {
  std::string content_sha256 = request.Header("x-amz-content-sha256");
  std::map<std::string, std::string> trailers;
  std::string bytes;
  bool chunked = IsStreamingPayload(content_sha256) ||
                 request.Header("content-encoding").find("aws-chunked") != std::string::npos;
  if (chunked) {
    auto decoded = DecodeAwsChunked(request.body);
    if (!decoded.ok()) return S3Error(400, "IncompleteBody", decoded.error().message);
    bytes = std::move(decoded->data);
    trailers = std::move(decoded->trailers);
    std::string declared = request.Header("x-amz-decoded-content-length");
    if (!declared.empty()) {
      auto length = ParseInt(declared);
      if (!length || static_cast<uint64_t>(*length) != bytes.size()) {
        return S3Error(400, "IncompleteBody",
                       "You did not provide the number of bytes specified by the "
                       "x-amz-decoded-content-length HTTP header");
      }
    }
    std::string trailer_decl = ToLower(request.Header("x-amz-trailer"));
    for (const auto& name : Split(trailer_decl, ',')) {
      std::string n(Trim(name));
      if (!n.empty() && !trailers.contains(n)) {
        return S3Error(400, "MalformedTrailerError",
                       "The request contained trailing data that was not well-formed or did not "
                       "conform to our published schema: missing trailer " +
                           n);
      }
    }
  } else {
    bytes = request.body;
    if (content_sha256.size() == 64 && content_sha256 != Sha256Hex(bytes)) {
      return S3Error(400, "XAmzContentSHA256Mismatch",
                     "The provided 'x-amz-content-sha256' header does not match what was "
                     "computed.");
    }
  }

  std::string md5 = request.Header("content-md5");
  if (!md5.empty()) {
    auto digest = Base64Decode(md5);
    if (!digest.ok() || digest->size() != 16) {
      return S3Error(400, "InvalidDigest", "The Content-MD5 you specified was invalid.");
    }
    if (*digest != Md5(bytes)) {
      return S3Error(400, "BadDigest",
                     "The Content-MD5 you specified did not match what we received.");
    }
  }
  for (auto algorithm : kAlgorithms) {
    std::string header = ChecksumHeaderName(algorithm);
    std::string value = request.Header(header);
    if (auto t = trailers.find(header); t != trailers.end()) value = t->second;
    if (value.empty()) continue;
    if (!meta.checksum_algorithm.empty()) {
      return S3Error(400, "InvalidRequest",
                     "Expecting a single x-amz-checksum- header. Multiple "
                     "checksum Types are not allowed.");
    }
    std::string computed = ComputeChecksum(algorithm, bytes);
    if (value != computed) {
      auto decoded = Base64Decode(value);
      if (!decoded.ok()) {
        return S3Error(400, "InvalidRequest", "Value for " + header + " header is invalid.");
      }
      return S3Error(400, "BadDigest",
                     "The " + std::string(ChecksumAlgorithmName(algorithm)) +
                         " you specified did not match the calculated "
                         "checksum.");
    }
    meta.checksum_algorithm = ChecksumAlgorithmName(algorithm);
    meta.checksum = computed;
  }
  std::string requested = request.Header("x-amz-sdk-checksum-algorithm");
  if (requested.empty()) requested = request.Header("x-amz-checksum-algorithm");
  if (meta.checksum_algorithm.empty() && !requested.empty()) {
    auto algorithm = ParseChecksumAlgorithm(requested);
    if (!algorithm) {
      return InvalidArgumentError("Checksum algorithm provided is unsupported.",
                                  "x-amz-checksum-algorithm", requested);
    }
    meta.checksum_algorithm = ChecksumAlgorithmName(*algorithm);
    meta.checksum = ComputeChecksum(*algorithm, bytes);
  }
  return bytes;
}

Status ReadMetadataHeaders(const Request& request, ObjectVersion& meta) {
  size_t metadata_bytes = 0;
  for (const auto& [name, value] : request.headers) {
    if (name.starts_with(kMetaPrefix)) {
      std::string key = name.substr(kMetaPrefix.size());
      metadata_bytes += key.size() + value.size();
      meta.metadata[key] = value;
    }
  }
  if (metadata_bytes > kMaxMetadataBytes) {
    return WithField(S3Error(400, "MetadataTooLarge",
                             "Your metadata headers exceed the maximum allowed metadata size."),
                     "MaxSizeAllowed", std::to_string(kMaxMetadataBytes));
  }
  meta.content_type = request.Header("content-type");
  if (meta.content_type.empty()) meta.content_type = "binary/octet-stream";
  for (const char* name : kStoredHeaders) {
    std::string value = request.Header(name);
    if (std::string_view(name) == "content-encoding") value = StoredContentEncoding(value);
    if (!value.empty()) meta.headers[name] = value;
  }
  return Ok();
}

bool EtagMatches(const std::string& condition, const std::string& etag) {
  for (const auto& part : Split(condition, ',')) {
    std::string candidate(Trim(part));
    if (candidate == "*" || candidate == etag || "\"" + candidate + "\"" == etag) return true;
  }
  return false;
}

}  // namespace ferry::sandbox::s3
