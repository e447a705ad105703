#include "lambda/deploy_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "lambda/plan_fixtures.h"

namespace ferry::lambda {
namespace {

using fixtures::Deployed;
using fixtures::Desired;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using K = DeployActionKind;

std::vector<K> Kinds(const std::vector<DeployAction>& plan) {
  std::vector<K> kinds;
  for (const auto& a : plan) kinds.push_back(a.kind);
  return kinds;
}

std::vector<DeployAction> MustPlan(const DesiredFunction& d, const ObservedFunction& f) {
  auto plan = PlanDeploy(d, f);
  EXPECT_TRUE(plan.ok()) << (plan.ok() ? "" : plan.error().message);
  return plan.ok() ? *plan : std::vector<DeployAction>{};
}

TEST(DeployPlanTest, NewFunctionIsCreatedWithTagsThenPublishedAndAliased) {
  DesiredFunction d = Desired();
  auto plan = MustPlan(d, ObservedFunction{});
  ASSERT_THAT(Kinds(plan), ElementsAre(K::kCreateFunction, K::kWaitUntilActive, K::kPublishVersion,
                                       K::kCreateAlias, K::kDone));
  EXPECT_EQ(plan[0].tags, d.tags) << "tags go with CreateFunction, not a later TagResource";
  EXPECT_EQ(plan[0].config.memory_mb, 256);
  EXPECT_EQ(plan[0].code.s3_key, "orders/1.2.0.zip");
  EXPECT_EQ(plan[2].code_sha256, "SHA-B");
  EXPECT_EQ(plan[3].alias, "dev");
  EXPECT_EQ(plan[3].version, plan[4].version);
}

TEST(DeployPlanTest, DeployedFunctionNeedsNothing) {
  DesiredFunction d = Desired();
  ObservedFunction f = Deployed(d);
  auto next = NextDeployAction(d, f);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->kind, K::kDone);
  EXPECT_EQ(next->version, "3");
  EXPECT_THAT(Kinds(MustPlan(d, f)), ElementsAre(K::kDone));
}

TEST(DeployPlanTest, NewCodeUpdatesCodePublishesGuardedAndMovesAlias) {
  DesiredFunction d = Desired();
  ObservedFunction f = Deployed(d);
  d.code.code_sha256 = "SHA-C";
  auto plan = MustPlan(d, f);
  ASSERT_THAT(Kinds(plan), ElementsAre(K::kUpdateCode, K::kWaitUntilUpdated, K::kPublishVersion,
                                       K::kUpdateAlias, K::kDone));
  EXPECT_EQ(plan[0].revision_id, "rev-latest");
  EXPECT_EQ(plan[2].code_sha256, "SHA-C");
  EXPECT_NE(plan[2].revision_id, "rev-latest") << "publish is guarded by the revision after update";
  EXPECT_FALSE(plan[2].revision_id.empty());
  EXPECT_EQ(plan[3].revision_id, "rev-alias-dev");
  EXPECT_EQ(plan[3].version, "4");
  EXPECT_TRUE(plan[3].weights.empty());
}

TEST(DeployPlanTest, ConfigurationChangeSendsOnlyChangedFields) {
  DesiredFunction d = Desired();
  ObservedFunction f = Deployed(d);
  d.config.memory_mb = 512;
  d.config.vpc = {{"subnet-b", "subnet-a"}, {"sg-1"}};
  auto plan = MustPlan(d, f);
  ASSERT_THAT(Kinds(plan), ElementsAre(K::kUpdateConfiguration, K::kWaitUntilUpdated,
                                       K::kPublishVersion, K::kUpdateAlias, K::kDone));
  EXPECT_THAT(plan[0].changed_fields, ElementsAre("MemorySize", "VpcConfig"));
  EXPECT_EQ(plan[0].revision_id, "rev-latest");
}

TEST(DeployPlanTest, CodeAndConfigurationChangeWaitBetweenCalls) {
  DesiredFunction d = Desired();
  ObservedFunction f = Deployed(d);
  d.code.code_sha256 = "SHA-C";
  d.config.timeout_seconds = 30;
  EXPECT_THAT(Kinds(MustPlan(d, f)),
              ElementsAre(K::kUpdateCode, K::kWaitUntilUpdated, K::kUpdateConfiguration,
                          K::kWaitUntilUpdated, K::kPublishVersion, K::kUpdateAlias, K::kDone));
}

TEST(DeployPlanTest, NeverSendsAChangeWhileAnUpdateIsInProgress) {
  DesiredFunction d = Desired();
  d.code.code_sha256 = "SHA-C";
  ObservedFunction f = Deployed(Desired());
  f.last_update_status = "InProgress";
  auto next = NextDeployAction(d, f);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->kind, K::kWaitUntilUpdated);
  f.last_update_status = "Successful";
  f.state = "Pending";
  next = NextDeployAction(d, f);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->kind, K::kWaitUntilActive);
}

