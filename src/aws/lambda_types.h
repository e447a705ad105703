// Typed requests and responses of the Lambda API (2015-03-31), the members Ferry uses. Plain
// values; names follow the AWS members in snake_case. Empty strings / nullopt mean "not set" (in
// requests: not sent; in responses: absent).
//
// request_id: the AWS request id (x-amzn-RequestId) of the response a result came from, for audit
// records and AWS support. Set on what an operation returns; empty on list items (the page holds
// it). When a write was reconciled after an ambiguous retry (see lambda_client.h), it is the id of
// the read that confirmed it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ferry::aws {

// VpcConfig (requests) / VpcConfigResponse (responses). Both lists empty: not in a VPC.
struct VpcConfig {
  std::vector<std::string> subnet_ids;
  std::vector<std::string> security_group_ids;
};

struct FunctionConfiguration {
  std::string function_name;
  std::string function_arn;
  std::string runtime;
  std::string role;
  std::string handler;
  std::string description;
  int64_t code_size = 0;
  int timeout = 0;
  int memory_size = 0;
  std::string last_modified;
  std::string code_sha256;  // base64 of the SHA-256 of the deployment package
  std::string version;      // "$LATEST" or "1", "2", ...
  std::string revision_id;
  std::string state;  // Pending | Active | Inactive | Failed
  std::string state_reason;
  std::string state_reason_code;
  std::string last_update_status;  // InProgress | Successful | Failed
  std::string last_update_status_reason;
  std::string last_update_status_reason_code;
  std::string package_type;  // Zip | Image
  std::string kms_key_arn;   // "" = the AWS-managed key
  std::string tracing_mode;  // TracingConfig.Mode: Active | PassThrough
  VpcConfig vpc_config;
  std::string vpc_id;                  // VpcConfig.VpcId (responses only)
  std::string dead_letter_target_arn;  // DeadLetterConfig.TargetArn; "" = none
  int ephemeral_storage_mb = 0;
  std::vector<std::string> architectures;
  std::vector<std::string> layers;  // layer version ARNs
  // Values may be secrets: never log them.
  std::map<std::string, std::string> environment;
  std::string request_id;
};

struct FunctionCodeLocation {
  std::string repository_type;
  std::string location;  // a pre-signed URL: a secret, never log it
  std::string image_uri;
  std::string resolved_image_uri;
};

struct GetFunctionResult {
  FunctionConfiguration configuration;
  FunctionCodeLocation code;
  std::map<std::string, std::string> tags;
  std::optional<int> reserved_concurrency;
  std::string request_id;
};

// Exactly one of zip_file, s3_bucket+s3_key, image_uri.
struct FunctionCode {
  std::string zip_file;  // raw bytes (base64-encoded on the wire)
  std::string s3_bucket;
  std::string s3_key;
  std::string s3_object_version;
  std::string image_uri;
};

struct CreateFunctionRequest {
  std::string function_name;
  std::string runtime;
  std::string role;
  std::string handler;
  std::string description;
  FunctionCode code;
  std::optional<int> timeout;
  std::optional<int> memory_size;
  bool publish = false;
  std::string package_type;
  std::vector<std::string> architectures;
  std::vector<std::string> layers;
  std::optional<int> ephemeral_storage_mb;
  std::map<std::string, std::string> environment;
  std::map<std::string, std::string> tags;
  std::optional<VpcConfig> vpc_config;
  std::string tracing_mode;            // "" = not sent (Lambda's default, PassThrough)
  std::string kms_key_arn;             // "" = not sent (the AWS-managed key)
  std::string dead_letter_target_arn;  // "" = no DeadLetterConfig
};

struct UpdateFunctionCodeRequest {
  std::string function_name;
  FunctionCode code;
  bool publish = false;
  bool dry_run = false;
  std::string revision_id;  // guard: fails with kFailedPrecondition when $LATEST moved on
  std::vector<std::string> architectures;
};

struct UpdateFunctionConfigurationRequest {
  std::string function_name;
  std::optional<std::string> role;
  std::optional<std::string> handler;
  std::optional<std::string> description;
  std::optional<std::string> runtime;
  std::optional<int> timeout;
  std::optional<int> memory_size;
  std::optional<std::map<std::string, std::string>> environment;
  std::optional<std::vector<std::string>> layers;
  std::optional<int> ephemeral_storage_mb;
  // Set to change; to remove: VpcConfig with both lists empty, tracing "PassThrough", KMSKeyArn ""
  // (back to the AWS-managed key), DeadLetterConfig TargetArn "".
  std::optional<VpcConfig> vpc_config;
  std::optional<std::string> tracing_mode;
  std::optional<std::string> kms_key_arn;
  std::optional<std::string> dead_letter_target_arn;
  std::string revision_id;  // guard
};

struct PublishVersionRequest {
  std::string function_name;
  std::string code_sha256;  // guard: publish only if $LATEST has this code
  std::string description;
  std::string revision_id;  // guard: publish only if $LATEST is at this revision
};

struct VersionsPage {
  std::vector<FunctionConfiguration> versions;
  std::string next_marker;  // "" on the last page
  std::string request_id;
};

using RoutingWeights = std::map<std::string, double>;  // version → weight in [0, 1]

struct AliasConfiguration {
  std::string alias_arn;
  std::string name;
  std::string function_version;
  std::string description;
  std::string revision_id;
  RoutingWeights routing;  // AdditionalVersionWeights
  std::string request_id;
};

struct CreateAliasRequest {
  std::string function_name;
  std::string name;
  std::string function_version;
  std::string description;
  RoutingWeights routing;
};

struct UpdateAliasRequest {
  std::string function_name;
  std::string name;
  std::optional<std::string> function_version;
  std::optional<std::string> description;
  // Set to replace the routing; an empty map removes every additional weight.
  std::optional<RoutingWeights> routing;
  std::string revision_id;  // guard
};

struct AliasesPage {
  std::vector<AliasConfiguration> aliases;
  std::string next_marker;
  std::string request_id;
};

struct TagList {
  std::map<std::string, std::string> tags;
  std::string request_id;
};

struct AccountSettings {
  int64_t total_code_size_limit = 0;
  int64_t code_size_unzipped_limit = 0;
  int64_t code_size_zipped_limit = 0;
  int concurrent_executions = 0;
  int unreserved_concurrent_executions = 0;
  int64_t total_code_size_used = 0;
  int64_t function_count = 0;
  std::string request_id;
};

enum class InvocationType { kRequestResponse, kEvent, kDryRun };

struct InvokeRequest {
  std::string function_name;
  std::string qualifier;
  InvocationType type = InvocationType::kRequestResponse;
  bool tail_log = false;  // LogType: Tail (RequestResponse only)
  std::string payload;    // JSON text
  // No answer within it is kDeadlineExceeded (the function may still run); zero = the client's.
  std::chrono::milliseconds timeout{0};
};

struct InvokeResult {
  int status_code = 0;         // 200 RequestResponse, 202 Event, 204 DryRun
  std::string function_error;  // "Unhandled" / "Handled" when the function failed
  std::string executed_version;
  std::string payload;
  std::string log_tail;  // decoded last 4 KB of the log (tail_log only)
  std::string request_id;
};

}  // namespace ferry::aws
