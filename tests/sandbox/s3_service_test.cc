// The S3 sandbox driven through Service::Handle with requests as the front hands them over.
#include "sandbox/s3/s3_service.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/crypto.h"
#include "sandbox/s3/checksums.h"
#include "sandbox/s3_test_util.h"

namespace ferry::sandbox::s3 {
namespace {

using testing::HasHeader;
using testing::HeaderOf;
using testing::MakeRequest;
using testing::TestCaller;

class S3ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = S3Service::Create(S3Options{}, clock_, ids_);
    ASSERT_TRUE(created.ok()) << created.error().ToString();
    s3_ = std::move(created).value();
  }

  Response Call(const Request& r, const Caller& caller = TestCaller()) {
    return s3_->Handle(r, caller);
  }
  Response Put(const std::string& raw_path, const std::string& body,
               std::map<std::string, std::string> headers = {}) {
    return Call(MakeRequest("PUT", raw_path, {}, std::move(headers), body));
  }
  Response Get(const std::string& raw_path, std::multimap<std::string, std::string> query = {},
               std::map<std::string, std::string> headers = {}) {
    return Call(MakeRequest("GET", raw_path, std::move(query), std::move(headers)));
  }
  void MakeBucket(const std::string& name) { ASSERT_EQ(Put("/" + name, "").status, 200) << name; }

  FakeClock clock_;
  SequentialIdGenerator ids_;
  std::unique_ptr<S3Service> s3_;
};

