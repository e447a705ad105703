// ExecutionStore: executions (one run of a workflow for an application/service/environment)
// and their ordered steps, persisted so that a server replica can crash at any point and another
// resumes where it was.
//
// The engine owns the state machines; the store guarantees:
//   - compare-and-set transitions: a transition names the state it expects to leave, and fails
//     with kFailedPrecondition (the stored record unchanged) when another writer moved it first;
//   - leases: ClaimRunnable hands each runnable execution to one owner until its lease expires,
//     so any number of replicas can advance executions without advancing one twice;
//   - atomicity: a step transition and the task it enqueues commit together.
// Execution creation and status transitions are audited; step transitions are their own record.
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/actor.h"
#include "store/log_store.h"
#include "store/task_store.h"

namespace ferry::store {

enum class ExecutionStatus {
  kQueued,          // created, not yet picked up
  kRunning,         // steps advancing
  kWaiting,         // paused on an approval, a timer or a gate
  kAborting,        // an abort was requested and is being carried out
  kRollingBack,     // undoing what the execution changed
  kSucceeded,       // terminal
  kFailed,          // terminal: failed without (or with failing) rollback strategy "abort"/"ignore"
  kAborted,         // terminal
  kRolledBack,      // terminal: failed, and everything it changed was restored
  kRollbackFailed,  // terminal: the rollback itself failed; needs a human
};
// "queued", "running", "waiting", "aborting", "rolling_back", "succeeded", "failed", "aborted",
// "rolled_back", "rollback_failed".
std::string_view ExecutionStatusName(ExecutionStatus status);
std::optional<ExecutionStatus> ParseExecutionStatus(std::string_view name);
bool IsTerminal(ExecutionStatus status);

enum class StepStatus { kPending, kRunning, kWaiting, kSucceeded, kFailed, kSkipped, kCancelled };
// "pending", "running", "waiting", "succeeded", "failed", "skipped", "cancelled".
std::string_view StepStatusName(StepStatus status);
std::optional<StepStatus> ParseStepStatus(std::string_view name);
bool IsTerminal(StepStatus status);

struct NewStep {
  std::string name;  // unique within the execution, e.g. "deploy", "rollback-deploy"
  std::string kind;  // "lambda.deploy", "traffic", "verify", "approval", ...
  std::string inputs_json = "{}";
  // The step's deadline, counted from when it first runs; zero: the engine's default.
  Duration timeout{0};
  // Set on a step that undoes another (appended when the execution rolls back): that step's
  // index. Such steps run only while the execution rolls back.
  std::optional<int> undo_of;
};

struct NewExecution {
  std::string application;
  std::string service;
  std::string environment;
  std::string workflow;
  std::optional<std::string> pipeline;
  std::string trigger;  // "manual", "webhook", "artifact", "cron", "rollback", ...
  std::string actor;    // who or what started it
  std::string actor_source;  // where from (the client address), "" when not over the API
  std::optional<std::string> artifact_id;
  std::string inputs_json = "{}";
  std::vector<NewStep> steps;  // in order; more can be appended later (AppendSteps)
  // When set, creating again with the same key returns the first execution (created = false)
  // instead of starting a second one: a client retrying after a timeout starts one deploy.
  // The same key with a different target, workflow, artifact or inputs is kConflict.
  std::optional<std::string> idempotency_key;
};

struct ExecutionRecord {
  std::string id;
  std::string application;
  std::string service;
  std::string environment;
  std::string workflow;
  std::optional<std::string> pipeline;
  std::string trigger;
  std::string actor;
  std::optional<std::string> artifact_id;
  std::optional<std::string> idempotency_key;
  ExecutionStatus status = ExecutionStatus::kQueued;
  std::string inputs_json = "{}";
  std::string outputs_json = "{}";
  std::optional<std::string> error;
  int64_t revision = 1;  // +1 on every change
  TimePoint created_at;
  TimePoint updated_at;
  std::optional<TimePoint> started_at;  // first left kQueued
  std::optional<TimePoint> ended_at;    // reached a terminal status
  // Work claiming: who advances it now, until when; and when it next needs advancing.
  std::optional<std::string> lease_owner;
  std::optional<TimePoint> lease_expires_at;
  TimePoint wake_at;
  std::optional<std::string> abort_requested_by;
};

struct StepRecord {
  std::string execution_id;
  int index = 0;  // 0-based position in the execution
  std::string name;
  std::string kind;
  StepStatus status = StepStatus::kPending;
  std::string state;  // the step kind's own phase, e.g. "snapshot", "publish"; "" initially
  int attempt = 0;
  std::string inputs_json = "{}";
  std::string outputs_json = "{}";
  std::optional<std::string> error;
  Duration timeout{0};         // as created (zero: the engine's default)
  std::optional<int> undo_of;  // as created
  int64_t revision = 1;
  TimePoint updated_at;
  std::optional<TimePoint> started_at;  // first became kRunning or kWaiting
  std::optional<TimePoint> ended_at;    // reached a terminal status
};

struct CreatedExecution {
  ExecutionRecord execution;
  bool created = true;  // false when an idempotency key matched an existing execution
};

struct ExecutionTransition {
  std::string id;
  ExecutionStatus from;  // must equal the stored status
  ExecutionStatus to;
  // When set, the caller must hold the execution's unexpired lease.
  std::optional<std::string> lease_owner;
  std::optional<std::string> outputs_json;  // replaces outputs when set
  std::optional<std::string> error;         // replaces error when set
  std::string actor = "engine";
  // Appended to the execution's log in the same transaction (at most kMaxPageSize lines): a
  // reader that sees the new status also sees these lines — a follower that stops at a terminal
  // status never misses the line that says how the execution ended.
  std::vector<NewLogLine> log;
};

struct StepTransition {
  std::string execution_id;
  int index = 0;
  StepStatus from_status;  // must equal the stored status
  std::string from_state;  // must equal the stored state
  StepStatus to_status;
  std::string to_state;
  std::optional<int64_t> expected_revision;  // also required to match when set
  std::optional<std::string> lease_owner;    // the caller must hold the execution's lease
  bool new_attempt = false;                  // attempt + 1
  std::optional<std::string> outputs_json;
  std::optional<std::string> error;
  // Enqueued in the same transaction: the step's move into "waiting for the cloud" and the task
  // that does the cloud work commit together or not at all.
  std::optional<NewTask> enqueue;
};

struct StepTransitionResult {
  StepRecord step;
  std::optional<TaskRecord>
      task;  // the enqueued (or, for a repeated idempotency key, existing) task
};

struct ExecutionFilter {
  std::optional<std::string> application;
  std::optional<std::string> service;
  std::optional<std::string> environment;
  std::optional<ExecutionStatus> status;
  std::optional<std::string> before_id;  // paging: executions older than this id
  int limit = 50;                        // 1..kMaxPageSize
};

// What changes whenever the execution or one of its steps does (each change bumps a revision; a
// rollback appends steps). Equal versions mean nothing a reader can see changed; it is read without
// the inputs and outputs, for conditional and long-polled reads of GET /executions/{id}.
struct ExecutionVersion {
  int64_t revision = 0;
  int64_t steps = 0;
  int64_t step_revisions = 0;  // the sum of the steps' revisions
  bool operator==(const ExecutionVersion&) const = default;
};
ExecutionVersion VersionOf(const ExecutionRecord& execution, const std::vector<StepRecord>& steps);

class ExecutionStore {
 public:
  virtual ~ExecutionStore() = default;

