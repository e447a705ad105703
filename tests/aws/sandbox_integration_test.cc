// The typed clients against `ferry sandbox` over HTTP (a real, independent Lambda/CloudWatch
// implementation): full deployment sequences, with the sandbox's quota enforcement and fault
// injection on (20% throttling, 5% 500s, injected 409 conflicts). Every sequence must complete
// and nothing may happen twice (exactly the versions we meant to publish exist).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "aws/cloudwatch_client.h"
#include "aws/lambda_client.h"
#include "aws/sandbox_fixture.h"
#include "aws/waiter.h"

namespace ferry::aws {
namespace {

using test_support::MakeZip;

class SandboxIntegrationTest : public test_support::SandboxTest {
 protected:
  // One deployment: create, update twice, publish twice, alias with canary routing, shift,
  // invoke, tag, clean up. Returns "" or what went wrong.
  std::string RunSequence(LambdaClient& lambda, const std::string& name) {
    Clock& clock = SystemClock::Instance();
    auto fail = [&](const std::string& step, const Error& e) {
      return name + " " + step + ": " + e.ToString();
    };
    const std::string zip1 = MakeZip("v1");
    const std::string zip2 = MakeZip("v2");
    if (zip1.empty() || zip2.empty()) return "zip failed";
    CreateFunctionRequest create;
    create.function_name = name;
    create.role = "arn:aws:iam::000000000000:role/ferry-test";
    create.runtime = "python3.11";
    create.handler = "index.handler";
    create.code.zip_file = zip1;
    auto created = lambda.CreateFunction(create);
    if (!created.ok()) return fail("CreateFunction", created.error());
    if (auto s = WaitForLambda(lambda, "FunctionActiveV2", name, "", clock); !s.ok()) {
      return fail("FunctionActiveV2", s.error());
    }
    auto published1 = lambda.PublishVersion({name, created->code_sha256, "release 1", ""});
    if (!published1.ok()) return fail("PublishVersion 1", published1.error());
    auto alias = lambda.CreateAlias({name, "live", published1->version, "", {}});
    if (!alias.ok()) return fail("CreateAlias", alias.error());

    auto latest = lambda.GetFunctionConfiguration(name);
    if (!latest.ok()) return fail("GetFunctionConfiguration", latest.error());
    auto updated = lambda.UpdateFunctionCode({name, {zip2}, false, false, latest->revision_id, {}});
    if (!updated.ok()) return fail("UpdateFunctionCode", updated.error());
    if (auto s = WaitForLambda(lambda, "FunctionUpdatedV2", name, "", clock); !s.ok()) {
      return fail("FunctionUpdatedV2", s.error());
    }
    auto published2 = lambda.PublishVersion({name, updated->code_sha256, "release 2", ""});
    if (!published2.ok()) return fail("PublishVersion 2", published2.error());
    if (auto s = WaitForLambda(lambda, "PublishedVersionActive", name, published2->version, clock);
        !s.ok()) {
      return fail("PublishedVersionActive", s.error());
    }
    auto canary =
        lambda.UpdateAlias({name, "live", std::nullopt, std::nullopt,
                            RoutingWeights{{published2->version, 0.1}}, alias->revision_id});
    if (!canary.ok()) return fail("UpdateAlias canary", canary.error());
    auto shifted = lambda.UpdateAlias(
        {name, "live", published2->version, std::nullopt, RoutingWeights{}, canary->revision_id});
    if (!shifted.ok()) return fail("UpdateAlias shift", shifted.error());
    if (shifted->function_version != published2->version || !shifted->routing.empty()) {
      return name + ": alias not shifted";
    }
    auto invoked =
        lambda.Invoke({name, "live", InvocationType::kRequestResponse, true, R"({"n": 1})"});
    // The client never repeats an Invoke that may have run (a 500 after the function ran); this
    // handler is idempotent, so the caller may decide to, as an invoke-test step does.
    for (int i = 0; i < 5 && !invoked.ok() && MayHaveTakenEffect(invoked.error()); ++i) {
      invoked =
          lambda.Invoke({name, "live", InvocationType::kRequestResponse, true, R"({"n": 1})"});
    }
    if (!invoked.ok()) return fail("Invoke", invoked.error());
    if (invoked->executed_version != published2->version ||
        invoked->payload.find("v2") == std::string::npos || !invoked->function_error.empty()) {
      return name + ": unexpected invoke result " + invoked->payload;
    }
    if (auto s = lambda.TagResource(created->function_arn, {{"ferry", "yes"}}); !s.ok()) {
      return fail("TagResource", s.error());
    }
    auto tags = lambda.ListTags(created->function_arn);
    if (!tags.ok()) return fail("ListTags", tags.error());
    if (tags->tags.count("ferry") != 1) return name + ": tag missing";
    if (tags->request_id.empty() || invoked->request_id.empty() || shifted->request_id.empty()) {
      return name + ": a result lacks its request id";
    }

    auto versions = lambda.ListAllVersions(name);
    if (!versions.ok()) return fail("ListAllVersions", versions.error());
    if (versions->size() != 3) {  // $LATEST, 1, 2: nothing published twice
      return name + ": expected 3 versions, found " + std::to_string(versions->size());
    }
    auto aliases = lambda.ListAllAliases(name);
    if (!aliases.ok()) return fail("ListAllAliases", aliases.error());
    if (aliases->size() != 1) return name + ": expected one alias";
    if (auto s = lambda.DeleteAlias(name, "live"); !s.ok()) return fail("DeleteAlias", s.error());
    if (auto s = lambda.DeleteFunction(name); !s.ok()) return fail("DeleteFunction", s.error());
    auto gone = lambda.GetFunction(name);
    if (gone.ok() || gone.error().code != ErrorCode::kNotFound) return name + ": not deleted";
    return "";
  }
};

TEST_F(SandboxIntegrationTest, DeploymentSequenceWithoutFaults) {
  Start({});
  if (IsSkipped() || HasFatalFailure()) return;
  LambdaClient lambda = Lambda();
  EXPECT_EQ(RunSequence(lambda, "orders"), "");
  auto settings = lambda.GetAccountSettings();
  ASSERT_TRUE(settings.ok()) << settings.error().ToString();
  EXPECT_GT(settings->concurrent_executions, 0);
}

TEST_F(SandboxIntegrationTest, ConcurrentSequencesUnderQuotaAndFaultsCompleteWithoutDoubles) {
  Start({"--quota", "--fault-seed", "7", "--fault",
         "service=lambda,op=*,rate=0.2,code=TooManyRequestsException", "--fault",
         "service=lambda,op=*,rate=0.05,code=ServiceException", "--fault",
         "service=lambda,op=UpdateAlias,rate=0.2,code=ResourceConflictException", "--fault",
         "service=lambda,op=PublishVersion,rate=0.2,code=ResourceConflictException"});
  if (IsSkipped() || HasFatalFailure()) return;
  constexpr int kSequences = 4;
  std::vector<std::string> failures(kSequences);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kSequences; ++i) {
      threads.emplace_back([&, i] {
        LambdaClient lambda = Lambda();
        failures[i] = RunSequence(lambda, "fn-" + std::to_string(i));
      });
    }
  }
  for (const auto& f : failures) EXPECT_EQ(f, "");
  // The faults and the quota really bit, and the clients rode them out.
  EXPECT_GT(transport_->Count(429), 0);
  EXPECT_GT(transport_->Count(500), 0);
  EXPECT_GT(transport_->Count(409), 0);
  std::printf("responses: %d x 200/201/204, %d x 429, %d x 500, %d x 409\n",
              transport_->Count(200) + transport_->Count(201) + transport_->Count(204),
              transport_->Count(429), transport_->Count(500), transport_->Count(409));
}

