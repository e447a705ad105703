// Invocations (lambda/invoke.h): the judge, its path and regex syntax, and the lambda.invoke,
// lambda.invoke-test and lambda.hook codecs with malformed, oversized and hostile input.
#include "lambda/invoke.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/json.h"

namespace ferry::lambda {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using std::chrono::milliseconds;

InvokeExpectations Expect(std::vector<std::string> equalities = {}) {
  InvokeExpectations e;
  for (const auto& text : equalities) {
    auto eq = ParseJsonEquality(text);
    EXPECT_TRUE(eq.ok()) << text << ": " << eq.error().message;
    if (eq.ok()) e.json.push_back(*eq);
  }
  return e;
}

InvocationAnswer Answer(std::string response, std::string function_error = "",
                        milliseconds latency = milliseconds(5)) {
  return InvocationAnswer{200, std::move(function_error), std::move(response), latency};
}

TEST(InvokeJudgeTest, AGoodAnswerPasses) {
  auto e = Expect({"body.ok=true", "$.statusCode=200", "body.items[1].id=\"b\"", "body.n=2.0",
                   "body.status=ok", "$.body.none=null"});
  e.regex = "\"ok\\\\\": true";
  e.max_latency = milliseconds(100);
  const std::string response =
      R"({"statusCode": 200, "body": "{\"ok\": true, \"n\": 2, \"status\": \"ok\", )"
      R"(\"none\": null, \"items\": [{\"id\": \"a\"}, {\"id\": \"b\"}]}"})";
  EXPECT_THAT(JudgeInvocation(e, Answer(response)), IsEmpty());
  // No statusCode member: Invoke's status.
  EXPECT_THAT(JudgeInvocation(InvokeExpectations{}, Answer(R"({"build": "b2"})")), IsEmpty());
  EXPECT_THAT(JudgeInvocation(InvokeExpectations{}, Answer("not json at all")), IsEmpty());
  auto whole = Expect({"$=[1,2]"});
  EXPECT_THAT(JudgeInvocation(whole, Answer("[1, 2]")), IsEmpty());
}

TEST(InvokeJudgeTest, EveryUnmetExpectationIsNamedWithWhatItGot) {
  auto e = Expect({"body.ok=true", "body.missing=1", "items[5]=1"});
  e.regex = "^healthy$";
  e.max_latency = milliseconds(10);
  auto failures = JudgeInvocation(
      e, Answer(R"({"statusCode": 503, "body": "{\"ok\": false}"})", "", milliseconds(250)));
  EXPECT_THAT(failures,
              ElementsAre("status 503, expected 200", "body.ok is false, expected true",
                          "body.missing is absent, expected 1", "items[5] is absent, expected 1",
                          HasSubstr("does not match expectRegex"),
                          "latency 250 ms is over maxLatency 10ms"));
  EXPECT_THAT(JudgeInvocation(Expect({"a=1"}), Answer("oops")),
              ElementsAre("a: the response is not JSON, expected 1"));
}

TEST(InvokeJudgeTest, AFunctionErrorAlwaysFails) {
  auto failures =
      JudgeInvocation(InvokeExpectations{}, Answer(R"({"errorMessage": "boom"})", "Unhandled"));
  EXPECT_THAT(failures, ElementsAre("FunctionError Unhandled"));
  InvokeExpectations hook;
  hook.hook_answer = true;
  EXPECT_THAT(JudgeInvocation(hook, Answer(R"({"status": "Succeeded"})", "Handled")),
              ElementsAre("FunctionError Handled"));
}

TEST(InvokeJudgeTest, AHookPassesOnlyOnSucceededAndFailsClosedOnAnythingElse) {
  InvokeExpectations hook;
  hook.hook_answer = true;
  EXPECT_THAT(JudgeInvocation(hook, Answer(R"({"status": "Succeeded"})")), IsEmpty());
  EXPECT_THAT(JudgeInvocation(hook, Answer(R"({"status": "Failed", "reason": "checkout 500"})")),
              ElementsAre("the hook answered Failed: checkout 500"));
  EXPECT_THAT(JudgeInvocation(hook, Answer(R"({"status": "Failed"})")),
              ElementsAre("the hook answered Failed: no reason given"));
  for (const char* other : {"", "null", "\"Succeeded\"", "{}", R"({"status": "succeeded"})",
                            R"({"status": true})", R"([{"status": "Succeeded"}])", "{bad"}) {
    EXPECT_THAT(JudgeInvocation(hook, Answer(other)), ElementsAre(HasSubstr("neither")))
        << other;
  }
  auto long_reason = JudgeInvocation(
      hook, Answer(R"({"status": "Failed", "reason": ")" + std::string(10000, 'r') + "\"}"));
  ASSERT_EQ(long_reason.size(), 1u);
  EXPECT_LT(long_reason[0].size(), 600u) << "the reason is cut";
}

