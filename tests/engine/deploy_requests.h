// Test support: deployments and rollbacks as DeployService (src/api) turns them into engine
// executions — a lambda.deploy step (and a lambda.prune step), or a lambda.restore step — written
// with the step builders of engine/steps/lambda_steps.h, so engine tests read like the requests
// users make.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/steps/lambda_steps.h"

namespace ferry::engine::testing {

struct DeployRequest {
  std::string application = "shop";
  std::string service = "orders";
  std::string environment = "dev";
  std::string actor = "alice";
  std::optional<std::string> idempotency_key;
  lambda::LambdaTarget target;
  std::vector<std::string> selectors;
  std::vector<lambda::DesiredFunction> functions;
  FailureStrategy failure_strategy = FailureStrategy::kRollback;
  bool keep_created_functions = false;
  int concurrency = 8;
  int keep_versions = 10;       // 0: no prune step
  Duration deploy_timeout{0};   // zero: the kind's default
};

inline ExecutionSpec SpecOf(const DeployRequest& r) {
  ExecutionSpec spec;
  spec.application = r.application;
  spec.service = r.service;
  spec.environment = r.environment;
  spec.actor = r.actor;
  spec.idempotency_key = r.idempotency_key;
  spec.failure_strategy = r.failure_strategy;
  lambda::DeployStepInputs deploy;
  deploy.target = r.target;
  deploy.selectors = r.selectors;
  deploy.concurrency = r.concurrency;
  deploy.functions = r.functions;
  deploy.keep_created_functions = r.keep_created_functions;
  spec.steps.push_back(steps::LambdaDeployStep(deploy, r.deploy_timeout));
  if (r.keep_versions > 0) {
    lambda::PruneStepInputs prune;
    prune.target = r.target;
    prune.selectors = r.selectors;
    prune.keep = r.keep_versions;
    for (const auto& f : r.functions) prune.function_names.push_back(f.function_name);
    spec.steps.push_back(steps::LambdaPruneStep(prune));
  }
  return spec;
}

struct RollbackRequest {
  std::string application = "shop";
  std::string service = "orders";
  std::string environment = "dev";
  std::string actor = "bob";
  std::string to_execution;  // restore what it left (or, with `undo`, what it found)
  bool undo = false;
  lambda::LambdaTarget target;
  std::vector<std::string> selectors;
  std::vector<lambda::RestoreFunction> functions;
  Duration timeout{0};
};

inline ExecutionSpec SpecOf(const RollbackRequest& r) {
  ExecutionSpec spec;
  spec.application = r.application;
  spec.service = r.service;
  spec.environment = r.environment;
  spec.actor = r.actor;
  spec.workflow = "rollback";
  spec.trigger = "rollback";
  lambda::RestoreStepInputs restore;
  restore.target = r.target;
  restore.selectors = r.selectors;
  restore.execution = r.to_execution;
  restore.undo = r.undo;
  restore.functions = r.functions;
  spec.steps.push_back(steps::LambdaRestoreStep(restore, r.timeout));
  return spec;
}

}  // namespace ferry::engine::testing