TEST_F(SandboxIntegrationTest, CloudWatchPutAndReadBack) {
  Start({});
  if (IsSkipped() || HasFatalFailure()) return;
  ServiceConfig config = CloudWatchServiceConfig(endpoint_, "us-east-1");
  CloudWatchClient cw(config, Deps());
  const TimePoint now = SystemClock::Instance().Now();
  const TimePoint minute = std::chrono::floor<std::chrono::minutes>(now);
  std::vector<MetricDatum> data;
  for (double v : {1.0, 2.0, 3.0}) {
    data.push_back({"Errors", {{"FunctionName", "orders"}}, minute, v, "Count"});
  }
  ASSERT_TRUE(cw.PutMetricData("Ferry/Test", data).ok());
  GetMetricStatisticsRequest stats;
  stats.namespace_ = "Ferry/Test";
  stats.metric_name = "Errors";
  stats.dimensions = {{"FunctionName", "orders"}};
  stats.start_time = minute - std::chrono::minutes(5);
  stats.end_time = minute + std::chrono::minutes(5);
  stats.period_seconds = 60;
  stats.statistics = {"Sum", "SampleCount", "Maximum"};
  auto got = cw.GetMetricStatistics(stats);
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  ASSERT_EQ(got->datapoints.size(), 1u);
  EXPECT_EQ(got->datapoints[0].sum, 6.0);
  EXPECT_EQ(got->datapoints[0].sample_count, 3.0);
  EXPECT_EQ(got->datapoints[0].maximum, 3.0);
  GetMetricDataRequest query;
  query.queries = {{"e", "Ferry/Test", "Errors", {{"FunctionName", "orders"}}, 60, "Sum"}};
  query.start_time = stats.start_time;
  query.end_time = stats.end_time;
  auto data_result = cw.GetMetricData(query);
  ASSERT_TRUE(data_result.ok()) << data_result.error().ToString();
  ASSERT_EQ(data_result->results.size(), 1u);
  ASSERT_EQ(data_result->results[0].values.size(), 1u);
  EXPECT_EQ(data_result->results[0].values[0], 6.0);
  auto alarms = cw.DescribeAlarms({});
  ASSERT_TRUE(alarms.ok()) << alarms.error().ToString();
  auto bad = cw.GetMetricStatistics(GetMetricStatisticsRequest{});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument) << bad.error().ToString();
  EXPECT_FALSE(AwsCode(bad.error()).empty());
}

}  // namespace
}  // namespace ferry::aws