TEST(InvokeJudgeTest, QuotedValuesAreCut) {
  auto failures = JudgeInvocation(
      Expect({"a=1"}), Answer(R"({"a": ")" + std::string(100000, 'x') + "\"}"));
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_LT(failures[0].size(), 500u);
}

TEST(InvokeJudgeTest, PathsAndValuesHaveOneSyntax) {
  auto eq = ParseJsonEquality("  body.ok = true ");
  ASSERT_TRUE(eq.ok());
  EXPECT_EQ(eq->path, "body.ok");
  EXPECT_EQ(eq->value, "true");
  eq = ParseJsonEquality("name=a=b");
  ASSERT_TRUE(eq.ok());
  EXPECT_EQ(eq->value, "\"a=b\"") << "the first = splits; text that is not JSON is a string";
  for (const char* bad : {"noequals", "=1", ".a=1", "a.=1", "a..b=1", "a[=1", "a[x]=1", "a[1]b=1",
                          "a b=1", "$$=1", "a[-1]=1", "a[99999999999]=1", "$.=1"}) {
    auto r = ParseJsonEquality(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    }
  }
  EXPECT_FALSE(ParseJsonEquality(std::string(300, 'a') + "=1").ok());
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "a.";
  EXPECT_FALSE(ParseJsonEquality(deep + "a=1").ok());
  EXPECT_FALSE(ParseJsonEquality("a=" + std::string(5000, '1')).ok());
  EXPECT_FALSE(ParseJsonEquality("a=\xff\xfe").ok());
  auto many = ParseJsonEqualities("a=1\n\n b=2 \r\n");
  ASSERT_TRUE(many.ok()) << many.error().message;
  EXPECT_EQ(many->size(), 2u);
  std::string lots;
  for (int i = 0; i < 25; ++i) lots += "a=1\n";
  EXPECT_FALSE(ParseJsonEqualities(lots).ok());
  auto secret = ParseJsonEquality("a b=hunter2");
  ASSERT_FALSE(secret.ok());
  EXPECT_THAT(secret.error().message, Not(HasSubstr("hunter2")));
}

TEST(InvokeJudgeTest, RegexesAreBoundedAndMatchedInPolynomialTime) {
  EXPECT_TRUE(CheckExpectRegex("ok|fine").ok());
  EXPECT_TRUE(CheckExpectRegex("a{1,100}").ok());
  EXPECT_TRUE(CheckExpectRegex("\\{1000\\}").ok()) << "escaped braces are not a repetition";
  EXPECT_FALSE(CheckExpectRegex("").ok());
  EXPECT_FALSE(CheckExpectRegex("(").ok());
  EXPECT_FALSE(CheckExpectRegex("[z-a]").ok());
  EXPECT_FALSE(CheckExpectRegex("(a)\\1").ok());
  EXPECT_FALSE(CheckExpectRegex("a{1000}").ok());
  EXPECT_FALSE(CheckExpectRegex("((a{100}){100}){100}").ok());
  EXPECT_FALSE(CheckExpectRegex(std::string(1025, 'a')).ok());
  // Catastrophic backtracking patterns run in polynomial time on a long response.
  InvokeExpectations e;
  e.regex = "^(a+)+$";
  ASSERT_TRUE(CheckExpectRegex(e.regex).ok());
  auto failures = JudgeInvocation(e, Answer(std::string(5000, 'a') + "!"));
  EXPECT_THAT(failures, ElementsAre(HasSubstr("does not match")));
  // Only the first 64 KiB are searched.
  e.regex = "needle";
  EXPECT_THAT(JudgeInvocation(e, Answer(std::string(70 * 1024, 'x') + "needle")),
              ElementsAre(HasSubstr("does not match")));
  EXPECT_THAT(JudgeInvocation(e, Answer("xx needle xx")), IsEmpty());
}

