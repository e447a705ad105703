// The task payload's target: round trip and hostile payloads (target_json.h).
#include "lambda/target_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ferry::lambda {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

LambdaTarget CrossAccount() {
  LambdaTarget t;
  t.region = "eu-west-1";
  t.endpoint = "http://127.0.0.1:4566";
  t.cloud_provider = "prod";
  t.credentials.mode = TargetCredentialsMode::kKeys;
  t.credentials.access_key_id = "AKIAFERRYTEST00001";
  t.credentials.secret_name = "prod-aws-key";
  t.credentials.assume_role =
      TargetAssumeRole{"arn:aws:iam::111111111111:role/deployer", "tenant-7:x", "ferry-ci", 900};
  return t;
}

Error ParseError(const Json& target) {
  auto parsed = TargetFromJson(target);
  EXPECT_FALSE(parsed.ok()) << DumpJson(target);
  return parsed.ok() ? Error{ErrorCode::kInternal, "parsed"} : parsed.error();
}

Json WithCredentials(Json credentials) {
  return Json{{"region", "eu-west-1"}, {"credentials", std::move(credentials)}};
}

TEST(TargetJsonTest, RoundTripsEveryField) {
  LambdaTarget t = CrossAccount();
  Json json = TargetToJson(t);
  EXPECT_EQ(json["credentials"]["secretAccessKeySecret"], "prod-aws-key");
  auto back = TargetFromJson(json);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->region, t.region);
  EXPECT_EQ(back->endpoint, t.endpoint);
  EXPECT_EQ(back->cloud_provider, t.cloud_provider);
  EXPECT_EQ(back->credentials, t.credentials);

  t.credentials.mode = TargetCredentialsMode::kDelegate;
  t.credentials.access_key_id.clear();
  t.credentials.secret_name.clear();
  t.credentials.assume_role->external_id.clear();
  t.credentials.assume_role->session_name.clear();
  t.credentials.assume_role->duration_seconds = 0;
  json = TargetToJson(t);
  EXPECT_EQ(json["credentials"],
            (Json{{"mode", "delegate"},
                  {"assumeRole", {{"roleArn", "arn:aws:iam::111111111111:role/deployer"}}}}));
  EXPECT_EQ(TargetFromJson(json)->credentials, t.credentials);
}

TEST(TargetJsonTest, TheDelegatesOwnChainWritesNoCredentials) {
  LambdaTarget t;
  t.region = "us-east-1";
  t.cloud_provider = "local";
  EXPECT_EQ(TargetToJson(t), (Json{{"region", "us-east-1"}, {"cloudProvider", "local"}}));
  auto back = TargetFromJson(Json{{"region", "us-east-1"}, {"cloudProvider", "local"}});
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->credentials, TargetCredentials{}) << "payloads from before credentials";
}

TEST(TargetJsonTest, RejectsMissingAndIllTypedFields) {
  EXPECT_THAT(ParseError(Json::array()).message, HasSubstr("no target"));
  EXPECT_THAT(ParseError(Json::object()).message, HasSubstr("region is required"));
  EXPECT_THAT(ParseError(Json{{"region", 7}}).message, HasSubstr("region must be a string"));
  EXPECT_THAT(ParseError(Json{{"region", "eu-west-1"}, {"endpoint", true}}).message,
              HasSubstr("endpoint must be a string"));
  EXPECT_THAT(ParseError(WithCredentials("keys")).message,
              HasSubstr("credentials must be an object"));
  EXPECT_THAT(ParseError(WithCredentials(Json::object())).message,
              HasSubstr("credentials.mode is required"));
  EXPECT_THAT(ParseError(WithCredentials({{"mode", 1}})).message,
              HasSubstr("credentials.mode must be a string"));
  EXPECT_THAT(ParseError(WithCredentials({{"mode", "keys"}})).message,
              HasSubstr("credentials.accessKeyId is required in mode keys"));
  EXPECT_THAT(ParseError(WithCredentials({{"mode", "keys"}, {"accessKeyId", "AKIA1"}})).message,
              HasSubstr("credentials.secretAccessKeySecret is required"));
  EXPECT_THAT(ParseError(WithCredentials({{"mode", "delegate"}, {"accessKeyId", "AKIA1"}})).message,
              HasSubstr("mode delegate takes no accessKeyId"));
  EXPECT_THAT(ParseError(WithCredentials({{"mode", "delegate"}, {"assumeRole", "arn"}})).message,
              HasSubstr("credentials.assumeRole must be an object"));
  EXPECT_THAT(
      ParseError(WithCredentials({{"mode", "delegate"}, {"assumeRole", Json::object()}})).message,
      HasSubstr("credentials.assumeRole.roleArn is required"));
  Json role{{"roleArn", "arn:aws:iam::111111111111:role/deployer"}};
  Json bad = role;
  bad["durationSeconds"] = "900";
  EXPECT_THAT(ParseError(WithCredentials({{"mode", "delegate"}, {"assumeRole", bad}})).message,
              HasSubstr("durationSeconds must be an integer"));
  bad["durationSeconds"] = 60;
  EXPECT_THAT(ParseError(WithCredentials({{"mode", "delegate"}, {"assumeRole", bad}})).message,
              HasSubstr("durationSeconds must be 900-43200"));
  bad = role;
  bad["roleArn"] = "deployer";
  EXPECT_THAT(ParseError(WithCredentials({{"mode", "delegate"}, {"assumeRole", bad}})).message,
              HasSubstr("roleArn is not an ARN"));
}

