#include "sandbox/s3/checksums.h"

#include <array>
#include <cstdint>

#include "common/crypto.h"
#include "common/strings.h"

namespace ferry::sandbox::s3 {
namespace {

// Reflected CRC tables: CRC32 (ISO-HDLC, zlib), CRC32C (Castagnoli), CRC64-NVME.
template <typename T, T kPoly>
struct CrcTable {
  std::array<T, 256> entries{};
  constexpr CrcTable() {
    for (uint32_t i = 0; i < 256; ++i) {
      T crc = i;
      for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ kPoly : crc >> 1;
      entries[i] = crc;
    }
  }
};

template <typename T, T kPoly>
T ReflectedCrc(std::string_view data) {
  static constexpr CrcTable<T, kPoly> kTable;
  T crc = ~T{0};
  for (unsigned char c : data) crc = kTable.entries[(crc ^ c) & 0xff] ^ (crc >> 8);
  return ~crc;
}

template <typename T>
std::string BigEndian(T value) {
  std::string out(sizeof(T), '\0');
  for (size_t i = 0; i < sizeof(T); ++i) {
    out[sizeof(T) - 1 - i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

}  // namespace

std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      return "CRC32";
    case ChecksumAlgorithm::kCrc32c:
      return "CRC32C";
    case ChecksumAlgorithm::kCrc64Nvme:
      return "CRC64NVME";
    case ChecksumAlgorithm::kSha1:
      return "SHA1";
    case ChecksumAlgorithm::kSha256:
      return "SHA256";
  }
  return "";
}

std::string ChecksumHeaderName(ChecksumAlgorithm algorithm) {
  return "x-amz-checksum-" + ToLower(ChecksumAlgorithmName(algorithm));
}

std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name) {
  for (auto algorithm :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
        ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256}) {
    if (EqualsIgnoreCase(name, ChecksumAlgorithmName(algorithm))) return algorithm;
  }
  return std::nullopt;
}

std::string ComputeChecksum(ChecksumAlgorithm algorithm, std::string_view data) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      return Base64Encode(BigEndian(ReflectedCrc<uint32_t, 0xEDB88320u>(data)));
    case ChecksumAlgorithm::kCrc32c:
      return Base64Encode(BigEndian(ReflectedCrc<uint32_t, 0x82F63B78u>(data)));
    case ChecksumAlgorithm::kCrc64Nvme:
      return Base64Encode(BigEndian(ReflectedCrc<uint64_t, 0x9A6C9329AC4BC9B5ull>(data)));
    case ChecksumAlgorithm::kSha1:
      return Base64Encode(Sha1(data));
    case ChecksumAlgorithm::kSha256:
      return Base64Encode(Sha256(data));
  }
  return "";
}

}  // namespace ferry::sandbox::s3
