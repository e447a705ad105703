#include "lambda/state_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/json.h"
#include "lambda/plan_fixtures.h"

namespace ferry::lambda {
namespace {

using ::testing::HasSubstr;

TEST(StateJsonTest, DesiredFunctionRoundTrips) {
  DesiredFunction d = fixtures::Desired();
  d.config.vpc = {{"subnet-1"}, {"sg-1"}};
  d.config.layers = {"arn:l:1"};
  d.traffic = TrafficPolicy::kNone;
  d.previously_managed_tags = {"old"};
  d.secret_environment["DB_URL"] = {{"pg://app:", ""}, {"", "db-password"}, {"@db", ""}};
  auto back = DesiredFromJson(ToJson(d));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(ToJson(*back), ToJson(d));
  EXPECT_EQ(back->traffic, TrafficPolicy::kNone);
  EXPECT_EQ(back->config.vpc.subnet_ids, d.config.vpc.subnet_ids);
  EXPECT_EQ(back->secret_environment, d.secret_environment);
}

TEST(StateJsonTest, BinaryZipSurvivesTheJsonRoundTrip) {
  DesiredFunction d = fixtures::Desired();
  d.code = CodeSource{};
  d.code.zip_file = std::string("PK\x03\x04\x00\xff\xfe\x80 binary", 16);
  auto back = DesiredFromJson(*ParseJson(DumpJson(ToJson(d))));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->code.zip_file, d.code.zip_file);
  Json bad = ToJson(d);
  bad["code"]["zipFileBase64"] = "%%%";
  EXPECT_FALSE(DesiredFromJson(bad).ok());
}

TEST(StateJsonTest, ObservedFunctionRoundTripsWithWeights) {
  ObservedFunction f = fixtures::Deployed(fixtures::Desired());
  f.aliases[0].weights = {{"1", 0.125}};
  auto back = ObservedFromJson(ToJson(f));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(ToJson(*back), ToJson(f));
}

TEST(StateJsonTest, DeploymentRecordRedactsEnvironmentValues) {
  FunctionDeployment d;
  d.function_name = "fn";
  d.started = true;
  d.snapshot_taken = true;
  d.snapshot = fixtures::Deployed(fixtures::Desired());
  d.error = Error{ErrorCode::kConflict, "busy"};
  d.calls.push_back(CallRecord{"PublishVersion", "PublishVersion fn", true, {"req-1"}, ""});
  Json json = ToJson(d);
  EXPECT_EQ(json.dump().find("s3cr3t"), std::string::npos);
  EXPECT_EQ(json["snapshot"]["config"]["environment"]["DB_PASSWORD"], "");
  auto back = DeploymentFromJson(json);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->error->code, ErrorCode::kConflict);
  EXPECT_EQ(back->calls[0].request_ids[0], "req-1");
  EXPECT_EQ(back->snapshot.FindAlias("dev")->version, "3");
}

TEST(StateJsonTest, HostileInputsAreErrorsNotCrashes) {
  const char* inputs[] = {
      R"([])",
      R"({})",
      R"({"functionName": 5, "config": {}, "code": {}})",
      R"({"functionName": "f", "config": [], "code": {}})",
      R"({"functionName": "f", "config": {"memoryMb": "lots"}, "code": {}})",
      R"({"functionName": "f", "config": {"environment": {"A": 1}}, "code": {}})",
      R"({"functionName": "f", "config": {}, "code": {}, "traffic": "sideways"})",
      R"({"functionName": "f", "config": {}, "code": {}, "aliases": "dev"})",
      R"({"functionName": "f", "config": {"memoryMb": 1e300}, "code": {}})",
      R"({"functionName": "f", "config": {}, "code": {}, "secretEnvironment": []})",
      R"({"functionName": "f", "config": {}, "code": {}, "secretEnvironment": {"A": "x"}})",
      R"({"functionName": "f", "config": {}, "code": {}, "secretEnvironment": {"A": [1]}})",
      R"({"functionName": "f", "config": {}, "code": {}, "secretEnvironment": {"A": [{}]}})",
      R"({"functionName": "f", "config": {}, "code": {},
          "secretEnvironment": {"A": [{"text": "a", "secret": "b"}]}})",
      R"({"functionName": "f", "config": {}, "code": {}, "secretEnvironment": {"A": [{"secret": ""}]}})",
      R"({"functionName": "f", "config": {}, "code": {}, "secretEnvironment": {"A": [{"secret": 7}]}})",
      R"({"functionName": "f", "config": {}, "code": {}, "secretEnvironment": {"A": [{"text": 7}]}})",
      R"({"functionName": "f", "config": {}, "code": {}, "secretEnvironment": {"A": [{"value": "v"}]}})",
  };
  for (const char* text : inputs) {
    auto json = ParseJson(text);
    ASSERT_TRUE(json.ok()) << text;
    auto d = DesiredFromJson(*json);
    EXPECT_FALSE(d.ok()) << text;
    if (!d.ok()) {
      EXPECT_EQ(d.error().code, ErrorCode::kInvalidArgument) << text;
    }
  }
  auto alias = AliasFromJson(*ParseJson(R"({"name": "a", "weights": {"2": 7}})"));
  ASSERT_FALSE(alias.ok());
  EXPECT_THAT(alias.error().message, HasSubstr("weight"));
  EXPECT_FALSE(ObservedFromJson(*ParseJson(R"({"versions": [{}]})")).ok());
  EXPECT_FALSE(DeploymentFromJson(*ParseJson(R"({"functionName": "f", "calls": 3})")).ok());
}

}  // namespace
}  // namespace ferry::lambda