TEST_F(S3ServiceTest, CreatesListsAndHeadsBuckets) {
  MakeBucket("alpha");
  MakeBucket("beta.with.dots");
  auto list = Get("/");
  EXPECT_EQ(list.status, 200);
  EXPECT_NE(list.body.find("<Name>alpha</Name>"), std::string::npos);
  EXPECT_NE(list.body.find("<Name>beta.with.dots</Name>"), std::string::npos);
  EXPECT_NE(list.body.find("xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""), std::string::npos);
  auto head = Call(MakeRequest("HEAD", "/alpha"));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(HeaderOf(head, "x-amz-bucket-region"), "us-east-1");
  auto missing = Call(MakeRequest("HEAD", "/nope-bucket"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(missing.body.empty());
  // Another account sees neither the listing entry nor the bucket.
  auto other = Call(MakeRequest("GET", "/"), TestCaller("111111111111"));
  EXPECT_EQ(other.body.find("alpha"), std::string::npos);
  auto denied =
      Call(MakeRequest("GET", "/alpha", {{"list-type", "2"}}), TestCaller("111111111111"));
  EXPECT_EQ(denied.status, 403);
  EXPECT_NE(denied.body.find("<Code>AccessDenied</Code>"), std::string::npos);
}

TEST_F(S3ServiceTest, EnforcesBucketNameRules) {
  for (const std::string& name : std::vector<std::string>{
           "ab", std::string(64, 'a'), "UpperCase", "under_score", "-leading", "trailing-",
           "double..dot", "192.168.1.1", "xn--punycode", "name-s3alias", "dot.-dash"}) {
    auto r = Put("/" + name, "");
    EXPECT_EQ(r.status, 400) << name;
    EXPECT_NE(r.body.find("<Code>InvalidBucketName</Code>"), std::string::npos) << name;
  }
}

TEST_F(S3ServiceTest, BucketOwnershipConflicts) {
  MakeBucket("shared-name");
  // us-east-1 answers 200 for a bucket the caller already owns there (legacy behaviour).
  EXPECT_EQ(Put("/shared-name", "").status, 200);
  auto taken = Call(MakeRequest("PUT", "/shared-name"), TestCaller("111111111111"));
  EXPECT_EQ(taken.status, 409);
  EXPECT_NE(taken.body.find("<Code>BucketAlreadyExists</Code>"), std::string::npos);

  const std::string config =
      "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint>"
      "</CreateBucketConfiguration>";
  auto eu = TestCaller("000000000000", "eu-west-1");
  EXPECT_EQ(Call(MakeRequest("PUT", "/eu-bucket", {}, {}, config), eu).status, 200);
  auto again = Call(MakeRequest("PUT", "/eu-bucket", {}, {}, config), eu);
  EXPECT_EQ(again.status, 409);
  EXPECT_NE(again.body.find("BucketAlreadyOwnedByYou"), std::string::npos);
  auto location = Get("/eu-bucket", {{"location", ""}});
  EXPECT_NE(location.body.find(">eu-west-1</LocationConstraint>"), std::string::npos);
}

TEST_F(S3ServiceTest, ValidatesLocationConstraint) {
  auto eu = TestCaller("000000000000", "eu-west-1");
  auto unspecified = Call(MakeRequest("PUT", "/no-constraint"), eu);
  EXPECT_EQ(unspecified.status, 400);
  EXPECT_NE(unspecified.body.find("IllegalLocationConstraintException"), std::string::npos);
  auto explicit_us = Put("/explicit-us",
                         "<CreateBucketConfiguration><LocationConstraint>us-east-1"
                         "</LocationConstraint></CreateBucketConfiguration>");
  EXPECT_NE(explicit_us.body.find("InvalidLocationConstraint"), std::string::npos);
  auto malformed = Put("/malformed-config", "<CreateBucketConfiguration><oops>");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_NE(malformed.body.find("<Code>MalformedXML</Code>"), std::string::npos);
}

TEST_F(S3ServiceTest, PutGetHeadRoundTripWithMetadata) {
  MakeBucket("data");
  auto put = Put("/data/dir/file.txt", "hello world",
                 {{"content-type", "text/plain"},
                  {"x-amz-meta-owner", "team-a"},
                  {"cache-control", "max-age=60"}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(HeaderOf(put, "ETag"), "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"");
  EXPECT_FALSE(HasHeader(put, "x-amz-version-id"));

  auto get = Get("/data/dir/file.txt");
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "hello world");
  EXPECT_EQ(HeaderOf(get, "Content-Type"), "text/plain");
  EXPECT_EQ(HeaderOf(get, "x-amz-meta-owner"), "team-a");
  EXPECT_EQ(HeaderOf(get, "cache-control"), "max-age=60");
  EXPECT_EQ(HeaderOf(get, "ETag"), "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"");
  EXPECT_FALSE(HeaderOf(get, "Last-Modified").empty());

  auto head = Call(MakeRequest("HEAD", "/data/dir/file.txt"));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body.size(), 11u);  // for Content-Length; HTTP sends no body with HEAD

  auto untyped = Put("/data/blob", "x");
  EXPECT_EQ(HeaderOf(Get("/data/blob"), "Content-Type"), "binary/octet-stream");

  auto missing = Get("/data/nothing-here");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("<Code>NoSuchKey</Code>"), std::string::npos);
  EXPECT_NE(missing.body.find("<Key>nothing-here</Key>"), std::string::npos);
  EXPECT_NE(missing.body.find("<RequestId>"), std::string::npos);
  auto no_bucket = Get("/absent-bucket/key");
  EXPECT_EQ(no_bucket.status, 404);
  EXPECT_NE(no_bucket.body.find("<BucketName>absent-bucket</BucketName>"), std::string::npos);
}

TEST_F(S3ServiceTest, ChecksContentMd5AndSha256) {
  MakeBucket("digests");
  std::string md5 = Base64Encode(Md5("payload"));
  EXPECT_EQ(Put("/digests/ok", "payload", {{"content-md5", md5}}).status, 200);
  auto bad = Put("/digests/bad", "tampered", {{"content-md5", md5}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("<Code>BadDigest</Code>"), std::string::npos);
  auto invalid = Put("/digests/invalid", "x", {{"content-md5", "not-base64!"}});
  EXPECT_NE(invalid.body.find("<Code>InvalidDigest</Code>"), std::string::npos);
  auto sha = Put("/digests/sha", "abc", {{"x-amz-content-sha256", Sha256Hex("abd")}});
  EXPECT_NE(sha.body.find("XAmzContentSHA256Mismatch"), std::string::npos);
  EXPECT_EQ(Get("/digests/bad").status, 404);  // nothing stored on a failed check
}

TEST_F(S3ServiceTest, DecodesStreamingUploadsAndChecksTrailers) {
  MakeBucket("streams");
  std::string signed_body = "5;chunk-signature=" + std::string(64, '1') + "\r\nhello\r\n" +
                            "0;chunk-signature=" + std::string(64, '2') + "\r\n\r\n";
  auto put = Put("/streams/signed", signed_body,
                 {{"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
                  {"content-encoding", "aws-chunked"},
                  {"x-amz-decoded-content-length", "5"}});
  ASSERT_EQ(put.status, 200) << put.body;
  auto get = Get("/streams/signed");
  EXPECT_EQ(get.body, "hello");
  EXPECT_FALSE(HasHeader(get, "content-encoding"));  // aws-chunked is not the object's

  std::string crc = ComputeChecksum(ChecksumAlgorithm::kCrc32, "hello world");
  std::string trailer_body = "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:" + crc + "\r\n\r\n";
  std::map<std::string, std::string> headers = {
      {"x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"},
      {"content-encoding", "aws-chunked"},
      {"x-amz-trailer", "x-amz-checksum-crc32"},
      {"x-amz-sdk-checksum-algorithm", "CRC32"},
      {"x-amz-decoded-content-length", "11"}};
  auto put2 = Put("/streams/trailer", trailer_body, headers);
  ASSERT_EQ(put2.status, 200) << put2.body;
  EXPECT_EQ(HeaderOf(put2, "x-amz-checksum-crc32"), crc);
  auto with_mode = Get("/streams/trailer", {}, {{"x-amz-checksum-mode", "ENABLED"}});
  EXPECT_EQ(with_mode.body, "hello world");
  EXPECT_EQ(HeaderOf(with_mode, "x-amz-checksum-crc32"), crc);

  std::string wrong = "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n";
  auto mismatch = Put("/streams/wrong", wrong, headers);
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_NE(mismatch.body.find("<Code>BadDigest</Code>"), std::string::npos);
  std::string missing_trailer = "b\r\nhello world\r\n0\r\n\r\n";
  EXPECT_EQ(Put("/streams/missing", missing_trailer, headers).status, 400);
  headers["x-amz-decoded-content-length"] = "12";
  auto short_body = Put("/streams/short", trailer_body, headers);
  EXPECT_NE(short_body.body.find("IncompleteBody"), std::string::npos);
  auto garbage = Put("/streams/garbage", "not chunked at all", headers);
  EXPECT_EQ(garbage.status, 400);
}

TEST_F(S3ServiceTest, ServesRanges) {
  MakeBucket("ranges");
  Put("/ranges/obj", "0123456789");
  auto first = Get("/ranges/obj", {}, {{"range", "bytes=0-3"}});
  EXPECT_EQ(first.status, 206);
  EXPECT_EQ(first.body, "0123");
  EXPECT_EQ(HeaderOf(first, "Content-Range"), "bytes 0-3/10");
  EXPECT_EQ(Get("/ranges/obj", {}, {{"range", "bytes=7-"}}).body, "789");
  EXPECT_EQ(Get("/ranges/obj", {}, {{"range", "bytes=-2"}}).body, "89");
  EXPECT_EQ(Get("/ranges/obj", {}, {{"range", "bytes=5-100"}}).body, "56789");
  auto beyond = Get("/ranges/obj", {}, {{"range", "bytes=10-20"}});
  EXPECT_EQ(beyond.status, 416);
  EXPECT_NE(beyond.body.find("<Code>InvalidRange</Code>"), std::string::npos);
  // Unparseable ranges are ignored, as S3 does.
  for (std::string range : {"bytes=abc", "bytes=5-2", "items=0-1", "bytes=0-1,3-4"}) {
    auto whole = Get("/ranges/obj", {}, {{"range", range}});
    EXPECT_EQ(whole.status, 200) << range;
    EXPECT_EQ(whole.body, "0123456789") << range;
  }
}

TEST_F(S3ServiceTest, HonoursConditionalRequests) {
  MakeBucket("cond");
  auto put = Put("/cond/k", "v1");
  std::string etag = HeaderOf(put, "ETag");
  EXPECT_EQ(Get("/cond/k", {}, {{"if-none-match", etag}}).status, 304);
  EXPECT_EQ(Get("/cond/k", {}, {{"if-match", "\"other\""}}).status, 412);
  EXPECT_EQ(Get("/cond/k", {}, {{"if-match", etag}}).status, 200);
  auto conditional_put = Put("/cond/k", "v2", {{"if-none-match", "*"}});
  EXPECT_EQ(conditional_put.status, 412);
  EXPECT_EQ(Get("/cond/k").body, "v1");
}

TEST_F(S3ServiceTest, KeysWithSpecialCharactersRoundTrip) {
  MakeBucket("keys");
  struct Case {
    std::string raw;
    std::string key;
  };
  for (const Case& c : std::vector<Case>{{"/keys/with%20space", "with space"},
                                         {"/keys/plus%2Bsign", "plus+sign"},
                                         {"/keys/literal+plus", "literal+plus"},
                                         {"/keys/a//double//slash", "a//double//slash"},
                                         {"/keys/%E2%9C%93-unicode", "\xE2\x9C\x93-unicode"},
                                         {"/keys/../../etc/passwd", "../../etc/passwd"}}) {
    ASSERT_EQ(Put(c.raw, c.key).status, 200) << c.raw;
    EXPECT_EQ(Get(c.raw).body, c.key) << c.raw;
  }
  auto list = Get("/keys", {{"list-type", "2"}});
  EXPECT_NE(list.body.find("<Key>with space</Key>"), std::string::npos);
  EXPECT_NE(list.body.find("<Key>a//double//slash</Key>"), std::string::npos);
  auto encoded = Get("/keys", {{"list-type", "2"}, {"encoding-type", "url"}});
  EXPECT_NE(encoded.body.find("<Key>with%20space</Key>"), std::string::npos);
  EXPECT_NE(encoded.body.find("<Key>plus%2Bsign</Key>"), std::string::npos);
  EXPECT_NE(encoded.body.find("<EncodingType>url</EncodingType>"), std::string::npos);
  EXPECT_EQ(Put("/keys/" + std::string(1025, 'k'), "x").status, 400);
  EXPECT_EQ(Put("/keys/bad%ZZescape", "x").status, 400);
}

TEST_F(S3ServiceTest, VirtualHostedAddressing) {
  auto vh = [&](const std::string& method, const std::string& host, const std::string& path,
                std::string body = "") {
    return Call(MakeRequest(method, path, {}, {}, std::move(body), host));
  };
  EXPECT_EQ(vh("PUT", "vhost.localhost:4566", "/", "").status, 200);
  EXPECT_EQ(vh("PUT", "vhost.s3.localhost:4566", "/a/b.txt", "nested").status, 200);
  EXPECT_EQ(vh("GET", "vhost.localhost:4566", "/a/b.txt").body, "nested");
  EXPECT_EQ(vh("GET", "vhost.127.0.0.1:4566", "/a/b.txt").body, "nested");
  EXPECT_EQ(vh("GET", "vhost.s3.us-east-1.amazonaws.com", "/a/b.txt").body, "nested");
  EXPECT_EQ(Get("/vhost/a/b.txt").body, "nested");
  EXPECT_EQ(s3_->OperationName(MakeRequest("GET", "/a/b.txt", {}, {}, "", "vhost.localhost")),
            "GetObject");
  EXPECT_EQ(
      s3_->OperationName(MakeRequest("GET", "/", {{"list-type", "2"}}, {}, "", "vhost.localhost")),
      "ListObjectsV2");
}

TEST_F(S3ServiceTest, ListObjectsV2PrefixDelimiterAndPagination) {
  MakeBucket("listing");
  for (std::string key : {"a.txt", "dir/1", "dir/2", "dir/sub/3", "other/4", "z"}) {
    ASSERT_EQ(Put("/listing/" + key, key).status, 200);
  }
  auto delimited = Get("/listing", {{"list-type", "2"}, {"delimiter", "/"}});
  EXPECT_NE(delimited.body.find("<KeyCount>4</KeyCount>"), std::string::npos) << delimited.body;
  EXPECT_NE(delimited.body.find("<CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes>"),
            std::string::npos);
  EXPECT_NE(delimited.body.find("<Key>a.txt</Key>"), std::string::npos);
  EXPECT_EQ(delimited.body.find("<Key>dir/1</Key>"), std::string::npos);

  auto under = Get("/listing", {{"list-type", "2"}, {"prefix", "dir/"}, {"delimiter", "/"}});
  EXPECT_NE(under.body.find("<Key>dir/1</Key>"), std::string::npos);
  EXPECT_NE(under.body.find("<Prefix>dir/sub/</Prefix>"), std::string::npos);

  // Walk the delimited listing two entries at a time.
  std::vector<std::string> seen;
  std::string token;
  for (int page = 0; page < 10; ++page) {
    std::multimap<std::string, std::string> q = {
        {"list-type", "2"}, {"delimiter", "/"}, {"max-keys", "2"}};
    if (!token.empty()) q.emplace("continuation-token", token);
    auto r = Get("/listing", q);
    ASSERT_EQ(r.status, 200) << r.body;
    for (size_t pos = 0; (pos = r.body.find("<Key>", pos)) != std::string::npos; ++pos) {
      seen.push_back(r.body.substr(pos + 5, r.body.find("</Key>", pos) - pos - 5));
    }
    for (size_t pos = 0; (pos = r.body.find("<CommonPrefixes><Prefix>", pos)) != std::string::npos;
         ++pos) {
      size_t start = pos + 24;
      seen.push_back(r.body.substr(start, r.body.find("</Prefix>", start) - start));
    }
    size_t t = r.body.find("<NextContinuationToken>");
    if (t == std::string::npos) {
      EXPECT_NE(r.body.find("<IsTruncated>false</IsTruncated>"), std::string::npos);
      break;
    }
    size_t start = t + 23;
    token = r.body.substr(start, r.body.find("</NextContinuationToken>") - start);
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"a.txt", "dir/", "other/", "z"}));

  auto after = Get("/listing", {{"list-type", "2"}, {"start-after", "dir/2"}});
  EXPECT_EQ(after.body.find("<Key>dir/1</Key>"), std::string::npos);
  EXPECT_NE(after.body.find("<Key>dir/sub/3</Key>"), std::string::npos);
  EXPECT_NE(after.body.find("<StartAfter>dir/2</StartAfter>"), std::string::npos);

  auto bad_token = Get("/listing", {{"list-type", "2"}, {"continuation-token", "%%%"}});
  EXPECT_EQ(bad_token.status, 400);
  EXPECT_NE(bad_token.body.find("<Code>InvalidArgument</Code>"), std::string::npos);
  EXPECT_EQ(Get("/listing", {{"list-type", "2"}, {"max-keys", "-1"}}).status, 400);
  EXPECT_EQ(Get("/listing", {{"list-type", "2"}, {"max-keys", "ten"}}).status, 400);
  EXPECT_EQ(Get("/listing", {{"list-type", "2"}, {"encoding-type", "base64"}}).status, 400);
  auto zero = Get("/listing", {{"list-type", "2"}, {"max-keys", "0"}});
  EXPECT_NE(zero.body.find("<KeyCount>0</KeyCount>"), std::string::npos);

  auto v1 = Get("/listing", {{"delimiter", "/"}, {"max-keys", "1"}});
  EXPECT_NE(v1.body.find("<NextMarker>a.txt</NextMarker>"), std::string::npos) << v1.body;
}

TEST_F(S3ServiceTest, VersioningWithDeleteMarkers) {
  MakeBucket("versioned");
  auto unversioned = Get("/versioned", {{"versioning", ""}});
  EXPECT_EQ(unversioned.body.find("<Status>"), std::string::npos);
  std::string enable =
      "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Status>Enabled</Status></VersioningConfiguration>";
  ASSERT_EQ(Call(MakeRequest("PUT", "/versioned", {{"versioning", ""}}, {}, enable)).status, 200);
  EXPECT_NE(Get("/versioned", {{"versioning", ""}}).body.find("<Status>Enabled</Status>"),
            std::string::npos);

  std::string v1 = HeaderOf(Put("/versioned/doc", "first"), "x-amz-version-id");
  std::string v2 = HeaderOf(Put("/versioned/doc", "second"), "x-amz-version-id");
  ASSERT_FALSE(v1.empty());
  ASSERT_NE(v1, v2);
  EXPECT_EQ(Get("/versioned/doc").body, "second");
  EXPECT_EQ(Get("/versioned/doc", {{"versionId", v1}}).body, "first");
  EXPECT_EQ(HeaderOf(Get("/versioned/doc", {{"versionId", v1}}), "x-amz-version-id"), v1);

  auto del = Call(MakeRequest("DELETE", "/versioned/doc"));
  EXPECT_EQ(del.status, 204);
  EXPECT_EQ(HeaderOf(del, "x-amz-delete-marker"), "true");
  std::string marker = HeaderOf(del, "x-amz-version-id");
  auto gone = Get("/versioned/doc");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(HeaderOf(gone, "x-amz-delete-marker"), "true");
  auto head_gone = Call(MakeRequest("HEAD", "/versioned/doc"));
  EXPECT_EQ(head_gone.status, 404);
  EXPECT_EQ(HeaderOf(head_gone, "x-amz-delete-marker"), "true");
  EXPECT_EQ(Get("/versioned/doc", {{"versionId", marker}}).status, 405);
  EXPECT_EQ(Get("/versioned/doc", {{"versionId", v2}}).body, "second");

  auto versions = Get("/versioned", {{"versions", ""}});
  EXPECT_NE(versions.body.find("<DeleteMarker><Key>doc</Key><VersionId>" + marker +
                               "</VersionId><IsLatest>true</IsLatest>"),
            std::string::npos)
      << versions.body;
  EXPECT_NE(versions.body.find("<VersionId>" + v1 + "</VersionId><IsLatest>false</IsLatest>"),
            std::string::npos);
  auto page = Get("/versioned", {{"versions", ""}, {"max-keys", "1"}});
  EXPECT_NE(page.body.find("<NextVersionIdMarker>" + marker + "</NextVersionIdMarker>"),
            std::string::npos);
  auto rest =
      Get("/versioned", {{"versions", ""}, {"key-marker", "doc"}, {"version-id-marker", marker}});
  EXPECT_EQ(rest.body.find("<DeleteMarker>"), std::string::npos);
  EXPECT_NE(rest.body.find(v2), std::string::npos);

  // Removing the marker brings the previous version back.
  EXPECT_EQ(Call(MakeRequest("DELETE", "/versioned/doc", {{"versionId", marker}})).status, 204);
  EXPECT_EQ(Get("/versioned/doc").body, "second");
  EXPECT_EQ(Get("/versioned/doc", {{"versionId", "00000000000000000000000999"}}).status, 404);
  EXPECT_EQ(Get("/versioned/doc", {{"versionId", "bad id!"}}).status, 400);

  // Suspended: writes replace the "null" version only.
  std::string suspend =
      "<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>";
  ASSERT_EQ(Call(MakeRequest("PUT", "/versioned", {{"versioning", ""}}, {}, suspend)).status, 200);
  EXPECT_EQ(HeaderOf(Put("/versioned/doc", "third"), "x-amz-version-id"), "null");
  EXPECT_EQ(HeaderOf(Put("/versioned/doc", "fourth"), "x-amz-version-id"), "null");
  EXPECT_EQ(Get("/versioned/doc", {{"versionId", v1}}).body, "first");
  auto all = Get("/versioned", {{"versions", ""}});
  size_t nulls = 0;
  for (size_t pos = 0;
       (pos = all.body.find("<VersionId>null</VersionId>", pos)) != std::string::npos; ++pos) {
    ++nulls;
  }
  EXPECT_EQ(nulls, 1u);
  auto bad = Call(MakeRequest("PUT", "/versioned", {{"versioning", ""}}, {},
                              "<VersioningConfiguration><Status>On</Status>"
                              "</VersioningConfiguration>"));
  EXPECT_NE(bad.body.find("MalformedXML"), std::string::npos);
}

TEST_F(S3ServiceTest, DeleteObjectsAndBuckets) {
  MakeBucket("cleanup");
  Put("/cleanup/a", "1");
  Put("/cleanup/b", "2");
  auto not_empty = Call(MakeRequest("DELETE", "/cleanup"));
  EXPECT_EQ(not_empty.status, 409);
  EXPECT_NE(not_empty.body.find("BucketNotEmpty"), std::string::npos);
  std::string body =
      "<Delete><Object><Key>a</Key></Object><Object><Key>b</Key></Object>"
      "<Object><Key>never-existed</Key></Object></Delete>";
  auto no_md5 = Call(MakeRequest("POST", "/cleanup", {{"delete", ""}}, {}, body));
  EXPECT_EQ(no_md5.status, 400);
  auto multi = Call(MakeRequest("POST", "/cleanup", {{"delete", ""}},
                                {{"content-md5", Base64Encode(Md5(body))}}, body));
  ASSERT_EQ(multi.status, 200) << multi.body;
  EXPECT_NE(multi.body.find("<Deleted><Key>a</Key></Deleted>"), std::string::npos);
  EXPECT_NE(multi.body.find("<Deleted><Key>never-existed</Key></Deleted>"), std::string::npos);
  EXPECT_EQ(Call(MakeRequest("DELETE", "/cleanup")).status, 204);
  EXPECT_EQ(Call(MakeRequest("HEAD", "/cleanup")).status, 404);
}

TEST_F(S3ServiceTest, CopiesObjects) {
  MakeBucket("src-bucket");
  MakeBucket("dst-bucket");
  Put("/src-bucket/orig", "payload", {{"x-amz-meta-a", "1"}, {"content-type", "text/x"}});
  auto copy =
      Call(MakeRequest("PUT", "/dst-bucket/copy", {}, {{"x-amz-copy-source", "/src-bucket/orig"}}));
  ASSERT_EQ(copy.status, 200) << copy.body;
  EXPECT_NE(copy.body.find("<CopyObjectResult"), std::string::npos);
  auto got = Get("/dst-bucket/copy");
  EXPECT_EQ(got.body, "payload");
  EXPECT_EQ(HeaderOf(got, "x-amz-meta-a"), "1");
  auto self =
      Call(MakeRequest("PUT", "/src-bucket/orig", {}, {{"x-amz-copy-source", "src-bucket/orig"}}));
  EXPECT_EQ(self.status, 400);
  auto missing =
      Call(MakeRequest("PUT", "/dst-bucket/x", {}, {{"x-amz-copy-source", "/src-bucket/none"}}));
  EXPECT_EQ(missing.status, 404);
}

TEST_F(S3ServiceTest, UnsupportedOperationsAreNotImplemented) {
  MakeBucket("feature");
  auto tagging = Get("/feature", {{"tagging", ""}});
  EXPECT_EQ(tagging.status, 501);
  EXPECT_NE(tagging.body.find("<Code>NotImplemented</Code>"), std::string::npos);
  EXPECT_EQ(Call(MakeRequest("GET", "/feature/big", {{"uploadId", "x"}})).status, 501);
  EXPECT_EQ(s3_->OperationName(MakeRequest("GET", "/feature", {{"tagging", ""}})), "");
  EXPECT_EQ(s3_->OperationName(MakeRequest("PUT", "/feature/k")), "PutObject");
  EXPECT_EQ(s3_->OperationName(MakeRequest("GET", "/")), "ListBuckets");
  // x-id is an SDK hint, not a sub-resource.
  EXPECT_EQ(s3_->OperationName(MakeRequest("GET", "/feature/k", {{"x-id", "GetObject"}})),
            "GetObject");
}

TEST_F(S3ServiceTest, RendersFrontErrorsAsS3Xml) {
  WireError error{403, "SignatureDoesNotMatch",
                  "The request signature we calculated does not "
                  "match the signature you provided.",
                  "REQ1"};
  auto r = s3_->RenderError(MakeRequest("GET", "/x/y"), error);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("<Error><Code>SignatureDoesNotMatch</Code>"), std::string::npos);
  EXPECT_NE(r.body.find("<RequestId>REQ1</RequestId>"), std::string::npos);
  EXPECT_TRUE(s3_->RenderError(MakeRequest("HEAD", "/x/y"), error).body.empty());
}

TEST_F(S3ServiceTest, ReadsObjectsForLambda) {
  MakeBucket("code");
  Put("/code/fn.zip", "PK-bytes");
  auto bytes = s3_->ReadObject("000000000000", "code", "fn.zip", std::nullopt);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, "PK-bytes");
  EXPECT_EQ(s3_->ReadObject("000000000000", "code", "nope", std::nullopt).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(s3_->ReadObject("000000000000", "nobucket", "fn.zip", std::nullopt).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(s3_->ReadObject("111111111111", "code", "fn.zip", std::nullopt).error().code,
            ErrorCode::kPermissionDenied);
}

TEST_F(S3ServiceTest, ConcurrentWritersAndReaders) {
  MakeBucket("busy");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 50; ++i) {
        std::string key = "/busy/k" + std::to_string(t) + "-" + std::to_string(i);
        EXPECT_EQ(Put(key, key).status, 200);
        EXPECT_EQ(Get(key).body, key);
        Get("/busy", {{"list-type", "2"}});
      }
    });
  }
  for (auto& t : threads) t.join();
  auto list = Get("/busy", {{"list-type", "2"}});
  EXPECT_NE(list.body.find("<KeyCount>200</KeyCount>"), std::string::npos);
}

TEST(S3MultipartTest, UploadsInPartsAndValidatesTheList) {
  FakeClock clock;
  SequentialIdGenerator ids;
  S3Options options;
  options.min_part_size = 4;
  auto s3 = std::move(S3Service::Create(options, clock, ids)).value();
  auto call = [&](Request r) { return s3->Handle(r, TestCaller()); };
  ASSERT_EQ(call(MakeRequest("PUT", "/mpu")).status, 200);
  auto init = call(MakeRequest("POST", "/mpu/big%20file", {{"uploads", ""}},
                               {{"content-type", "text/x"}, {"x-amz-meta-a", "b"}}));
  ASSERT_EQ(init.status, 200) << init.body;
  size_t at = init.body.find("<UploadId>");
  ASSERT_NE(at, std::string::npos);
  std::string id = init.body.substr(at + 10, init.body.find("</UploadId>") - at - 10);
  auto part = [&](const std::string& n, const std::string& body) {
    return call(
        MakeRequest("PUT", "/mpu/big%20file", {{"partNumber", n}, {"uploadId", id}}, {}, body));
  };
  std::string e1 = HeaderOf(part("1", "aaaa"), "ETag");
  std::string e2 = HeaderOf(part("2", "bb"), "ETag");
  ASSERT_FALSE(e1.empty());
  EXPECT_EQ(part("0", "x").status, 400);
  EXPECT_EQ(call(MakeRequest("PUT", "/mpu/big%20file", {{"partNumber", "1"}, {"uploadId", "nope"}},
                             {}, "x"))
                .status,
            404);
  auto complete = [&](const std::string& xml) {
    return call(MakeRequest("POST", "/mpu/big%20file", {{"uploadId", id}}, {}, xml));
  };
  auto doc = [](std::vector<std::pair<std::string, std::string>> parts) {
    std::string xml = "<CompleteMultipartUpload>";
    for (const auto& [n, e] : parts) {
      xml += "<Part><PartNumber>" + n + "</PartNumber><ETag>" + e + "</ETag></Part>";
    }
    return xml + "</CompleteMultipartUpload>";
  };
  EXPECT_NE(complete(doc({{"2", e2}, {"1", e1}})).body.find("InvalidPartOrder"), std::string::npos);
  EXPECT_NE(complete(doc({{"1", e1}, {"2", "\"bad\""}})).body.find("InvalidPart"),
            std::string::npos);
  EXPECT_NE(complete(doc({{"2", e2}, {"1", e1}})).body.find("InvalidPartOrder"), std::string::npos);
  EXPECT_NE(complete("<oops").body.find("MalformedXML"), std::string::npos);
  auto done = complete(doc({{"1", e1}, {"2", e2}}));
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_NE(done.body.find("-2&quot;</ETag>"), std::string::npos) << done.body;
  auto got = call(MakeRequest("GET", "/mpu/big%20file"));
  EXPECT_EQ(got.body, "aaaabb");
  EXPECT_EQ(HeaderOf(got, "x-amz-meta-a"), "b");
  EXPECT_EQ(HeaderOf(got, "Content-Type"), "text/x");
  EXPECT_EQ(complete(doc({{"1", e1}})).status, 404);  // completed uploads are gone

  auto init2 = call(MakeRequest("POST", "/mpu/small", {{"uploads", ""}}));
  at = init2.body.find("<UploadId>");
  std::string id2 = init2.body.substr(at + 10, init2.body.find("</UploadId>") - at - 10);
  std::string small = HeaderOf(
      call(MakeRequest("PUT", "/mpu/small", {{"partNumber", "1"}, {"uploadId", id2}}, {}, "x")),
      "ETag");
  std::string last = HeaderOf(
      call(MakeRequest("PUT", "/mpu/small", {{"partNumber", "2"}, {"uploadId", id2}}, {}, "y")),
      "ETag");
  auto too_small = call(
      MakeRequest("POST", "/mpu/small", {{"uploadId", id2}}, {}, doc({{"1", small}, {"2", last}})));
  EXPECT_NE(too_small.body.find("EntityTooSmall"), std::string::npos);
  EXPECT_EQ(call(MakeRequest("DELETE", "/mpu/small", {{"uploadId", id2}})).status, 204);
  EXPECT_EQ(call(MakeRequest("DELETE", "/mpu/small", {{"uploadId", id2}})).status, 404);
}

TEST(S3ServiceLimitTest, RejectsObjectsOverTheSizeLimit) {
  FakeClock clock;
  SequentialIdGenerator ids;
  S3Options options;
  options.max_object_size = 16;
  auto s3 = std::move(S3Service::Create(options, clock, ids)).value();
  ASSERT_EQ(s3->Handle(MakeRequest("PUT", "/small"), TestCaller()).status, 200);
  auto big =
      s3->Handle(MakeRequest("PUT", "/small/big", {}, {}, std::string(17, 'x')), TestCaller());
  EXPECT_EQ(big.status, 400);
  EXPECT_NE(big.body.find("<Code>EntityTooLarge</Code>"), std::string::npos);
  EXPECT_EQ(s3->Handle(MakeRequest("PUT", "/small/ok", {}, {}, std::string(16, 'x')), TestCaller())
                .status,
            200);
}

}  // namespace
}  // namespace ferry::sandbox::s3
