// The Lambda task handlers of the delegate (kinds and payloads below). Each is idempotent: it
// re-reads the functions and guards its writes, so a task re-run after a lost delegate does
// nothing twice.
//
//   lambda.snapshot  {"target", "functions": ["name", ...]}
//                    → {"snapshots": [ObservedFunction (environment values redacted)]}
//   lambda.deploy    {"target", "concurrency"?, "functions": [DesiredFunction],
//                     "snapshots"?: [ObservedFunction]}   (snapshots: the rollback targets)
//                    → {"deployments": [FunctionDeployment]}  (also when failed)
//   lambda.rollback  {"target", "keepCreatedFunctions"?, "deployments": [FunctionDeployment]}
//                    → {"rollbacks": [{"functionName", "error"?, "calls"}]}
//   lambda.prune     {"target", "keep"?, "functions": [{"name", "protectedVersions"}]}
//                    → {"pruned": [{"functionName", "deleted": [..]}]}
// "target" is {"region", "endpoint"?, "cloudProvider"?}: which account/region's Lambda.
//
// Thread-safe; the provider must outlive the handlers.
#pragma once

#include <memory>
#include <string>

#include "delegate/lambda/deployer.h"
#include "delegate/protocol/task_protocol.h"

namespace ferry::delegate::lambda {

inline constexpr char kSnapshotTask[] = "lambda.snapshot";
inline constexpr char kDeployTask[] = "lambda.deploy";
inline constexpr char kRollbackTask[] = "lambda.rollback";
inline constexpr char kPruneTask[] = "lambda.prune";

struct LambdaTarget {
  std::string region;
  std::string endpoint;        // "" = AWS's regional endpoint
  std::string cloud_provider;  // the connection whose credentials to use
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
  explicit LambdaTaskHandler(LambdaApiProvider& provider, size_t default_concurrency = 8);
  TaskResult Run(const TaskAssignment& assignment, TaskContext& context) override;

 private:
  LambdaApiProvider& provider_;
  const size_t default_concurrency_;
};

}  // namespace ferry::delegate::lambda
