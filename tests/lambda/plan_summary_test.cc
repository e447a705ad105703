// PlanFunction: `ferry plan`'s answer for one function, from the same decisions the deployer makes.
#include "lambda/plan_summary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lambda/plan_fixtures.h"

namespace ferry::lambda {
namespace {

using fixtures::Deployed;
using fixtures::Desired;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(PlanSummaryTest, NothingToDoWhenTheFunctionIsAsDesired) {
  DesiredFunction d = Desired();
  auto plan = PlanFunction(d, Deployed(d));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_FALSE(plan->changes());
  EXPECT_THAT(plan->calls, IsEmpty());
}

TEST(PlanSummaryTest, ACodeChangeUpdatesPublishesAndMovesTheAlias) {
  DesiredFunction d = Desired();
  ObservedFunction current = Deployed(d, "3");
  d.code.code_sha256 = "SHA-NEW";
  auto plan = PlanFunction(d, current);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_TRUE(plan->update_code);
  EXPECT_EQ(plan->code_sha256_from, "SHA-B");
  EXPECT_EQ(plan->code_sha256_to, "SHA-NEW");
  EXPECT_TRUE(plan->publish);
  EXPECT_THAT(plan->configuration_changes, IsEmpty());
  ASSERT_EQ(plan->alias_moves.size(), 1u);
  EXPECT_EQ(plan->alias_moves[0], (AliasMove{"dev", "3", "<new version>"}));
  std::vector<std::string> mutating;
  for (const auto& c : plan->calls) {
    if (c.mutating) mutating.push_back(c.operation);
  }
  EXPECT_THAT(mutating, ElementsAre("UpdateFunctionCode", "PublishVersion", "UpdateAlias"));
}

TEST(PlanSummaryTest, AConfigurationChangeNamesTheFieldsNeverTheValues) {
  DesiredFunction d = Desired();
  ObservedFunction current = Deployed(d);
  d.config.memory_mb = 1024;
  d.config.environment["DB_PASSWORD"] = "an-even-newer-s3cr3t";
  auto plan = PlanFunction(d, current);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_THAT(plan->configuration_changes, ElementsAre("MemorySize", "Environment"));
  EXPECT_TRUE(plan->publish);
  for (const auto& c : plan->calls) {
    EXPECT_EQ(c.description.find("s3cr3t"), std::string::npos) << c.description;
  }
}

TEST(PlanSummaryTest, ANewFunctionIsCreatedWithItsTagsAndAlias) {
  DesiredFunction d = Desired();
  d.code.code_sha256.clear();  // unknown until Lambda computes it at creation
  ObservedFunction missing;
  missing.function_name = d.function_name;
  auto plan = PlanFunction(d, missing);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_TRUE(plan->create);
  EXPECT_EQ(plan->code_sha256_to, "");
  EXPECT_THAT(plan->tags_set, ElementsAre("team"));
  ASSERT_EQ(plan->alias_moves.size(), 1u);
  EXPECT_EQ(plan->alias_moves[0].from, "");
}

TEST(PlanSummaryTest, AnAliasMovedOutsideFerryIsMovedBack) {
  DesiredFunction d = Desired();
  ObservedFunction current = Deployed(d, "3");
  current.aliases[0].version = "1";  // drifted
  auto plan = PlanFunction(d, current);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_FALSE(plan->publish) << "version 3 holds this code and configuration";
  ASSERT_EQ(plan->alias_moves.size(), 1u);
  EXPECT_EQ(plan->alias_moves[0], (AliasMove{"dev", "1", "3"}));
}

TEST(PlanSummaryTest, TagsFerryNoLongerDeclaresAreRemoved) {
  DesiredFunction d = Desired();
  ObservedFunction current = Deployed(d);
  current.tags["old"] = "x";
  d.previously_managed_tags = {"old", "team"};
  auto plan = PlanFunction(d, current);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_THAT(plan->tags_removed, ElementsAre("old"));
  EXPECT_TRUE(plan->changes());
}

TEST(PlanSummaryTest, AFailedFunctionCannotBePlanned) {
  DesiredFunction d = Desired();
  ObservedFunction current = Deployed(d);
  current.state = "Failed";
  EXPECT_EQ(PlanFunction(d, current).error().code, ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace ferry::lambda
