// Invoke tests and pre-/post-traffic hooks end to end (issue 13 items 3 and 4): workflows through
// the REST API of a real `ferry server` deploying to a real `ferry sandbox`, whose python handlers
// really run: a passing invoke test, failing ones (a handler that raises, one that answers the
// wrong body) rolled back with the step error showing what they got, a hook that answers Failed
// and one that hangs past its timeout each rolled back with the aliases restored exactly, and a
// canary whose hooks both succeed promoted.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "ferry/e2e_fixture.h"

namespace ferry::test {
namespace {

using ::testing::HasSubstr;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kFunction[] = "shop-orders-dev";

// A proxy-style handler: {"statusCode": STATUS, "body": "{\"ok\": OK, \"build\": TAG}"}.
std::string ProxyHandler(const std::string& tag, int status = 200, bool ok = true) {
  return "import json\n"
         "def handler(event, context):\n"
         "    return {'statusCode': " +
         std::to_string(status) + ", 'body': json.dumps({'ok': " + (ok ? "True" : "False") +
         ", 'build': '" + tag + "'})}\n";
}

// A hook that answers Succeeded when it was given the deployment's context (alias dev moving
// from one version to another), else Failed with what it got.
constexpr char kGoodHook[] =
    "import json\n"
    "def handler(event, context):\n"
    "    fs = event.get('functions', [])\n"
    "    if event.get('executionId') and fs and fs[0]['alias'] == 'dev' and \\\n"
    "            fs[0]['oldVersion'] and fs[0]['newVersion'] != fs[0]['oldVersion']:\n"
    "        return {'status': 'Succeeded'}\n"
    "    return {'status': 'Failed', 'reason': 'unexpected context ' + json.dumps(event)}\n";

constexpr char kFailingHook[] =
    "def handler(event, context):\n"
    "    return {'status': 'Failed', 'reason': 'synthetic checkout failed for ' + event['hook']}\n";

constexpr char kHangingHook[] =
    "import time\n"
    "def handler(event, context):\n"
    "    time.sleep(20)\n"
    "    return {'status': 'Succeeded'}\n";

class InvokeE2eTest : public DeployE2eTest {
 protected:
  // Build b1 (a good proxy handler) deployed with Entities()' basic workflow: it creates the
  // function (version 1 on alias dev); `second` is uploaded as api/api-2.zip. The test's own
  // workflow is applied after.
  void DeployB1Then(const std::string& second) {
    ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders"})));
    ASSERT_NO_FATAL_FAILURE(UploadPython("api/api-1.zip", ProxyHandler("b1")));
    ASSERT_NO_FATAL_FAILURE(UploadPython("api/api-2.zip", second));
    Json e = Deploy("api/api-1.zip");
    ASSERT_EQ(Str(e, "status"), "succeeded") << Errors(e) << Logs(Str(e, "id"));
    ASSERT_EQ(Routing(), "1");
  }

  // A hook function of the user's, created directly in the sandbox (Ferry does not deploy it),
  // Active when this returns.
  void CreateHook(const std::string& name, const std::string& source) {
    const std::string key = "hooks/" + name + ".zip";
    ASSERT_NO_FATAL_FAILURE(UploadPython(key, source));
    aws::CreateFunctionRequest create;
    create.function_name = name;
    create.runtime = "python3.12";
    create.role = kRole;
    create.handler = "index.handler";
    create.code.s3_bucket = kBucket;
    create.code.s3_key = key;
    create.timeout = 30;
    auto created = lambda_->CreateFunction(create);
    ASSERT_TRUE(created.ok()) << created.error().message;
    const auto deadline = std::chrono::steady_clock::now() + seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      auto got = lambda_->GetFunctionConfiguration(name);
      if (got.ok() && got->state == "Active") return;
      std::this_thread::sleep_for(milliseconds(50));
    }
    FAIL() << "hook " << name << " did not become Active";
  }

  static const Json* StepNamed(const Json& execution, const std::string& name) {
    if (!execution.is_object() || !execution.contains("steps")) return nullptr;
    for (const Json& s : execution["steps"]) {
      if (Str(s, "name") == name) return &s;
    }
    return nullptr;
  }

