// LambdaDeployer: runs the deploy, rollback and prune plans of F-DEPLOY against a LambdaApi.
//
// Deploy(one function): Observe (the snapshot, the rollback target; with a snapshot recorded
// just before, GetFunction only — see Deploy), then repeat NextDeployAction → Apply until kDone.
// Each decision is made on the function as it is after the previous call, so a run resumed after a
// crash continues where the first one stopped and a run after a completed one makes no mutating
// call. A guard that did not hold (RevisionId, CodeSha256) or a conflicting update in progress
// makes the deployer re-read the function and decide again, a bounded number of times. DeployAll
// runs the functions of a service concurrently, at most `concurrency` at once; after the first
// failure no further function is started.
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
#include "lambda/deployment.h"
#include "lambda/tasks.h"

namespace ferry::delegate {

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
  // This is a later attempt of a task whose earlier attempt may have moved aliases before it was
  // lost: an alias found at a version newer than every version a recorded snapshot knows was
  // moved by that attempt (its guard held), not outside Ferry.
  bool earlier_attempts = false;
  Clock* clock = nullptr;  // for those waits; nullptr = SystemClock::Instance()
  LogSink log;             // may be empty
};

class LambdaDeployer {
 public:
  LambdaDeployer(LambdaApi& api, DeployerOptions options = {});

  // Deploys one function. `snapshot` is the rollback target the deployment recorded before it
  // (nullptr: none yet — the deployer reads the function and that read is the snapshot).
  //
  // Decisions are made on a fresh read, but with a snapshot (and reuse_recorded_lists) only
  // GetFunction is read again — outside Lambda's 15 requests/s control-plane quota — while the
  // versions and aliases come from the snapshot, which saves two quota-bound calls per function.
  // That is safe: every alias write is guarded by the alias's RevisionId, so a stale alias fails
  // the guard and makes the deployer read everything and decide again, and PublishVersion of
  // code and configuration that are already published returns the existing version. The
  // snapshot's versions have their environment values redacted, so before any decision could
  // reuse one of them (one has the CodeSha256 being deployed) everything is read again.
  //
  // A snapshot of source kRecorded (what Ferry last left the function as) is the rollback target
  // only while it holds: an alias guard that fails, an alias that is gone or exists unexpectedly,
  // a function that is gone or was replaced make the deployer read everything, and when the read
  // shows the deployment's aliases (those it has not moved yet) or the function itself elsewhere
  // than the snapshot says, the snapshot was stale: the deployer stops before changing any such
  // alias and returns the record with `drifted` set and `snapshot` corrected (the aliases it has
  // moved keep their recorded state, confirmed by their guards; the others are as read). The
  // caller records the corrected snapshot, then deploys the function again: no alias ever moves
  // before its rollback target is durable.
  //
  // The record is returned also on failure (error set) so the caller can roll back; on success it
  // holds `after`, the function as the deployment left it.
  lambda::FunctionDeployment Deploy(const lambda::DesiredFunction& desired,
                                    const lambda::Snapshot* snapshot = nullptr,
                                    std::stop_token stop = {});

  // Deploys every function, `concurrency` at a time, in input order of start. `snapshots` (empty
  // or one per function, null entries allowed) are their rollback targets. After the first
  // failure no further function is started (a drifted one is not a failure).
  std::vector<lambda::FunctionDeployment> DeployAll(
      const std::vector<lambda::DesiredFunction>& functions,
      const std::vector<const lambda::Snapshot*>& snapshots = {}, std::stop_token stop = {});

  // Restores one function's managed aliases to `target` (its snapshot, or an earlier
  // deployment's aliases).
  lambda::RollbackReport Rollback(const lambda::ObservedFunction& target,
                                  const lambda::RollbackOptions& options,
                                  std::stop_token stop = {});

  // Restores every function of `functions`, concurrently; `keep_created_functions` keeps
  // functions their deployment created (their aliases are deleted).
  std::vector<lambda::RollbackReport> RollbackAll(
      const std::vector<lambda::RollbackTarget>& functions, bool keep_created_functions = false,
      std::stop_token stop = {});

  lambda::PruneReport Prune(const std::string& function_name, const lambda::PruneOptions& options,
                            std::stop_token stop = {});

  // LambdaApi::Observe with the transient retries above (the snapshot and plan tasks' read).
  Result<lambda::ObservedFunction> Read(const std::string& function_name,
                                        std::vector<std::string>* request_ids,
                                        std::stop_token stop = {});

  // The package's CodeSha256 by UpdateFunctionCode DryRun against an existing function (shared
  // with the other functions of this deployer built from the same package); changes nothing.
  Result<std::string> ResolveCodeSha(const lambda::DesiredFunction& desired,
                                     const lambda::ObservedFunction& current,
                                     std::vector<std::string>* request_ids,
                                     std::stop_token stop = {});

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

}  // namespace ferry::delegate