TEST(DeployPlanTest, AFailedPreviousUpdateDoesNotBlockANewOne) {
  DesiredFunction d = Desired();
  ObservedFunction f = Deployed(d);
  d.code.code_sha256 = "SHA-C";
  f.last_update_status = "Failed";
  auto next = NextDeployAction(d, f);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->kind, K::kUpdateCode);
}

TEST(DeployPlanTest, FailedFunctionAndPackageTypeChangeAreErrors) {
  DesiredFunction d = Desired();
  ObservedFunction f = Deployed(d);
  f.state = "Failed";
  f.state_reason = "The role defined for the function cannot be assumed by Lambda.";
  auto next = NextDeployAction(d, f);
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(next.error().message, HasSubstr("cannot be assumed"));

  f = Deployed(d);
  f.config.package_type = "Image";
  next = NextDeployAction(d, f);
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(next.error().message, HasSubstr("package type"));
}

TEST(DeployPlanTest, UnknownShaIsResolvedWithDryRunFirst) {
  DesiredFunction d = Desired();
  ObservedFunction f = Deployed(d);
  d.code.code_sha256.clear();
  auto next = NextDeployAction(d, f);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->kind, K::kResolveCodeSha);
  EXPECT_FALSE(IsMutating(next->kind));
  // The executor learns the sha; when it equals the deployed one, nothing else happens.
  d.code.code_sha256 = "SHA-B";
  EXPECT_EQ(NextDeployAction(d, f)->kind, K::kDone);
  // A plan without the sha assumes the code changed.
  d.code.code_sha256.clear();
  EXPECT_THAT(Kinds(MustPlan(d, f)),
              ElementsAre(K::kResolveCodeSha, K::kUpdateCode, K::kWaitUntilUpdated,
                          K::kPublishVersion, K::kUpdateAlias, K::kDone));
  // Creating a function does not need it.
  EXPECT_EQ(NextDeployAction(d, ObservedFunction{})->kind, K::kCreateFunction);
}

TEST(DeployPlanTest, AnExistingVersionWithTheSameCodeAndConfigurationIsReused) {
  DesiredFunction d = Desired();
  ObservedFunction f = Deployed(d);
  // Redeploying the build of version 1: the code goes back, but nothing is published.
  d.code.code_sha256 = "SHA-OLD";
  auto plan = MustPlan(d, f);
  ASSERT_THAT(Kinds(plan),
              ElementsAre(K::kUpdateCode, K::kWaitUntilUpdated, K::kUpdateAlias, K::kDone));
  EXPECT_EQ(plan[2].version, "1");
}

