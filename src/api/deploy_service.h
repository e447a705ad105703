// DeployService: turns "deploy SERVICE of APP to ENV" into an engine execution. It reads the
// configuration entities from the store (application, service, environment + infrastructure,
// cloud provider, workflow, secrets), resolves the function specs (config/resolve.h) with the
// artifact, carries forward the tag and environment keys Ferry managed in the previous
// deployment of each function, and starts the execution (engine::Engine::StartDeploy).
// Rollback starts an execution restoring every alias of the service's functions in ENV to what a
// given earlier execution recorded (default: the one before the latest succeeded deployment).
//
// Errors name what the user must fix (kNotFound for a missing entity, kInvalidArgument for an
// incomplete request or an unresolvable template, kFailedPrecondition when the rollback target's
// versions are gone). Thread-safe; store and engine must outlive it.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "engine/engine.h"
#include "store/store.h"

namespace ferry::api {

struct ArtifactLocation {
  std::string s3_bucket;
  std::string s3_key;
  std::string s3_object_version;  // optional
};

struct DeploymentInput {
  std::string application;
  std::string service;
  std::string environment;
  std::optional<std::string> workflow;       // default: the app's workflow for service + env
  std::optional<std::string> artifact_id;    // a recorded artifact (store::ArtifactStore)
  std::optional<ArtifactLocation> artifact;  // or a location (recorded as an artifact first)
  std::string actor;
  std::string trigger = "manual";
  std::optional<std::string> idempotency_key;
};

struct RollbackInput {
  std::string application;
  std::string service;
  std::string environment;
  std::optional<std::string> to_execution;
  std::string actor;
  std::optional<std::string> idempotency_key;
};

struct DeployServiceOptions {
  // The region/endpoint used when the cloud provider names none (tests, `ferry up`).
  std::string default_region = "us-east-1";
  // Called after an execution is created so the engine loop picks it up at once.
  std::function<void()> wake_engine;
};

class DeployService {
 public:
  DeployService(store::Store& store, engine::Engine& engine, Clock& clock,
                DeployServiceOptions options);

  // `created` (when given) is set to false when the input's idempotency key named an execution
  // an earlier request started: that one is returned and nothing new starts.
  Result<store::ExecutionRecord> Deploy(const DeploymentInput& input, bool* created = nullptr);
  Result<store::ExecutionRecord> Rollback(const RollbackInput& input, bool* created = nullptr);

 private:
  struct Impl;
  store::Store& store_;
  engine::Engine& engine_;
  Clock& clock_;
  const DeployServiceOptions options_;
};

}  // namespace ferry::api
