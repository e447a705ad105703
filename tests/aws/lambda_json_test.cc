// Lambda JSON bodies to and from the typed structs: the configuration members Ferry manages
// (VpcConfig, TracingConfig, KMSKeyArn, DeadLetterConfig) per the shapes in
// tests/data/aws/models/lambda/2015-03-31 (VpcConfig / VpcConfigResponse, TracingConfig /
// TracingConfigResponse, DeadLetterConfig, KMSKeyArn), and hostile response bodies.
#include "aws/lambda_json.h"

#include <gtest/gtest.h>

namespace ferry::aws {
namespace {

Json Parse(const char* text) { return lambda_json::ParseObject(text, "Test").value(); }

TEST(LambdaJsonTest, CreateFunctionCarriesVpcTracingKmsAndDeadLetter) {
  CreateFunctionRequest r;
  r.function_name = "orders";
  r.role = "arn:aws:iam::123456789012:role/r";
  r.vpc_config = VpcConfig{{"subnet-1", "subnet-2"}, {"sg-1"}};
  r.tracing_mode = "Active";
  r.kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/k";
  r.dead_letter_target_arn = "arn:aws:sqs:us-east-1:123456789012:dlq";
  const Json body = lambda_json::FromCreateFunction(r);
  EXPECT_EQ(body["VpcConfig"], Json::parse(R"({"SubnetIds": ["subnet-1", "subnet-2"],
                                               "SecurityGroupIds": ["sg-1"]})"));
  EXPECT_EQ(body["TracingConfig"], Json::parse(R"({"Mode": "Active"})"));
  EXPECT_EQ(body["KMSKeyArn"], "arn:aws:kms:us-east-1:123456789012:key/k");
  EXPECT_EQ(body["DeadLetterConfig"],
            Json::parse(R"({"TargetArn": "arn:aws:sqs:us-east-1:123456789012:dlq"})"));
}

TEST(LambdaJsonTest, CreateFunctionLeavesUnsetMembersOut) {
  CreateFunctionRequest r;
  r.function_name = "orders";
  const Json body = lambda_json::FromCreateFunction(r);
  for (const char* member : {"VpcConfig", "TracingConfig", "KMSKeyArn", "DeadLetterConfig"}) {
    EXPECT_FALSE(body.contains(member)) << member;
  }
}

TEST(LambdaJsonTest, UpdateConfigurationSendsChangesAndExplicitRemovals) {
  UpdateFunctionConfigurationRequest set;
  set.vpc_config = VpcConfig{{"subnet-1"}, {"sg-1", "sg-2"}};
  set.tracing_mode = "Active";
  set.kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/k";
  set.dead_letter_target_arn = "arn:aws:sns:us-east-1:123456789012:t";
  Json body = lambda_json::FromUpdateFunctionConfiguration(set);
  EXPECT_EQ(body["VpcConfig"]["SecurityGroupIds"], Json::parse(R"(["sg-1", "sg-2"])"));
  EXPECT_EQ(body["TracingConfig"]["Mode"], "Active");
  EXPECT_EQ(body["DeadLetterConfig"]["TargetArn"], "arn:aws:sns:us-east-1:123456789012:t");

  // Removal is a value, not an absence: Lambda keeps whatever is not sent.
  UpdateFunctionConfigurationRequest clear;
  clear.vpc_config = VpcConfig{};
  clear.tracing_mode = "PassThrough";
  clear.kms_key_arn = "";
  clear.dead_letter_target_arn = "";
  body = lambda_json::FromUpdateFunctionConfiguration(clear);
  EXPECT_EQ(body["VpcConfig"], Json::parse(R"({"SubnetIds": [], "SecurityGroupIds": []})"));
  EXPECT_EQ(body["TracingConfig"]["Mode"], "PassThrough");
  EXPECT_EQ(body["KMSKeyArn"], "");
  EXPECT_EQ(body["DeadLetterConfig"]["TargetArn"], "");

  body = lambda_json::FromUpdateFunctionConfiguration(UpdateFunctionConfigurationRequest{});
  for (const char* member : {"VpcConfig", "TracingConfig", "KMSKeyArn", "DeadLetterConfig"}) {
    EXPECT_FALSE(body.contains(member)) << member;
  }
}

TEST(LambdaJsonTest, ParsesVpcConfigResponseTracingKmsAndDeadLetter) {
  auto c = lambda_json::ToFunctionConfiguration(Parse(R"({
      "FunctionName": "orders",
      "VpcConfig": {"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1", "sg-2"],
                    "VpcId": "vpc-9", "Ipv6AllowedForDualStack": false},
      "TracingConfig": {"Mode": "Active"},
      "KMSKeyArn": "arn:aws:kms:us-east-1:123456789012:key/k",
      "DeadLetterConfig": {"TargetArn": "arn:aws:sqs:us-east-1:123456789012:dlq"}})"));
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->vpc_config.subnet_ids, std::vector<std::string>{"subnet-1"});
  EXPECT_EQ(c->vpc_config.security_group_ids, (std::vector<std::string>{"sg-1", "sg-2"}));
  EXPECT_EQ(c->vpc_id, "vpc-9");
  EXPECT_EQ(c->tracing_mode, "Active");
  EXPECT_EQ(c->kms_key_arn, "arn:aws:kms:us-east-1:123456789012:key/k");
  EXPECT_EQ(c->dead_letter_target_arn, "arn:aws:sqs:us-east-1:123456789012:dlq");

