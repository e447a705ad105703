#include "lambda/rollback_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lambda/plan_fixtures.h"

namespace ferry::lambda {
namespace {

using fixtures::Deployed;
using fixtures::Desired;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using K = RollbackActionKind;

std::vector<K> Kinds(const std::vector<RollbackAction>& plan) {
  std::vector<K> kinds;
  for (const auto& a : plan) kinds.push_back(a.kind);
  return kinds;
}

// A snapshot with a weighted "live" alias and a plain "dev" alias.
ObservedFunction Snapshot() {
  DesiredFunction d = Desired();
  d.aliases = {"dev", "live"};
  ObservedFunction f = Deployed(d, "3");
  f.versions.push_back(VersionInfo{"2", "SHA-A", d.config});
  f.aliases[1].version = "2";
  f.aliases[1].weights = {{"3", 0.25}};
  return f;
}

TEST(RollbackPlanTest, RestoresEveryAliasExactlyWithOneGuardedCallEach) {
  ObservedFunction snapshot = Snapshot();
  ObservedFunction current = snapshot;
  current.versions.push_back(VersionInfo{"4", "SHA-C", current.config});
  for (auto& alias : current.aliases) {
    alias.version = "4";
    alias.weights.clear();
    alias.revision_id = "rev-now-" + alias.name;
  }
  auto plan = PlanRollback(snapshot, current, {.deployed_aliases = {"dev", "live"}});
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_THAT(Kinds(*plan), ElementsAre(K::kUpdateAlias, K::kUpdateAlias));
  EXPECT_EQ((*plan)[0].alias, "dev");
  EXPECT_EQ((*plan)[0].version, "3");
  EXPECT_TRUE((*plan)[0].weights.empty());
  EXPECT_EQ((*plan)[0].revision_id, "rev-now-dev") << "guarded by the revision read just before";
  EXPECT_EQ((*plan)[1].alias, "live");
  EXPECT_EQ((*plan)[1].version, "2");
  EXPECT_EQ((*plan)[1].weights, (RoutingWeights{{"3", 0.25}}));
}

TEST(RollbackPlanTest, AliasesAlreadyAtTheSnapshotAreLeftAlone) {
  ObservedFunction snapshot = Snapshot();
  auto plan = PlanRollback(snapshot, snapshot, {.deployed_aliases = {"dev", "live"}});
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(*plan, IsEmpty());
  // Half-restored (a crash during rollback): only the rest is planned.
  ObservedFunction current = snapshot;
  current.versions.push_back(VersionInfo{"4", "SHA-C", current.config});
  current.aliases[0].version = "4";
  plan = PlanRollback(snapshot, current, {.deployed_aliases = {"dev", "live"}});
  ASSERT_TRUE(plan.ok());
  ASSERT_THAT(Kinds(*plan), ElementsAre(K::kUpdateAlias));
  EXPECT_EQ((*plan)[0].alias, "dev");
}

TEST(RollbackPlanTest, AliasesCreatedByTheDeploymentAreDeletedOthersKept) {
  ObservedFunction snapshot = Snapshot();
  ObservedFunction current = snapshot;
  current.aliases.push_back(AliasState{"qa", "3", {}, "r", ""});
  current.aliases.push_back(AliasState{"someone-elses", "3", {}, "r", ""});
  auto plan = PlanRollback(snapshot, current, {.deployed_aliases = {"dev", "live", "qa"}});
  ASSERT_TRUE(plan.ok());
  ASSERT_THAT(Kinds(*plan), ElementsAre(K::kDeleteAlias));
  EXPECT_EQ((*plan)[0].alias, "qa");
}

TEST(RollbackPlanTest, AliasDeletedSinceTheSnapshotIsRecreated) {
  ObservedFunction snapshot = Snapshot();
  ObservedFunction current = snapshot;
  current.aliases.erase(current.aliases.begin() + 1);
  auto plan = PlanRollback(snapshot, current, {.deployed_aliases = {"dev", "live"}});
  ASSERT_TRUE(plan.ok());
  ASSERT_THAT(Kinds(*plan), ElementsAre(K::kCreateAlias));
  EXPECT_EQ((*plan)[0].weights, (RoutingWeights{{"3", 0.25}}));
}

TEST(RollbackPlanTest, CreatedFunctionIsDeletedUnlessKept) {
  ObservedFunction snapshot;  // did not exist
  snapshot.function_name = "orders-api-dev";
  ObservedFunction current = Deployed(Desired());
  auto plan = PlanRollback(snapshot, current, {.deployed_aliases = {"dev"}});
  ASSERT_TRUE(plan.ok());
  ASSERT_THAT(Kinds(*plan), ElementsAre(K::kDeleteFunction));
  EXPECT_EQ((*plan)[0].function_name, "orders-api-dev");

  plan =
      PlanRollback(snapshot, current, {.keep_created_function = true, .deployed_aliases = {"dev"}});
  ASSERT_TRUE(plan.ok());
  ASSERT_THAT(Kinds(*plan), ElementsAre(K::kDeleteAlias));

  // Already deleted (a re-run after a crash): nothing left to do.
  plan = PlanRollback(snapshot, ObservedFunction{}, {});
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(*plan, IsEmpty());
}

TEST(RollbackPlanTest, MissingVersionFailsBeforeAnyCall) {
  ObservedFunction target = Snapshot();
  ObservedFunction current = target;
  current.aliases[0].version = "4";
  current.versions.push_back(VersionInfo{"4", "SHA-C", current.config});
  // Version 2 (live's stable version) was pruned.
  std::erase_if(current.versions, [](const VersionInfo& v) { return v.version == "2"; });
  auto plan = PlanRollback(target, current, {.deployed_aliases = {"dev", "live"}});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(plan.error().message, HasSubstr("version(s) 2 no longer exist"));
}

// Only the aliases the deployment manages are restored: another environment's alias of the same
// function that moved since (its own deployment) is left alone.
TEST(RollbackPlanTest, OnlyTheManagedAliasesAreRestored) {
  ObservedFunction snapshot = Snapshot();
  ObservedFunction current = snapshot;
  current.versions.push_back(VersionInfo{"4", "SHA-C", current.config});
  for (auto& alias : current.aliases) alias.version = "4";
  auto plan = PlanRollback(snapshot, current, {.deployed_aliases = {"dev"}});
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_THAT(Kinds(*plan), ElementsAre(K::kUpdateAlias));
  EXPECT_EQ((*plan)[0].alias, "dev");
  // A version only an unmanaged alias needs may be gone: that is no reason to refuse.
  std::erase_if(current.versions, [](const VersionInfo& v) { return v.version == "2"; });
  plan = PlanRollback(snapshot, current, {.deployed_aliases = {"dev"}});
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_THAT(Kinds(*plan), ElementsAre(K::kUpdateAlias));
}

// A function deleted outside Ferry since the snapshot cannot have its aliases restored: an
// error that says so, not an empty plan that "succeeds".
TEST(RollbackPlanTest, AFunctionDeletedSinceTheSnapshotIsAnError) {
  ObservedFunction gone;
  gone.function_name = "orders-api-dev";
  auto plan = PlanRollback(Snapshot(), gone, {.deployed_aliases = {"dev", "live"}});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(plan.error().message, HasSubstr("no longer exists"));
  EXPECT_THAT(plan.error().message, HasSubstr("orders-api-dev"));
}

// When the snapshot is Ferry's unconfirmed record and what the deployment moved is unknown, an
// alias is restored only when it carries a version newer than any the snapshot knows (published
// by the deployment); one moved outside Ferry to a known version is left alone.
TEST(RollbackPlanTest, UnconfirmedSnapshotsRestoreOnlyAliasesOnNewerVersions) {
  ObservedFunction snapshot = Snapshot();  // versions 2 and 3
  ObservedFunction current = snapshot;
  current.versions.push_back(VersionInfo{"4", "SHA-C", current.config});
  current.aliases[0].version = "4";  // dev: the deployment's new version
  current.aliases[1].version = "3";  // live: moved to a known version, outside Ferry
  current.aliases[1].weights.clear();
  RollbackOptions options{.deployed_aliases = {"dev", "live"}, .only_newer_versions = true};
  auto plan = PlanRollback(snapshot, current, options);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_THAT(Kinds(*plan), ElementsAre(K::kUpdateAlias));
  EXPECT_EQ((*plan)[0].alias, "dev");
  EXPECT_EQ((*plan)[0].version, "3");
  // A weight on the new version counts too.
  current.aliases[1].weights = {{"4", 0.1}};
  plan = PlanRollback(snapshot, current, options);
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(Kinds(*plan), ElementsAre(K::kUpdateAlias, K::kUpdateAlias));
  // An alias created outside Ferry on a known version is not deleted.
  current.aliases.push_back(AliasState{"qa", "3", {}, "r", ""});
  options.deployed_aliases.insert("qa");
  plan = PlanRollback(snapshot, current, options);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->size(), 2u);
}

TEST(RollbackPlanTest, DescriptionsAreReadable) {
  RollbackAction a{K::kUpdateAlias, "fn", "live", "2", {{"3", 0.25}}, "0123456789abcdef", ""};
  EXPECT_EQ(DescribeRollbackAction(a),
            "UpdateAlias fn:live → version 2 + 3@0.250000 (RevisionId 0123456789ab)");
}

ObservedFunction WithVersions(int n) {
  ObservedFunction f;
  f.exists = true;
  for (int i = n; i >= 1; --i) f.versions.push_back(VersionInfo{std::to_string(i), "", {}});
  return f;
}

TEST(PrunePlanTest, KeepsNewestTenByNumericOrder) {
  ObservedFunction f = WithVersions(12);
  EXPECT_THAT(PlanPrune(f, {}), ElementsAre("1", "2"));
  f = WithVersions(10);
  EXPECT_THAT(PlanPrune(f, {}), IsEmpty());
  f = WithVersions(25);
  auto remove = PlanPrune(f, {.keep = 3});
  ASSERT_EQ(remove.size(), 22u);
  EXPECT_EQ(remove.front(), "1");
  EXPECT_EQ(remove.back(), "22") << "versions 23, 24, 25 are the newest, not 7, 8, 9";
}

TEST(PrunePlanTest, KeepsVersionsAliasesAndRunningDeploymentsReference) {
  ObservedFunction f = WithVersions(15);
  f.versions.push_back(VersionInfo{"$LATEST", "", {}});
  f.versions.push_back(VersionInfo{"3", "", {}});  // duplicates are harmless
  f.aliases.push_back(AliasState{"live", "2", {{"4", 0.1}}, "r", ""});
  auto remove = PlanPrune(f, {.keep = 10, .protected_versions = {"1"}});
  EXPECT_THAT(remove, ElementsAre("3", "5"));
  EXPECT_THAT(PlanPrune(f, {.keep = 0}),
              ElementsAre("1", "3", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"));
}

}  // namespace
}  // namespace ferry::lambda
