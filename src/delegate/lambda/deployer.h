// LambdaDeployer: runs the deploy, rollback and prune plans of F-DEPLOY against a LambdaApi.
//
// Deploy(one function): Observe (the snapshot, the rollback target; with a snapshot recorded
// just before, GetFunction only — see Deploy), then repeat NextDeployAction → Apply until kDone. Each decision is made on the function as it is after the
// previous call, so a run resumed after a crash continues where the first one stopped and a run
// after a completed one makes no mutating call. A guard that did not hold (RevisionId, CodeSha256)
// or a conflicting update in progress makes the deployer re-read the function and decide again,
// a bounded number of times. DeployAll runs the functions of a service concurrently, at most
// `concurrency` at once; after the first failure no further function is started.
//
// Rollback restores a snapshot (PlanRollback), re-reading and re-planning when an alias guard
// fails; Prune deletes what PlanPrune selects. Deploy, Rollback and Prune's read ride out
// throttling and 5xx storms (DeployerOptions::max_transient_retries) the same way: read again,
// decide again.
//
// Every call is recorded (operation, description, request ids, error) in the returned record,
// and a log line per call goes to the LogSink. Lines never hold environment values.
//
// Thread-safe: Deploy, Rollback and Prune may run concurrently for different functions. The
// LambdaApi and the LogSink must be thread-safe and outlive the deployer.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "delegate/lambda/code_sha_cache.h"
#include "delegate/lambda/lambda_api.h"

namespace ferry::delegate::lambda {

struct CallRecord {
  std::string operation;    // "GetFunction+ListVersions+ListAliases", "UpdateAlias", ...
  std::string description;  // DescribeDeployAction / DescribeRollbackAction
  bool mutating = false;
  std::vector<std::string> request_ids;
  std::string error;  // "" on success, else "<code>: <message>"
};

// What one function's deployment did (F-DEPLOY 6) and what rollback needs.
struct FunctionDeployment {
  std::string function_name;
  bool started = false;  // false: skipped because another function failed first
  std::optional<Error> error;
  // The function before any change (valid when snapshot_taken); exists == false when this
  // deployment created it.
  bool snapshot_taken = false;
  ObservedFunction snapshot;
  std::string function_arn;
  std::string version;  // the version the aliases now point at
  std::string code_sha256;
  // How many numbered versions the function has after the deployment (-1: not deployed). The
  // engine leaves a function out of pruning when this is within the number to keep.
  int version_count = -1;
  std::vector<AliasState> aliases;            // the deployment's aliases after it (with their ARNs)
  std::set<std::string> deployed_aliases;     // the alias names the deployment manages
  std::set<std::string> managed_tags;         // declared tag keys: the next deployment's
  std::set<std::string> managed_environment;  // previously_managed_* inputs
  std::vector<CallRecord> calls;

  bool ok() const { return started && !error.has_value(); }
  int MutatingCalls() const;
};

struct RollbackReport {
  std::string function_name;
  std::optional<Error> error;
  std::vector<CallRecord> calls;
};

struct PruneReport {
  std::string function_name;
  std::vector<std::string> deleted;
  std::optional<Error> error;
  std::vector<CallRecord> calls;
};

using LogSink = std::function<void(const std::string& line)>;

struct DeployerOptions {
  size_t concurrency = 8;  // functions deployed at once by DeployAll / RollbackAll
  int max_actions = 64;    // per function: a safety stop for a plan that does not converge
  int max_rereads = 5;     // re-reads after guard failures / conflicts, per function
  // A call still throttled or unavailable (kTooManyRequests, kUnavailable) after the aws
  // client's own retries is tried again — by reading the function again and deciding again, so
  // a call that did take effect is not repeated — at most this many times per function (per
  // Read), waiting transient_backoff·2^n (at most max_transient_backoff) before each.
  int max_transient_retries = 6;
  Duration transient_backoff = std::chrono::milliseconds(500);
  Duration max_transient_backoff = std::chrono::seconds(8);
  // Deploy with a recorded snapshot reads only GetFunction again and takes the versions and
  // aliases from the snapshot (see Deploy). Off for a task's later attempts, which may follow
  // changes of an earlier attempt that the snapshot does not show.
  bool reuse_recorded_lists = true;
  Clock* clock = nullptr;  // for those waits; nullptr = SystemClock::Instance()
  LogSink log;             // may be empty
};

class LambdaDeployer {
 public:
  LambdaDeployer(LambdaApi& api, DeployerOptions options = {});

  // Deploys one function. `recorded_snapshot` is the snapshot the deployment recorded before it
  // (its lambda.snapshot step, or a previous, interrupted run); when given it stays the rollback
  // target. Decisions are made on a fresh read, but with a recorded snapshot (and
  // reuse_recorded_lists) only GetFunction is read again — outside Lambda's 15 requests/s
  // control-plane quota — while the versions and aliases come from the snapshot, which saves two
  // quota-bound calls per function. That is safe: every alias write is guarded by the alias's
  // RevisionId, so a stale alias fails the guard and makes the deployer read everything and
  // decide again, and PublishVersion of code and configuration that are already published
  // returns the existing version. The snapshot's versions have their environment values
  // redacted, so before any decision could reuse one of them (one has the CodeSha256 being
  // deployed) everything is read again. The record is returned also on failure (error set) so
  // the caller can roll back.
  FunctionDeployment Deploy(const DesiredFunction& desired,
                            const ObservedFunction* recorded_snapshot = nullptr,
                            std::stop_token stop = {});

  // Deploys every function, `concurrency` at a time, in input order of start. `recorded` (empty
  // or one per function, null entries allowed) are snapshots of an interrupted run.
  std::vector<FunctionDeployment> DeployAll(
      const std::vector<DesiredFunction>& functions,
      const std::vector<const ObservedFunction*>& recorded = {}, std::stop_token stop = {});

  // Restores one function to `target` (its snapshot, or an earlier deployment's aliases).
  RollbackReport Rollback(const ObservedFunction& target, const RollbackOptions& options,
                          std::stop_token stop = {});

  // Rolls back every started deployment of `deployments`, concurrently. Aliases deployed are
  // taken from each record; `keep_created_functions` keeps functions they created.
  std::vector<RollbackReport> RollbackAll(const std::vector<FunctionDeployment>& deployments,
                                          bool keep_created_functions = false,
                                          std::stop_token stop = {});

  PruneReport Prune(const std::string& function_name, const PruneOptions& options,
                    std::stop_token stop = {});

  // LambdaApi::Observe with the transient retries above (the snapshot task's read).
  Result<ObservedFunction> Read(const std::string& function_name,
                                std::vector<std::string>* request_ids, std::stop_token stop = {});

 private:
  void Log(const std::string& line) const;
  // Waits before transient retry number `retry` (0-based); false when stop was requested.
  bool Backoff(int retry, std::stop_token stop) const;
  // Runs fn(i) for i in [0, n), `concurrency` at a time; stops starting new ones once
  // `keep_going(i)` returns false.
  void ForEachConcurrently(size_t n, const std::function<bool(size_t)>& fn) const;

  LambdaApi& api_;
  const DeployerOptions options_;
  CodeShaCache shas_;  // the packages this deployer's functions share
};

}  // namespace ferry::delegate::lambda
