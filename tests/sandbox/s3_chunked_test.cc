#include <gtest/gtest.h>

#include "common/crypto.h"
#include "sandbox/s3/aws_chunked.h"
#include "sandbox/s3/checksums.h"

namespace ferry::sandbox::s3 {
namespace {

std::string B64OfHex(const std::string& hex) {
  std::string raw;
  for (size_t i = 0; i < hex.size(); i += 2) {
    raw += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return Base64Encode(raw);
}

TEST(ChecksumsTest, KnownVectors) {
  EXPECT_EQ(ComputeChecksum(ChecksumAlgorithm::kCrc32, "123456789"), B64OfHex("cbf43926"));
  EXPECT_EQ(ComputeChecksum(ChecksumAlgorithm::kCrc32c, "123456789"), B64OfHex("e3069283"));
  EXPECT_EQ(ComputeChecksum(ChecksumAlgorithm::kCrc64Nvme, "123456789"),
            B64OfHex("ae8b14860a799888"));
  EXPECT_EQ(ComputeChecksum(ChecksumAlgorithm::kSha1, "abc"),
            B64OfHex("a9993e364706816aba3e25717850c26c9cd0d89d"));
  EXPECT_EQ(ComputeChecksum(ChecksumAlgorithm::kCrc32, ""), "AAAAAA==");
  EXPECT_EQ(HexEncode(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(ParseChecksumAlgorithm("crc64nvme"), ChecksumAlgorithm::kCrc64Nvme);
  EXPECT_FALSE(ParseChecksumAlgorithm("md5").has_value());
  EXPECT_EQ(ChecksumHeaderName(ChecksumAlgorithm::kCrc32c), "x-amz-checksum-crc32c");
}

TEST(AwsChunkedTest, DecodesSignedChunks) {
  std::string body = "5;chunk-signature=" + std::string(64, 'a') + "\r\nhello\r\n" +
                     "6;chunk-signature=" + std::string(64, 'b') + "\r\n world\r\n" +
                     "0;chunk-signature=" + std::string(64, 'c') + "\r\n\r\n";
  auto decoded = DecodeAwsChunked(body);
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  EXPECT_EQ(decoded->data, "hello world");
  EXPECT_EQ(decoded->chunk_signatures.size(), 3u);
  EXPECT_TRUE(decoded->trailers.empty());
}

TEST(AwsChunkedTest, DecodesUnsignedChunksWithTrailer) {
  std::string body = "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
  auto decoded = DecodeAwsChunked(body);
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  EXPECT_EQ(decoded->data, "hello world");
  EXPECT_EQ(decoded->trailers.at("x-amz-checksum-crc32"), "DUoRhQ==");
}

TEST(AwsChunkedTest, RejectsMalformedFraming) {
  for (const std::string& body : {
           std::string("5\r\nhel"),                         // chunk past the end
           std::string("zz\r\nhello\r\n0\r\n\r\n"),         // not hex
           std::string("5\r\nhelloXX0\r\n\r\n"),            // missing CRLF after data
           std::string("ffffffffffffffffff\r\n"),           // absurd size
           std::string("5;foo=bar\r\nhello\r\n0\r\n\r\n"),  // unknown extension
           std::string("0\r\nnot a trailer\r\n\r\n"),       // trailer without colon
           std::string("0\r\n\r\ngarbage"),                 // bytes after the end
           std::string("5\r\nhello\r\n"),                   // no final chunk
       }) {
    EXPECT_FALSE(DecodeAwsChunked(body).ok()) << body;
  }
  EXPECT_TRUE(IsStreamingPayload("STREAMING-UNSIGNED-PAYLOAD-TRAILER"));
  EXPECT_FALSE(IsStreamingPayload("UNSIGNED-PAYLOAD"));
}

}  // namespace
}  // namespace ferry::sandbox::s3