  // A custom workflow: deploy, 50% held 1s, 100%, with `hooks`.
  static Json CustomWithHooks(const Json& hooks) {
    return {{"strategy", "custom"},
            {"hooks", hooks},
            {"steps", Json::array({{{"name", "deploy"}, {"type", "deploy"}},
                                   {{"name", "half"},
                                    {"type", "traffic-shift"},
                                    {"with", {{"percent", "50"}, {"wait", "1s"}}}},
                                   {{"name", "promote"},
                                    {"type", "traffic-shift"},
                                    {"with", {{"percent", "100"}}}}})}};
  }
};

TEST_F(InvokeE2eTest, APassingInvokeTestInvokesTheNewVersionAndSucceeds) {
  ASSERT_NO_FATAL_FAILURE(DeployB1Then(ProxyHandler("b2")));
  ASSERT_NO_FATAL_FAILURE(ApplyWorkflow(
      {{"strategy", "basic"},
       {"steps", Json::array({{{"name", "deploy"}, {"type", "deploy"}},
                              {{"name", "smoke"},
                               {"type", "invoke-test"},
                               {"with",
                                {{"function", "orders"},
                                 {"payload", "{\"path\": \"/health\"}"},
                                 {"times", "3"},
                                 {"expectStatus", "200"},
                                 {"expectJson", "body.ok=true\nbody.build=b2"},
                                 {"expectRegex", "build.{1,6}b2"},
                                 {"maxLatency", "20s"}}}}})}}));
  Json e = Deploy("api/api-2.zip");
  ASSERT_EQ(Str(e, "status"), "succeeded") << Errors(e) << Logs(Str(e, "id"));
  EXPECT_EQ(Routing(), "2");
  const Json* smoke = StepNamed(e, "smoke");
  ASSERT_NE(smoke, nullptr) << e.dump(2);
  EXPECT_EQ(Str(*smoke, "kind"), "lambda.invoke-test");
  const Json& invocations = (*smoke)["outputs"]["invocations"];
  ASSERT_EQ(invocations.size(), 3u) << smoke->dump(2);
  for (const Json& i : invocations) {
    EXPECT_EQ(Str(i, "qualifier"), "2") << "the version the deploy step published";
    EXPECT_EQ(Str(i, "executedVersion"), "2");
    EXPECT_TRUE(i["failures"].empty()) << i.dump();
  }
  EXPECT_THAT(Logs(Str(e, "id")), HasSubstr("3 invocation(s) passed"));
}

TEST_F(InvokeE2eTest, AHandlerThatRaisesFailsTheInvokeTestWhichRollsBackShowingWhatItGot) {
  ASSERT_NO_FATAL_FAILURE(DeployB1Then(
      "def handler(event, context):\n    raise RuntimeError('database unreachable')\n"));
  ASSERT_NO_FATAL_FAILURE(ApplyWorkflow(
      {{"strategy", "basic"},
       {"steps", Json::array({{{"name", "deploy"}, {"type", "deploy"}},
                              {{"name", "smoke"}, {"type", "invoke-test"}}})}}));
  Json e = Deploy("api/api-2.zip");
  EXPECT_EQ(Str(e, "status"), "rolled_back") << Errors(e) << Logs(Str(e, "id"));
  EXPECT_EQ(Routing(), "1") << "the alias is back on version 1";
  const std::string errors = Errors(e);
  EXPECT_THAT(errors, HasSubstr("smoke: an invocation failed: shop-orders-dev:2: FunctionError "
                                "Unhandled"));
  EXPECT_THAT(errors, HasSubstr("got status 200, FunctionError Unhandled, latency "));
  EXPECT_THAT(errors, HasSubstr("database unreachable")) << "the response, as it came";
}

TEST_F(InvokeE2eTest, AWrongAnswerFailsTheInvokeTestWhichRollsBackShowingWhatItGot) {
  ASSERT_NO_FATAL_FAILURE(DeployB1Then(ProxyHandler("b2", 503, false)));
  ASSERT_NO_FATAL_FAILURE(ApplyWorkflow(
      {{"strategy", "basic"},
       {"steps", Json::array({{{"name", "deploy"}, {"type", "deploy"}},
                              {{"name", "smoke"},
                               {"type", "invoke-test"},
                               {"with", {{"expectJson", "$.body.ok=true"}, {"times", "2"}}}}})}}));
  Json e = Deploy("api/api-2.zip");
  EXPECT_EQ(Str(e, "status"), "rolled_back") << Errors(e) << Logs(Str(e, "id"));
  EXPECT_EQ(Routing(), "1");
  const std::string errors = Errors(e);
  EXPECT_THAT(errors, HasSubstr("shop-orders-dev:2 (invocation 1 of 2): status 503, expected 200; "
                                "$.body.ok is false, expected true; got status 200"));
  EXPECT_THAT(errors, HasSubstr("response {\"statusCode\": 503"));
}

TEST_F(InvokeE2eTest, APostTrafficHookThatAnswersFailedRollsBackToTheExactAliases) {
  ASSERT_NO_FATAL_FAILURE(DeployB1Then(ProxyHandler("b2")));
  ASSERT_NO_FATAL_FAILURE(CreateHook("pre-hook", kGoodHook));
  ASSERT_NO_FATAL_FAILURE(CreateHook("post-hook", kFailingHook));
  ASSERT_NO_FATAL_FAILURE(ApplyWorkflow(
      CustomWithHooks({{"preTraffic", "pre-hook"}, {"postTraffic", "post-hook"}})));
  Json e = Deploy("api/api-2.zip");
  EXPECT_EQ(Str(e, "status"), "rolled_back") << Errors(e) << Logs(Str(e, "id"));
  EXPECT_EQ(Routing(), "1") << "version 1, no weights, as before the deployment";
  EXPECT_THAT(Errors(e), HasSubstr("post-traffic-hook: postTraffic hook post-hook failed (fail "
                                   "closed): post-hook: the hook answered Failed: synthetic "
                                   "checkout failed for postTraffic"));
  const Json* pre = StepNamed(e, "pre-traffic-hook");
  ASSERT_NE(pre, nullptr);
  EXPECT_EQ(Str(*pre, "status"), "succeeded");
  const Json* promote = StepNamed(e, "promote");
  ASSERT_NE(promote, nullptr);
  EXPECT_EQ(Str(*promote, "status"), "succeeded") << "the post-traffic hook runs after the last";
}

TEST_F(InvokeE2eTest, AHangingPreTrafficHookFailsClosedAtItsTimeoutAndRollsBack) {
  ASSERT_NO_FATAL_FAILURE(DeployB1Then(ProxyHandler("b2")));
  ASSERT_NO_FATAL_FAILURE(CreateHook("slow-hook", kHangingHook));
  ASSERT_NO_FATAL_FAILURE(
      ApplyWorkflow(CustomWithHooks({{"preTraffic", "slow-hook"}, {"timeout", "3s"}})));
  const auto started = std::chrono::steady_clock::now();
  Json e = Deploy("api/api-2.zip");
  EXPECT_EQ(Str(e, "status"), "rolled_back") << Errors(e) << Logs(Str(e, "id"));
  EXPECT_EQ(Routing(), "1");
  EXPECT_THAT(Errors(e), HasSubstr("pre-traffic-hook: preTraffic hook slow-hook failed (fail "
                                   "closed): slow-hook: no answer within 3.0s"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(20))
      << "it did not wait for the hook's 20 s";
  const Json* half = StepNamed(e, "half");
  ASSERT_NE(half, nullptr);
  EXPECT_EQ(Str(*half, "status"), "pending") << "no traffic moved";
}

TEST_F(InvokeE2eTest, ACanaryWhoseHooksBothSucceedPromotes) {
  ASSERT_NO_FATAL_FAILURE(DeployB1Then(ProxyHandler("b2")));
  ASSERT_NO_FATAL_FAILURE(CreateHook("pre-hook", kGoodHook));
  ASSERT_NO_FATAL_FAILURE(CreateHook("post-hook", kGoodHook));
  ASSERT_NO_FATAL_FAILURE(ApplyWorkflow({{"strategy", "canary"},
                                         {"trafficShift", {{"percent", 10}, {"interval", "2s"}}},
                                         {"hooks",
                                          {{"preTraffic", "pre-hook"},
                                           {"postTraffic", "post-hook"},
                                           {"timeout", "30s"}}}}));
  Json e = Deploy("api/api-2.zip");
  ASSERT_EQ(Str(e, "status"), "succeeded") << Errors(e) << Logs(Str(e, "id"));
  EXPECT_EQ(Routing(), "2");
  std::vector<std::string> order;
  for (const Json& s : e["steps"]) order.push_back(Str(s, "name"));
  EXPECT_EQ(order, (std::vector<std::string>{"deploy", "pre-traffic-hook", "traffic-1",
                                             "traffic-2", "post-traffic-hook", "prune"}));
  const Json* pre = StepNamed(e, "pre-traffic-hook");
  ASSERT_NE(pre, nullptr);
  EXPECT_EQ(Str(*pre, "kind"), "lambda.hook");
  const Json& context = (*pre)["outputs"]["context"];
  EXPECT_EQ(Str(context, "executionId"), Str(e, "id"));
  EXPECT_EQ(Str(context, "hook"), "preTraffic");
  ASSERT_EQ(context["functions"].size(), 1u) << context.dump();
  EXPECT_EQ(Str(context["functions"][0], "functionName"), kFunction);
  EXPECT_EQ(Str(context["functions"][0], "oldVersion"), "1");
  EXPECT_EQ(Str(context["functions"][0], "newVersion"), "2");
}

}  // namespace
}  // namespace ferry::test
