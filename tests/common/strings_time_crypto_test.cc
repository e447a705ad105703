#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "common/crypto.h"
#include "common/json.h"
#include "common/strings.h"
#include "common/time.h"

namespace ferry {
namespace {

using namespace std::chrono_literals;

TEST(StringsTest, SplitJoinTrim) {
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(Join({"a", "b"}, "/"), "a/b");
  EXPECT_EQ(Trim("  x y \n"), "x y");
  EXPECT_EQ(StrCat({"a", "b", "c"}), "abc");
}

TEST(StringsTest, StrictNumbers) {
  EXPECT_EQ(ParseInt("42"), 42);
  EXPECT_FALSE(ParseInt("42x"));
  EXPECT_FALSE(ParseInt(""));
  EXPECT_FALSE(ParseInt("99999999999999999999999"));
  EXPECT_EQ(ParseDouble("0.5"), 0.5);
}

TEST(StringsTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x9a\x80"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));      // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));      // truncated
}

TEST(StringsTest, DidYouMean) {
  std::vector<std::string> fields = {"runtime", "handler", "memorySize", "timeout"};
  EXPECT_EQ(ClosestMatch("runtme", fields), "runtime");
  EXPECT_EQ(ClosestMatch("memorysize", fields), "memorySize");
  EXPECT_FALSE(ClosestMatch("zzzzzz", fields));
  EXPECT_EQ(ClosestMatch("duration", {"roleArn", "durationSeconds"}), "durationSeconds");
  EXPECT_FALSE(ClosestMatch("dur", {"durationSeconds"})) << "too short to be a shortened name";
  EXPECT_FALSE(ClosestMatch("memory", {"memorySize", "memoryLimit"})) << "ambiguous";
}

TEST(StringsTest, EscapeXml) {
  EXPECT_EQ(EscapeXml("a<b>&\"c\"\r"), "a&lt;b&gt;&amp;&quot;c&quot;&#13;");
  EXPECT_EQ(EscapeXml("plain"), "plain");
  EXPECT_EQ(EscapeXml("tab\tline\nü€😀"), "tab\tline\nü€😀");
}

// Found by fuzz/sandbox_query: a query parameter with bytes 0xFF and 0x05 came back in the
// sandbox's XML error message, and the answer did not parse.
TEST(StringsTest, EscapeXmlReplacesWhatXmlCannotHold) {
  const std::string kReplacement = "\xEF\xBF\xBD";
  EXPECT_EQ(EscapeXml(std::string("a\xFF") + "b"), "a" + kReplacement + "b");
  EXPECT_EQ(EscapeXml(std::string("a\x05\x00", 3) + "b"), "a" + kReplacement + kReplacement + "b");
  EXPECT_EQ(EscapeXml("\xC3"), kReplacement);                     // truncated sequence
  EXPECT_EQ(EscapeXml("\xC0\xAF"), kReplacement + kReplacement);  // overlong '/'
  EXPECT_EQ(EscapeXml("\xED\xA0\x80"), kReplacement + kReplacement + kReplacement);  // surrogate
  EXPECT_EQ(EscapeXml("\xEF\xBF\xBF"), kReplacement);                                // U+FFFF
}

TEST(StringsTest, QuoteForMessageEscapesControlAndTruncates) {
  EXPECT_EQ(QuoteForMessage("a\nb"), "\"a\\x0ab\"");
  EXPECT_EQ(QuoteForMessage(std::string(100, 'x'), 3), "\"xxx...\"");
}

TEST(TimeTest, Rfc3339RoundTrip) {
  TimePoint t = FromUnixMillis(1'795'000'000'123);
  std::string s = FormatRfc3339(t);
  EXPECT_EQ(s, "2026-11-18T11:06:40.123Z");
  EXPECT_EQ(ParseRfc3339(s), t);
  EXPECT_EQ(ParseRfc3339("2026-11-18T13:06:40.123+02:00"), t);
  EXPECT_FALSE(ParseRfc3339("2026-13-18T08:26:40Z"));
  EXPECT_FALSE(ParseRfc3339("yesterday"));
  // Found by fuzz/sandbox_query (a CloudWatch StartTime): years a TimePoint cannot hold
  // overflowed (UBSan: signed integer overflow) instead of being refused.
  EXPECT_FALSE(ParseRfc3339("1556-01-15T08:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("9999-12-31T23:59:59Z"));
  EXPECT_FALSE(ParseRfc3339("0000-01-01T00:00:00Z"));
  EXPECT_TRUE(ParseRfc3339("1700-01-01T00:00:00Z"));
  EXPECT_TRUE(ParseRfc3339("2262-01-01T00:00:00Z"));
}

TEST(TimeTest, Durations) {
  EXPECT_EQ(ParseDuration("30s"), Duration(30'000));
  EXPECT_EQ(ParseDuration("5m"), Duration(300'000));
  EXPECT_FALSE(ParseDuration("5 minutes"));
  EXPECT_FALSE(ParseDuration("-1s"));
  EXPECT_EQ(FormatDuration(1500ms), "1.5s");
  EXPECT_EQ(FormatDuration(123s), "2m03s");
}

TEST(CryptoTest, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexEncode(HmacSha256("key", "The quick brown fox jumps over the lazy dog")),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
  EXPECT_EQ(*Base64Decode("aGVsbG8="), "hello");
  EXPECT_FALSE(Base64Decode("aGVsbG8").ok());
  EXPECT_FALSE(Base64Decode("aGV*bG8=").ok());
  EXPECT_EQ(HexEncode(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(HexEncode(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

// Each thread re-keys one HMAC context: a key never leaks into the next call, an empty key after
// a non-empty one is really empty, and threads do not share state.
TEST(CryptoTest, HmacReKeysItsContextOnEveryCall) {
  const std::string fox = "The quick brown fox jumps over the lazy dog";
  const std::string expected_fox =
      "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8";
  const std::string expected_empty =
      "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad";
  // RFC 4231 test case 6: a key longer than the block size is hashed first.
  const std::string long_key(131, '\xaa');
  const std::string expected_long =
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";
  auto check = [&] {
    EXPECT_EQ(HexEncode(HmacSha256("key", fox)), expected_fox);
    EXPECT_EQ(HexEncode(HmacSha256("", "")), expected_empty);
    EXPECT_EQ(
        HexEncode(HmacSha256(long_key, "Test Using Larger Than Block-Size Key - Hash Key First")),
        expected_long);
    EXPECT_EQ(HexEncode(HmacSha256("key", fox)), expected_fox);
  };
  check();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) check();
    });
  }
  for (auto& t : threads) t.join();
}

TEST(CryptoTest, SecureRandomBytes) {
  EXPECT_EQ(SecureRandomBytes(0), "");
  const std::string a = SecureRandomBytes(32), b = SecureRandomBytes(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
}

TEST(CryptoTest, AesGcmRoundTripAndTamper) {
  std::string key(32, 'k');
  std::string nonce(12, 'n');
  auto sealed = AesGcmEncrypt(key, "secret value", nonce);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(*AesGcmDecrypt(key, *sealed), "secret value");
  std::string tampered = *sealed;
  tampered[14] ^= 1;
  EXPECT_EQ(AesGcmDecrypt(key, tampered).error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(AesGcmDecrypt(std::string(32, 'x'), *sealed).ok());
}

TEST(JsonTest, MalformedGivesPosition) {
  auto r = ParseJson("{\n  \"a\": tru\n}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().details.at("line"), "2");
}

// Found by fuzz/api_json: a number past double's range threw nlohmann's out_of_range out of
// ParseJson (std::terminate in a caller that did not expect an exception).
TEST(JsonTest, NumbersOutOfRangeAreErrorsNotExceptions) {
  for (bool strict : {false, true}) {
    JsonLimits limits;
    limits.reject_duplicate_keys = strict;
    for (const char* text : {"59999999999E19999", "{\"a\": -1E400}", "[1e999999]"}) {
      auto parsed = ParseJson(text, limits);
      ASSERT_FALSE(parsed.ok()) << text;
      EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument) << text;
    }
  }
}

TEST(JsonTest, HostileInput) {
  EXPECT_EQ(ParseJson(std::string(100, '[')).error().code, ErrorCode::kInvalidArgument);
  JsonLimits small{.max_bytes = 10};
  EXPECT_EQ(ParseJson("[1,2,3,4,5,6,7,8]", small).error().code, ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(DumpJson(Json("\xff")), "\"\xEF\xBF\xBD\"");
}

TEST(JsonTest, TypedGetters) {
  Json obj = *ParseJson(R"({"name":"x","n":3,"flag":true,"bad":"3"})");
  EXPECT_EQ(*RequiredString(obj, "name"), "x");
  EXPECT_EQ(**OptionalInt(obj, "n"), 3);
  EXPECT_FALSE(OptionalInt(obj, "bad").ok());
  EXPECT_FALSE(RequiredString(obj, "missing").ok());
  EXPECT_TRUE(**OptionalBool(obj, "flag"));
}

}  // namespace
}  // namespace ferry
