// Engine: advances executions durably (ARCHITECTURE.md, "The path of a deploy").
//
// An execution is a list of steps, each a state machine persisted in the store and driven by its
// kind (step_kind.h; the kinds come from a StepRegistry, so the engine knows none by name). The
// engine never calls the cloud: a step that needs it moves to its next state *and* enqueues the
// delegate task doing the work in one store transaction, then waits; the task's completion wakes
// the execution and the step's kind decides the next move. Every transition is committed before
// the side effect that follows it, so an engine that dies anywhere is replaced by another (same
// or other process) that claims the execution once its lease expires and continues: tasks are
// enqueued with idempotency keys (never twice) and are themselves idempotent.
//
// Statuses: queued → running (steps advance in order) ⇄ waiting (the current step waits inside
// the engine: a bake, an approval) → succeeded. A failed step (of a kind whose failures are
// critical) applies the execution's failure strategy:
//   rollback (default) — every step that started is asked, newest first, for the steps that undo
//       it; they are appended and run (rolling_back); the execution ends rolled_back, or
//       rollback_failed when one of them failed (all are tried). Nothing to undo: failed.
//   abort — ends failed, leaving everything as it is.
//   ignore — the failure is recorded and the next step runs.
// An abort request cancels the current step (its task is cancelled, and the engine waits until
// the delegate has stopped it: nothing is undone while it may still be changing things), then
// rolls back like a failure under rollback (ending aborted) or ends aborted.
//
// Timeouts: every step has a deadline (its timeout, or its kind's default, counted from when it
// started). Past it, a running task is cancelled (and waited for, as above) and the kind decides
// (by default: the step fails "timed out after ..."), which applies the failure strategy.
//
// Thread-safe: any number of engines (threads or processes) may call RunOnce on one store; the
// store, clock and registry must outlive the engine.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "engine/step_kind.h"
#include "engine/step_registry.h"
#include "store/store.h"

namespace ferry::engine {

enum class FailureStrategy { kRollback, kAbort, kIgnore };

// One step of an execution to start.
struct StepSpec {
  std::string name;         // unique within the execution
  std::string kind;         // a registered StepKind
  std::string inputs_json;  // the kind's inputs (its own codec)
  Duration timeout{0};      // zero: the kind's default
};

struct ExecutionSpec {
  std::string application;
  std::string service;
  std::string environment;
  std::string workflow = "basic";
  std::string trigger = "manual";
  std::string actor;
  std::string actor_source;  // the client address when started over the API
  std::optional<std::string> artifact_id;
  std::optional<std::string> idempotency_key;  // a retried request starts one execution
  std::optional<std::string> pipeline;  // the pipeline it runs, or whose stage it is
  FailureStrategy failure_strategy = FailureStrategy::kRollback;
  std::vector<StepSpec> steps;
  // Recorded in the execution's inputs beside the engine's own member, for people to read (the
  // freeze override a deployment started with): member name → a JSON document.
  std::map<std::string, std::string> recorded_inputs;
};

struct EngineOptions {
  std::string owner = "engine";  // lease owner: unique per engine instance
  Duration lease = std::chrono::seconds(30);
  Duration poll = std::chrono::seconds(5);  // re-check a waiting execution at least this often
  int batch = 16;                           // executions claimed per RunOnce
  int task_attempts = 3;                    // a task's attempts before it fails
  // Called after this engine committed an execution's terminal status (on the thread that
  // advanced it; must not block). Best effort: a crash right after the commit loses the call.
  std::function<void(const store::ExecutionRecord&)> on_ended;
  // Called on the engine's thread after an execution started (left queued) and after it ended
  // (its terminal status committed), with the record as committed. Must be quick and must not
  // throw: `ferry server` enqueues notifications here (notify/notifier.h). A process that dies
  // between the commit and the call does not make the call (docs/notifications.md).
  std::function<void(const store::ExecutionRecord&)> on_execution_changed;
};

class Engine {
 public:
  Engine(store::Store& store, Clock& clock, const StepRegistry& registry, EngineOptions options);

  // Creates the execution (queued). kInvalidArgument when the spec is incomplete, names an
  // unknown step kind, or a step's inputs are not valid for its kind. With an idempotency key
  // that an earlier request used, returns that execution and sets `*created` (when given) to
  // false: nothing new starts.
  Result<store::ExecutionRecord> Start(const ExecutionSpec& spec, bool* created = nullptr);

  // Claims runnable executions and advances each until it must wait. Returns how many it
  // advanced.
  Result<int> RunOnce();

  // The earliest time an execution this engine left waiting asks to be re-checked (its poll, a
  // step's deadline or timer), cleared by the call; nullopt when there is none since the last
  // call. For the Runner's sleep. Executions created or woken elsewhere are found by polling or
  // Wake().
  std::optional<TimePoint> TakeNextWake();

  // Advances one claimed execution (exposed for tests that stop mid-way).
  Status Advance(store::ExecutionRecord execution);

  // "30m", "2h", "45s", "1500ms": as a workflow's `timeout` is written.
  static std::string DescribeTimeout(Duration d);

 private:
  enum class StepOutcome {
    kProgress,  // moved; advance again
    kWait,      // waits on a task, a timer or a stopping task: release until `wake`
    kFailed,    // ended failed
  };
  struct Advanced {
    StepOutcome outcome = StepOutcome::kProgress;
    std::optional<TimePoint> wake;  // kWait: when to look again (at the latest)
    bool in_engine = false;         // kWait: the step waits inside the engine (kWaiting)
  };

  // engine_steps.cc: one step's next move, committed.
  Result<Advanced> AdvanceStep(const store::ExecutionRecord& e,
                               const std::vector<store::StepRecord>& steps,
                               const store::StepRecord& step);
  Result<Advanced> Apply(const store::ExecutionRecord& e, const store::StepRecord& step,
                         StepMove move, std::optional<TimePoint> deadline);
  Duration TimeoutOf(const store::StepRecord& step) const;

  // engine_outcome.cc: how executions end.
  Status BeginRollback(store::ExecutionRecord& e, const std::vector<store::StepRecord>& steps,
                       store::ExecutionStatus from);
  Status AppendUndoSteps(const store::ExecutionRecord& e,
                         const std::vector<store::StepRecord>& steps);
  // Cancels the active step(s) of an aborting execution; false while a cancelled task's delegate
  // has not stopped yet (*wake: its lease's end).
  Result<bool> CancelActive(const store::ExecutionRecord& e,
                            const std::vector<store::StepRecord>& steps,
                            std::optional<TimePoint>* wake);
  // Commits t and updates e. A move to a terminal status carries the log line that says how the
  // execution ended, in the same transaction, so `logs -f` never stops before that line.
  Status Move(store::ExecutionRecord& e, store::ExecutionTransition t);

  // Gives the execution's lease up until `wake`; `poll` caps that at the engine's poll (a step
  // waiting on a task is re-checked even if its completion's wake-up were lost; one waiting
  // inside the engine sleeps until its own time: ExecutionStore::Wake reaches it earlier).
  Status Release(const std::string& id, std::optional<TimePoint> wake, bool poll = true);
  void LogLine(const std::string& execution_id, std::optional<int> step, store::LogLevel level,
               const std::string& text);

  store::Store& store_;
  Clock& clock_;
  const StepRegistry& registry_;
  const EngineOptions options_;
  std::mutex mu_;
  std::optional<TimePoint> next_wake_;  // guarded by mu_
};

}  // namespace ferry::engine
