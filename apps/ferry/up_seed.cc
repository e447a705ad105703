#include "up_seed.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "api/config_apply.h"
#include "api/deploy_service.h"
#include "aws/cloudwatch_client.h"
#include "aws/lambda_client.h"
#include "aws/s3_client.h"
#include "common/crypto.h"
#include "common/json.h"
#include "common/strings.h"
#include "common/zip_archive.h"
#include "config/loader.h"
#include "store/execution_store.h"

extern const unsigned char ferry_sample_app_py[];
extern const size_t ferry_sample_app_py_size;
extern const unsigned char ferry_sample_ferry_yaml[];
extern const size_t ferry_sample_ferry_yaml_size;

namespace ferry::app {
namespace {

constexpr char kEndpointPlaceholder[] = "ENDPOINT_OF_THE_SANDBOX";
// 2020-01-01T00:00:00Z: every entry gets this timestamp, so the zip depends on content only.
constexpr time_t kZipTimestamp = 1577836800;
constexpr char kActor[] = "ferry up";

std::string Embedded(const unsigned char* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

Error Stage(const std::string& stage, const Error& error) {
  Error e = error;
  e.message = stage + ": " + error.message;
  return e;
}

Status WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) return Error{ErrorCode::kFailedPrecondition, "cannot write " + path.string()};
  return Ok();
}

// The sample's copy for the user: the handler only when absent (it is theirs to edit), the YAML
// always (it carries the current sandbox endpoint).
// The broken build's handler: it raises on every call.
constexpr char kBrokenHandler[] =
    "# A build of the sample that raises on every call: ship it to prod and the canary's\n"
    "# alarm (sample-hello-prod-errors) rolls it back.\n"
    "def handler(event, context):\n"
    "    raise RuntimeError('this build is broken: it raises on every call')\n";

Status CopySample(const std::string& dir, const std::string& yaml) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return Error{ErrorCode::kFailedPrecondition, "cannot create " + dir + ": " + ec.message()};
  const auto handler = std::filesystem::path(dir) / kSampleHandlerFile;
  if (!std::filesystem::exists(handler)) {
    FERRY_RETURN_IF_ERROR(WriteFile(handler, SampleHandlerSource()));
  }
  std::filesystem::create_directories(std::filesystem::path(dir) / "broken", ec);
  FERRY_RETURN_IF_ERROR(
      WriteFile(std::filesystem::path(dir) / "broken" / kSampleHandlerFile, kBrokenHandler));
  return WriteFile(std::filesystem::path(dir) / "ferry.yaml", yaml);
}

// CreateBucket in the sandbox (S3Client reads artifacts and has no bucket calls). In us-east-1 S3
// answers 200 for a bucket the caller already owns, so this is idempotent.
Status EnsureBucket(aws::ServiceClient& s3, const std::string& bucket, std::stop_token stop) {
  aws::OperationCall call;
  call.operation = "CreateBucket";
  call.api_class = aws::ApiClass::kS3Write;
  call.method = "PUT";
  call.path_and_query = "/" + bucket;
  auto r = s3.Call(call, stop);
  if (!r.ok() && aws::AwsCode(r.error()) != "BucketAlreadyOwnedByYou") return r.error();
  return Ok();
}

// PutMetricAlarm in the sandbox's CloudWatch (it replaces an alarm of the same name, so this is
// idempotent): prod's errors, Sum >= 1 in a 10 s period, no data counting as OK.
Status EnsureProdAlarm(aws::ServiceClient& cloudwatch, std::stop_token stop) {
  aws::OperationCall call;
  call.operation = "PutMetricAlarm";
  call.api_class = aws::ApiClass::kCloudWatchPutMetricData;
  call.method = "POST";
  call.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                  {"X-Amz-Target", "GraniteServiceVersion20100801.PutMetricAlarm"}};
  call.body = DumpJson(Json{
      {"AlarmName", kSampleProdAlarm},
      {"AlarmDescription", "Errors of the sample's prod function: gates its canary"},
      {"Namespace", "AWS/Lambda"},
      {"MetricName", "Errors"},
      {"Dimensions", Json::array({{{"Name", "FunctionName"},
                                   {"Value", std::string(kSampleApplication) + "-" +
                                                 kSampleService + "-prod"}}})},
      {"Statistic", "Sum"},
      {"Period", 10},
      {"EvaluationPeriods", 1},
      {"Threshold", 1},
      {"ComparisonOperator", "GreaterThanOrEqualToThreshold"},
      {"TreatMissingData", "notBreaching"}});
  auto r = cloudwatch.Call(call, stop);
  if (!r.ok()) return r.error();
  return Ok();
}