  // Creates the execution (kQueued, wake_at now) with its steps (kPending) in one transaction.
  // kInvalidArgument for empty names, duplicate step names or malformed inputs JSON.
  virtual Result<CreatedExecution> Create(const NewExecution& execution) = 0;
  virtual Result<ExecutionRecord> Get(std::string_view id) = 0;
  // Newest first. A list carries no payloads: inputs_json and outputs_json are "{}" (Get reads
  // them), so a page costs the same however large the executions' outputs are.
  virtual Result<std::vector<ExecutionRecord>> List(const ExecutionFilter& filter) = 0;
  // How many executions have each status (statuses with none are absent).
  virtual Result<std::map<ExecutionStatus, int64_t>> CountByStatus() = 0;
  // kNotFound when the execution does not exist.
  virtual Result<ExecutionVersion> Version(std::string_view id) = 0;
  // Ordered by index. kNotFound when the execution does not exist.
  virtual Result<std::vector<StepRecord>> Steps(std::string_view execution_id) = 0;
  virtual Result<StepRecord> GetStep(std::string_view execution_id, int index) = 0;
  // Appends steps after the last one (e.g. rollback steps). kFailedPrecondition when the
  // execution is terminal.
  virtual Result<std::vector<StepRecord>> AppendSteps(std::string_view execution_id,
                                                      const std::vector<NewStep>& steps) = 0;

  // Claims up to limit executions that are not terminal, whose wake_at has passed and whose
  // lease is free or expired, oldest wake_at first; each gets lease_owner = owner until
  // now + lease. Two concurrent callers never receive the same execution.
  virtual Result<std::vector<ExecutionRecord>> ClaimRunnable(std::string_view owner, Duration lease,
                                                             int limit) = 0;
  // Extends the lease. kFailedPrecondition when owner no longer holds an unexpired lease.
  virtual Status RenewLease(std::string_view id, std::string_view owner, Duration lease) = 0;
  // Gives the lease up; the execution becomes runnable again at wake_at (now when unset).
  // kFailedPrecondition when owner does not hold the lease.
  virtual Status ReleaseLease(std::string_view id, std::string_view owner,
                              std::optional<TimePoint> wake_at) = 0;
  // Makes the execution runnable now (e.g. an approval arrived). No-op when terminal.
  virtual Status Wake(std::string_view id) = 0;
  // Crash takeover: expires now the lease of every non-terminal execution whose lease_owner
  // starts with owner_prefix (and makes it runnable now), so the next ClaimRunnable takes it at
  // once. Only for a caller that knows those owners are dead (a server holding the data
  // directory's lock). Returns how many were expired; other owners are untouched.
  // kInvalidArgument when owner_prefix is empty.
  virtual Result<int> ExpireLeases(std::string_view owner_prefix) = 0;

  // Compare-and-set on the status (see ExecutionTransition). Entering a terminal status sets
  // ended_at and frees the lease. kNotFound, kFailedPrecondition (stale from or lease lost).
  virtual Result<ExecutionRecord> Transition(const ExecutionTransition& transition) = 0;
  // Records an abort request and wakes the execution; the engine carries it out.
  // kFailedPrecondition when the execution is already terminal.
  virtual Result<ExecutionRecord> RequestAbort(std::string_view id, const Actor& actor) = 0;
  // Compare-and-set on the step's status and state (see StepTransition).
  virtual Result<StepTransitionResult> TransitionStep(const StepTransition& transition) = 0;
};

}  // namespace ferry::store