TEST(DeployPlanTest, ReusesTheNewestMatchingVersion) {
  DesiredFunction d = Desired();
  ObservedFunction f = Deployed(d, "9");
  f.versions.push_back(VersionInfo{"10", "SHA-B", f.config});
  f.versions.push_back(VersionInfo{"2", "SHA-B", f.config});
  auto next = NextDeployAction(d, f);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->kind, K::kUpdateAlias);
  EXPECT_EQ(next->version, "10") << "numeric order, not text order";
}

TEST(DeployPlanTest, PublishesWhenLatestIsCurrentButNoVersionMatches) {
  // A crash between UpdateFunctionConfiguration and PublishVersion leaves exactly this.
  DesiredFunction d = Desired();
  ObservedFunction f = Deployed(d);
  d.config.memory_mb = 1024;
  f.config.memory_mb = 1024;
  f.revision_id = "rev-after-config";
  auto next = NextDeployAction(d, f);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->kind, K::kPublishVersion);
  EXPECT_EQ(next->revision_id, "rev-after-config");
  EXPECT_EQ(next->code_sha256, "SHA-B");
}

TEST(DeployPlanTest, ArchitectureChangeIsACodeUpdateEvenWithTheSameSha) {
  DesiredFunction d = Desired();
  ObservedFunction f = Deployed(d);
  d.config.architectures = {"arm64"};
  auto plan = MustPlan(d, f);
  ASSERT_THAT(Kinds(plan), ElementsAre(K::kUpdateCode, K::kWaitUntilUpdated, K::kPublishVersion,
                                       K::kUpdateAlias, K::kDone));
  EXPECT_THAT(plan[0].config.architectures, ElementsAre("arm64"));
}

TEST(DeployPlanTest, WeightedAliasIsFinalisedAndMissingAliasesCreated) {
  DesiredFunction d = Desired();
  d.aliases = {"dev", "live", "dev"};
  ObservedFunction f = Deployed(Desired());
  f.aliases[0].weights = {{"1", 0.1}};
  auto plan = MustPlan(d, f);
  ASSERT_THAT(Kinds(plan), ElementsAre(K::kUpdateAlias, K::kCreateAlias, K::kDone));
  EXPECT_EQ(plan[0].alias, "dev");
  EXPECT_TRUE(plan[0].weights.empty());
  EXPECT_EQ(plan[1].alias, "live");
  EXPECT_EQ(plan[1].version, "3");
}

TEST(DeployPlanTest, PublishOnlyPolicyLeavesExistingAliasesForTrafficSteps) {
  DesiredFunction d = Desired();
  d.aliases = {"dev", "live"};
  d.traffic = TrafficPolicy::kNone;
  ObservedFunction f = Deployed(Desired());
  d.code.code_sha256 = "SHA-C";
  auto plan = MustPlan(d, f);
  EXPECT_THAT(Kinds(plan), ElementsAre(K::kUpdateCode, K::kWaitUntilUpdated, K::kPublishVersion,
                                       K::kCreateAlias, K::kDone));
  EXPECT_EQ(plan[3].alias, "live");
}

TEST(DeployPlanTest, TagsReconcileOnlyWhatFerryManages) {
  DesiredFunction d = Desired();
  d.tags = {{"team", "payments"}, {"tier", "1"}};
  d.previously_managed_tags = {"team", "retired"};
  ObservedFunction f = Deployed(Desired());
  f.tags = {
      {"team", "orders"}, {"retired", "yes"}, {"owner", "manual"}, {"aws:cloudformation", "x"}};
  auto plan = MustPlan(d, f);
  ASSERT_THAT(Kinds(plan), ElementsAre(K::kUntagResource, K::kTagResource, K::kDone));
  EXPECT_THAT(plan[0].tag_keys, ElementsAre("retired"));
  EXPECT_EQ(plan[1].tags,
            (std::map<std::string, std::string>{{"team", "payments"}, {"tier", "1"}}));
}

