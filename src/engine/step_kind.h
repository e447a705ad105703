// StepKind: how one kind of step behaves in an execution. The engine core (engine.h) knows no
// kind by name: it asks the step's kind, found in the StepRegistry, what to do at each point of
// the step's life, and commits the answer — a StepMove — before anything follows it.
//
// A step's life: pending → Start → either
//   running   (the move handed a task to a delegate; OnTaskEnded when it ends),
//   waiting   (the move waits inside the engine until a time, e.g. a bake or an approval;
//              OnWake when the time comes or the execution is woken),
//   succeeded or failed.
// At the step's deadline (its timeout from when it started) OnTimeout decides instead; a task
// still running is cancelled first and the engine waits until its delegate has stopped.
// A failed step applies the execution's failure strategy; rolling back asks every step that
// ran, newest first, for the steps that undo it (Undo), and runs those.
//
// Durability: the engine commits each move (the step's new status, state and outputs, with the
// task it enqueues) in one store transaction before acting on it, and calls the kind again after
// a crash as if nothing had happened, so a kind must decide from the step's records alone
// (inputs, outputs, state, the task of its state) and its side effects on the store (records it
// writes before returning a move) must be idempotent. Each state enqueues at most one task:
// a kind that needs another task moves to a new state.
//
// Adding a kind: one file in engine/steps/ implementing this interface, and one line in
// steps/builtin.cc registering it.
//
// Kinds are shared by every execution the engine advances: methods must be thread-safe
// (stateless, or guarding their state).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/store.h"

namespace ferry::engine {

inline constexpr Duration kDefaultStepTimeout = std::chrono::minutes(30);

// A task a step hands to a delegate.
struct TaskRequest {
  std::string kind;          // the delegate's task kind, e.g. "lambda.deploy"
  std::string payload_json;  // encoded with that task's codec
  std::vector<std::string> selectors;  // the delegate selectors the task requires
};

// What a step does next.
struct StepMove {
  enum class Kind {
    kRunTask,  // running: `task` is enqueued; OnTaskEnded follows
    kWait,     // waiting in the engine until `wake_at` (or an earlier Wake); OnWake follows
    kSucceed,  // the step succeeded
    kFail,     // the step failed with `error`
  };
  Kind kind = Kind::kSucceed;
  std::string state;  // the step's phase after the move; names its task (one task per state)
  std::optional<std::string> outputs_json;  // replaces the step's outputs when set
  std::optional<TaskRequest> task;          // kRunTask
  std::optional<TimePoint> wake_at;         // kWait
  std::string error;                        // kFail
  std::string log;  // a line for the execution's log; "" = the engine's default line

  static StepMove RunTask(std::string state, TaskRequest task,
                          std::optional<std::string> outputs = std::nullopt, std::string log = "");
  static StepMove Wait(std::string state, TimePoint until,
                       std::optional<std::string> outputs = std::nullopt, std::string log = "");
  static StepMove Succeed(std::optional<std::string> outputs = std::nullopt, std::string log = "");
  static StepMove Fail(std::string error, std::optional<std::string> outputs = std::nullopt);
};

// What a kind may use while it decides; valid for one call.
struct StepContext {
  const store::ExecutionRecord& execution;
  const std::vector<store::StepRecord>& steps;  // every step of the execution, by index
  const store::StepRecord& step;                // the one deciding
  store::Store& store;
  Clock& clock;
  Duration timeout;  // the step's timeout (its own, or the kind's default)

  // Appends a line to the execution's log, attributed to the step (best effort).
  void Log(store::LogLevel level, const std::string& text) const;
};

class StepKind {
 public:
  virtual ~StepKind() = default;

  // Checks a step's inputs when its execution is created. kInvalidArgument saying what is wrong.
  virtual Status Validate(std::string_view inputs_json) const = 0;

  // A pending step starts.
  virtual Result<StepMove> Start(const StepContext& ctx) = 0;

  // The task of the step's current state ended (succeeded, failed, or cancelled and stopped).
  // Default: kInternal (a kind that runs tasks must implement it).
  virtual Result<StepMove> OnTaskEnded(const StepContext& ctx, const store::TaskRecord& task);

  // A waiting step's time came, or its execution was woken. Default: kInternal.
  virtual Result<StepMove> OnWake(const StepContext& ctx);

  // The step's deadline passed. `task` is the step's task when it had one (cancelled and
  // stopped by now, or ended meanwhile: then its outcome is in it). Default: fail with "timed out
  // after <timeout> (the step's timeout)".
  virtual Result<StepMove> OnTimeout(const StepContext& ctx, const store::TaskRecord* task);

  // Whether a failed step of this kind fails its execution (pruning's does not). Default true.
  virtual bool Critical() const { return true; }

  // The steps that undo this one when its execution rolls back, asked of every step that
  // started, newest first; they run in the order returned (the engine marks them undo_of this
  // step and makes their names unique). Default: none.
  virtual Result<std::vector<store::NewStep>> Undo(const StepContext& ctx);

  // The timeout of a step whose own is zero. Default kDefaultStepTimeout.
  virtual Duration DefaultTimeout() const { return kDefaultStepTimeout; }
};

}  // namespace ferry::engine