Status UploadIfMissing(aws::S3Client& s3, const std::string& key, const std::string& zip,
                       std::stop_token stop) {
  auto head = s3.HeadObject(kSampleBucket, key, "", stop);
  if (head.ok() && head->content_length == static_cast<int64_t>(zip.size())) return Ok();
  if (!head.ok() && head.error().code != ErrorCode::kNotFound) return head.error();
  aws::PutObjectRequest put;
  put.bucket = kSampleBucket;
  put.key = key;
  put.body = zip;
  put.content_type = "application/zip";
  auto r = s3.PutObject(put, stop);
  if (!r.ok()) return r.error();
  return Ok();
}

Result<std::string> ApplyConfig(store::Store& store, const std::string& yaml) {
  FERRY_ASSIGN_OR_RETURN(auto stored, api::StoredEntities(store));
  config::LoadedConfig loaded = config::LoadConfigFiles({{"sample/ferry.yaml", yaml}}, {}, stored);
  if (!loaded.ok()) {
    std::vector<std::string> problems;
    for (const auto& p : loaded.problems) problems.push_back(p.ToString());
    return Error{ErrorCode::kInternal,
                 "the embedded sample does not validate: " + Join(problems, "; ")};
  }
  FERRY_ASSIGN_OR_RETURN(auto applied, api::WriteEntities(loaded.entities, store, kActor));
  std::map<store::PutOutcome, int> counts;
  for (const auto& a : applied) ++counts[a.outcome];
  return std::to_string(applied.size()) +
         " entities: " + std::to_string(counts[store::PutOutcome::kCreated]) + " created, " +
         std::to_string(counts[store::PutOutcome::kUpdated]) + " updated, " +
         std::to_string(counts[store::PutOutcome::kUnchanged]) + " unchanged";
}

// Polls the store until the execution is terminal, the deadline passes or stop is requested.
Result<store::ExecutionRecord> WaitForExecution(ServerRuntime& runtime, const std::string& id,
                                                Duration timeout, std::stop_token stop) {
  Clock& clock = runtime.clock();
  const TimePoint deadline = clock.Now() + timeout;
  while (true) {
    FERRY_ASSIGN_OR_RETURN(auto e, runtime.store().executions().Get(id));
    if (store::IsTerminal(e.status)) return e;
    if (clock.Now() >= deadline) {
      return Error{ErrorCode::kDeadlineExceeded,
                   "the sample deployment " + id + " did not finish in time (status " +
                       std::string(store::ExecutionStatusName(e.status)) + ")"};
    }
    if (!clock.SleepFor(std::chrono::milliseconds(100), stop)) {
      return Error{ErrorCode::kCancelled, "interrupted while deploying the sample"};
    }
  }
}

// The latest succeeded execution of the sample in dev, when its alias still exists.
std::optional<store::ExecutionRecord> KeptDeployment(ServerRuntime& runtime,
                                                     aws::LambdaClient& lambda,
                                                     const std::string& function,
                                                     std::stop_token stop) {
  store::ExecutionFilter filter;
  filter.application = kSampleApplication;
  filter.service = kSampleService;
  filter.environment = "dev";
  filter.status = store::ExecutionStatus::kSucceeded;
  filter.limit = 1;
  auto found = runtime.store().executions().List(filter);
  if (!found.ok() || found->empty()) return std::nullopt;
  if (!lambda.GetAlias(function, "dev", stop).ok()) return std::nullopt;
  return found->front();
}

}  // namespace

std::string SampleHandlerSource() {
  return Embedded(ferry_sample_app_py, ferry_sample_app_py_size);
}

std::string SampleConfigYaml(const std::string& sandbox_url) {
  std::string yaml = Embedded(ferry_sample_ferry_yaml, ferry_sample_ferry_yaml_size);
  // The placeholder also appears in the file's comment; only the value is replaced.
  const std::string value = std::string("endpoint: ") + kEndpointPlaceholder;
  for (size_t at = yaml.find(value); at != std::string::npos; at = yaml.find(value, at)) {
    yaml.replace(at, value.size(), "endpoint: " + sandbox_url);
  }
  return yaml;
}

Result<std::string> MakeDeterministicZip(
    const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<ZipFileToWrite> entries;
  for (const auto& [name, content] : files) {
    entries.push_back(ZipFileToWrite{name, content, /*unix_mode=*/0100644});
  }
  ZipWriteOptions options;
  options.mtime = kZipTimestamp;
  options.deflate_level = 9;
  auto zip = WriteZip(entries, options);
  if (!zip.ok()) return zip.error().WithContext("cannot build the sample zip");
  return zip;
}