TEST(DeployPlanTest, ForeignEnvironmentVariablesAreKept) {
  DesiredFunction d = Desired();
  d.previously_managed_environment = {"STAGE", "DB_PASSWORD", "GONE"};
  ObservedFunction f = Deployed(d);
  f.config.environment["MANUAL"] = "kept";
  for (auto& v : f.versions) v.config.environment["MANUAL"] = "kept";
  EXPECT_THAT(Kinds(MustPlan(d, f)), ElementsAre(K::kDone));

  f.config.environment["GONE"] = "1";
  auto plan = MustPlan(d, f);
  ASSERT_FALSE(plan.empty());
  EXPECT_EQ(plan[0].kind, K::kUpdateConfiguration);
  EXPECT_EQ(plan[0].config.environment.count("GONE"), 0u);
  EXPECT_EQ(plan[0].config.environment.at("MANUAL"), "kept");
}

// One call of a plan with the arguments that make it what it is, written so the expected plans
// below read like the calls a person would list: "UpdateAlias dev -> 4 if rev-alias-dev".
std::string Call(const DeployAction& a) {
  std::string out(DeployActionName(a.kind));
  auto keys = [](const std::map<std::string, std::string>& m) {
    std::string s;
    for (const auto& [k, v] : m) s += (s.empty() ? "" : ",") + k + "=" + v;
    return "{" + s + "}";
  };
  switch (a.kind) {
    case K::kCreateFunction:
      out += " s3://" + a.code.s3_bucket + "/" + a.code.s3_key + " tags" + keys(a.tags);
      break;
    case K::kUpdateCode:
      out += " s3://" + a.code.s3_bucket + "/" + a.code.s3_key;
      break;
    case K::kUpdateConfiguration: {
      std::string fields;
      for (const auto& f : a.changed_fields) fields += (fields.empty() ? "" : ",") + f;
      out += " [" + fields + "]";
      break;
    }
    case K::kPublishVersion:
      out += " " + a.code_sha256;
      break;
    case K::kCreateAlias:
    case K::kUpdateAlias:
      out += " " + a.alias + " -> " + a.version;
      break;
    case K::kUntagResource:
      for (const auto& key : a.tag_keys) out += " -" + key;
      break;
    case K::kTagResource:
      out += " " + keys(a.tags);
      break;
    case K::kDone:
      out += " " + a.version;
      break;
    default:
      break;
  }
  if (!a.revision_id.empty()) out += " if " + a.revision_id;
  return out;
}

