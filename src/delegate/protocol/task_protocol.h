// The delegate task protocol (ARCHITECTURE.md, "The path of a deploy"): the engine persists a
// task; a delegate claims it with a lease, heartbeats while it works, streams log lines, and
// reports a result. Every exchange is a JSON message, so a remote `ferry delegate` is only a
// transport that carries these messages over HTTPS; the embedded delegate of `ferry server`
// and `ferry up` uses a transport that calls the store directly (engine/embedded_transport.h).
//
// Messages (camelCase JSON objects):
//   claim request   {"name", "delegateId", "selectors": [..], "version", "leaseMs", "waitMs"}
//   assignment      {"taskId", "kind", "payload": {..}, "attempt", "owner", "executionId"?,
//                    "stepIndex"?}
//   heartbeat       {"taskId", "owner", "attempt", "extensionMs"}
//   log lines       {"taskId", "owner", "attempt", "lines": [{"level", "text"}]}
//   result          {"taskId", "owner", "attempt", "succeeded", "result": {..}, "error"?}
// Decoders are strict (types, sizes) and never throw: malformed messages give kInvalidArgument.
#pragma once

#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace ferry::delegate {

struct TaskAssignment {
  std::string task_id;
  std::string kind;
  std::string payload_json = "{}";
  int attempt = 0;
  std::string owner;  // the delegate id holding the lease
  std::optional<std::string> execution_id;
  std::optional<int> step_index;
};

struct TaskResult {
  bool succeeded = false;
  std::string result_json = "{}";  // also on failure: what was done, for rollback
  std::string error;               // for the user, when failed
};

enum class TaskLogLevel { kInfo, kWarn, kError };

struct TaskLogLine {
  TaskLogLevel level = TaskLogLevel::kInfo;
  std::string text;
  // When the delegate wrote it (lines travel in batches); the receiver's clock when unset.
  std::optional<TimePoint> at;
};

// As large as the store keeps a task's payload or result (store/limits.h kMaxDocumentBytes).
inline constexpr size_t kMaxTaskMessageBytes = size_t{16} * 1024 * 1024;

// What a remote delegate sends to claim a task: who it is, what it offers, how long its lease
// lasts and how long the server may hold the request when there is nothing to claim.
struct ClaimRequest {
  std::string name;         // the delegate's name (--name)
  std::string delegate_id;  // the lease owner of this process's tasks
  std::vector<std::string> selectors;
  std::string version;
  Duration lease = std::chrono::seconds(30);  // 1 s .. 1 h
  Duration wait = Duration::zero();           // 0 .. 60 s; the server may wait less
};

std::string EncodeClaimRequest(const ClaimRequest& request);
// kInvalidArgument for a missing or empty name or delegateId (each at most 256 bytes, no
// control characters), more than 100 selectors, or a lease or wait out of range.
Result<ClaimRequest> DecodeClaimRequest(std::string_view json);
std::string EncodeHeartbeat(const TaskAssignment& assignment, Duration extension);
// The extension (1 s .. 1 h); fills *assignment's identity.
Result<Duration> DecodeHeartbeat(std::string_view json, TaskAssignment* assignment);

std::string EncodeAssignment(const TaskAssignment& assignment);
Result<TaskAssignment> DecodeAssignment(std::string_view json);
std::string EncodeResult(const TaskAssignment& assignment, const TaskResult& result);
// Returns the result and fills *assignment's identity (task id, owner, attempt).
Result<TaskResult> DecodeResult(std::string_view json, TaskAssignment* assignment);
std::string EncodeLogLines(const TaskAssignment& assignment, const std::vector<TaskLogLine>& lines);
Result<std::vector<TaskLogLine>> DecodeLogLines(std::string_view json, TaskAssignment* assignment);

// How a delegate reaches its server. Implementations are thread-safe.
class TaskTransport {
 public:
  virtual ~TaskTransport() = default;
  // The next task whose selectors are a subset of `selectors`, leased for `lease`; nullopt when
  // there is none.
  virtual Result<std::optional<TaskAssignment>> ClaimNext(const std::string& delegate_id,
                                                          const std::vector<std::string>& selectors,
                                                          Duration lease) = 0;
  // kFailedPrecondition when the lease is lost (expired and reclaimed, cancelled): stop working.
  virtual Status Heartbeat(const TaskAssignment& assignment, Duration extension) = 0;
  virtual Status AppendLog(const TaskAssignment& assignment,
                           const std::vector<TaskLogLine>& lines) = 0;
  // kFailedPrecondition when the lease was lost before the result arrived.
  virtual Status Complete(const TaskAssignment& assignment, const TaskResult& result) = 0;
};

// What a running task may use: log lines (sent as they come) and a stop token that fires when
// the lease is lost or the delegate shuts down.
class TaskContext {
 public:
  virtual ~TaskContext() = default;
  virtual void Log(TaskLogLevel level, const std::string& text) = 0;
  virtual std::stop_token stop() const = 0;
};

// Performs one kind of task. Must be idempotent: a task whose delegate died is run again by
// another (re-reading cloud state and guarding writes). Thread-safe: several tasks of a kind run
// at once.
class TaskHandler {
 public:
  virtual ~TaskHandler() = default;
  virtual TaskResult Run(const TaskAssignment& assignment, TaskContext& context) = 0;
};

}  // namespace ferry::delegate
