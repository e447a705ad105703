// Gzip request bodies (inflate limits, malformed streams), SigV4 chunk-signature chains of
// streaming uploads (the AWS documentation's example), and outcome faults.
#include "sandbox/content_encoding.h"

#include <gtest/gtest.h>

#include "common/compression.h"
#include "common/crypto.h"
#include "sandbox/faults.h"
#include "sandbox/s3/aws_chunked.h"

namespace ferry::sandbox {
namespace {

std::string Gzipped(std::string_view data) {
  auto gzipped = Gzip(data);
  EXPECT_TRUE(gzipped.ok());
  return gzipped.ok() ? *gzipped : std::string();
}

TEST(ContentEncodingTest, RecognisesGzipInLists) {
  EXPECT_TRUE(HasGzipEncoding("gzip"));
  EXPECT_TRUE(HasGzipEncoding("aws-chunked, GZIP"));
  EXPECT_TRUE(HasGzipEncoding("x-gzip"));
  EXPECT_FALSE(HasGzipEncoding("br"));
  EXPECT_FALSE(HasGzipEncoding("gzipped"));
  EXPECT_EQ(WithoutGzip("aws-chunked, gzip"), "aws-chunked");
  EXPECT_EQ(WithoutGzip("gzip"), "");
}

TEST(ContentEncodingTest, InflatesSingleAndConcatenatedMembers) {
  EXPECT_EQ(*InflateGzip(Gzipped("hello"), 100), "hello");
  EXPECT_EQ(*InflateGzip(Gzipped("ab") + Gzipped("cd"), 100), "abcd");
  std::string big(1 << 20, 'z');
  EXPECT_EQ(*InflateGzip(Gzipped(big), big.size()), big);
}

TEST(ContentEncodingTest, StopsAZipBombAtTheLimit) {
  std::string bomb = Gzipped(std::string(64u << 20, '\0'));  // 64 MiB of zeros, ~64 KiB
  ASSERT_LT(bomb.size(), 256u * 1024u);
  auto inflated = InflateGzip(bomb, 1u << 20);
  ASSERT_FALSE(inflated.ok());
  EXPECT_EQ(inflated.error().code, ErrorCode::kPayloadTooLarge);
  // The limit applies to the sum of concatenated members too.
  auto two = InflateGzip(Gzipped(std::string(600, 'a')) + Gzipped(std::string(600, 'b')), 1000);
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.error().code, ErrorCode::kPayloadTooLarge);
}

TEST(ContentEncodingTest, RejectsMalformedStreams) {
  std::string good = Gzipped("some metric data");
  for (const std::string& bad :
       {std::string(), std::string("not gzip at all"), good.substr(0, good.size() / 2),
        good.substr(0, good.size() - 1), good + "trailing", std::string("\x1f\x8b", 2)}) {
    auto inflated = InflateGzip(bad, 1000);
    ASSERT_FALSE(inflated.ok()) << bad.size();
    EXPECT_EQ(inflated.error().code, ErrorCode::kInvalidArgument);
  }
  std::string corrupt = good;
  corrupt[corrupt.size() - 6] ^= 0x55;  // CRC32
  EXPECT_FALSE(InflateGzip(corrupt, 1000).ok());
}

// The example of the S3 documentation "Signature Calculations for the Authorization Header:
// Transferring Payload in Multiple Chunks": 66560 bytes of 'a' in chunks of 65536 and 1024.
class ChunkSignatureTest : public ::testing::Test {
 protected:
  static std::string Key() {
    std::string key = HmacSha256("AWS4wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524");
    key = HmacSha256(key, "us-east-1");
    key = HmacSha256(key, "s3");
    return HmacSha256(key, "aws4_request");
  }
  static std::string Body(const std::string& first_chunk_signature) {
    return "10000;chunk-signature=" + first_chunk_signature + "\r\n" + std::string(65536, 'a') +
           "\r\n400;chunk-signature="
           "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n" +
           std::string(1024, 'a') +
           "\r\n0;chunk-signature="
           "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n";
  }
  static constexpr const char* kSeed =
      "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
  static constexpr const char* kFirst =
      "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";
  static constexpr const char* kScope = "20130524/us-east-1/s3/aws4_request";
  static constexpr const char* kDate = "20130524T000000Z";
};

TEST_F(ChunkSignatureTest, AcceptsTheDocumentedChain) {
  auto payload = s3::DecodeAwsChunked(Body(kFirst));
  ASSERT_TRUE(payload.ok()) << payload.error().message;
  EXPECT_EQ(payload->chunk_sizes, (std::vector<size_t>{65536, 1024, 0}));
  EXPECT_TRUE(s3::VerifyChunkSignatures(*payload, Key(), kDate, kScope, kSeed, false));
}

TEST_F(ChunkSignatureTest, RejectsTamperedDataWrongSeedAndMissingSignatures) {
  std::string body = Body(kFirst);
  body[200] = 'b';  // one byte of the first chunk
  auto tampered = s3::DecodeAwsChunked(body);
  ASSERT_TRUE(tampered.ok());
  EXPECT_FALSE(s3::VerifyChunkSignatures(*tampered, Key(), kDate, kScope, kSeed, false));

  auto payload = s3::DecodeAwsChunked(Body(kFirst));
  ASSERT_TRUE(payload.ok());
  std::string other_seed(kSeed);
  other_seed[0] = '5';
  EXPECT_FALSE(s3::VerifyChunkSignatures(*payload, Key(), kDate, kScope, other_seed, false));
  EXPECT_FALSE(
      s3::VerifyChunkSignatures(*payload, Key(), "20130524T000001Z", kScope, kSeed, false));
  // The trailer variant needs a trailer signature.
  EXPECT_FALSE(s3::VerifyChunkSignatures(*payload, Key(), kDate, kScope, kSeed, true));

  auto unsigned_chunks = s3::DecodeAwsChunked("3\r\nabc\r\n0\r\n\r\n");
  ASSERT_TRUE(unsigned_chunks.ok());
  EXPECT_FALSE(s3::VerifyChunkSignatures(*unsigned_chunks, Key(), kDate, kScope, kSeed, false));
}

TEST(OutcomeFaultTest, ParsesAndValidatesStateFailed) {
  auto rule = ParseFaultRule("op=CreateFunction,outcome=state-failed,message=no IPs");
  ASSERT_TRUE(rule.ok()) << rule.error().message;
  EXPECT_EQ(rule->outcome, "state-failed");
  EXPECT_EQ(rule->message, "no IPs");
  auto shorthand = ParseFaultRule("UpdateFunctionConfiguration:state-failed");
  ASSERT_TRUE(shorthand.ok()) << shorthand.error().message;
  EXPECT_EQ(shorthand->operation, "UpdateFunctionConfiguration");
  EXPECT_FALSE(ParseFaultRule("op=Invoke,outcome=state-failed").ok());
  EXPECT_FALSE(ParseFaultRule("op=CreateFunction,outcome=explode").ok());
  EXPECT_FALSE(ParseFaultRule("op=CreateFunction,outcome=state-failed,code=X").ok());
  EXPECT_FALSE(ParseFaultRule("service=s3,op=CreateFunction,outcome=state-failed").ok());
  EXPECT_FALSE(ParseFaultRule("Invoke:state-failed").ok());

  FaultInjector faults(7);
  faults.Add(*rule);
  FaultDecision decision = faults.Decide("lambda", "CreateFunction");
  EXPECT_EQ(decision.outcome, "state-failed");
  EXPECT_EQ(decision.outcome_message, "no IPs");
  EXPECT_FALSE(decision.error.has_value());
  EXPECT_TRUE(faults.Decide("lambda", "UpdateFunctionCode").outcome.empty());
}

}  // namespace
}  // namespace ferry::sandbox