TEST(TargetJsonTest, RejectsAnUnknownModeAndUnknownFields) {
  EXPECT_THAT(ParseError(WithCredentials({{"mode", "instance-profile"}})).message,
              HasSubstr("must be \"delegate\" or \"keys\""));
  EXPECT_THAT(
      ParseError(WithCredentials({{"mode", "delegate"}, {"secretAccessKey", "raw"}})).message,
      HasSubstr("unknown field \"secretAccessKey\""))
      << "a secret value in the payload is refused, not ignored";
  Json role{{"roleArn", "arn:aws:iam::111111111111:role/deployer"}, {"policy", "{}"}};
  EXPECT_THAT(ParseError(WithCredentials({{"mode", "delegate"}, {"assumeRole", role}})).message,
              HasSubstr("credentials.assumeRole has an unknown field"));
}

TEST(TargetJsonTest, RejectsOversizedAndMalformedStringsWithoutEchoingThem) {
  const std::string huge(100'000, 'A');
  EXPECT_THAT(ParseError(Json{{"region", huge}}).message, HasSubstr("region must be 1-64"));
  EXPECT_THAT(ParseError(Json{{"region", "eu-west-1"}, {"endpoint", huge}}).message,
              HasSubstr("endpoint must be 1-512"));
  EXPECT_THAT(ParseError(Json{{"region", "eu-west-1"}, {"cloudProvider", huge}}).message,
              HasSubstr("cloudProvider must be 1-256"));
  Error e = ParseError(WithCredentials({{"mode", "keys"}, {"accessKeyId", huge}}));
  EXPECT_THAT(e.message, HasSubstr("accessKeyId must be 1-128"));
  EXPECT_LT(e.message.size(), 200u);
  EXPECT_THAT(
      ParseError(WithCredentials(
                     {{"mode", "keys"}, {"accessKeyId", "AKIA 1"}, {"secretAccessKeySecret", "k"}}))
          .message,
      HasSubstr("accessKeyId must be letters and digits"));
  EXPECT_THAT(ParseError(WithCredentials({{"mode", "keys"},
                                          {"accessKeyId", "AKIA1"},
                                          {"secretAccessKeySecret", "a\nb"}}))
                  .message,
              HasSubstr("must not contain control characters"));
  EXPECT_THAT(ParseError(WithCredentials({{"mode", "keys"},
                                          {"accessKeyId", "AKIA1"},
                                          {"secretAccessKeySecret", std::string(300, 'k')}}))
                  .message,
              HasSubstr("secretAccessKeySecret must be 1-256"));

  Json role{{"roleArn", "arn:aws:iam::111111111111:role/deployer"},
            {"externalId", "tenant-7 secret-ish"}};
  e = ParseError(WithCredentials({{"mode", "delegate"}, {"assumeRole", role}}));
  EXPECT_THAT(e.message, HasSubstr("externalId must be 2-1224 characters"));
  EXPECT_THAT(e.message, Not(HasSubstr("secret-ish"))) << "the ExternalId is never echoed";
  role["externalId"] = std::string(1225, 'x');
  EXPECT_THAT(ParseError(WithCredentials({{"mode", "delegate"}, {"assumeRole", role}})).message,
              HasSubstr("externalId must be 1-1224"));
  role["externalId"] = "ok-id";
  role["sessionName"] = "has space";
  EXPECT_THAT(ParseError(WithCredentials({{"mode", "delegate"}, {"assumeRole", role}})).message,
              HasSubstr("sessionName must be 2-64 characters"));
  role["sessionName"] = std::string(65, 's');
  EXPECT_THAT(ParseError(WithCredentials({{"mode", "delegate"}, {"assumeRole", role}})).message,
              HasSubstr("sessionName must be 1-64"));
}

}  // namespace
}  // namespace ferry::lambda
