// S3Client against s3rver (npm), an S3 server written elsewhere that verifies SigV4 signatures,
// and against a scripted stand-in (cpp-httplib) for hostile responses and ListObjectVersions,
// which s3rver does not implement.
#include "aws/s3_client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "aws/client_test_support.h"
#include "aws/scripted_server.h"
#include "support/child_process.h"
#include "support/prerequisite.h"
#include "support/temp_dir.h"

namespace ferry::aws {
namespace {

using test::ChildProcess;
using test_support::ClientEnv;
using test_support::ScriptedServer;

// s3rver's account; note it checks the access key id but not SigV4 signatures themselves.
class S3RverCredentials final : public CredentialsProvider {
 public:
  explicit S3RverCredentials(std::string key_id = "S3RVER") : key_id_(std::move(key_id)) {}
  Result<Credentials> Resolve() override {
    return Credentials{key_id_, "S3RVER", "", std::nullopt, "test"};
  }

 private:
  std::string key_id_;
};

class S3ClientS3rverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FERRY_TEST_REQUIRE(test::MissingProgram("node", "install it with `scripts/install-deps`"));
    FERRY_TEST_REQUIRE(test::MissingNpmPackage("s3rver"));
    const char* source = std::getenv("FERRY_SOURCE_DIR");
    const std::string script =
        std::string(source != nullptr ? source : ".") + "/node_modules/s3rver/bin/s3rver.js";
    server_ = ChildProcess::Spawn(
        {test::FindOnPath("node"), script, "--address", "127.0.0.1", "--port", "0", "--directory",
         dir_.path().string(), "--configure-bucket", "ferry-artifacts"},
        // s3rver's continuation tokens use a cipher OpenSSL 3 keeps in its legacy provider.
        test::ProcessOptions{.env = {{"NODE_OPTIONS", "--openssl-legacy-provider"}}});
    auto listening = server_->WaitForLine("S3rver listening on ", std::chrono::seconds(30));
    ASSERT_TRUE(listening.has_value()) << server_->diagnostics();
    endpoint_ = "http://" + *listening;  // "127.0.0.1:PORT"
  }

  S3Client Client(CredentialsProvider& creds) {
    ServiceDeps deps{*env_.transport, creds, env_.clock, env_.ids, env_.limiters, env_.quota};
    return S3Client(S3ServiceConfig(endpoint_, "us-east-1"), deps, S3Options{true});
  }

  test::TempDir dir_;
  std::unique_ptr<ChildProcess> server_;
  std::string endpoint_;
  ClientEnv env_{SystemClock::Instance().Now()};
  S3RverCredentials creds_;
};

TEST_F(S3ClientS3rverTest, PutHeadGetRoundTripWithAwkwardKeys) {
  S3Client s3 = Client(creds_);
  const std::string key = "releases/v1.2/app build+1 (ü)&=.zip";
  const std::string body = std::string("PK\x03\x04", 4) + std::string(10'000, 'z');
  auto put = s3.PutObject({"ferry-artifacts", key, body, "application/zip", {{"Commit", "abc"}}});
  ASSERT_TRUE(put.ok()) << put.error().ToString();
  EXPECT_FALSE(put->etag.empty());
  auto head = s3.HeadObject("ferry-artifacts", key);
  ASSERT_TRUE(head.ok()) << head.error().ToString();
  EXPECT_EQ(head->content_length, static_cast<int64_t>(body.size()));
  EXPECT_EQ(head->etag, put->etag);
  EXPECT_EQ(head->metadata.at("commit"), "abc");
  auto got = s3.GetObject("ferry-artifacts", key);
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(got->body, body);
  auto small = s3.GetObject("ferry-artifacts", key, "", 100);
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.error().code, ErrorCode::kPayloadTooLarge);
}

