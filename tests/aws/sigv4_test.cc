// SigV4 behaviour beyond the public suite: S3's rules (checked against the worked examples in
// the Amazon S3 API reference, "Authenticating Requests: Using the Authorization Header" and
// "Query String Authentication"), re-signing, host/port handling, and the server-side parser
// against malformed and hostile input.
#include "aws/sigv4.h"

#include <gtest/gtest.h>

#include "common/crypto.h"
#include "common/strings.h"
#include "common/time.h"

namespace ferry::aws {
namespace {

Credentials S3ExampleCreds() {
  return {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "", std::nullopt,
          "test"};
}

SigningParams S3Params() {
  SigningParams p;
  p.region = "us-east-1";
  p.service = "s3";
  p.time = ParseRfc3339("2013-05-24T00:00:00Z").value();
  p.s3_rules = true;
  return p;
}

std::string Header(const HttpRequest& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (EqualsIgnoreCase(n, name)) return v;
  }
  return "<absent>";
}

int CountHeader(const HttpRequest& r, std::string_view name) {
  int n = 0;
  for (const auto& h : r.headers) n += EqualsIgnoreCase(h.first, name) ? 1 : 0;
  return n;
}

TEST(SigV4S3Test, GetObjectExampleFromS3Docs) {
  HttpRequest r;
  r.url = "https://examplebucket.s3.amazonaws.com/test.txt";
  r.headers = {{"Range", "bytes=0-9"}};
  SignRequest(r, S3ExampleCreds(), S3Params());
  EXPECT_EQ(Header(r, "x-amz-content-sha256"), Sha256Hex(""));
  EXPECT_EQ(Header(r, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4S3Test, PresignedGetExampleFromS3Docs) {
  HttpRequest r;
  r.url = "https://examplebucket.s3.amazonaws.com/test.txt";
  std::string url = PresignUrl(r, S3ExampleCreds(), S3Params(), std::chrono::seconds(86400));
  EXPECT_NE(
      url.find("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"),
      std::string::npos)
      << url;
  auto a = ComputeSignature(r, S3ExampleCreds(), S3Params(), true, std::chrono::seconds(86400));
  EXPECT_TRUE(a.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
}

TEST(SigV4S3Test, KeysAreNeitherNormalisedNorDoubleEncoded) {
  HttpRequest r;
  r.url = "https://b.s3.us-east-1.amazonaws.com/a//b/../c/my%20key%2B1";
  auto s3 = ComputeSignature(r, S3ExampleCreds(), S3Params(), false);
  EXPECT_EQ(s3.canonical_request.substr(0, s3.canonical_request.find('\n', 4)),
            "GET\n/a//b/../c/my%20key%2B1");
  SigningParams other = S3Params();
  other.s3_rules = false;
  other.service = "lambda";
  auto lambda = ComputeSignature(r, S3ExampleCreds(), other, false);
  EXPECT_EQ(lambda.canonical_request.substr(0, lambda.canonical_request.find('\n', 4)),
            "GET\n/a/c/my%2520key%252B1");
}

TEST(SigV4S3Test, UnsignedPayload) {
  HttpRequest r;
  r.method = "PUT";
  r.url = "https://b.s3.us-east-1.amazonaws.com/k";
  r.body = "payload";
  SigningParams p = S3Params();
  p.unsigned_payload = true;
  SignRequest(r, S3ExampleCreds(), p);
  EXPECT_EQ(Header(r, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  auto a = ComputeSignature(r, S3ExampleCreds(), p, false);
  EXPECT_TRUE(a.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  // A signed payload instead hashes the body.
  p.unsigned_payload = false;
  HttpRequest r2 = r;
  SignRequest(r2, S3ExampleCreds(), p);
  EXPECT_EQ(Header(r2, "x-amz-content-sha256"), Sha256Hex("payload"));
}

TEST(SigV4Test, ResigningReplacesHeadersInsteadOfDuplicating) {
  HttpRequest r;
  r.url = "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions";
  Credentials creds = S3ExampleCreds();
  creds.session_token = "token-value-1234";
  SigningParams p = S3Params();
  p.s3_rules = false;
  p.service = "lambda";
  SignRequest(r, creds, p);
  std::string first = Header(r, "Authorization");
  p.time += std::chrono::seconds(5);
  SignRequest(r, creds, p);
  EXPECT_EQ(CountHeader(r, "Authorization"), 1);
  EXPECT_EQ(CountHeader(r, "X-Amz-Date"), 1);
  EXPECT_EQ(CountHeader(r, "X-Amz-Security-Token"), 1);
  EXPECT_NE(Header(r, "Authorization"), first);
  EXPECT_EQ(Header(r, "X-Amz-Security-Token"), "token-value-1234");
}

TEST(SigV4Test, HostComesFromUrlWithDefaultPortDropped) {
  SigningParams p = S3Params();
  HttpRequest a, b, c;
  a.url = "https://example.com/x";
  b.url = "https://EXAMPLE.com:443/x";
  c.url = "http://127.0.0.1:8080/x";
  auto sa = ComputeSignature(a, S3ExampleCreds(), p, false);
  EXPECT_EQ(sa.signature, ComputeSignature(b, S3ExampleCreds(), p, false).signature);
  EXPECT_NE(sa.canonical_request.find("host:example.com\n"), std::string::npos);
  EXPECT_NE(ComputeSignature(c, S3ExampleCreds(), p, false)
                .canonical_request.find("host:127.0.0.1:8080\n"),
            std::string::npos);
}

TEST(SigV4Test, UnsignableHeadersAreLeftOut) {
  HttpRequest r;
  r.url = "https://example.com/";
  r.headers = {{"User-Agent", "ferry/1"}, {"X-Amzn-Trace-Id", "t"}, {"Content-Type", "a/b"}};
  auto a = ComputeSignature(r, S3ExampleCreds(), S3Params(), false);
  EXPECT_EQ(a.signed_headers, "content-type;host;x-amz-content-sha256;x-amz-date");
}

TEST(SigV4Test, AmzDateRoundTripAndRejects) {
  auto t = ParseAmzDate("20150830T123600Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(FormatAmzDate(*t), "20150830T123600Z");
  for (const char* bad : {"", "20150830T123600", "2015-08-30T12:36:00Z", "20150231T000000Z",
                          "20151330T000000Z", "2015083xT123600Z", "20150830T246000Z"}) {
    EXPECT_FALSE(ParseAmzDate(bad)) << bad;
  }
  // Found by fuzz/sigv4: years a TimePoint cannot hold (before 1677, after 2262) overflowed
  // (UBSan: signed integer overflow) instead of being refused.
  for (const char* out_of_range : {"02150830T123600Z", "16000101T000000Z", "99991231T235959Z"}) {
    EXPECT_FALSE(ParseAmzDate(out_of_range)) << out_of_range;
  }
  EXPECT_TRUE(ParseAmzDate("22620101T000000Z"));
}

// ---- Verification side ----

HttpRequest SignedLambdaRequest(const Credentials& creds) {
  HttpRequest r;
  r.method = "POST";
  r.url = "http://127.0.0.1:4566/2015-03-31/functions/f/invocations?Qualifier=live";
  r.body = "{\"x\":1}";
  r.headers = {{"Content-Type", "application/json"}};
  SigningParams p = S3Params();
  p.s3_rules = false;
  p.service = "lambda";
  SignRequest(r, creds, p);
  return r;
}

// Found by fuzz/sigv4: a path ending in '&' (no query) took the first X-Amz-* parameter into the
// path, so the pre-signed URL did not parse back.
TEST(SigV4Test, PresignsAPathEndingInAmpersand) {
  HttpRequest request;
  request.url = "https://bucket.s3.us-east-1.amazonaws.com/key&";
  Credentials creds{"AKIDEXAMPLE", "secret", "", std::nullopt, ""};
  SigningParams params{"us-east-1", "s3", *ParseAmzDate("20150830T123600Z"), true};
  request.url = PresignUrl(request, creds, params, std::chrono::seconds(300));
  EXPECT_TRUE(request.url.starts_with("https://bucket.s3.us-east-1.amazonaws.com/key&?X-Amz-"))
      << request.url;
  auto parts = ParseAuthorization(request);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  EXPECT_EQ(ExpectedSignature(request, *parts, "secret", true).signature, parts->signature);
}

// Found by fuzz/sigv4: a query whose last value ends in '?' ("/?a=b?") was taken for a URL
// ending at its query's start, so X-Amz-Algorithm was glued to that value and the pre-signed URL
// did not parse back.
TEST(SigV4Test, PresignsAQueryWhoseLastValueEndsInAQuestionMark) {
  Credentials creds{"AKIDEXAMPLE", "secret", "", std::nullopt, ""};
  SigningParams params{"us-east-1", "lambda", *ParseAmzDate("20150830T123600Z"), false};
  for (std::string url : {"http://localhost:4566/?a=b?", "http://localhost:4566/?a=b?&c=?",
                          "http://localhost:4566/?", "http://localhost:4566/?a=1&"}) {
    HttpRequest request;
    request.url = url;
    request.url = PresignUrl(request, creds, params, std::chrono::seconds(300));
    auto parts = ParseAuthorization(request);
    ASSERT_TRUE(parts.ok()) << request.url << ": " << parts.error().message;
    EXPECT_EQ(ExpectedSignature(request, *parts, "secret", false).signature, parts->signature);
  }
  HttpRequest request;
  request.url = "http://localhost:4566/?a=b?";
  EXPECT_TRUE(PresignUrl(request, creds, params, std::chrono::seconds(300))
                  .starts_with("http://localhost:4566/?a=b?&X-Amz-Algorithm="));
}

TEST(SigV4VerifyTest, DetectsTampering) {
  Credentials creds = S3ExampleCreds();
  HttpRequest r = SignedLambdaRequest(creds);
  auto parts = ParseAuthorization(r);
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->service, "lambda");
  EXPECT_EQ(parts->signed_headers,
            (std::vector<std::string>{"content-type", "host", "x-amz-date"}));
  auto expected = ExpectedSignature(r, *parts, creds.secret_access_key, false);
  EXPECT_TRUE(ConstantTimeEquals(expected.signature, parts->signature));

  HttpRequest body = r;
  body.body = "{\"x\":2}";
  EXPECT_NE(ExpectedSignature(body, *parts, creds.secret_access_key, false).signature,
            parts->signature);
  HttpRequest query = r;
  query.url += "&extra=1";
  EXPECT_NE(ExpectedSignature(query, *parts, creds.secret_access_key, false).signature,
            parts->signature);
  // Headers that were not signed (added by a proxy) do not matter.
  HttpRequest extra = r;
  extra.headers.emplace_back("User-Agent", "curl");
  EXPECT_EQ(ExpectedSignature(extra, *parts, creds.secret_access_key, false).signature,
            parts->signature);
  EXPECT_NE(ExpectedSignature(r, *parts, "wrong-secret", false).signature, parts->signature);
}

TEST(SigV4VerifyTest, UnsignedRequestIsUnauthenticated) {
  HttpRequest r;
  r.url = "http://127.0.0.1/";
  auto parts = ParseAuthorization(r);
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(parts.error().code, ErrorCode::kUnauthenticated);
}

TEST(SigV4VerifyTest, MalformedAuthorizationHeaders) {
  const std::string sig(64, 'a');
  const std::string date = "20150830T123600Z";
  const std::string good_cred = "Credential=AK/20150830/us-east-1/s/aws4_request";
  ASSERT_TRUE(ParseAuthorizationHeader(
                  "AWS4-HMAC-SHA256 " + good_cred + ", SignedHeaders=host, Signature=" + sig, date)
                  .ok());
  const std::vector<std::string> bad = {
      "",
      "Bearer xyz",
      "AWS4-HMAC-SHA256",
      "AWS4-HMAC-SHA256X " + good_cred + ", SignedHeaders=host, Signature=" + sig,
      "AWS4-HMAC-SHA256 " + good_cred + ", SignedHeaders=host",
      "AWS4-HMAC-SHA256 " + good_cred + ", SignedHeaders=host, Signature=" + sig + "00",
      "AWS4-HMAC-SHA256 " + good_cred + ", SignedHeaders=host, Signature=" + std::string(64, 'G'),
      "AWS4-HMAC-SHA256 " + good_cred + ", SignedHeaders=Host, Signature=" + sig,
      "AWS4-HMAC-SHA256 " + good_cred + ", SignedHeaders=host;;x, Signature=" + sig,
      "AWS4-HMAC-SHA256 " + good_cred + ", " + good_cred + ", SignedHeaders=host, Signature=" + sig,
      "AWS4-HMAC-SHA256 Credential=AK/2015083/us-east-1/s/aws4_request, SignedHeaders=host, "
      "Signature=" +
          sig,
      "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s/aws5_request, SignedHeaders=host, "
      "Signature=" +
          sig,
      "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/evil.com\\x/aws4_request, "
      "SignedHeaders=host, Signature=" +
          sig,
      "AWS4-HMAC-SHA256 Credential=AK/20150830//s/aws4_request, SignedHeaders=host, Signature=" +
          sig,
      "AWS4-HMAC-SHA256 " + good_cred + ", SignedHeaders=host, Signature=" + sig + ", Extra=1",
      "AWS4-HMAC-SHA256 " + good_cred + std::string(10000, ' ') + ", SignedHeaders=host",
  };
  for (const auto& header : bad) {
    auto parts = ParseAuthorizationHeader(header, date);
    ASSERT_FALSE(parts.ok()) << header.substr(0, 120);
    EXPECT_EQ(parts.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(parts.error().message.find(sig), std::string::npos);
  }
  // X-Amz-Date missing, malformed, or on another day than the scope.
  for (const char* d : {"", "garbage", "20150831T000000Z"}) {
    EXPECT_FALSE(ParseAuthorizationHeader(
                     "AWS4-HMAC-SHA256 " + good_cred + ", SignedHeaders=host, Signature=" + sig, d)
                     .ok())
        << d;
  }
}

TEST(SigV4VerifyTest, MalformedPresignedQueries) {
  Credentials creds = S3ExampleCreds();
  creds.session_token = "session-token-abcdef";
  HttpRequest r;
  r.url = "https://examplebucket.s3.amazonaws.com/test.txt";
  std::string url = PresignUrl(r, creds, S3Params(), std::chrono::seconds(600));
  HttpRequest received = r;
  received.url = url;
  auto parts = ParseAuthorization(received);
  ASSERT_TRUE(parts.ok()) << parts.error().ToString();
  EXPECT_EQ(parts->security_token, "session-token-abcdef");
  EXPECT_EQ(ExpectedSignature(received, *parts, creds.secret_access_key, true).signature,
            parts->signature);

  auto replace = [&](const std::string& from, const std::string& to) {
    HttpRequest copy = received;
    copy.url.replace(copy.url.find(from), from.size(), to);
    return copy;
  };
  for (const auto& bad : {replace("X-Amz-Expires=600", "X-Amz-Expires=0"),
                          replace("X-Amz-Expires=600", "X-Amz-Expires=604801"),
                          replace("X-Amz-Expires=600", "X-Amz-Expires=ten"),
                          replace("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=HMAC"),
                          replace("X-Amz-SignedHeaders=host", "X-Amz-Foo=host"),
                          replace("X-Amz-Date=", "X-Amz-Date=1&X-Amz-Date=")}) {
    auto p = ParseAuthorization(bad);
    ASSERT_FALSE(p.ok()) << bad.url;
    EXPECT_EQ(p.error().message.find(parts->signature), std::string::npos);
    EXPECT_EQ(p.error().message.find("session-token"), std::string::npos);
  }
}

}  // namespace
}  // namespace ferry::aws