Result<SeedOutcome> SeedSample(ServerRuntime& runtime, const SeedOptions& options) {
  SeedOutcome out;
  const std::string yaml = SampleConfigYaml(options.sandbox_url);
  if (!options.sample_dir.empty()) {
    if (Status s = CopySample(options.sample_dir, yaml); !s.ok()) return Stage("sample", s.error());
  }

  auto zip = MakeDeterministicZip({{kSampleHandlerFile, SampleHandlerSource()}});
  if (!zip.ok()) return zip.error();
  const std::string code_sha256 = Base64Encode(Sha256(*zip));
  const std::string build = Sha256Hex(*zip).substr(0, 12);
  const std::string key = std::string(kSampleService) + "/hello-" + build + ".zip";
  out.s3_uri = std::string("s3://") + kSampleBucket + "/" + key;

  aws::ServiceConfig s3_config = aws::S3ServiceConfig(options.sandbox_url, options.region);
  aws::ServiceClient s3_raw(s3_config, runtime.AwsDeps());
  aws::S3Client s3(s3_config, runtime.AwsDeps(), aws::S3Options{.path_style = true});
  if (Status s = EnsureBucket(s3_raw, kSampleBucket, options.stop); !s.ok()) {
    return Stage("creating bucket " + std::string(kSampleBucket), s.error());
  }
  if (Status s = UploadIfMissing(s3, key, *zip, options.stop); !s.ok()) {
    return Stage("uploading " + out.s3_uri, s.error());
  }

  auto broken = MakeDeterministicZip({{kSampleHandlerFile, kBrokenHandler}});
  if (!broken.ok()) return broken.error();
  if (Status s = UploadIfMissing(s3, kSampleBrokenKey, *broken, options.stop); !s.ok()) {
    return Stage("uploading the broken build", s.error());
  }
  aws::ServiceClient cloudwatch(aws::CloudWatchServiceConfig(options.sandbox_url, options.region),
                                runtime.AwsDeps());
  if (Status s = EnsureProdAlarm(cloudwatch, options.stop); !s.ok()) {
    return Stage("creating alarm " + std::string(kSampleProdAlarm), s.error());
  }

  auto summary = ApplyConfig(runtime.store(), yaml);
  if (!summary.ok()) return Stage("applying the sample configuration", summary.error());
  out.config_summary = *summary;

  store::NewArtifact artifact;
  artifact.source = std::string(kSampleApplication) + "/" + kSampleService;
  artifact.key = key;
  artifact.version = build;
  artifact.location_json = DumpJson(Json{{"s3Bucket", kSampleBucket}, {"s3Key", key}});
  artifact.size_bytes = static_cast<int64_t>(zip->size());
  artifact.code_sha256 = code_sha256;
  auto recorded = runtime.store().artifacts().Record(artifact, kActor);
  if (!recorded.ok()) return Stage("recording the artifact", recorded.error());
  out.artifact_id = recorded->artifact.id;

  out.function_name = std::string(kSampleApplication) + "-" + kSampleService + "-dev";
  aws::LambdaClient lambda(aws::LambdaServiceConfig(options.sandbox_url, options.region),
                           runtime.AwsDeps());
  if (auto kept = KeptDeployment(runtime, lambda, out.function_name, options.stop)) {
    out.execution_id = kept->id;
    out.execution_status = std::string(store::ExecutionStatusName(kept->status));
  } else {
    api::DeploymentInput input;
    input.application = kSampleApplication;
    input.service = kSampleService;
    input.environment = "dev";
    input.artifact_id = out.artifact_id;
    input.actor = kActor;
    input.trigger = "ferry up";
    auto started = runtime.deploys().Deploy(input);
    if (!started.ok()) return Stage("deploying the sample", started.error());
    out.deployed_now = true;
    out.execution_id = started->id;
    auto done = WaitForExecution(runtime, started->id, options.deploy_timeout, options.stop);
    if (!done.ok()) return done.error();
    out.execution_status = std::string(store::ExecutionStatusName(done->status));
    out.execution_error = done->error.value_or("");
    if (done->status != store::ExecutionStatus::kSucceeded) return out;
  }

  if (auto alias = lambda.GetAlias(out.function_name, "dev", options.stop); alias.ok()) {
    out.alias_version = alias->function_version;
  }
  aws::InvokeRequest invoke;
  invoke.function_name = out.function_name;
  invoke.qualifier = "dev";
  invoke.payload = R"({"name": "ferry"})";
  if (auto answer = lambda.Invoke(invoke, options.stop); answer.ok()) {
    out.invoke_payload = answer->function_error.empty()
                             ? answer->payload
                             : answer->function_error + ": " + answer->payload;
  } else {
    out.invoke_payload = "(invoke failed: " + answer.error().message + ")";
  }
  return out;
}

}  // namespace ferry::app
