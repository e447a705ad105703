#include "lambda/config_compare.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lambda/plan_fixtures.h"

namespace ferry::lambda {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ConfigCompareTest, IdenticalConfigsHaveNoDifferences) {
  FunctionConfig c = fixtures::Desired().config;
  EXPECT_THAT(ConfigDifferences(c, c), IsEmpty());
}

TEST(ConfigCompareTest, DefaultsEqualTheirAwsSpelling) {
  FunctionConfig desired;  // architectures, tracing, package type unset
  FunctionConfig aws;
  aws.architectures = {"x86_64"};
  aws.tracing_mode = "PassThrough";
  aws.package_type = "Zip";
  EXPECT_THAT(ConfigDifferences(desired, aws), IsEmpty());
  EXPECT_FALSE(ArchitecturesDiffer(desired, aws));
  aws.architectures = {"arm64"};
  EXPECT_TRUE(ArchitecturesDiffer(desired, aws));
  EXPECT_THAT(ConfigDifferences(desired, aws), IsEmpty()) << "architecture is a code change";
}

TEST(ConfigCompareTest, VpcIdsAreSetsButLayersAreOrdered) {
  FunctionConfig a, b;
  a.vpc = {{"subnet-2", "subnet-1"}, {"sg-b", "sg-a", "sg-a"}};
  b.vpc = {{"subnet-1", "subnet-2"}, {"sg-a", "sg-b"}};
  EXPECT_THAT(ConfigDifferences(a, b), IsEmpty());
  b.vpc.subnet_ids.push_back("subnet-3");
  EXPECT_THAT(ConfigDifferences(a, b), ElementsAre("VpcConfig"));

  a = b = FunctionConfig{};
  a.layers = {"arn:layer:x:1", "arn:layer:y:2"};
  b.layers = {"arn:layer:y:2", "arn:layer:x:1"};
  EXPECT_THAT(ConfigDifferences(a, b), ElementsAre("Layers"));
}

TEST(ConfigCompareTest, EveryFieldIsReportedByItsAwsName) {
  FunctionConfig a;
  FunctionConfig b;
  b.runtime = "nodejs20.x";
  b.handler = "index.handler";
  b.role = "arn:role";
  b.description = "d";
  b.memory_mb = 1024;
  b.timeout_seconds = 900;
  b.ephemeral_storage_mb = 10240;
  b.layers = {"arn:l:1"};
  b.environment = {{"A", "1"}};
  b.vpc.subnet_ids = {"subnet-1"};
  b.tracing_mode = "Active";
  b.kms_key_arn = "arn:kms";
  b.dead_letter_target = "arn:sqs";
  EXPECT_THAT(ConfigDifferences(a, b),
              ElementsAre("Runtime", "Handler", "Role", "Description", "MemorySize", "Timeout",
                          "EphemeralStorage", "Layers", "Environment", "VpcConfig", "TracingConfig",
                          "KMSKeyArn", "DeadLetterConfig"));
}

TEST(ConfigCompareTest, EnvironmentValuesAndKeysCompareExactly) {
  FunctionConfig a, b;
  a.environment = {{"A", "1"}};
  b.environment = {{"A", "1 "}};
  EXPECT_THAT(ConfigDifferences(a, b), ElementsAre("Environment"));
  b.environment = {{"a", "1"}};
  EXPECT_THAT(ConfigDifferences(a, b), ElementsAre("Environment"));
  b.environment = {{"A", "1"}};
  EXPECT_THAT(ConfigDifferences(a, b), IsEmpty());
}

TEST(ConfigCompareTest, MergeManagedKeepsForeignKeysAndDropsFormerlyManagedOnes) {
  std::map<std::string, std::string> current = {
      {"team", "orders"}, {"old", "x"}, {"owner", "someone"}, {"cost", "1"}};
  std::map<std::string, std::string> declared = {{"team", "payments"}, {"cost", "2"}};
  auto merged = MergeManaged(current, declared, {"team", "old", "cost"});
  EXPECT_EQ(merged, (std::map<std::string, std::string>{
                        {"team", "payments"}, {"owner", "someone"}, {"cost", "2"}}));
  // Nothing managed before: nothing removed.
  merged = MergeManaged(current, {}, {});
  EXPECT_EQ(merged, current);
}