InvokeTask SampleTask() {
  InvokeTask t;
  t.target.region = "us-east-1";
  t.targets = {{"shop-api-dev", "7"}, {"arn:aws:lambda:us-east-1:1:function:hook", ""}};
  t.payload = R"({"path": "/health"})";
  t.times = 3;
  t.timeout = milliseconds(3000);
  t.expect = Expect({"body.ok=true"});
  t.expect.status = 201;
  t.expect.regex = "ok";
  t.expect.max_latency = milliseconds(1500);
  return t;
}

TEST(InvokeCodecTest, TasksResultsAndStepInputsRoundTrip) {
  const InvokeTask t = SampleTask();
  auto decoded = DecodeInvokeTask(EncodeInvokeTask(t));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->targets, t.targets);
  EXPECT_EQ(decoded->payload, t.payload);
  EXPECT_EQ(decoded->times, 3);
  EXPECT_EQ(decoded->timeout, milliseconds(3000));
  EXPECT_EQ(decoded->expect, t.expect);

  InvokeResult r;
  Invocation i;
  i.function_name = "shop-api-dev";
  i.qualifier = "7";
  i.status = 200;
  i.function_error = "Unhandled";
  i.executed_version = "7";
  i.latency = milliseconds(12);
  i.response = R"({"errorMessage": "boom"})";
  i.response_truncated = true;
  i.failures = {"FunctionError Unhandled"};
  i.request_id = "req-1";
  r.invocations.push_back(i);
  i.error = Error{ErrorCode::kDeadlineExceeded, "no answer within 3.0s"};
  r.invocations.push_back(i);
  auto result = DecodeInvokeResult(EncodeInvokeResult(r));
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->invocations.size(), 2u);
  EXPECT_EQ(result->invocations[0].failures, i.failures);
  EXPECT_TRUE(result->invocations[0].response_truncated);
  EXPECT_EQ(result->invocations[1].error->message, "no answer within 3.0s");
  EXPECT_FALSE(result->invocations[1].passed());

  InvokeTestStepInputs in;
  in.target.region = "eu-west-1";
  in.deploy_step = "deploy";
  in.function_names = {"shop-api-dev"};
  in.invoke = InvokeTargetKind::kAlias;
  in.times = 2;
  in.expect = t.expect;
  auto step = DecodeInvokeTestStepInputs(EncodeInvokeTestStepInputs(in));
  ASSERT_TRUE(step.ok()) << step.error().message;
  EXPECT_EQ(step->invoke, InvokeTargetKind::kAlias);
  EXPECT_EQ(step->function_names, in.function_names);
  EXPECT_EQ(step->expect, in.expect);

  HookStepInputs hook;
  hook.target.region = "eu-west-1";
  hook.deploy_step = "deploy";
  hook.point = HookPoint::kPostTraffic;
  hook.function_name = "my-hook:live";
  hook.timeout = milliseconds(3000);
  auto h = DecodeHookStepInputs(EncodeHookStepInputs(hook));
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->point, HookPoint::kPostTraffic);
  EXPECT_EQ(h->function_name, "my-hook:live");
  EXPECT_EQ(h->timeout, milliseconds(3000));

  HookStepOutputs out;
  out.context = {"01EXEC", "shop", "api", "dev", HookPoint::kPreTraffic,
                 {{"shop-api-dev", "dev", "6", "7"}}};
  out.result = r;
  auto o = DecodeHookStepOutputs(EncodeHookStepOutputs(out));
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->context.functions, out.context.functions);
  auto payload = ParseJson(EncodeHookContext(out.context));
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(*payload, ParseJson(R"({"executionId": "01EXEC", "application": "shop",
      "service": "api", "environment": "dev", "hook": "preTraffic", "functions": [
      {"functionName": "shop-api-dev", "alias": "dev", "oldVersion": "6", "newVersion": "7"}]})")
                          .value());
}

