// TaskStore: the delegate protocol's units of cloud work.
//
// The engine enqueues a task (idempotently: an enqueue repeated after a crash with the same key
// returns the first task); a delegate whose selectors include all of the task's selectors claims
// it with a lease, extends the lease with heartbeats while it works, and records the result.
// Only the current lease holder (owner and attempt) can heartbeat or complete. A task whose lease
// expires goes back to the queue (attempt + 1) until max_attempts, then fails. Completing or
// failing a task that belongs to an execution wakes that execution.
// Thread-safe; safe across processes (SQLite: BEGIN IMMEDIATE; PostgreSQL: SKIP LOCKED).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/actor.h"

namespace ferry::store {

enum class TaskStatus { kQueued, kLeased, kSucceeded, kFailed, kCancelled };
// "queued", "leased", "succeeded", "failed", "cancelled".
std::string_view TaskStatusName(TaskStatus status);
std::optional<TaskStatus> ParseTaskStatus(std::string_view name);
bool IsTerminal(TaskStatus status);

struct NewTask {
  std::string kind;  // "lambda.deploy_function", "lambda.update_alias", ...
  std::string payload_json = "{}";
  // A delegate must offer every one of these (e.g. "account:123456789012", "region:eu-west-1").
  std::vector<std::string> selectors;
  // Required: the same key enqueues one task however often it is repeated.
  std::string idempotency_key;
  std::optional<std::string> execution_id;
  std::optional<int> step_index;
  int max_attempts = 3;  // 1..100
};

struct TaskRecord {
  std::string id;
  std::string kind;
  std::string payload_json;
  std::vector<std::string> selectors;  // sorted, unique
  std::string idempotency_key;
  std::optional<std::string> execution_id;
  std::optional<int> step_index;
  TaskStatus status = TaskStatus::kQueued;
  int attempt = 0;  // number of claims so far
  int max_attempts = 3;
  std::optional<std::string> lease_owner;
  std::optional<TimePoint> lease_expires_at;
  std::optional<TimePoint> heartbeat_at;
  std::optional<std::string> result_json;
  std::optional<std::string> error;
  TimePoint created_at;
  TimePoint updated_at;
  std::optional<TimePoint> ended_at;
};

// Whether nobody works on the task any more: it ended, and a cancelled one's delegate reported
// (ended_at) or its lease expired by `now`. Only then may what it did be undone.
bool HasStopped(const TaskRecord& task, TimePoint now);

struct EnqueuedTask {
  TaskRecord task;
  bool created = true;  // false when the idempotency key matched an existing task
};

// Proof of holding a task: what Claim returned.
struct TaskLease {
  std::string task_id;
  std::string owner;
  int attempt = 0;
};

struct TaskOutcome {
  bool succeeded = false;
  std::string result_json = "{}";
  std::optional<std::string> error;  // a message for the user when failed
};

struct TaskFilter {
  std::optional<std::string> execution_id;
  std::optional<TaskStatus> status;
  int limit = 100;  // 1..kMaxPageSize
};

class TaskStore {
 public:
  virtual ~TaskStore() = default;

  // kInvalidArgument for an empty kind or key, bad selectors or payload; kPayloadTooLarge.
  // kNotFound when execution_id names no execution.
  virtual Result<EnqueuedTask> Enqueue(const NewTask& task) = 0;
  virtual Result<TaskRecord> Get(std::string_view id) = 0;
  // The task enqueued with this idempotency key; kNotFound when there is none.
  virtual Result<TaskRecord> GetByKey(std::string_view idempotency_key) = 0;
  // Oldest first.
  virtual Result<std::vector<TaskRecord>> List(const TaskFilter& filter) = 0;

  // The oldest claimable task (queued, or leased with an expired lease) whose selectors are a
  // subset of `selectors`, now leased to delegate_id until now + lease; nullopt when none.
  // Concurrent callers never receive the same task.
  virtual Result<std::optional<TaskRecord>> ClaimNext(std::string_view delegate_id,
                                                      const std::vector<std::string>& selectors,
                                                      Duration lease) = 0;
  // Extends the lease to now + lease. kFailedPrecondition when the lease was lost (expired,
  // reclaimed, cancelled, completed): the delegate must stop working on it.
  virtual Result<TaskRecord> Heartbeat(const TaskLease& lease, Duration extension) = 0;
  // Records the result. Accepted while the caller still holds the task (even just after its
  // lease expired, as long as nobody reclaimed it); kFailedPrecondition otherwise.
  virtual Result<TaskRecord> Complete(const TaskLease& lease, const TaskOutcome& outcome) = 0;
  // Cancels a queued or leased task. kFailedPrecondition when it already ended. A leased task's
  // delegate learns it at its next heartbeat (kFailedPrecondition) and stops; until then it is
  // still working: the task stays cancelled-but-held (ended_at unset, lease kept) until its
  // holder reports with Complete — accepted for a cancelled task, which keeps how far the work
  // got (result_json) and stays cancelled — or its lease expires. HasStopped tells.
  virtual Result<TaskRecord> Cancel(std::string_view id, const Actor& actor) = 0;
  // Crash takeover: expires now the lease of every leased task whose lease_owner starts with
  // owner_prefix, so the next ClaimNext takes it at once (as attempt + 1, or fails it when that
  // was its last attempt). Only for a caller that knows those owners are dead. Returns how many
  // were expired; other owners and ended tasks are untouched. kInvalidArgument when
  // owner_prefix is empty.
  virtual Result<int> ExpireLeases(std::string_view owner_prefix) = 0;
};

}  // namespace ferry::store
