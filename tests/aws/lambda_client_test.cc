// LambdaClient over real HTTP against ScriptedLambda, a scripted stand-in for the Lambda API
// (tests/aws/scripted_lambda.h). The integration suite runs the same client against ferry sandbox.
#include "aws/lambda_client.h"

#include <gtest/gtest.h>

#include "aws/client_test_support.h"
#include "aws/scripted_lambda.h"
#include "common/crypto.h"

namespace ferry::aws {
namespace {

using test_support::ClientEnv;
using test_support::Fault;
using test_support::ScriptedLambda;

class LambdaClientTest : public ::testing::Test {
 protected:
  LambdaClientTest() : client_(LambdaServiceConfig(lambda_.url(), "us-east-1"), env_.deps()) {}

  CreateFunctionRequest Orders() {
    CreateFunctionRequest r;
    r.function_name = "orders";
    r.role = "arn:aws:iam::123456789012:role/orders";
    r.handler = "index.handler";
    r.runtime = "nodejs20.x";
    r.code.zip_file = "PK\x03\x04 fake zip bytes";
    return r;
  }

  ScriptedLambda lambda_;
  ClientEnv env_;
  LambdaClient client_;
};

TEST_F(LambdaClientTest, CreateGetAndSignedRequests) {
  auto created = client_.CreateFunction(Orders());
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  EXPECT_EQ(created->function_name, "orders");
  EXPECT_EQ(created->code_sha256, Base64Encode(Sha256(Orders().code.zip_file)));
  auto fn = client_.GetFunction("orders");
  ASSERT_TRUE(fn.ok()) << fn.error().ToString();
  EXPECT_EQ(fn->configuration.state, "Active");
  EXPECT_EQ(fn->configuration.revision_id, "rev-1");
  EXPECT_EQ(fn->tags.at("team"), "payments");
  EXPECT_EQ(fn->code.repository_type, "S3");
  for (const auto& auth : lambda_.authorizations()) {
    EXPECT_EQ(auth.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", 0), 0u) << auth;
    EXPECT_NE(auth.find("/us-east-1/lambda/aws4_request"), std::string::npos);
  }
}

TEST_F(LambdaClientTest, ErrorsCarryCodeMessageStatusAndRequestId) {
  auto missing = client_.GetFunction("nope");
  ASSERT_FALSE(missing.ok());
  const Error& e = missing.error();
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_EQ(AwsCode(e), "ResourceNotFoundException");
  EXPECT_EQ(AwsHttpStatus(e), 404);
  EXPECT_EQ(e.details.at("request_id"), "err-req-1");
  EXPECT_NE(e.message.find("lambda GetFunction: ResourceNotFoundException: Function not found"),
            std::string::npos)
      << e.message;
  EXPECT_EQ(e.message.find(test_support::kTestSecret), std::string::npos);
  EXPECT_EQ(lambda_.Requests("GetFunction"), 1);  // not retried
}

TEST_F(LambdaClientTest, TransientFailuresAndThrottlingAreRetriedWithBackoff) {
  ASSERT_TRUE(client_.CreateFunction(Orders()).ok());
  lambda_.QueueFault("GetFunctionConfiguration", Fault::kFailBefore);
  lambda_.QueueFault("GetFunctionConfiguration", Fault::kThrottle);
  const Duration slept_before = env_.clock.TotalSlept();
  auto config = client_.GetFunctionConfiguration("orders");
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  EXPECT_EQ(lambda_.Requests("GetFunctionConfiguration"), 3);
  // The throttle said retryAfterSeconds=2: the client waited at least that long.
  EXPECT_GE(env_.clock.TotalSlept() - slept_before, std::chrono::seconds(2));
  EXPECT_LT(
      env_.limiters.For("AKIDEXAMPLE", "us-east-1", ApiClass::kLambdaControlPlane).current_rate(),
      15.0);
}

TEST_F(LambdaClientTest, GivesUpAfterMaxAttempts) {
  for (int i = 0; i < 5; ++i) lambda_.QueueFault("GetFunction", Fault::kFailBefore);
  auto result = client_.GetFunction("orders");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(result.error().details.at("attempts"), "3");
  EXPECT_EQ(lambda_.Requests("GetFunction"), 3);
}

TEST_F(LambdaClientTest, MaxAttemptsIsConfigurablePerClient) {
  // A delegate deploying under heavy throttling raises the standard mode's 3 attempts.
  ServiceConfig config = LambdaServiceConfig(lambda_.url(), "us-east-1");
  config.retry.max_attempts = 7;
  LambdaClient patient(config, env_.deps());
  for (int i = 0; i < 6; ++i) {
    lambda_.QueueRaw("GetFunction", 429,
                     R"({"message": "Rate exceeded", "Reason": "CallerRateLimitExceeded"})",
                     {{"X-Amzn-ErrorType", "TooManyRequestsException"}});
  }
  auto result = patient.GetFunction("orders");
  EXPECT_FALSE(result.ok());  // the stand-in has no such function: 404 after six 429s
  EXPECT_EQ(lambda_.Requests("GetFunction"), 7);
  EXPECT_EQ(result.error().code, ErrorCode::kNotFound) << result.error().ToString();
  // One attempt: no retries at all.
  config.retry.max_attempts = 1;
  LambdaClient once(config, env_.deps());
  lambda_.QueueFault("GetFunction", Fault::kFailBefore);
  EXPECT_FALSE(once.GetFunction("orders").ok());
  EXPECT_EQ(lambda_.Requests("GetFunction"), 8);
}

TEST_F(LambdaClientTest, CreateFunctionWhoseResponseWasLostIsRecognised) {
  lambda_.QueueFault("CreateFunction", Fault::kFailAfter);
  auto created = client_.CreateFunction(Orders());
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  EXPECT_EQ(created->function_name, "orders");
  EXPECT_EQ(lambda_.Requests("CreateFunction"), 2);
  EXPECT_EQ(lambda_.functions().size(), 1u);
}

TEST_F(LambdaClientTest, CreateFunctionConflictWithSomeoneElsesFunctionIsAConflict) {
  CreateFunctionRequest theirs = Orders();
  theirs.code.zip_file = "other code";
  ASSERT_TRUE(client_.CreateFunction(theirs).ok());
  lambda_.QueueFault("CreateFunction", Fault::kFailBefore);  // makes the next retry ambiguous
  auto result = client_.CreateFunction(Orders());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kConflict);
  // Without any ambiguity too; while an identical create is a no-op that returns the function.
  auto again = client_.CreateFunction(Orders());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(AwsCode(again.error()), "ResourceConflictException");
  auto identical = client_.CreateFunction(theirs);
  ASSERT_TRUE(identical.ok()) << identical.error().ToString();
  EXPECT_EQ(lambda_.functions().size(), 1u);
}

TEST_F(LambdaClientTest, UpdateInProgressConflictsAreRetried) {
  lambda_.QueueFault("CreateFunction", Fault::kConflict);  // nothing exists: transient
  auto created = client_.CreateFunction(Orders());
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  lambda_.QueueFault("UpdateFunctionCode", Fault::kConflict);
  lambda_.QueueFault("UpdateFunctionCode", Fault::kConflict);
  UpdateFunctionCodeRequest update{"orders", {"v2"}, false, false, created->revision_id, {}};
  auto updated = client_.UpdateFunctionCode(update);
  ASSERT_TRUE(updated.ok()) << updated.error().ToString();
  EXPECT_EQ(lambda_.Requests("UpdateFunctionCode"), 3);
  lambda_.QueueFault("PublishVersion", Fault::kConflict);
  auto version = client_.PublishVersion({"orders", updated->code_sha256, "", ""});
  ASSERT_TRUE(version.ok()) << version.error().ToString();
  EXPECT_EQ(lambda_.functions().at("orders").versions.size(), 1u);
}

TEST_F(LambdaClientTest, PublishVersionIsNeverDoubledByRetries) {
  auto created = client_.CreateFunction(Orders());
  ASSERT_TRUE(created.ok());
  lambda_.QueueFault("PublishVersion", Fault::kFailAfter);
  PublishVersionRequest publish{"orders", created->code_sha256, "deploy 1", created->revision_id};
  auto version = client_.PublishVersion(publish);
  ASSERT_TRUE(version.ok()) << version.error().ToString();
  EXPECT_EQ(version->version, "1");
  EXPECT_EQ(lambda_.functions().at("orders").versions.size(), 1u);
  // A failure before the work: retried, published once.
  lambda_.QueueFault("PublishVersion", Fault::kFailBefore);
  auto updated = client_.UpdateFunctionCode({"orders", {"new code"}, false, false, "", {}});
  ASSERT_TRUE(updated.ok());
  auto second = client_.PublishVersion({"orders", updated->code_sha256, "deploy 2", ""});
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  EXPECT_EQ(second->version, "2");
  EXPECT_EQ(lambda_.functions().at("orders").versions.size(), 2u);
  // Throttling is retried (the request was rejected, nothing to double).
  lambda_.QueueFault("PublishVersion", Fault::kThrottle);
  auto third = client_.PublishVersion({"orders", "", "deploy 3", ""});
  ASSERT_TRUE(third.ok()) << third.error().ToString();
  EXPECT_EQ(lambda_.functions().at("orders").versions.size(), 3u);
}

TEST_F(LambdaClientTest, GuardedUpdateCodeWhoseResponseWasLostIsRecognised) {
  auto created = client_.CreateFunction(Orders());
  ASSERT_TRUE(created.ok());
  lambda_.QueueFault("UpdateFunctionCode", Fault::kFailAfter);
  UpdateFunctionCodeRequest update{"orders", {"v2 code"}, false, false, created->revision_id, {}};
  auto updated = client_.UpdateFunctionCode(update);
  ASSERT_TRUE(updated.ok()) << updated.error().ToString();
  EXPECT_EQ(updated->code_sha256, Base64Encode(Sha256("v2 code")));
  // A stale revision without any ambiguity is a failed precondition.
  auto stale = client_.UpdateFunctionCode(update);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(LambdaClientTest, AliasesWithRoutingAndLostResponses) {
  ASSERT_TRUE(client_.CreateFunction(Orders()).ok());
  lambda_.QueueFault("CreateAlias", Fault::kFailAfter);
  auto alias = client_.CreateAlias({"orders", "live", "1", "", {{"2", 0.1}}});
  ASSERT_TRUE(alias.ok()) << alias.error().ToString();
  EXPECT_EQ(alias->routing.at("2"), 0.1);
  lambda_.QueueFault("UpdateAlias", Fault::kFailAfter);
  auto shifted = client_.UpdateAlias(
      {"orders", "live", std::string("2"), std::nullopt, RoutingWeights{}, alias->revision_id});
  ASSERT_TRUE(shifted.ok()) << shifted.error().ToString();
  EXPECT_EQ(shifted->function_version, "2");
  EXPECT_TRUE(shifted->routing.empty());
  lambda_.QueueFault("DeleteAlias", Fault::kFailAfter);
  EXPECT_TRUE(client_.DeleteAlias("orders", "live").ok());
  auto gone = client_.GetAlias("orders", "live");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

TEST_F(LambdaClientTest, EverySuccessfulCallReturnsItsRequestId) {
  auto created = client_.CreateFunction(Orders());
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->request_id, "req-201");  // what the stand-in sends for a 201
  const std::map<std::string, std::string> id = {{"x-amzn-RequestId", "7c0f6c1e-aaaa-bbbb"}};
  lambda_.QueueRaw("GetFunction", 200, R"({"Configuration": {"FunctionName": "orders"}})", id);
  auto fn = client_.GetFunction("orders");
  ASSERT_TRUE(fn.ok()) << fn.error().ToString();
  EXPECT_EQ(fn->request_id, "7c0f6c1e-aaaa-bbbb");
  EXPECT_EQ(fn->configuration.request_id, "");  // nested: the result holds it
  lambda_.QueueRaw("GetFunctionConfiguration", 200, R"({"FunctionName": "orders"})", id);
  EXPECT_EQ(client_.GetFunctionConfiguration("orders")->request_id, "7c0f6c1e-aaaa-bbbb");
  // Calls without data return their ResponseMetadata.
  auto alias = client_.CreateAlias({"orders", "live", "1", "", {}});
  ASSERT_TRUE(alias.ok()) << alias.error().ToString();
  EXPECT_EQ(alias->request_id.rfind("req-", 0), 0u) << alias->request_id;
  auto deleted = client_.DeleteAlias("orders", "live");
  ASSERT_TRUE(deleted.ok()) << deleted.error().ToString();
  EXPECT_EQ(deleted->request_id.rfind("req-", 0), 0u) << deleted->request_id;
  // ListAll* hand back every page's id.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client_.PublishVersion({"orders", "", "", ""}).ok());
  std::vector<std::string> ids;
  ASSERT_TRUE(client_.ListAllVersions("orders", 100, {}, &ids).ok());
  EXPECT_EQ(ids.size(), 2u);  // 4 versions, pages of 2
  // A hostile id is reduced to request-id characters and bounded.
  lambda_.QueueRaw("GetFunctionConfiguration", 200, "{}",
                   {{"x-amzn-RequestId", "abc\x1b[31m<script>" + std::string(500, 'z')}});
  auto hostile = client_.GetFunctionConfiguration("orders");
  ASSERT_TRUE(hostile.ok());
  EXPECT_EQ(hostile->request_id.find_first_not_of(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."),
            std::string::npos)
      << hostile->request_id;
  EXPECT_LE(hostile->request_id.size(), 128u);
}

TEST_F(LambdaClientTest, ListAllVersionsFollowsMarkers) {
  auto created = client_.CreateFunction(Orders());
  ASSERT_TRUE(created.ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(client_.PublishVersion({"orders", "", "", ""}).ok());
  auto versions = client_.ListAllVersions("orders");
  ASSERT_TRUE(versions.ok()) << versions.error().ToString();
  ASSERT_EQ(versions->size(), 5u);
  EXPECT_EQ((*versions)[0].version, "$LATEST");
  EXPECT_EQ((*versions)[4].version, "4");
  EXPECT_EQ(lambda_.Requests("ListVersionsByFunction"), 3);
}

TEST_F(LambdaClientTest, RepeatingMarkerFromAHostileServerStopsPagination) {
  for (int i = 0; i < 2; ++i) {
    lambda_.QueueRaw("ListVersionsByFunction", 200, R"({"Versions":[],"NextMarker":"m"})");
  }
  auto versions = client_.ListAllVersions("orders");
  ASSERT_FALSE(versions.ok());
  EXPECT_EQ(versions.error().code, ErrorCode::kUnavailable);
}

TEST_F(LambdaClientTest, MalformedResponsesGiveClearErrors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"Configuration": {"FunctionName": "x", "Timeout": "3"}})", "Configuration.Timeout"},
      {R"({"Configuration": {"FunctionName": "x")", "malformed"},
      {R"([1, 2, 3])", "not a JSON object"},
      {R"({"Configuration": [1]})", "Configuration"},
      {R"({"Configuration": {"Timeout": 99999999999999}})", "Timeout"},
      {R"({"Tags": {"a": 1}})", "Tags"},
      {std::string(100'000, '[') + std::string(100'000, ']'), "malformed"},
      {"\xff\xfe garbage", "malformed"},
  };
  for (const auto& [body, expected] : cases) {
    lambda_.QueueRaw("GetFunction", 200, body);
    auto result = client_.GetFunction("orders");
    ASSERT_FALSE(result.ok()) << body.substr(0, 60);
    EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(result.error().message.find(expected), std::string::npos) << result.error().message;
  }
  // Hostile error bodies still give a usable error.
  lambda_.QueueRaw("GetFunction", 404, std::string(5'000'000, 'x'));
  auto error = client_.GetFunction("orders");
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.error().code, ErrorCode::kNotFound);
  EXPECT_LT(error.error().message.size(), 1'000u);
}

// Issue 18, item 5: an endpoint (a CloudProvider's, or a metadata service's answering in its
// place) whose error body is JSON: only its code and message fields reach the error an
// execution shows, sanitized and bounded; nothing else of the body.
TEST_F(LambdaClientTest, OnlyTheCodeAndMessageOfAnErrorBodyAreShown) {
  const std::string body =
      R"({"Code":"Success","AccessKeyId":"ASIAEXAMPLELEAK","SecretAccessKey":"leak-me-9f8e7d",)"
      R"("Token":"leak-token-1a2b","message":"denied \u001b[31mred\u001b[0m )" +
      std::string(3000, 'y') + R"("})";
  lambda_.QueueRaw("GetFunction", 403, body);
  auto error = client_.GetFunction("orders");
  ASSERT_FALSE(error.ok());
  const std::string& message = error.error().message;
  EXPECT_NE(message.find("Success"), std::string::npos) << message;
  EXPECT_NE(message.find("denied"), std::string::npos) << message;
  for (const char* leak : {"ASIAEXAMPLELEAK", "leak-me", "leak-token", "AccessKeyId", "\x1b"}) {
    EXPECT_EQ(message.find(leak), std::string::npos) << leak << " in " << message;
  }
  EXPECT_LT(message.size(), 1'000u);
  for (const auto& [key, value] : error.error().details) {
    EXPECT_EQ(value.find("leak"), std::string::npos) << key;
  }
}

TEST_F(LambdaClientTest, OversizedResponsesAreRefused) {
  ServiceConfig config = LambdaServiceConfig(lambda_.url(), "us-east-1");
  config.max_response_bytes = 1'000;
  LambdaClient small(config, env_.deps());
  lambda_.QueueRaw("GetFunction", 200, "{\"Tags\":{\"a\":\"" + std::string(5'000, 'x') + "\"}}");
  auto result = small.GetFunction("orders");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kPayloadTooLarge);
}

TEST_F(LambdaClientTest, InvokeReturnsStatusFunctionErrorVersionAndLogTail) {
  auto ok = client_.Invoke({"orders", "live", InvocationType::kRequestResponse, true, "{\"a\":1}"});
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
  EXPECT_EQ(ok->status_code, 200);
  EXPECT_EQ(ok->executed_version, "7");
  EXPECT_EQ(ok->payload, "{\"echo\":{\"a\":1}}");
  EXPECT_EQ(ok->log_tail, "START RequestId: 1\nhello\nEND\n");
  EXPECT_TRUE(ok->function_error.empty());
  auto failed = client_.Invoke({"orders", "", InvocationType::kRequestResponse, false, "\"fail\""});
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->function_error, "Unhandled");
  auto event = client_.Invoke({"orders", "", InvocationType::kEvent, false, "{}"});
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->status_code, 202);
}

TEST_F(LambdaClientTest, InvokeIsNotRepeatedAfterAnAmbiguousFailureButIsAfterThrottling) {
  lambda_.QueueFault("Invoke", Fault::kFailAfter);
  auto result = client_.Invoke({"orders", "", InvocationType::kRequestResponse, false, "{}"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(lambda_.Requests("Invoke"), 1);
  lambda_.QueueFault("Invoke", Fault::kThrottle);
  auto retried = client_.Invoke({"orders", "", InvocationType::kRequestResponse, false, "{}"});
  ASSERT_TRUE(retried.ok()) << retried.error().ToString();
  EXPECT_EQ(lambda_.Requests("Invoke"), 3);
}

TEST_F(LambdaClientTest, ConnectionRefusedIsUnavailableAfterRetries) {
  LambdaClient dead(LambdaServiceConfig("http://127.0.0.1:1", "us-east-1"), env_.deps());
  auto result = dead.GetFunction("orders");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(result.error().details.at("attempts"), "3");
}

TEST_F(LambdaClientTest, RetryQuotaExhaustionStopsRetrying) {
  while (env_.quota.available() >= RetryQuota::kRetryCost) {
    int cost = 0;
    ASSERT_TRUE(env_.quota.Acquire(FailureKind::kTransient, &cost));
  }
  lambda_.QueueFault("GetFunction", Fault::kFailBefore);
  auto result = client_.GetFunction("orders");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().details.at("retry_quota_exhausted"), "true");
  EXPECT_EQ(lambda_.Requests("GetFunction"), 1);
}

}  // namespace
}  // namespace ferry::aws