  // GetFunction nests the same shape under Configuration.
  auto got = lambda_json::ToGetFunctionResult(Parse(R"({"Configuration": {
      "VpcConfig": {"SubnetIds": [], "SecurityGroupIds": [], "VpcId": ""},
      "DeadLetterConfig": {}}})"));
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_TRUE(got->configuration.vpc_config.subnet_ids.empty());
  EXPECT_TRUE(got->configuration.dead_letter_target_arn.empty());
}

TEST(LambdaJsonTest, MalformedConfigurationMembersAreErrorsNamingTheMember) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"VpcConfig": "subnet-1"})", "VpcConfig is not an object"},
      {R"({"VpcConfig": {"SubnetIds": "subnet-1"}})", "VpcConfig.SubnetIds"},
      {R"({"VpcConfig": {"SecurityGroupIds": [1, 2]}})", "VpcConfig.SecurityGroupIds"},
      {R"({"DeadLetterConfig": {"TargetArn": 7}})", "DeadLetterConfig.TargetArn"},
      {R"({"TracingConfig": []})", "TracingConfig is not an object"},
      {R"({"KMSKeyArn": {"a": 1}})", "KMSKeyArn"},
  };
  for (const auto& [body, member] : cases) {
    auto c = lambda_json::ToFunctionConfiguration(Parse(body));
    ASSERT_FALSE(c.ok()) << body;
    EXPECT_EQ(c.error().code, ErrorCode::kUnavailable) << body;
    EXPECT_NE(c.error().message.find(member), std::string::npos) << c.error().message;
  }
  // Inside GetFunction the path names the nesting.
  auto got = lambda_json::ToGetFunctionResult(
      Parse(R"({"Configuration": {"VpcConfig": {"SubnetIds": [null]}}})"));
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message.find("Configuration.VpcConfig.SubnetIds"), std::string::npos)
      << got.error().message;
}

TEST(LambdaJsonTest, OversizedVpcListsAreParsedWithoutTrouble) {
  Json body = Json::object();
  std::vector<std::string> many(10'000, std::string(200, 's'));
  body["VpcConfig"] = {{"SubnetIds", many}, {"SecurityGroupIds", many}};
  auto c = lambda_json::ToFunctionConfiguration(body);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->vpc_config.subnet_ids.size(), 10'000u);
}

}  // namespace
}  // namespace ferry::aws
