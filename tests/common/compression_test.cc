// gzip over zlib: round trips, concatenated members, the size cap against gzip bombs, and hostile
// or broken input (which must give an error, never a crash or an unbounded allocation).
#include "common/compression.h"

#include <gtest/gtest.h>

#include <string>

namespace ferry {
namespace {

std::string Gzipped(std::string_view data) {
  auto gzipped = Gzip(data);
  EXPECT_TRUE(gzipped.ok()) << gzipped.error().message;
  return gzipped.ok() ? *gzipped : std::string();
}

TEST(CompressionTest, RoundTrips) {
  for (const std::string& data : {std::string(), std::string("hello"), std::string(1 << 20, 'z'),
                                  std::string("\0\x1f\x8b", 3)}) {
    const std::string gzipped = Gzipped(data);
    ASSERT_GE(gzipped.size(), 18u);  // header and trailer
    EXPECT_EQ(gzipped.substr(0, 2), "\x1f\x8b");
    auto inflated = Gunzip(gzipped, data.size());
    ASSERT_TRUE(inflated.ok()) << inflated.error().message;
    EXPECT_EQ(*inflated, data);
  }
}

TEST(CompressionTest, InflatesConcatenatedMembers) {
  EXPECT_EQ(*Gunzip(Gzipped("ab") + Gzipped("") + Gzipped("cd"), 100), "abcd");
}

TEST(CompressionTest, AGzipBombStopsAtTheCap) {
  const std::string bomb = Gzipped(std::string(64u << 20, '\0'));  // 64 MiB of zeros
  ASSERT_LT(bomb.size(), 256u * 1024u);
  auto inflated = Gunzip(bomb, 1u << 20);
  ASSERT_FALSE(inflated.ok());
  EXPECT_EQ(inflated.error().code, ErrorCode::kPayloadTooLarge);
  EXPECT_NE(inflated.error().message.find("1048576"), std::string::npos);
  // Exactly at the cap is fine; one byte over is not, also when spread over members.
  EXPECT_TRUE(Gunzip(Gzipped(std::string(1000, 'a')), 1000).ok());
  EXPECT_EQ(Gunzip(Gzipped(std::string(1001, 'a')), 1000).error().code,
            ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(
      Gunzip(Gzipped(std::string(600, 'a')) + Gzipped(std::string(600, 'b')), 1000).error().code,
      ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(Gunzip(Gzipped("x"), 0).error().code, ErrorCode::kPayloadTooLarge);
}

TEST(CompressionTest, MalformedInputIsAnError) {
  const std::string good = Gzipped("some data that is long enough to be compressed");
  std::string bad_crc = good;
  bad_crc[bad_crc.size() - 6] ^= 0x55;
  std::string bad_size = good;
  bad_size[bad_size.size() - 1] ^= 0x01;
  std::string bad_deflate = good;
  bad_deflate[12] ^= 0xff;
  for (const std::string& bad :
       {std::string(), std::string("not gzip at all"), std::string("\x1f\x8b", 2),
        good.substr(0, 10), good.substr(0, good.size() / 2), good.substr(0, good.size() - 1),
        good + "trailing", good + std::string(8, '\0'), bad_crc, bad_size, bad_deflate,
        std::string(100000, '\xff')}) {
    auto inflated = Gunzip(bad, 1 << 20);
    ASSERT_FALSE(inflated.ok()) << bad.size();
    EXPECT_EQ(inflated.error().code, ErrorCode::kInvalidArgument) << bad.size();
  }
}

}  // namespace
}  // namespace ferry