TEST_F(S3ClientS3rverTest, ListObjectsV2PrefixAndContinuation) {
  S3Client s3 = Client(creds_);
  for (const char* key : {"app/1.zip", "app/2.zip", "app/3.zip", "app/sub/4.zip", "other/5.zip"}) {
    ASSERT_TRUE(s3.PutObject({"ferry-artifacts", key, key, "", {}}).ok());
  }
  std::vector<std::string> keys;
  ListObjectsRequest request{"ferry-artifacts", "app/", "", "", 2};
  int pages = 0;
  do {
    auto page = s3.ListObjectsV2(request);
    ASSERT_TRUE(page.ok()) << page.error().ToString();
    for (const auto& o : page->objects) keys.push_back(o.key);
    request.continuation_token = page->next_continuation_token;
    ++pages;
    if (!page->is_truncated) break;
  } while (pages < 10);
  EXPECT_EQ(keys,
            (std::vector<std::string>{"app/1.zip", "app/2.zip", "app/3.zip", "app/sub/4.zip"}));
  EXPECT_EQ(pages, 2);
  // StartAfter: only keys after it (the trigger poller's incremental listing).
  auto after = s3.ListObjectsV2({"ferry-artifacts", "app/", "", "", 0, "app/2.zip"});
  ASSERT_TRUE(after.ok()) << after.error().ToString();
  ASSERT_EQ(after->objects.size(), 2u);
  EXPECT_EQ(after->objects[0].key, "app/3.zip");
  auto delimited = s3.ListObjectsV2({"ferry-artifacts", "app/", "/", "", 0});
  ASSERT_TRUE(delimited.ok());
  EXPECT_EQ(delimited->objects.size(), 3u);
  EXPECT_EQ(delimited->common_prefixes, std::vector<std::string>{"app/sub/"});
}

TEST_F(S3ClientS3rverTest, MissingObjectsAndBucketsAreNotFound) {
  S3Client s3 = Client(creds_);
  auto get = s3.GetObject("ferry-artifacts", "nope.zip");
  ASSERT_FALSE(get.ok());
  EXPECT_EQ(get.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(AwsCode(get.error()), "NoSuchKey");
  auto head = s3.HeadObject("ferry-artifacts", "nope.zip");
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code, ErrorCode::kNotFound);
  auto list = s3.ListObjectsV2({"no-such-bucket", "", "", "", 0});
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(AwsCode(list.error()), "NoSuchBucket");
}

TEST_F(S3ClientS3rverTest, UnknownAccessKeyIsUnauthenticated) {
  S3RverCredentials wrong("AKIAUNKNOWNKEY");
  S3Client s3 = Client(wrong);
  auto list = s3.ListObjectsV2({"ferry-artifacts", "", "", "", 0});
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().code, ErrorCode::kUnauthenticated) << list.error().ToString();
  EXPECT_EQ(AwsCode(list.error()), "InvalidAccessKeyId");
  EXPECT_EQ(list.error().ToString().find("S3RVER"), std::string::npos);  // the secret
}

// Scripted stand-in: canned XML bodies, to reach what s3rver can't produce.
class S3ClientScriptedTest : public ::testing::Test {
 protected:
  S3ClientScriptedTest()
      : server_([this](httplib::Server& s) {
          s.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
            last_target_ = req.target;
            last_host_ = req.get_header_value("Host");
            res.status = status_;
            res.set_content(body_, "application/xml");
          });
        }),
        s3_(S3ServiceConfig(server_.url(), "us-east-1"), env_.deps(), S3Options{true}) {}

  int status_ = 200;
  std::string body_;
  std::string last_target_;
  std::string last_host_;
  ScriptedServer server_;
  ClientEnv env_;
  S3Client s3_;
};

TEST_F(S3ClientScriptedTest, ListObjectVersionsParsesVersionsAndDeleteMarkers) {
  body_ = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><Prefix>app/</Prefix><IsTruncated>true</IsTruncated>
  <NextKeyMarker>app/2.zip</NextKeyMarker><NextVersionIdMarker>v9</NextVersionIdMarker>
  <Version><Key>app/1.zip</Key><VersionId>v2</VersionId><IsLatest>true</IsLatest>
    <LastModified>2026-11-27T10:00:00.000Z</LastModified><ETag>"e2"</ETag><Size>12</Size></Version>
  <DeleteMarker><Key>app/2.zip</Key><VersionId>v9</VersionId><IsLatest>true</IsLatest>
    <LastModified>2026-11-27T11:00:00.000Z</LastModified></DeleteMarker>
  <Version><Key>app/1.zip</Key><VersionId>v1</VersionId><IsLatest>false</IsLatest>
    <LastModified>2026-11-26T10:00:00.000Z</LastModified><ETag>"e1"</ETag><Size>10</Size></Version>
</ListVersionsResult>)";
  auto result = s3_.ListObjectVersions({"b", "app/", "app/1.zip", "v1", 3});
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  ASSERT_EQ(result->versions.size(), 3u);
  EXPECT_EQ(result->versions[0].version_id, "v2");
  EXPECT_TRUE(result->versions[0].is_latest);
  EXPECT_EQ(result->versions[0].size, 12);
  EXPECT_TRUE(result->versions[1].is_delete_marker);
  EXPECT_EQ(result->versions[2].version_id, "v1");
  EXPECT_TRUE(result->is_truncated);
  EXPECT_EQ(result->next_version_id_marker, "v9");
  EXPECT_EQ(last_target_,
            "/b?versions=&prefix=app%2F&key-marker=app%2F1.zip&version-id-marker=v1&max-keys=3");
}