// PlanDeploy against plans written out by hand from F-DEPLOY's rules (deploy_plan.h), one per
// kind of change, starting from version 3 deployed (plan_fixtures.h: $LATEST revision
// "rev-latest", alias dev at 3 with revision "rev-alias-dev", versions 1 and 3). A new version
// is the next number after the newest; a change is guarded by the revision the previous change
// left ("<RevisionId after ...>" until it runs); waits follow every change.
TEST(DeployPlanTest, PlansListExactlyTheCallsEachChangeNeeds) {
  struct Scenario {
    std::string name;
    std::function<void(DesiredFunction&, ObservedFunction&)> change;
    std::vector<std::string> calls;
  };
  const std::vector<Scenario> scenarios = {
      {"nothing changed", [](DesiredFunction&, ObservedFunction&) {}, {"Done 3"}},
      {"create",
       [](DesiredFunction&, ObservedFunction& f) { f = ObservedFunction{}; },
       {"CreateFunction s3://artifacts/orders/1.2.0.zip tags{team=orders}", "WaitUntilActive",
        "PublishVersion SHA-B if <RevisionId after CreateFunction>", "CreateAlias dev -> 1",
        "Done 1"}},
      {"new code",
       [](DesiredFunction& d, ObservedFunction&) {
         d.code.s3_key = "orders/1.3.0.zip";
         d.code.code_sha256 = "SHA-C";
       },
       {"UpdateFunctionCode s3://artifacts/orders/1.3.0.zip if rev-latest", "WaitUntilUpdated",
        "PublishVersion SHA-C if <RevisionId after UpdateFunctionCode>",
        "UpdateAlias dev -> 4 if rev-alias-dev", "Done 4"}},
      {"configuration change",
       [](DesiredFunction& d, ObservedFunction&) {
         d.config.memory_mb = 512;
         d.config.handler = "other.handler";
       },
       {"UpdateFunctionConfiguration [Handler,MemorySize] if rev-latest", "WaitUntilUpdated",
        "PublishVersion SHA-B if <RevisionId after UpdateFunctionConfiguration>",
        "UpdateAlias dev -> 4 if rev-alias-dev", "Done 4"}},
      {"new code and configuration",
       [](DesiredFunction& d, ObservedFunction&) {
         d.code.code_sha256 = "SHA-C";
         d.config.timeout_seconds = 30;
       },
       {"UpdateFunctionCode s3://artifacts/orders/1.2.0.zip if rev-latest", "WaitUntilUpdated",
        "UpdateFunctionConfiguration [Timeout] if <RevisionId after UpdateFunctionCode>",
        "WaitUntilUpdated",
        "PublishVersion SHA-C if <RevisionId after UpdateFunctionConfiguration>",
        "UpdateAlias dev -> 4 if rev-alias-dev", "Done 4"}},
      {"alias moved away outside Ferry",
       [](DesiredFunction&, ObservedFunction& f) { f.aliases[0].version = "1"; },
       {"UpdateAlias dev -> 3 if rev-alias-dev", "Done 3"}},
      {"alias with a canary weight",
       [](DesiredFunction&, ObservedFunction& f) {
         f.aliases[0].weights = {{"1", 0.1}};
       },
       {"UpdateAlias dev -> 3 if rev-alias-dev", "Done 3"}},
      {"a second alias",
       [](DesiredFunction& d, ObservedFunction&) {
         d.aliases = {"dev", "live"};
       },
       {"CreateAlias live -> 3", "Done 3"}},
      {"a retired and a new tag",
       [](DesiredFunction& d, ObservedFunction& f) {
         f.tags["cost-centre"] = "42";
         d.previously_managed_tags = {"team", "cost-centre"};
         d.tags["owner"] = "me";
       },
       {"UntagResource -cost-centre", "TagResource {owner=me}", "Done 3"}},
      {"an update still in progress",
       [](DesiredFunction& d, ObservedFunction& f) {
         f.last_update_status = "InProgress";
         d.code.code_sha256 = "SHA-C";
       },
       {"WaitUntilUpdated", "UpdateFunctionCode s3://artifacts/orders/1.2.0.zip if rev-latest",
        "WaitUntilUpdated", "PublishVersion SHA-C if <RevisionId after UpdateFunctionCode>",
        "UpdateAlias dev -> 4 if rev-alias-dev", "Done 4"}},
      {"version 1's code comes back",
       [](DesiredFunction& d, ObservedFunction& f) {
         d.code.code_sha256 = "SHA-OLD";
         f.versions[0].config = f.config;
       },
       {"UpdateFunctionCode s3://artifacts/orders/1.2.0.zip if rev-latest", "WaitUntilUpdated",
        "UpdateAlias dev -> 1 if rev-alias-dev", "Done 1"}},
  };
  for (const Scenario& s : scenarios) {
    DesiredFunction d = Desired();
    ObservedFunction f = Deployed(d);
    s.change(d, f);
    auto plan = PlanDeploy(d, f);
    ASSERT_TRUE(plan.ok()) << s.name << ": " << plan.error().message;
    std::vector<std::string> calls;
    for (const auto& a : *plan) calls.push_back(Call(a));
    EXPECT_EQ(calls, s.calls) << s.name;
  }
}

