// The flexible checksums the newer SDKs send as x-amz-checksum-* headers or aws-chunked trailers
// (CRC32, CRC32C, CRC64NVME, SHA1, SHA256). MD5 (ETag, Content-MD5) and the SHA digests come from
// common/crypto.h. Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ferry::sandbox::s3 {

enum class ChecksumAlgorithm { kCrc32, kCrc32c, kCrc64Nvme, kSha1, kSha256 };

// "CRC32" for kCrc32, as in x-amz-checksum-algorithm and the XML ChecksumAlgorithm element.
std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm);
// The header that carries it: "x-amz-checksum-crc32".
std::string ChecksumHeaderName(ChecksumAlgorithm algorithm);
// Accepts the names case-insensitively ("crc32", "CRC64NVME"); nullopt otherwise.
std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name);

// The checksum as S3 transmits it: base64 of the big-endian digest.
std::string ComputeChecksum(ChecksumAlgorithm algorithm, std::string_view data);

}  // namespace ferry::sandbox::s3
