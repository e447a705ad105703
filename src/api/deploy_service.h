// DeployService: turns "deploy SERVICE of APP to ENV" into an engine execution. It reads the
// configuration entities from the store (application, service, environment + infrastructure,
// cloud provider, workflow, secrets), resolves the function specs (config/resolve.h) with the
// artifact, and starts an execution of a lambda.deploy step and a lambda.prune step
// (engine/steps/lambda_steps.h).
//
// Rollback starts an execution of one lambda.restore step. Without a target it undoes the newest
// change: it restores every alias the newest succeeded deployment of the service in ENV that
// changed something (published, moved an alias, updated code or configuration) found before it,
// so that deploying the same build twice and rolling back still undoes the build. With `--to X`
// it restores what execution X left.
//
// Plan resolves like Deploy and hands a lambda.plan task to a delegate: what a deploy would do
// to each function, from live reads, changing nothing.
//
// Errors name what the user must fix (kNotFound for a missing entity, kInvalidArgument for an
// incomplete request or an unresolvable template, kFailedPrecondition when the rollback target's
// versions are gone or there is nothing to roll back). Thread-safe; store and engine must outlive
// it.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "api/artifact_location.h"
#include "api/secret_box.h"
#include "api/secret_policy.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/result.h"
#include "engine/engine.h"
#include "lambda/tasks.h"
#include "store/store.h"

namespace ferry::notify {
class Notifier;
}  // namespace ferry::notify

namespace ferry::api {

struct DeploymentInput {
  std::string application;
  std::string service;
  std::string environment;
  std::optional<std::string> workflow;       // default: the app's workflow for service + env
  std::optional<std::string> artifact_id;    // a recorded artifact (store::ArtifactStore)
  std::optional<ArtifactLocation> artifact;  // or a location (recorded as an artifact first)
  // The artifact (by id or location) must lie in the service's S3 artifact source (its bucket,
  // and its key, prefix + filter or key pattern) unless this is set, which the API allows only
  // to admin tokens. A key pinned in the source is always inside it.
  bool allow_outside_artifact_source = false;
  // Deploy anyway while a freeze window covers the deployment (the API allows it only to admin
  // tokens); the reason is recorded in the execution's inputs and the audit log.
  std::optional<std::string> freeze_override_reason;
  std::string actor;
  std::string trigger = "manual";
  std::optional<std::string> idempotency_key;
  std::string actor_source;  // the client address (request_actor.h); "" when not over the API
  // Values for the workflow's variables (a pipeline stage's or a trigger's `variables`); a name
  // the workflow does not declare, or a value outside its `allowed`, is kInvalidArgument; the
  // variable naming a templatized workflow's environment may only repeat `environment`.
  std::map<std::string, std::string> variables;
  // A pipeline's stage: the pipeline's name and its execution, recorded in the execution (its
  // `pipeline` and inputs member "parent" {"execution", "stage"}).
  std::optional<std::string> pipeline;
  std::optional<std::string> parent_execution;
  std::string parent_stage;
  // Why it started, recorded in the execution's inputs as "cause" (a trigger's fire).
  std::optional<std::string> cause_json;
};

struct RollbackInput {
  std::string application;
  std::string service;
  std::string environment;
  std::optional<std::string> to_execution;  // unset: undo the newest change
  std::string actor;
  std::optional<std::string> idempotency_key;
  std::string actor_source;  // the client address (request_actor.h); "" when not over the API
};

// What a rollback restores, for the user.
struct StartedRollback {
  store::ExecutionRecord execution;
  bool undo = false;        // undoing `target` (restoring what it found), or restoring to it
  std::string target;       // the execution
  std::string description;  // "undoing execution 01J… (started 2026-12-07T10:00:00Z by alice,
                            // orders-api version 7): restoring the aliases it found"
};

// A plan: the lambda.plan task that computes it.
struct PlanStatus {
  std::string id;  // the task's id
  std::string application;  // what it is a plan of ("" for plans queued before this was kept)
  std::string environment;
  store::TaskStatus status = store::TaskStatus::kQueued;
  std::optional<lambda::PlanResult> result;  // once the task ended with one
  std::optional<std::string> error;          // the task's error, when it failed
};

struct DeployServiceOptions {
  // The region/endpoint used when the cloud provider names none (tests, `ferry up`).
  std::string default_region = "us-east-1";
  // Called after an execution is created so the engine loop picks it up at once.
  std::function<void()> wake_engine;
  // Called after a task that belongs to no execution (a plan) is enqueued, so that a delegate
  // claims it at once.
  std::function<void()> wake_delegate;
  int keep_versions = 10;  // pruning after a deploy; 0 = no prune step
  int concurrency = 8;     // functions deployed at once
  // Opens `source: ferry` secret values (checking at the start of a deploy that each can be
  // read); null: such secrets fail. Must outlive the service.
  const SecretKeyring* secret_keys = nullptr;
  // Where the secrets of environment values are read. true: by this server's embedded delegate,
  // so a deploy whose secret this server cannot read fails at once. false (`ferry server
  // --no-embedded-delegate`): by remote delegates on their own hosts, so the server checks only
  // that each secret is defined with a source a delegate reads (env, file); a delegate that
  // cannot read it fails the task.
  bool secrets_read_here = true;
  SecretPolicy secrets;    // where env and file secrets may be read from
  // Told of every deployment a freeze window refused (event freeze.refused); null: nobody.
  // Must outlive the service.
  notify::Notifier* notifier = nullptr;
};

class DeployService {
 public:
  DeployService(store::Store& store, engine::Engine& engine, Clock& clock,
                DeployServiceOptions options);

  // `created` (when given) is set to false when the input's idempotency key named an execution
  // an earlier request started: that one is returned and nothing new starts.
  Result<store::ExecutionRecord> Deploy(const DeploymentInput& input, bool* created = nullptr);
  Result<StartedRollback> Rollback(const RollbackInput& input, bool* created = nullptr);

  // Starts a plan (its workflow, trigger and idempotency key are ignored). plan_key, when set,
  // is the plan task's idempotency key: the same key starts one plan however often it is given.
  Result<PlanStatus> StartPlan(const DeploymentInput& input,
                               const std::optional<std::string>& plan_key = std::nullopt);
  // kNotFound when there is no such plan.
  Result<PlanStatus> GetPlan(const std::string& id);

  // Starts a plan of the build that the newest succeeded deployment of the service in the
  // environment deployed (with its workflow), for its drift: what changed on each function outside
  // Ferry since Ferry last left it (FunctionPlan::drift). kNotFound when Ferry never deployed the
  // service there.
  // plan_key: as StartPlan's (periodic drift checks name theirs, api/service_guard.h).
  Result<PlanStatus> StartDriftCheck(const std::string& application, const std::string& service,
                                     const std::string& environment, const std::string& actor,
                                     const std::optional<std::string>& plan_key = std::nullopt);

 private:
  struct Impl;
  store::Store& store_;
  engine::Engine& engine_;
  Clock& clock_;
  const DeployServiceOptions options_;
  RandomIdGenerator plan_ids_;  // plans' task keys
};

}  // namespace ferry::api