TEST(InvokeCodecTest, MalformedOversizedAndHostilePayloadsAreRefusedNamingTheMember) {
  Json good = ParseJson(EncodeInvokeTask(SampleTask())).value();
  struct Case {
    std::string member;
    Json value;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"targets", Json::array(), "targets"},
      {"targets", Json::array({{{"functionName", ""}}}), "functionName"},
      {"targets", Json::array({{{"functionName", "f; rm -rf /"}}}), "functionName"},
      {"targets", Json::array({{{"functionName", "f"}, {"qualifier", "../x"}}}), "qualifier"},
      {"targets", Json::array({{{"functionName", std::string(300, 'f')}}}), "functionName"},
      {"targets", "f", "targets"},
      {"payload", 12, "payload"},
      {"payload", "{not json", "payload"},
      {"payload", "\"" + std::string(300 * 1024, 'p') + "\"", "payload"},
      {"times", 0, "times"},
      {"times", 101, "times"},
      {"times", 1e300, "times"},
      {"times", "3", "times"},
      {"timeoutMillis", -1, "timeoutMillis"},
      {"timeoutMillis", 3600 * 1000, "timeoutMillis"},
      {"expect", "x", "expect"},
      {"expect", {{"status", 42}}, "status"},
      {"expect", {{"status", 700}}, "expectStatus"},
      {"expect", {{"regex", "(a)\\1"}}, "back-references"},
      {"expect", {{"regex", std::string(2000, 'a')}}, "regex"},
      {"expect", {{"json", Json::array({{{"path", "a..b"}, {"value", "1"}}})}}, "expectJson"},
      {"expect", {{"json", Json::array({{{"path", "a"}, {"value", "{bad"}}})}}, "not JSON"},
      {"expect", {{"maxLatencyMillis", 0}}, "maxLatency"},
      {"target", "us-east-1", "target"},
  };
  for (const auto& c : cases) {
    Json j = good;
    j[c.member] = c.value;
    auto r = DecodeInvokeTask(DumpJson(j));
    ASSERT_FALSE(r.ok()) << c.member << " " << c.value.dump().substr(0, 80);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(r.error().message, HasSubstr(c.says)) << c.member;
    EXPECT_THAT(r.error().message, Not(HasSubstr("rm -rf")));
  }
  for (const char* text : {"", "[]", "null", "{\"target\":", "{}"}) {
    EXPECT_FALSE(DecodeInvokeTask(text).ok()) << text;
    EXPECT_FALSE(DecodeInvokeTestStepInputs(text).ok()) << text;
    EXPECT_FALSE(DecodeHookStepInputs(text).ok()) << text;
    EXPECT_FALSE(DecodeHookStepOutputs(text).ok()) << text;
  }
  std::string deep(10000, '[');
  EXPECT_FALSE(DecodeInvokeResult(deep).ok());
  HookStepInputs hook_inputs;
  hook_inputs.target.region = "us-east-1";
  hook_inputs.deploy_step = "deploy";
  hook_inputs.function_name = "h";
  Json hook = ParseJson(EncodeHookStepInputs(hook_inputs)).value();
  hook["hook"] = "midTraffic";
  EXPECT_THAT(DecodeHookStepInputs(DumpJson(hook)).error().message, HasSubstr("hook must be"));
  Json result = {{"invocations", Json::array({{{"functionName", "f"},
                                               {"response", std::string(5000, 'r')}}})}};
  EXPECT_THAT(DecodeInvokeResult(DumpJson(result)).error().message, HasSubstr("response"));
  InvokeTestStepInputs invoke_inputs;
  invoke_inputs.target.region = "us-east-1";
  Json test_inputs = ParseJson(EncodeInvokeTestStepInputs(invoke_inputs)).value();
  test_inputs["deployStep"] = "deploy";
  test_inputs["invoke"] = "latest";
  EXPECT_THAT(DecodeInvokeTestStepInputs(DumpJson(test_inputs)).error().message,
              HasSubstr("invoke must be"));
}

TEST(InvokeCodecTest, AFailureSaysWhatTheInvocationGot) {
  Invocation i;
  i.function_name = "shop-api-dev";
  i.qualifier = "7";
  i.status = 200;
  i.function_error = "Unhandled";
  i.latency = milliseconds(42);
  i.response = R"({"errorMessage": "boom"})";
  i.response_truncated = true;
  i.failures = {"FunctionError Unhandled"};
  EXPECT_EQ(DescribeFailure(i, 1, 3),
            "shop-api-dev:7 (invocation 2 of 3): FunctionError Unhandled; got status 200, "
            "FunctionError Unhandled, latency 42 ms, response {\"errorMessage\": \"boom\"} "
            "(truncated)");
  i.error = Error{ErrorCode::kDeadlineExceeded, "no answer within 3.0s"};
  EXPECT_EQ(DescribeFailure(i, 0, 1), "shop-api-dev:7: no answer within 3.0s");
  i.error = Error{ErrorCode::kNotFound, "function not found"};
  EXPECT_EQ(DescribeFailure(i, 0, 1), "shop-api-dev:7: no answer: function not found");
}

}  // namespace
}  // namespace ferry::lambda
