// The fault suite's runtime scenarios end to end (issue 5), through the REST API of a real
// `ferry server` and a real `ferry sandbox` over HTTP:
//   - AWS throttling (the sandbox's quotas on, plus a fifth of all Lambda calls refused with
//     TooManyRequestsException) and a 5xx storm: every deployment succeeds (retries absorb it),
//     each alias serves the deployed build, nothing is published twice;
//   - a deploy step whose task outlives the workflow step's `timeout` (the sandbox's update delay
//     is longer): rolled_back, "timed out", aliases back at the previous version;
//   - an abort (POST /executions/ID/abort) while PublishVersion hangs: aborted, aliases restored.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ferry/e2e_fixture.h"

namespace ferry::test {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kFunctions = {"shop-orders-dev", "shop-billing-dev"};
constexpr int kRounds = 3;

// kRounds deployments of distinct builds, each of which must succeed and serve its build.
class ApiStormTest : public DeployE2eTest {
 protected:
  void RunStorm(const Json& rules) {
    ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders", "billing"})));
    for (int r = 0; r < kRounds; ++r) {
      ASSERT_NO_FATAL_FAILURE(
          UploadBuild("api/api-" + std::to_string(r) + ".zip", "b" + std::to_string(r)));
    }
    if (!rules.is_null()) {
      ASSERT_EQ(SandboxFaults("PUT", rules), 200);
    }
    std::vector<std::string> ids;
    int calls = 0;
    int retried = 0;  // calls that took several requests (the storm hit them)
    for (int r = 0; r < kRounds; ++r) {
      Json e = Deploy("api/api-" + std::to_string(r) + ".zip");
      ids.push_back(Str(e, "id"));
      EXPECT_EQ(Str(e, "status"), "succeeded") << "round " << r << ": " << Errors(e);
      for (const auto& [function, d] : StepDeployments(e)) {
        if (!d.contains("calls")) continue;
        for (const Json& call : d["calls"]) {
          ++calls;
          retried += call.contains("requestIds") && call["requestIds"].size() > 1;
        }
      }
    }
    std::cout << retried << " of " << calls << " recorded AWS calls took several requests\n";
    EXPECT_GT(retried, 0) << "the storm hit no call: the faults were not injected";
    ASSERT_EQ(SandboxFaults("DELETE"), 200);  // the checks read AWS without the storm
    for (const auto& f : kFunctions) EXPECT_EQ(InvokeBuild(f), "b" + std::to_string(kRounds - 1));
    for (const auto& p : CheckDeployInvariants(ids, kFunctions, {"succeeded"})) ADD_FAILURE() << p;
  }
};

class ApiThrottlingTest : public ApiStormTest {
 protected:
  ApiThrottlingTest() { sandbox_flags_ = {"--quota"}; }
};

TEST_F(ApiThrottlingTest, EveryDeploymentSucceedsThroughAThrottlingStorm) {
  const uint64_t seed = 424242;  // fixed: printed for reproduction
  std::cout << "fault seed " << seed << "\n";
  RunStorm(Json{{"faults",
                 {{{"service", "lambda"},
                   {"op", "*"},
                   {"rate", 0.2},
                   {"code", "TooManyRequestsException"},
                   {"status", 429}}}},
                {"seed", seed}});
}

class ApiServerErrorTest : public ApiStormTest {
 protected:
  ApiServerErrorTest() {
    sandbox_flags_ = {
        "--fault",      "service=lambda,op=*,rate=0.1,code=ServiceException,status=500",
        "--fault",      "service=lambda,op=*,rate=0.05,code=ServiceUnavailableException,status=503",
        "--fault-seed", "777"};
  }
};

TEST_F(ApiServerErrorTest, EveryDeploymentSucceedsThroughA5xxStorm) {
  std::cout << "fault seed 777\n";
  RunStorm(Json());
}

// orders and billing at build b1 (version 1); b2 uploaded; then `after` is applied.
class ApiStuckDeployTest : public DeployE2eTest {
 protected:
  void DeployFirst() { ASSERT_NO_FATAL_FAILURE(DeployOrdersAndBillingAtB1(ids_)); }
  void ExpectAliasesAtVersion1() {
    for (const auto& f : kFunctions) {
      EXPECT_EQ(AliasVersion(f), "1") << f;
      EXPECT_EQ(InvokeBuild(f), "b1") << f;
    }
    for (const auto& p :
         CheckDeployInvariants(ids_, kFunctions, {"succeeded", "rolled_back", "aborted"})) {
      ADD_FAILURE() << p;
    }
  }
  std::vector<std::string> ids_;
};

class ApiTimeoutTest : public ApiStuckDeployTest {
 protected:
  ApiTimeoutTest() { sandbox_update_delay_ = "4s"; }  // every code update settles after 4s
};

TEST_F(ApiTimeoutTest, DeployStepThatOutlivesItsTimeoutRollsBack) {
  ASSERT_NO_FATAL_FAILURE(DeployFirst());
  Json entities = Entities({"orders", "billing"});
  for (Json& entity : entities) {
    if (Str(entity, "kind") != "Workflow") continue;
    entity["steps"] = Json::array({{{"name", "deploy"}, {"type", "deploy"}, {"timeout", "2s"}}});
  }
  ASSERT_NO_FATAL_FAILURE(Apply(entities));
  Json e = Deploy("api/api-2.zip");
  ASSERT_EQ(Str(e, "status"), "rolled_back") << e.dump(2);
  ids_.push_back(Str(e, "id"));
  EXPECT_THAT(Str(e, "error"), HasSubstr("timed out"));
  EXPECT_THAT(Errors(e), HasSubstr("2s"));
  ExpectAliasesAtVersion1();
}

TEST_F(ApiStuckDeployTest, AbortDuringDeployEndsAbortedWithAliasesRestored) {
  ASSERT_NO_FATAL_FAILURE(DeployFirst());
  const std::string v1_sha = lambda_->GetFunctionConfiguration(kFunctions[0])->code_sha256;
  // PublishVersion answers only after 10 s: the deployment is stuck inside AWS.
  ASSERT_EQ(SandboxFaults("PUT", Json{{"service", "lambda"},
                                      {"op", "PublishVersion"},
                                      {"rate", 1.0},
                                      {"latency_ms", 10'000}}),
            200);
  const std::string id = StartDeploy("api/api-2.zip");
  ASSERT_FALSE(id.empty());
  ids_.push_back(id);
  // Wait until both functions' $LATEST hold b2, so aliases must be restored, not merely left.
  bool updated = false;
  for (int i = 0; i < 600 && !updated; ++i) {
    updated = true;
    for (const auto& f : kFunctions) {
      auto c = lambda_->GetFunctionConfiguration(f);
      updated &= c.ok() && c->code_sha256 != v1_sha;
    }
    if (!updated) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(updated) << "the deployment never updated the code: "
                       << api_->Get("/api/v1/executions/" + id).body;

  ApiResponse aborting = api_->Post("/api/v1/executions/" + id + "/abort", Json::object());
  ASSERT_EQ(aborting.status, 202) << aborting.Describe();
  Json e = api_->WaitForExecution(id);
  ASSERT_EQ(Str(e, "status"), "aborted") << e.dump(2);
  EXPECT_FALSE(Str(e, "abortRequestedBy").empty());
  bool restored = false;
  for (const Json& s : e["steps"]) {
    restored |= Str(s, "kind") == "lambda.rollback" && Str(s, "status") == "succeeded";
  }
  EXPECT_TRUE(restored) << e.dump(2);
  EXPECT_THAT(Errors(e), HasSubstr(Str(e, "abortRequestedBy")));
  ASSERT_EQ(SandboxFaults("DELETE"), 200);
  ExpectAliasesAtVersion1();
  // A second abort of an ended execution is refused.
  EXPECT_EQ(api_->Post("/api/v1/executions/" + id + "/abort", Json::object()).status, 409);
}

}  // namespace
}  // namespace ferry::test