TEST_F(S3ClientScriptedTest, HostileAndMalformedXmlGivesClearErrors) {
  const std::vector<std::string> bodies = {
      "",
      "<ListBucketResult><Contents><Key>a</Key>",  // truncated
      "<Other/>",
      "<ListBucketResult><Contents><Size>-5</Size><Key>a</Key></Contents></ListBucketResult>",
      "<ListBucketResult><Contents><Size>12x</Size><Key>a</Key></Contents></ListBucketResult>",
      "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
      R"(<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>
         <ListBucketResult><Contents><Key>&lol2;</Key></Contents></ListBucketResult>)",
      R"(<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><ListBucketResult>
         <Contents><Key>&xxe;</Key></Contents></ListBucketResult>)",
      std::string(200'000, '<'),
  };
  for (const auto& body : bodies) {
    body_ = body;
    auto result = s3_.ListObjectsV2({"b", "", "", "", 0});
    if (result.ok()) {
      // A parser may accept an entity-bearing document, but must never expand entities.
      for (const auto& o : result->objects) {
        EXPECT_EQ(o.key.find("root:"), std::string::npos);
        EXPECT_EQ(o.key.find("lollol"), std::string::npos);
      }
      continue;
    }
    EXPECT_EQ(result.error().code, ErrorCode::kUnavailable) << body.substr(0, 40);
    EXPECT_NE(result.error().message.find("malformed S3 ListObjectsV2 response"), std::string::npos)
        << result.error().message;
  }
}

TEST_F(S3ClientScriptedTest, XmlErrorBodiesCarryCodeMessageAndRequestId) {
  status_ = 403;
  body_ =
      "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
      "<RequestId>4442587FB7D0A2F9</RequestId></Error>";
  auto result = s3_.GetObject("b", "k");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(result.error().details.at("request_id"), "4442587FB7D0A2F9");
  EXPECT_NE(result.error().message.find("s3 GetObject: AccessDenied: Access Denied"),
            std::string::npos);
}

// Connects every request to 127.0.0.1 (same port) and sends the host the client addressed in the
// Host header, so virtual-hosted names ("bucket.localhost") need no resolver; keeps the URLs.
class LoopbackTransport final : public HttpTransport {
 public:
  explicit LoopbackTransport(HttpTransport& inner) : inner_(inner) {}
  Result<HttpResponse> Send(const HttpRequest& request) override {
    urls.push_back(request.url);
    const size_t host_start = request.url.find("://") + 3;
    const size_t host_end =
        std::min(request.url.find_first_of("/?", host_start), request.url.size());
    const std::string authority = request.url.substr(host_start, host_end - host_start);
    const size_t colon = authority.rfind(':');
    HttpRequest local = request;
    local.url = request.url.substr(0, host_start) + "127.0.0.1" +
                (colon == std::string::npos ? "" : authority.substr(colon)) +
                request.url.substr(host_end);
    local.headers.emplace_back("Host", authority);
    return inner_.Send(local);
  }
  std::vector<std::string> urls;  // as the client built them; one test thread

 private:
  HttpTransport& inner_;
};

TEST_F(S3ClientScriptedTest, VirtualHostedAddressingPutsTheBucketInTheHost) {
  LoopbackTransport loopback(*env_.transport);
  const std::string port = server_.url().substr(17);  // after "http://127.0.0.1:"
  S3Client vhost(
      S3ServiceConfig("http://localhost:" + port, "us-east-1"),
      ServiceDeps{loopback, env_.credentials, env_.clock, env_.ids, env_.limiters, env_.quota});
  body_ = "<ListBucketResult></ListBucketResult>";
  auto result = vhost.ListObjectsV2({"artifacts", "x/", "", "", 0});
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(loopback.urls, std::vector<std::string>{"http://artifacts.localhost:" + port +
                                                    "/?list-type=2&prefix=x%2F"});
  EXPECT_EQ(last_host_, "artifacts.localhost:" + port);
  EXPECT_EQ(last_target_, "/?list-type=2&prefix=x%2F");
}

}  // namespace
}  // namespace ferry::aws