TEST(DeployPlanTest, DescriptionsNeverHoldEnvironmentValues) {
  DesiredFunction d = Desired();
  ObservedFunction f = Deployed(d);
  d.config.environment["DB_PASSWORD"] = "n3w-s3cr3t";
  for (const auto& start : {ObservedFunction{}, f}) {
    for (const auto& a : MustPlan(d, start)) {
      std::string text = DescribeDeployAction(a) + a.reason;
      EXPECT_THAT(text, Not(HasSubstr("s3cr3t"))) << text;
    }
  }
  auto plan = MustPlan(d, f);
  EXPECT_EQ(DescribeDeployAction(plan[0]),
            "UpdateFunctionConfiguration orders-api-dev [Environment] (RevisionId rev-latest)");
}

struct InvalidCase {
  std::string name;
  std::function<void(DesiredFunction&)> mutate;
  std::string message;
};

TEST(DeployPlanTest, InvalidDesiredFunctionsAreRejectedBeforeAnyCall) {
  std::vector<InvalidCase> cases = {
      {"no name", [](DesiredFunction& d) { d.function_name.clear(); }, "no name"},
      {"long name", [](DesiredFunction& d) { d.function_name = std::string(141, 'f'); },
       "longer than 140"},
      {"two sources", [](DesiredFunction& d) { d.code.zip_file = "PK"; }, "exactly one code"},
      {"no source", [](DesiredFunction& d) { d.code = CodeSource{}; }, "exactly one code"},
      {"bucket only", [](DesiredFunction& d) { d.code.s3_key.clear(); }, "bucket and a key"},
      {"image for zip",
       [](DesiredFunction& d) {
         d.code = {};
         d.code.image_uri = "repo:tag";
       },
       "Image functions"},
      {"bad package", [](DesiredFunction& d) { d.config.package_type = "Jar"; }, "package type"},
      {"no runtime", [](DesiredFunction& d) { d.config.runtime.clear(); }, "runtime"},
      {"no role", [](DesiredFunction& d) { d.config.role.clear(); }, "execution role"},
      {"two archs",
       [](DesiredFunction& d) {
         d.config.architectures = {"x86_64", "arm64"};
       },
       "one architecture"},
      {"numeric alias", [](DesiredFunction& d) { d.aliases = {"123"}; }, "invalid alias"},
      {"latest alias", [](DesiredFunction& d) { d.aliases = {"$LATEST"}; }, "invalid alias"},
      {"empty alias", [](DesiredFunction& d) { d.aliases = {""}; }, "invalid alias"},
      {"long alias", [](DesiredFunction& d) { d.aliases = {std::string(129, 'a')}; },
       "invalid alias"},
      {"hostile alias", [](DesiredFunction& d) { d.aliases = {"dev\n\x1b[31m"}; }, "invalid alias"},
      {"aws tag", [](DesiredFunction& d) { d.tags["aws:x"] = "1"; }, "reserved"},
      {"empty tag", [](DesiredFunction& d) { d.tags[""] = "1"; }, "reserved"},
  };
  for (const auto& c : cases) {
    DesiredFunction d = Desired();
    c.mutate(d);
    auto next = NextDeployAction(d, ObservedFunction{});
    ASSERT_FALSE(next.ok()) << c.name;
    EXPECT_EQ(next.error().code, ErrorCode::kInvalidArgument) << c.name;
    EXPECT_THAT(next.error().message, HasSubstr(c.message)) << c.name;
    EXPECT_THAT(next.error().message, Not(HasSubstr("\x1b"))) << c.name;
  }
}

TEST(DeployPlanTest, ImageFunctionsNeedNoRuntime) {
  DesiredFunction d = Desired();
  d.code = CodeSource{};
  d.code.image_uri = "000000000000.dkr.ecr.us-east-1.amazonaws.com/orders:1";
  d.config.package_type = "Image";
  d.config.runtime.clear();
  d.config.handler.clear();
  auto next = NextDeployAction(d, ObservedFunction{});
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->kind, K::kCreateFunction);
}

}  // namespace
}  // namespace ferry::lambda
