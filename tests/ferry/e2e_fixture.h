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
#include <map>
#include <memory>
#include <set>
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
#include "support/child_process.h"
#include "support/sandbox_process.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace ferry::test {

inline constexpr char kBucket[] = "artifacts";
inline constexpr char kRole[] = "arn:aws:iam::000000000000:role/e2e";

class DeployE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sandbox_ = SandboxProcess::Start(dir_.Sub("sandbox"), sandbox_flags_, sandbox_update_delay_);
    ASSERT_TRUE(sandbox_->ok()) << sandbox_->diagnostics();
    server_ = ServerProcess::Start(dir_.Sub("data"), server_options_);
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
    UploadPython(key, "def handler(event, context):\n    return {'build': '" + tag + "'}\n");
  }
  // A zip of index.py with `source` (its handler is index.handler); uploaded to s3://artifacts/KEY.
  void UploadPython(const std::string& key, const std::string& source) {
    const auto work = dir_.path() / ("zip-" + std::to_string(zips_++));
    std::filesystem::create_directories(work);
    std::ofstream(work / "index.py") << source;
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
          {"endpoint", sandbox_->url()},
          {"localSandbox", true}},
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

  // Entities({"orders"}) with its workflow replaced by `workflow` (application, name, environment,
  // service and failure strategy filled in) and, when given, alarms on environment dev.
  void ApplyWorkflow(Json workflow, const Json& environment_alarms = Json()) {
    Json entities = Entities({"orders"});
    if (!environment_alarms.is_null()) {
      for (Json& entity : entities) {
        if (Str(entity, "kind") == "Environment") entity["alarms"] = environment_alarms;
      }
    }
    workflow["kind"] = "Workflow";
    workflow["application"] = "shop";
    workflow["name"] = "basic";
    workflow["environment"] = "dev";
    workflow["service"] = "api";
    workflow["failureStrategy"] = "rollback";
    entities[entities.size() - 1] = workflow;
    ASSERT_NO_FATAL_FAILURE(Apply(entities));
  }

  // An alias's routing as "VERSION" or "VERSION+NEXT@WEIGHT" (weight to two decimals).
  std::string Routing(const std::string& alias = "dev",
                      const std::string& function = "shop-orders-dev") {
    auto a = lambda_->GetAlias(function, alias);
    if (!a.ok()) return "(" + a.error().message + ")";
    std::string out = a->function_version;
    for (const auto& [v, w] : a->routing) out += "+" + v + "@" + std::to_string(w).substr(0, 4);
    return out;
  }

  // POST /api/v1/deployments of s3://artifacts/KEY to dev; the execution id ("" on failure).
  std::string StartDeploy(const std::string& key) {
    ApiResponse r = api_->Post("/api/v1/deployments",
                               Json{{"application", "shop"},
                                    {"service", "api"},
                                    {"environment", "dev"},
                                    {"artifact", {{"s3Bucket", kBucket}, {"s3Key", key}}}});
    EXPECT_EQ(r.status, 201) << r.Describe();
    return r.status == 201 ? Str(r.json, "id") : "";
  }
  // StartDeploy, then waits; the final execution (null when it did not finish).
  Json Deploy(const std::string& key) {
    const std::string id = StartDeploy(key);
    if (id.empty()) return Json();
    Json done = api_->WaitForExecution(id);
    EXPECT_FALSE(done.is_null()) << "execution " << id << " did not finish";
    return done;
  }
  // Uploads builds b1..b`count` (api/api-N.zip) and deploys each in turn, appending each
  // succeeded execution's id to `ids`.
  void DeployBuilds(int count, std::vector<std::string>& ids) {
    for (int build = 1; build <= count; ++build) {
      const std::string key = "api/api-" + std::to_string(build) + ".zip";
      ASSERT_NO_FATAL_FAILURE(UploadBuild(key, "b" + std::to_string(build)));
      Json e = Deploy(key);
      ASSERT_EQ(Str(e, "status"), "succeeded") << e.dump(2);
      ids.push_back(Str(e, "id"));
    }
  }
  // The orders and billing services deployed at build b1 (version 1 each), build b2 uploaded;
  // the execution's id is appended to `ids`.
  void DeployOrdersAndBillingAtB1(std::vector<std::string>& ids) {
    ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders", "billing"})));
    ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
    ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-2.zip", "b2"));
    Json e = Deploy("api/api-1.zip");
    ASSERT_EQ(Str(e, "status"), "succeeded") << e.dump(2);
    ids.push_back(Str(e, "id"));
  }
  // The sandbox's fault admin endpoint (docs/sandbox.md): METHOD /_ferry/faults [body]; the
  // HTTP status (0 when the request failed).
  int SandboxFaults(const std::string& method, const Json& body = Json()) {
    httplib::Client admin(sandbox_->url());
    httplib::Result r = method == "DELETE" ? admin.Delete("/_ferry/faults")
                        : method == "PUT"
                            ? admin.Put("/_ferry/faults", DumpJson(body), "application/json")
                            : admin.Post("/_ferry/faults", DumpJson(body), "application/json");
    return r ? r->status : 0;
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

  // Every error an execution shows a user, one per line: the execution's, each step's
  // ("STEP: message") and each function's in a deploy step's outputs ("FUNCTION: code message").
  static std::string Errors(const Json& execution) {
    std::string out = Str(execution, "error") + "\n";
    if (!execution.is_object() || !execution.contains("steps")) return out;
    for (const Json& step : execution["steps"]) {
      if (!Str(step, "error").empty()) out += Str(step, "name") + ": " + Str(step, "error") + "\n";
    }
    for (const auto& [function, d] : StepDeployments(execution)) {
      const auto error = d.find("error");
      if (error == d.end() || !error->is_object()) continue;
      out += function + ": " + Str(*error, "code") + " " + Str(*error, "message") + "\n";
    }
    return out;
  }

  // The text of an execution's first 1000 log lines (GET /api/v1/executions/ID/logs), one a line.
  std::string Logs(const std::string& execution_id) {
    ApiResponse r = api_->Get("/api/v1/executions/" + execution_id + "/logs?limit=1000");
    if (r.status != 200 || !r.json.contains("items")) return "(logs: " + r.Describe() + ")";
    std::string out;
    for (const Json& line : r.json["items"]) out += Str(line, "text") + "\n";
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

  // What the AWS side must look like after `executions` (ids in start order, one service) deployed
  // `functions` (AWS names); the problems found, empty when all hold:
  //   - every execution ended in one of `allowed`;
  //   - every alias "dev" points exactly at the version the last succeeded execution's deploy
  //     step outputs name, and that version exists with the recorded codeSha256;
  //   - no two published versions of a function hold the same CodeSha256 (nothing published
  //     twice: the configuration does not change between the deployments).
  std::vector<std::string> CheckDeployInvariants(const std::vector<std::string>& executions,
                                                 const std::vector<std::string>& functions,
                                                 const std::set<std::string>& allowed) {
    std::vector<std::string> problems;
    std::map<std::string, Json> last;  // function → its record in the last succeeded execution
    for (const auto& id : executions) {
      ApiResponse r = api_->Get("/api/v1/executions/" + id);
      if (r.status != 200) {
        problems.push_back("GET execution " + id + ": " + r.Describe());
        continue;
      }
      const std::string status = Str(r.json, "status");
      if (allowed.count(status) == 0) {
        problems.push_back("execution " + id + " ended " + status + ": " + Str(r.json, "error"));
      }
      if (status == "succeeded") last = StepDeployments(r.json);
    }
    for (const auto& f : functions) {
      auto versions = lambda_->ListAllVersions(f);
      if (!versions.ok()) {
        if (last.count(f) != 0) problems.push_back(f + ": " + versions.error().message);
        continue;
      }
      std::map<std::string, std::string> sha_of;  // version → CodeSha256
      std::map<std::string, std::string> holder;  // CodeSha256 → first version holding it
      for (const auto& v : *versions) {
        if (v.version == "$LATEST") continue;
        sha_of[v.version] = v.code_sha256;
        auto [it, fresh] = holder.emplace(v.code_sha256, v.version);
        if (!fresh) {
          problems.push_back(f + ": versions " + it->second + " and " + v.version +
                             " both hold code " + v.code_sha256 + " (published twice)");
        }
      }
      auto aliases = lambda_->ListAllAliases(f);
      if (!aliases.ok()) {
        problems.push_back(f + ": ListAliases: " + aliases.error().message);
        continue;
      }
      if (last.count(f) == 0) {
        if (!aliases->empty()) problems.push_back(f + ": has aliases but no deployment succeeded");
        continue;
      }
      const std::string want = Str(last[f], "version");
      const std::string want_sha = Str(last[f], "codeSha256");
      for (const auto& a : *aliases) {
        if (a.function_version != want || !a.routing.empty()) {
          problems.push_back(f + ": alias " + a.name + " points at " + a.function_version +
                             " but the last succeeded execution recorded " + want);
        }
      }
      if (aliases->empty()) problems.push_back(f + ": no alias after a succeeded deployment");
      if (sha_of.count(want) == 0) {
        problems.push_back(f + ": recorded version " + want + " does not exist");
      } else if (sha_of[want] != want_sha) {
        problems.push_back(f + ": version " + want + " holds " + sha_of[want] + ", recorded " +
                           want_sha);
      }
    }
    return problems;
  }

  // Set in a derived fixture's constructor (SetUp reads them).
  std::vector<std::string> sandbox_flags_;      // extra `ferry sandbox` flags (--fault, --quota)
  std::string sandbox_update_delay_ = "100ms";  // `ferry sandbox --update-delay`
  ServerOptions server_options_;                // `ferry server` flags and environment

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
