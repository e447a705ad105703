#include "cli/args.h"

#include <gtest/gtest.h>

#include <string>

namespace ferry::cli {
namespace {

TEST(ParseServiceRef, AcceptsAppSlashService) {
  auto ref = ParseServiceRef("shop/orders-api_v2.1");
  ASSERT_TRUE(ref.ok()) << ref.error().message;
  EXPECT_EQ(ref->application, "shop");
  EXPECT_EQ(ref->service, "orders-api_v2.1");
}

TEST(ParseServiceRef, RejectsEverythingElseWithAnExample) {
  for (const char* bad : {"", "shop", "/orders", "shop/", "shop/orders/x", "sh op/orders",
                          "shop/ord\ners", "shop\\orders", "shop/ørders"}) {
    auto ref = ParseServiceRef(bad);
    ASSERT_FALSE(ref.ok()) << bad;
    EXPECT_EQ(ref.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(ref.error().message.find("APP/SERVICE"), std::string::npos);
    EXPECT_NE(ref.error().message.find("shop/orders"), std::string::npos);
    EXPECT_EQ(ref.error().message.find('\n'), std::string::npos) << "control chars escaped";
  }
  EXPECT_FALSE(ParseServiceRef(std::string(129, 'a') + "/x").ok());
  EXPECT_FALSE(ParseServiceRef(std::string(100000, 'a')).ok());
}

TEST(ParseS3Url, BucketKeyAndVersion) {
  auto s3 = ParseS3Url("s3://my-bucket.1/builds/orders%20api/v1.zip?versionId=abc%2B1");
  ASSERT_TRUE(s3.ok()) << s3.error().message;
  EXPECT_EQ(s3->bucket, "my-bucket.1");
  EXPECT_EQ(s3->key, "builds/orders api/v1.zip");
  ASSERT_TRUE(s3->version_id.has_value());
  EXPECT_EQ(*s3->version_id, "abc+1");
  auto plain = ParseS3Url("s3://bkt/k");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->version_id.has_value());
}

TEST(ParseS3Url, RejectsMalformedUrlsNamingTheProblem) {
  struct Case {
    const char* url;
    const char* why;
  };
  for (const Case& c :
       {Case{"https://bkt/key", "does not start with s3://"}, Case{"s3://bkt", "no key"},
        Case{"s3://bkt/", "empty key"}, Case{"s3://Bad_Bucket/k", "invalid bucket"},
        Case{"s3://ab/k", "invalid bucket"}, Case{"s3://-bkt/k", "invalid bucket"},
        Case{"s3://bkt/k?v=1", "query other than"},
        Case{"s3://bkt/k?versionId=", "query other than"}, Case{"s3://bkt/k%zz", "%-escape"},
        Case{"s3://bkt/k%4", "%-escape"}, Case{"s3://bkt/a%0Ab", "control character"},
        Case{"s3://bkt/a%FFb", "not UTF-8"}}) {
    auto s3 = ParseS3Url(c.url);
    ASSERT_FALSE(s3.ok()) << c.url;
    EXPECT_NE(s3.error().message.find(c.why), std::string::npos)
        << c.url << ": " << s3.error().message;
    EXPECT_NE(s3.error().message.find("s3://bucket/key"), std::string::npos);
  }
  EXPECT_FALSE(ParseS3Url("s3://bkt/" + std::string(1025, 'k')).ok());
}

TEST(ParseOutputFormat, TextOrJsonOnly) {
  EXPECT_EQ(*ParseOutputFormat("text"), OutputFormat::kText);
  EXPECT_EQ(*ParseOutputFormat("json"), OutputFormat::kJson);
  auto bad = ParseOutputFormat("yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "-o \"yaml\" is not an output format: use text or json");
}

TEST(ValidateName, NamesTheFlag) {
  EXPECT_TRUE(ValidateName("--env", "prod-eu.1").ok());
  auto bad = ValidateName("--env", "pr od");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("--env \"pr od\""), std::string::npos);
  EXPECT_FALSE(ValidateName("--env", "").ok());
  EXPECT_FALSE(ValidateName("--env", "../x").ok());
}

}  // namespace
}  // namespace ferry::cli
