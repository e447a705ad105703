// `ferry plan` lists the calls a deploy would make (PlanDeploy, which predicts each call's effect
// with the planner's own SimulateDeployAction); the deployer makes them against Lambda, folding
// in the real responses. Here the real LambdaDeployer runs against FakeLambdaApi — a model of
// Lambda's state changes written apart from the planner — from the same starting point, and the
// calls it makes must be the plan's: the same operations in the same order with the same
// arguments. Values the plan can only predict (new version numbers, new revision ids) must be
// new on both sides; values that exist before the deploy must be the same.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "delegate/lambda/deployer.h"
#include "delegate/lambda/fake_lambda_api.h"
#include "lambda/deploy_plan.h"
#include "lambda/plan_fixtures.h"

namespace ferry::delegate {
namespace {

using namespace ::ferry::lambda;  // NOLINT: the domain types under test
using fakes::FakeLambdaApi;
using K = DeployActionKind;

// Forwards to the fake and keeps every action the deployer applied, as it sent it.
class RecordingLambdaApi final : public LambdaApi {
 public:
  explicit RecordingLambdaApi(LambdaApi& inner) : inner_(inner) {}
  Result<ObservedFunction> Observe(const std::string& name, std::vector<std::string>* ids,
                                   std::stop_token stop) override {
    return inner_.Observe(name, ids, stop);
  }
  Result<ObservedFunction> ObserveLatest(const std::string& name, std::vector<std::string>* ids,
                                         std::stop_token stop) override {
    return inner_.ObserveLatest(name, ids, stop);
  }
  Result<ApiOutcome> Apply(const DeployAction& action, const ObservedFunction& current,
                           std::stop_token stop) override {
    {
      std::lock_guard lock(mu_);
      applied_.push_back(action);
    }
    return inner_.Apply(action, current, stop);
  }
  Status ApplyRollback(const RollbackAction& action, std::vector<std::string>* ids,
                       std::stop_token stop) override {
    return inner_.ApplyRollback(action, ids, stop);
  }
  Status DeleteVersion(const std::string& name, const std::string& version,
                       std::vector<std::string>* ids, std::stop_token stop) override {
    return inner_.DeleteVersion(name, version, ids, stop);
  }
  std::vector<DeployAction> applied() {
    std::lock_guard lock(mu_);
    return applied_;
  }

