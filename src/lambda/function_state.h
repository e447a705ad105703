// The Lambda deployment domain's view of a function: what a deployment wants (DesiredFunction)
// and what AWS holds (ObservedFunction). Independent of the aws client's wire structs: the
// delegate's executor adapts at the edge (delegate/lambda/aws_lambda_api.h), so planning is pure
// and testable.
//
// Every field of FunctionConfig is *resolved*: a value equal to AWS's default (memory 128,
// timeout 3, ...) is written out, so "the config no longer declares it" restores the default
// rather than leaving a stale value. Normalisation for comparison lives in config_compare.h.
//
// Plain values; thread-compatible. Environment values may be secrets: never log them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/secret_text.h"

namespace ferry::lambda {

inline constexpr int kDefaultMemoryMb = 128;
inline constexpr int kDefaultTimeoutSeconds = 3;
inline constexpr int kDefaultEphemeralStorageMb = 512;
inline constexpr char kLatest[] = "$LATEST";

// version → weight in (0, 1): an alias's AdditionalVersionWeights.
using RoutingWeights = std::map<std::string, double>;

struct VpcConfig {
  std::vector<std::string> subnet_ids;
  std::vector<std::string> security_group_ids;
};

// The configuration fields Ferry manages. Image functions leave runtime and handler empty.
struct FunctionConfig {
  std::string package_type = "Zip";  // Zip | Image: fixed at creation
  std::string runtime;
  std::string handler;
  std::string role;
  std::string description;
  int memory_mb = kDefaultMemoryMb;
  int timeout_seconds = kDefaultTimeoutSeconds;
  int ephemeral_storage_mb = kDefaultEphemeralStorageMb;
  // One element; empty means AWS's default, x86_64. Changed through UpdateFunctionCode.
  std::vector<std::string> architectures;
  std::vector<std::string> layers;  // layer version ARNs; order matters (merge order)
  std::map<std::string, std::string> environment;  // values may be secrets
  VpcConfig vpc;
  std::string tracing_mode;        // Active | PassThrough; "" = PassThrough
  std::string kms_key_arn;         // "" = the AWS-managed key
  std::string dead_letter_target;  // SQS/SNS ARN; "" = none
};

// Where the code comes from; exactly one of zip_file, s3_bucket + s3_key, image_uri.
struct CodeSource {
  std::string s3_bucket;
  std::string s3_key;
  std::string s3_object_version;
  std::string zip_file;  // raw bytes (development / tests)
  std::string image_uri;
  // Base64 SHA-256 of the package as Lambda computes it; "" when not known yet (the executor
  // learns it with UpdateFunctionCode DryRun before deciding whether the code changed).
  std::string code_sha256;
};

// How the deploy step moves the aliases.
enum class TrafficPolicy {
  kAllAtOnce,  // basic: every alias points at the new version, no additional weights
  kNone,       // publish only; aliases are created (at the new version) when missing but
               // existing ones are left for a traffic-shifting step
};

struct DesiredFunction {
  std::string function_name;
  FunctionConfig config;
  CodeSource code;
  std::map<std::string, std::string> tags;
  // Alias names; the caller puts the environment's name here when the spec declares none.
  std::vector<std::string> aliases;
  TrafficPolicy traffic = TrafficPolicy::kAllAtOnce;
  // Tag and environment keys Ferry declared in the previous deployment of this function (from its
  // deployment record): those no longer declared are removed; keys Ferry never set are left alone.
  std::set<std::string> previously_managed_tags;
  std::set<std::string> previously_managed_environment;
  std::string version_description;  // PublishVersion Description, e.g. "ferry execution 01H..."
  // Environment variables that use secrets, by reference: the lambda.deploy task handler renders
  // them into config.environment (through its SecretResolver) just before deploying, so task
  // payloads and step inputs never hold a secret value. Empty when the deployer sees it.
  std::map<std::string, SecretText> secret_environment;
};

struct VersionInfo {
  std::string version;  // "1", "2", ...
  std::string code_sha256;
  FunctionConfig config;
};

struct AliasState {
  std::string name;
  std::string version;
  RoutingWeights weights;
  std::string revision_id;
  std::string arn;
};

// A function as read from AWS (GetFunction + ListVersionsByFunction + ListAliases). The snapshot
// a deployment records before changing anything is one of these.
struct ObservedFunction {
  bool exists = false;
  std::string function_name;
  std::string arn;        // unqualified function ARN
  FunctionConfig config;  // of $LATEST
  std::string code_sha256;
  std::string revision_id;  // of $LATEST
  std::string state;        // Pending | Active | Inactive | Failed
  std::string state_reason;
  std::string last_update_status;  // InProgress | Successful | Failed | ""
  std::string last_update_status_reason;
  std::map<std::string, std::string> tags;
  std::vector<VersionInfo> versions;  // published versions, any order
  std::vector<AliasState> aliases;    // any order

  const AliasState* FindAlias(const std::string& name) const;
  const VersionInfo* FindVersion(const std::string& version) const;
};

// Parses a published version number ("17" → 17); nullopt for "$LATEST" and anything else.
std::optional<uint64_t> ParseVersionNumber(const std::string& version);
// Numeric order of versions ("9" < "10"); non-numeric versions sort first, by text.
bool VersionLess(const std::string& a, const std::string& b);

}  // namespace ferry::lambda
