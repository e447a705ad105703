// Fixture of the end-to-end deploy tests: a real `ferry sandbox` and a real `ferry server` (child
// processes on free ports), configuration applied and deployments started through the REST API
// over HTTP, and the AWS side checked directly against the sandbox with Ferry's aws clients.
//
// Zips are built with the `zip` tool from a python handler returning a build tag, so an
// invocation tells which build an alias serves.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "aws/credentials_chain.h"
#include "aws/curl_transport.h"
#include "aws/lambda_client.h"
#include "aws/s3_client.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/json.h"
#include "ferry/api_client.h"
#include "ferry/server_process.h"

namespace ferry::test {

inline constexpr char kBucket[] = "artifacts";
inline constexpr char kRole[] = "arn:aws:iam::000000000000:role/e2e";

class DeployE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sandbox_ = SandboxProcess::Start(dir_.Sub("sandbox"));
    ASSERT_TRUE(sandbox_->ok()) << sandbox_->diagnostics();
    server_ = ServerProcess::Start(dir_.Sub("data"));
    ASSERT_TRUE(server_->ok()) << server_->diagnostics();
    api_ = std::make_unique<ApiClient>(server_->url(), server_->token());

    http_ = aws::CurlTransport::Create().value();
    deps_ = std::make_unique<aws::ServiceDeps>(
        aws::ServiceDeps{*http_, credentials_, SystemClock::Instance(), ids_, limiters_, quota_});
    lambda_ = std::make_unique<aws::LambdaClient>(
        aws::LambdaServiceConfig(sandbox_->url(), "us-east-1"), *deps_);
    s3_config_ = aws::S3ServiceConfig(sandbox_->url(), "us-east-1");
    s3_ = std::make_unique<aws::S3Client>(s3_config_, *deps_, aws::S3Options{.path_style = true});
    aws::ServiceClient raw(s3_config_, *deps_);
    aws::OperationCall create_bucket;
    create_bucket.operation = "CreateBucket";
    create_bucket.api_class = aws::ApiClass::kS3Write;
    create_bucket.method = "PUT";
    create_bucket.path_and_query = std::string("/") + kBucket;
    auto created = raw.Call(create_bucket);
    ASSERT_TRUE(created.ok()) << created.error().message;
  }

  void TearDown() override {
    if (HasFailure() && server_) {
      std::cerr << "ferry server output:\n" << server_->diagnostics() << "\n";
    }
  }

  // A zip of index.py whose handler returns {"build": tag}; uploaded to s3://artifacts/KEY.
  void UploadBuild(const std::string& key, const std::string& tag) {
    const auto work = dir_.path() / ("zip-" + std::to_string(zips_++));
    std::filesystem::create_directories(work);
    std::ofstream(work / "index.py") << "def handler(event, context):\n"
                                     << "    return {'build': '" << tag << "'}\n";
    auto zipped = ChildProcess::Run({"/usr/bin/zip", "-q", "-X", "fn.zip", "index.py"},
                                    ProcessOptions{{}, work.string()});
    ASSERT_EQ(zipped.exit_code, 0) << zipped.err;
    std::ifstream in(work / "fn.zip", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    UploadBytes(key, bytes);
  }
  void UploadBytes(const std::string& key, const std::string& bytes) {
    aws::PutObjectRequest put;
    put.bucket = kBucket;
    put.key = key;
    put.body = bytes;
    auto r = s3_->PutObject(put);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  // The YAML documents as JSON: cloud provider "sandbox", application "shop", service "api" with
  // the given functions (logical names; AWS names "shop-<name>-<env>"), environments dev and
  // prod, and a basic workflow for both.
  Json Entities(const std::vector<std::string>& functions,
                const Json& function_overrides = Json::object()) const {
    Json fns = Json::array();
    for (const auto& f : functions) {
      Json spec = {{"name", f},
                   {"functionName", "shop-" + f + "-${env.name}"},
                   {"handler", "index.handler"}};
      if (function_overrides.contains(f)) spec.update(function_overrides[f]);
      fns.push_back(spec);
    }
    Json infra = [&](const std::string& env) {
      return Json::array({{{"name", "sandbox-" + env},
                           {"cloudProvider", "sandbox"},
                           {"region", "us-east-1"},
                           {"executionRole", kRole}}});
    }("dev");
    return Json::array(
        {{{"kind", "CloudProvider"},
          {"name", "sandbox"},
          {"credentials", {{"mode", "delegate"}}},
          {"region", "us-east-1"},
          {"endpoint", sandbox_->url()}},
         {{"kind", "Application"}, {"name", "shop"}},
         {{"kind", "Service"},
          {"application", "shop"},
          {"name", "api"},
          {"type", "lambda"},
          {"artifact",
           {{"cloudProvider", "sandbox"},
            {"s3", {{"bucket", kBucket}, {"prefix", "api/"}, {"filter", "api-(.+)\\.zip"}}}}},
          {"defaults",
           {{"runtime", "python3.12"},
            {"memory", 128},
            {"timeout", 5},
            {"environment", {{"BUILD", "${artifact.version}"}}},
            {"tags", {{"app", "${app.name}"}}}}},
          {"functions", fns}},
         {{"kind", "Environment"},
          {"application", "shop"},
          {"name", "dev"},
          {"type", "non-production"},
          {"infrastructure", infra}},
         {{"kind", "Workflow"},
          {"application", "shop"},
          {"name", "basic"},
          {"strategy", "basic"},
          {"environment", "dev"},
          {"service", "api"},
          {"failureStrategy", "rollback"},
          {"steps", Json::array({{{"name", "deploy"}, {"type", "deploy"}}})}}});
  }

  void Apply(const Json& entities) {
    ApiResponse r = api_->Post("/api/v1/apply", Json{{"entities", entities}});
    ASSERT_EQ(r.status, 200) << r.Describe();
  }

  // POST /api/v1/deployments of s3://artifacts/KEY to dev; waits; the final execution.
  Json Deploy(const std::string& key) {
    ApiResponse r = api_->Post("/api/v1/deployments",
                               Json{{"application", "shop"},
                                    {"service", "api"},
                                    {"environment", "dev"},
                                    {"artifact", {{"s3Bucket", kBucket}, {"s3Key", key}}}});
    EXPECT_EQ(r.status, 201) << r.Describe();
    if (r.status != 201) return Json();
    Json done = api_->WaitForExecution(Str(r.json, "id"));
    EXPECT_FALSE(done.is_null()) << "execution " << Str(r.json, "id") << " did not finish";
    return done;
  }
  Json Rollback(const std::optional<std::string>& to_execution) {
    Json body = {{"application", "shop"}, {"service", "api"}, {"environment", "dev"}};
    if (to_execution) body["toExecution"] = *to_execution;
    ApiResponse r = api_->Post("/api/v1/rollbacks", body);
    EXPECT_EQ(r.status, 201) << r.Describe();
    if (r.status != 201) return Json();
    return api_->WaitForExecution(Str(r.json, "id"));
  }

  // The deployments a lambda.deploy step recorded, by function name.
  static std::map<std::string, Json> StepDeployments(const Json& execution) {
    std::map<std::string, Json> out;
    if (!execution.is_object() || !execution.contains("steps")) return out;
    for (const Json& step : execution["steps"]) {
      if (Str(step, "kind") != "lambda.deploy") continue;
      const auto outputs = step.find("outputs");
      if (outputs == step.end() || !outputs->is_object() || !outputs->contains("deployments")) {
        continue;
      }
      for (const Json& d : (*outputs)["deployments"]) out[Str(d, "functionName")] = d;
    }
    return out;
  }

  std::string AliasVersion(const std::string& function, const std::string& alias = "dev") {
    auto a = lambda_->GetAlias(function, alias);
    return a.ok() ? a->function_version : "(" + a.error().message + ")";
  }
  std::vector<std::string> PublishedVersions(const std::string& function) {
    std::vector<std::string> out;
    auto all = lambda_->ListAllVersions(function);
    if (!all.ok()) return {"(" + all.error().message + ")"};
    for (const auto& v : *all) {
      if (v.version != "$LATEST") out.push_back(v.version);
    }
    std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
      return std::stoi(a) < std::stoi(b);
    });
    return out;
  }
  // The build tag the function answers with (invoked through `qualifier`).
  std::string InvokeBuild(const std::string& function, const std::string& qualifier = "dev") {
    aws::InvokeRequest invoke;
    invoke.function_name = function;
    invoke.qualifier = qualifier;
    invoke.payload = "{}";
    auto r = lambda_->Invoke(invoke);
    if (!r.ok()) return "(" + r.error().message + ")";
    auto parsed = ParseJson(r->payload);
    if (!parsed.ok() || !parsed->is_object()) return "(payload " + r->payload + ")";
    return parsed->value("build", "(no build in " + r->payload + ")");
  }

  TempDir dir_;
  std::unique_ptr<SandboxProcess> sandbox_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ApiClient> api_;

  std::unique_ptr<aws::CurlTransport> http_;
  aws::StaticProvider credentials_{aws::Credentials{"test", "test", "", std::nullopt, "e2e"}};
  RandomIdGenerator ids_{SystemClock::Instance()};
  aws::RateLimiterRegistry limiters_{SystemClock::Instance()};
  aws::RetryQuota quota_;
  std::unique_ptr<aws::ServiceDeps> deps_;
  aws::ServiceConfig s3_config_;
  std::unique_ptr<aws::LambdaClient> lambda_;
  std::unique_ptr<aws::S3Client> s3_;
  int zips_ = 0;
};

}  // namespace ferry::test
