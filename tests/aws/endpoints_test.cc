#include "aws/endpoints.h"

#include <gtest/gtest.h>

namespace ferry::aws {
namespace {

std::string Url(std::string_view service, std::string_view region, EndpointOptions o = {}) {
  auto r = ResolveEndpoint(service, region, o);
  EXPECT_TRUE(r.ok()) << r.error().ToString();
  return r.ok() ? r->url : "";
}

TEST(EndpointsTest, StandardPartitions) {
  EXPECT_EQ(Url("lambda", "us-east-1"), "https://lambda.us-east-1.amazonaws.com");
  EXPECT_EQ(Url("monitoring", "eu-central-2"), "https://monitoring.eu-central-2.amazonaws.com");
  EXPECT_EQ(Url("sts", "ap-southeast-4"), "https://sts.ap-southeast-4.amazonaws.com");
  EXPECT_EQ(Url("lambda", "cn-north-1"), "https://lambda.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(Url("lambda", "us-gov-west-1"), "https://lambda.us-gov-west-1.amazonaws.com");
  EXPECT_EQ(PartitionOf("cn-northwest-1"), Partition::kAwsCn);
  EXPECT_EQ(PartitionOf("us-gov-east-1"), Partition::kAwsUsGov);
  EXPECT_EQ(PartitionOf("il-central-1"), Partition::kAws);
  EXPECT_EQ(PartitionName(Partition::kAwsUsGov), "aws-us-gov");
  auto r = ResolveEndpoint("monitoring", "us-west-2");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->signing_name, "monitoring");
  EXPECT_EQ(r->signing_region, "us-west-2");
}

TEST(EndpointsTest, FipsAndDualStack) {
  EndpointOptions fips{.use_fips = true};
  EndpointOptions dual{.use_dual_stack = true};
  EndpointOptions both{.use_fips = true, .use_dual_stack = true};
  EXPECT_EQ(Url("lambda", "us-east-1", fips), "https://lambda-fips.us-east-1.amazonaws.com");
  EXPECT_EQ(Url("lambda", "us-gov-west-1", fips),
            "https://lambda-fips.us-gov-west-1.amazonaws.com");
  EXPECT_EQ(Url("lambda", "us-east-1", dual), "https://lambda.us-east-1.api.aws");
  EXPECT_EQ(Url("lambda", "us-east-1", both), "https://lambda-fips.us-east-1.api.aws");
  EXPECT_EQ(Url("lambda", "cn-north-1", dual),
            "https://lambda.cn-north-1.api.amazonwebservices.com.cn");
  EXPECT_EQ(Url("s3", "us-east-1", dual), "https://s3.dualstack.us-east-1.amazonaws.com");
  EXPECT_EQ(Url("s3", "us-east-1", both), "https://s3-fips.dualstack.us-east-1.amazonaws.com");
  auto cn_fips = ResolveEndpoint("lambda", "cn-north-1", fips);
  ASSERT_FALSE(cn_fips.ok());
  EXPECT_EQ(cn_fips.error().code, ErrorCode::kInvalidArgument);
}

TEST(EndpointsTest, OverrideServesEveryService) {
  EndpointOptions o{.override_url = "http://127.0.0.1:4566/"};
  EXPECT_EQ(Url("lambda", "us-east-1", o), "http://127.0.0.1:4566");
  EXPECT_EQ(Url("sts", "eu-west-1", o), "http://127.0.0.1:4566");
  auto s3 = ResolveS3BucketEndpoint("my-bucket", "us-east-1", o);
  ASSERT_TRUE(s3.ok());
  EXPECT_EQ(s3->url, "http://127.0.0.1:4566/my-bucket");
  EXPECT_TRUE(ValidateEndpointOverride("https://localstack.internal:4566").ok());
  EXPECT_TRUE(ValidateEndpointOverride("http://[::1]:8080").ok());
  EXPECT_TRUE(ValidateEndpointOverride("http://moto").ok());
}

TEST(EndpointsTest, HostileOverridesAreRejected) {
  for (const char* bad : {"", "127.0.0.1:4566", "ftp://x", "http://", "http://a/b", "http://a?x=1",
                          "http://a#f", "http://user:pw@host", "http://evil.com/.attacker",
                          "http://a:0", "http://a:65536", "http://a:", "http://a:12x", "http://a b",
                          "http://[::1", "http://[zz]:1", "javascript:x", "http://a\r\nHost: b"}) {
    auto s = ValidateEndpointOverride(bad);
    EXPECT_FALSE(s.ok()) << bad;
    if (*bad == '\0') continue;  // empty means "no override"
    auto r = ResolveEndpoint("lambda", "us-east-1", {.override_url = bad});
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(EndpointsTest, HostileRegionsAreRejected) {
  for (const char* bad : {"", "us-east-1.evil.com", "evil.com/", "us-east-1/", "US-EAST-1",
                          "us-east", "useast1", "us-east-1a", "us-east-100", "u-east-1", "us--1",
                          "-us-east-1", "us-east-1 ", "us_east_1", "us-east-1#", "us-isob-east-1",
                          "us-iso-east-1", "a-very-long-region-name-that-goes-on-1"}) {
    auto s = ValidateRegion(bad);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_FALSE(ResolveEndpoint("lambda", bad).ok()) << bad;
  }
  EXPECT_FALSE(ResolveEndpoint("lambda.evil.com/", "us-east-1").ok());
  EXPECT_FALSE(ResolveEndpoint("", "us-east-1").ok());
}

TEST(EndpointsTest, S3Addressing) {
  auto vh = ResolveS3BucketEndpoint("artifacts-123", "eu-west-1");
  ASSERT_TRUE(vh.ok());
  EXPECT_EQ(vh->url, "https://artifacts-123.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(vh->signing_name, "s3");
  auto ps = ResolveS3BucketEndpoint("artifacts-123", "eu-west-1", {.s3_force_path_style = true});
  ASSERT_TRUE(ps.ok());
  EXPECT_EQ(ps->url, "https://s3.eu-west-1.amazonaws.com/artifacts-123");
  // Dots break the wildcard certificate: path style.
  auto dotted = ResolveS3BucketEndpoint("my.bucket.name", "us-east-1");
  ASSERT_TRUE(dotted.ok());
  EXPECT_EQ(dotted->url, "https://s3.us-east-1.amazonaws.com/my.bucket.name");
  auto cn = ResolveS3BucketEndpoint("b-cn", "cn-north-1");
  ASSERT_TRUE(cn.ok());
  EXPECT_EQ(cn->url, "https://b-cn.s3.cn-north-1.amazonaws.com.cn");
  auto fips = ResolveS3BucketEndpoint("bkt", "us-gov-west-1", {.use_fips = true});
  ASSERT_TRUE(fips.ok());
  EXPECT_EQ(fips->url, "https://bkt.s3-fips.us-gov-west-1.amazonaws.com");
}

TEST(EndpointsTest, InvalidBucketNames) {
  for (const char* bad :
       {"", "ab", "Bucket", "under_score", "-start", "end-", "a..b", "a.-b", "192.168.1.1",
        "xn--punycode", "x-s3alias", "evil.com/x", "b?x=1", "b#f", "b@h", "b%2f"}) {
    auto r = ResolveS3BucketEndpoint(bad, "us-east-1");
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_FALSE(ResolveS3BucketEndpoint(std::string(64, 'a'), "us-east-1").ok());
  EXPECT_TRUE(ResolveS3BucketEndpoint(std::string(63, 'a'), "us-east-1").ok());
}

}  // namespace
}  // namespace ferry::aws