 private:
  LambdaApi& inner_;
  std::mutex mu_;
  std::vector<DeployAction> applied_;  // Guarded by mu_.
};

// An action as a line, with versions and revision ids that `start` does not hold written as
// "<new version>" / "<new revision>".
std::string Line(const DeployAction& a, const ObservedFunction& start) {
  auto version = [&](const std::string& v) {
    return start.FindVersion(v) != nullptr ? v : std::string("<new version>");
  };
  auto revision = [&](const std::string& r) {
    if (r == start.revision_id) return r;
    for (const auto& alias : start.aliases) {
      if (r == alias.revision_id) return r;
    }
    return std::string("<new revision>");
  };
  std::string out = std::string(DeployActionName(a.kind)) + " " + a.function_name;
  switch (a.kind) {
    case K::kCreateFunction:
    case K::kUpdateCode:
      out += " s3://" + a.code.s3_bucket + "/" + a.code.s3_key;
      for (const auto& arch : a.config.architectures) out += " " + arch;
      for (const auto& [key, value] : a.tags) out += " tag " + key + "=" + value;
      break;
    case K::kUpdateConfiguration:
      for (const auto& field : a.changed_fields) out += " " + field;
      break;
    case K::kPublishVersion:
      out += " " + a.code_sha256;
      break;
    case K::kCreateAlias:
    case K::kUpdateAlias:
      out += " " + a.alias + " -> " + version(a.version);
      for (const auto& [v, weight] : a.weights) out += " + " + version(v);
      break;
    case K::kUntagResource:
      for (const auto& key : a.tag_keys) out += " -" + key;
      break;
    case K::kTagResource:
      for (const auto& [key, value] : a.tags) out += " " + key + "=" + value;
      break;
    default:
      break;
  }
  if (!a.revision_id.empty()) out += " if " + revision(a.revision_id);
  return out;
}

DesiredFunction Build(const std::string& sha) {
  DesiredFunction d = fixtures::Desired();
  d.code.code_sha256 = sha;
  return d;
}

// Starting points: the function deployed twice through the fake (versions 1 and 2, alias dev at
// 2), then each combination of changes to what is wanted and to what Lambda holds.
TEST(PlanMatchesDeployerTest, TheDeployerMakesExactlyThePlannedCallsOnAModelOfLambda) {
  using Change = std::function<void(DesiredFunction&, ObservedFunction&)>;
  const std::vector<Change> changes = {
      [](DesiredFunction&, ObservedFunction& f) { f = ObservedFunction{}; },
      [](DesiredFunction& d, ObservedFunction&) { d.code.code_sha256 = "SHA-Z"; },
      [](DesiredFunction& d, ObservedFunction&) { d.config.handler = "other.handler"; },
      [](DesiredFunction& d, ObservedFunction&) {
        d.config.layers = {"arn:l:1", "arn:l:2"};
      },
      [](DesiredFunction& d, ObservedFunction&) {
        d.aliases = {"a", "dev", "c"};
      },
      [](DesiredFunction& d, ObservedFunction&) { d.tags["new"] = "v"; },
      [](DesiredFunction&, ObservedFunction& f) { f.aliases.clear(); },
      [](DesiredFunction&, ObservedFunction& f) { f.aliases.clear(), f.versions.clear(); },
      [](DesiredFunction&, ObservedFunction& f) { f.last_update_status = "InProgress"; },
      [](DesiredFunction&, ObservedFunction& f) { f.state = "Pending"; },
      [](DesiredFunction& d, ObservedFunction&) { d.config.architectures = {"arm64"}; },
      [](DesiredFunction& d, ObservedFunction& f) {
        f.tags["old"] = "x";
        d.previously_managed_tags = {"old", "team"};
      },
      [](DesiredFunction& d, ObservedFunction&) { d.code.code_sha256 = "SHA-1"; },
  };
  int compared = 0;
  for (size_t mask = 0; mask < (1u << changes.size()); mask += 11) {
    FakeLambdaApi fake;
    LambdaDeployer setup(fake);
    ASSERT_TRUE(setup.Deploy(Build("SHA-1")).ok());
    ASSERT_TRUE(setup.Deploy(Build("SHA-2")).ok());
    DesiredFunction d = Build("SHA-2");
    ObservedFunction& world = fake.World()[d.function_name];
    for (size_t i = 0; i < changes.size(); ++i) {
      if (mask & (1u << i)) changes[i](d, world);
    }
    if (!world.exists) fake.World().erase(d.function_name);
    auto start = fake.Observe(d.function_name, nullptr, {});
    ASSERT_TRUE(start.ok());

    auto plan = PlanDeploy(d, *start);
    ASSERT_TRUE(plan.ok()) << "mask " << mask << ": " << plan.error().message;
    ASSERT_FALSE(plan->empty());
    ASSERT_EQ(plan->back().kind, K::kDone) << "mask " << mask;
    std::vector<std::string> planned;
    for (size_t i = 0; i + 1 < plan->size(); ++i) planned.push_back(Line((*plan)[i], *start));

    RecordingLambdaApi recording(fake);
    LambdaDeployer deployer(recording);
    FunctionDeployment deployed = deployer.Deploy(d);
    ASSERT_TRUE(deployed.ok()) << "mask " << mask << ": " << deployed.error->message;
    std::vector<std::string> made;
    for (const DeployAction& a : recording.applied()) made.push_back(Line(a, *start));
    EXPECT_EQ(made, planned) << "mask " << mask;
    EXPECT_EQ(deployed.MutatingCalls(),
              std::count_if(plan->begin(), plan->end(),
                            [](const DeployAction& a) { return IsMutating(a.kind); }))
        << "mask " << mask;
    if (start->FindVersion(plan->back().version) != nullptr) {
      EXPECT_EQ(deployed.version, plan->back().version) << "mask " << mask;
    }

    // What the deployer left needs nothing more, read afresh from the model.
    auto after = fake.Observe(d.function_name, nullptr, {});
    ASSERT_TRUE(after.ok());
    auto again = PlanDeploy(d, *after);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->size(), 1u) << "mask " << mask << ": " << Line(again->front(), *after);
    ++compared;
  }
  EXPECT_GT(compared, 700);
}

}  // namespace
}  // namespace ferry::delegate
