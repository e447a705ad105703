// The Lambda task handlers of the delegate (kinds and payloads below). Each is idempotent: it
// re-reads the functions and guards its writes, so a task re-run after a lost delegate does
// nothing twice.
//
//   lambda.snapshot  {"target", "functions": ["name", ...]}
//                    → {"snapshots": [ObservedFunction (environment values redacted)]}
//   lambda.deploy    {"target", "concurrency"?, "functions": [DesiredFunction],
//                     "snapshots"?: [ObservedFunction]}   (snapshots: the rollback targets)
//                    → {"deployments": [FunctionDeployment]}  (also when failed)
//                    Each function's secretEnvironment is rendered with the handler's
//                    SecretResolver first; a secret that cannot be read fails the task before
//                    any function is touched.
//   lambda.rollback  {"target", "keepCreatedFunctions"?, "deployments": [FunctionDeployment]}
//                    → {"rollbacks": [{"functionName", "error"?, "calls"}]}
//   lambda.prune     {"target", "keep"?, "functions": [{"name", "protectedVersions"}]}
//                    → {"pruned": [{"functionName", "deleted": [..]}]}
// "target" is {"region", "endpoint"?, "cloudProvider"?, "credentials"?}: which account/region's
// Lambda and with which credentials (target_json.h has the format; no secret value travels).
//
// Thread-safe; the provider must outlive the handlers.
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/secret_text.h"
#include "delegate/lambda/deployer.h"
#include "delegate/protocol/task_protocol.h"

namespace ferry::delegate::lambda {

inline constexpr char kSnapshotTask[] = "lambda.snapshot";
inline constexpr char kDeployTask[] = "lambda.deploy";
inline constexpr char kRollbackTask[] = "lambda.rollback";
inline constexpr char kPruneTask[] = "lambda.prune";

enum class TargetCredentialsMode { kDelegate, kKeys };

// AssumeRole on top of the connection's base credentials. external_id is not a secret in AWS's
// model but is never logged. Empty session_name / zero duration_seconds: the delegate's default.
struct TargetAssumeRole {
  std::string role_arn;
  std::string external_id;
  std::string session_name;
  int64_t duration_seconds = 0;
  auto operator<=>(const TargetAssumeRole&) const = default;
};

// A connection's credentials as the delegate needs them: mode kDelegate (the delegate's own
// chain) or kKeys (access_key_id + the *name* of the SecretRef holding the secret access key),
// optionally with an assumed role. Never carries a secret value.
struct TargetCredentials {
  TargetCredentialsMode mode = TargetCredentialsMode::kDelegate;
  std::string access_key_id;  // kKeys only
  std::string secret_name;    // kKeys only
  std::optional<TargetAssumeRole> assume_role;
  auto operator<=>(const TargetCredentials&) const = default;
};

struct LambdaTarget {
  std::string region;
  std::string endpoint;        // "" = AWS's regional endpoint
  std::string cloud_provider;  // the connection whose credentials to use (for messages)
  TargetCredentials credentials;
};

// Gives the LambdaApi for a target (clients are cached and shared across tasks).
class LambdaApiProvider {
 public:
  virtual ~LambdaApiProvider() = default;
  virtual Result<LambdaApi*> For(const LambdaTarget& target) = 0;
};

// One handler object serves all four kinds.
class LambdaTaskHandler final : public TaskHandler {
 public:
  // `secrets` reads the secrets that environment values use (none: a function with one fails).
  explicit LambdaTaskHandler(LambdaApiProvider& provider, size_t default_concurrency = 8,
                             SecretResolver secrets = {});
  TaskResult Run(const TaskAssignment& assignment, TaskContext& context) override;

 private:
  LambdaApiProvider& provider_;
  const size_t default_concurrency_;
  const SecretResolver secrets_;
};

}  // namespace ferry::delegate::lambda