TEST(ConfigCompareTest, EffectiveConfigMergesEnvironmentAgainstTheLiveFunction) {
  DesiredFunction d = fixtures::Desired();
  d.previously_managed_environment = {"STAGE", "REMOVED"};
  ObservedFunction f = fixtures::Deployed(d);
  f.config.environment = {{"STAGE", "old"}, {"REMOVED", "1"}, {"MANUAL", "kept"}};
  auto eff = EffectiveConfig(d, f);
  EXPECT_EQ(eff.environment,
            (std::map<std::string, std::string>{
                {"STAGE", "dev"}, {"DB_PASSWORD", "s3cr3t-value"}, {"MANUAL", "kept"}}));
  ObservedFunction missing;
  EXPECT_EQ(EffectiveConfig(d, missing).environment, d.config.environment);
}

TEST(ConfigCompareTest, VersionMatchesNeedsShaAndEveryField) {
  DesiredFunction d = fixtures::Desired();
  VersionInfo v{"4", "SHA-B", d.config};
  EXPECT_TRUE(VersionMatches(v, "SHA-B", d.config));
  EXPECT_FALSE(VersionMatches(v, "SHA-C", d.config));
  EXPECT_FALSE(VersionMatches(v, "", d.config));
  FunctionConfig other = d.config;
  other.memory_mb = 512;
  EXPECT_FALSE(VersionMatches(v, "SHA-B", other));
  other = d.config;
  other.architectures = {"arm64"};
  EXPECT_FALSE(VersionMatches(v, "SHA-B", other));
}

// PublishVersion's Description becomes the version's: a version published with "ferry
// execution X" still matches a function whose own description is something else.
TEST(ConfigCompareTest, VersionMatchesIgnoresThePublishDescription) {
  DesiredFunction d = fixtures::Desired();
  d.config.description = "orders API";
  VersionInfo v{"4", "SHA-B", d.config};
  v.config.description = "ferry execution 01J0000000000000000000000";
  EXPECT_TRUE(VersionMatches(v, "SHA-B", d.config));
  v.config.timeout_seconds = d.config.timeout_seconds + 1;
  EXPECT_FALSE(VersionMatches(v, "SHA-B", d.config));
}

TEST(ConfigCompareTest, WeightsCompareWithinTolerance) {
  EXPECT_TRUE(SameWeights({}, {}));
  EXPECT_TRUE(SameWeights({{"2", 0.1}}, {{"2", 0.1 + 1e-12}}));
  EXPECT_FALSE(SameWeights({{"2", 0.1}}, {{"2", 0.2}}));
  EXPECT_FALSE(SameWeights({{"2", 0.1}}, {{"3", 0.1}}));
  EXPECT_FALSE(SameWeights({{"2", 0.1}}, {}));
}

TEST(VersionOrderTest, NumericNotLexicographic) {
  EXPECT_TRUE(VersionLess("9", "10"));
  EXPECT_FALSE(VersionLess("10", "9"));
  EXPECT_TRUE(VersionLess("$LATEST", "1"));
  EXPECT_EQ(ParseVersionNumber("17"), 17u);
  EXPECT_EQ(ParseVersionNumber("$LATEST"), std::nullopt);
  EXPECT_EQ(ParseVersionNumber(""), std::nullopt);
  EXPECT_EQ(ParseVersionNumber("0"), std::nullopt);
  EXPECT_EQ(ParseVersionNumber("-1"), std::nullopt);
  EXPECT_EQ(ParseVersionNumber("1e3"), std::nullopt);
  EXPECT_EQ(ParseVersionNumber("99999999999999999999999"), std::nullopt);
}

}  // namespace
}  // namespace ferry::lambda
