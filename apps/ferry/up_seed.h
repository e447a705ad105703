// The sample application of `ferry up` (apps/ferry/sample/, embedded in the binary): seeding it
// into a running server and sandbox, idempotently.
//
// SeedSample: zips the handler (deterministic bytes: fixed timestamps and permissions, so an
// unchanged handler gives the same CodeSha256), creates the sandbox's S3 bucket and uploads the
// zip when it is not there yet, applies the sample YAML (the same checks and write path as
// `ferry apply`), records the zip as an artifact, and deploys it to dev unless dev already has
// a succeeded deployment whose alias still exists in the sandbox (a restart then leaves the
// user's latest build in place). It waits for the deployment and invokes the alias once. It also
// uploads a broken build (kSampleBrokenKey) and creates the CloudWatch alarm kSampleProdAlarm
// (Errors of sample-hello-prod, Sum >= 1 in 10 s) that the prod canary watches.
//
// Not thread-safe; runs once at start-up.
#pragma once

#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "server_runtime.h"

namespace ferry::app {

inline constexpr char kSampleApplication[] = "sample";
inline constexpr char kSampleService[] = "hello";
inline constexpr char kSampleBucket[] = "ferry-sample";
inline constexpr char kSampleHandlerFile[] = "app.py";
// A build of the sample whose handler raises on every call (uploaded beside the good one), and the
// alarm on prod's errors that gates the prod canary.
inline constexpr char kSampleBrokenKey[] = "hello/hello-broken.zip";
inline constexpr char kSampleProdAlarm[] = "sample-hello-prod-errors";

// The embedded sample: the handler source and the YAML with the sandbox endpoint filled in.
std::string SampleHandlerSource();
std::string SampleConfigYaml(const std::string& sandbox_url);

// A zip holding `files` (name → content), byte-for-byte the same for the same input.
Result<std::string> MakeDeterministicZip(
    const std::vector<std::pair<std::string, std::string>>& files);

struct SeedOptions {
  std::string sandbox_url;
  std::string region = "us-east-1";
  std::string sample_dir;  // where the handler and YAML are copied for the user to edit
  Duration deploy_timeout = std::chrono::minutes(2);
  std::stop_token stop;
};

struct SeedOutcome {
  std::string config_summary;  // "6 entities: 6 created, 0 updated, 0 unchanged"
  std::string artifact_id;
  std::string s3_uri;            // s3://ferry-sample/hello/hello-<sha>.zip
  std::string function_name;     // sample-hello-dev
  std::string execution_id;      // the deployment waited for (or the earlier one kept)
  std::string execution_status;  // "succeeded", ...
  std::string execution_error;
  bool deployed_now = false;   // false: an earlier succeeded deployment was kept
  std::string alias_version;   // what the dev alias points at
  std::string invoke_payload;  // the alias's answer to {"name": "ferry"}
};

// Errors name the stage that failed (bucket, upload, apply, artifact, deploy). A deployment that
// ends other than succeeded is not an error: see execution_status / execution_error.
Result<SeedOutcome> SeedSample(ServerRuntime& runtime, const SeedOptions& options);

}  // namespace ferry::app
