#include "engine/engine.h"

#include "common/json.h"
#include "common/strings.h"

namespace ferry::engine {
namespace {

using store::ExecutionStatus;
using store::StepStatus;

constexpr int kMaxAdvanceRounds = 64;
// The engine's own member of an execution's inputs.
constexpr char kFailureStrategyKey[] = "failureStrategy";

std::string_view StrategyName(FailureStrategy s) {
  switch (s) {
    case FailureStrategy::kAbort:
      return "abort";
    case FailureStrategy::kIgnore:
      return "ignore";
    case FailureStrategy::kRollback:
      break;
  }
  return "rollback";
}

FailureStrategy StrategyOf(const store::ExecutionRecord& e) {
  auto inputs = ParseJson(e.inputs_json);
  std::string name =
      inputs.ok() && inputs->is_object() ? inputs->value(kFailureStrategyKey, "") : "";
  if (name == "abort") return FailureStrategy::kAbort;
  if (name == "ignore") return FailureStrategy::kIgnore;
  return FailureStrategy::kRollback;
}

}  // namespace

Engine::Engine(store::Store& store, Clock& clock, const StepRegistry& registry,
               EngineOptions options)
    : store_(store), clock_(clock), registry_(registry), options_(std::move(options)) {}

std::string Engine::DescribeTimeout(Duration d) {
  const int64_t ms = d.count();
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

void Engine::LogLine(const std::string& execution_id, std::optional<int> step,
                     store::LogLevel level, const std::string& text) {
  (void)store_.logs().Append(execution_id, {store::NewLogLine{step, level, "engine", text}});
}

Result<store::ExecutionRecord> Engine::Start(const ExecutionSpec& spec, bool* created_out) {
  if (spec.application.empty() || spec.service.empty() || spec.environment.empty()) {
    return Error{ErrorCode::kInvalidArgument,
                 "an execution needs an application, a service and an environment"};
  }
  if (spec.steps.empty()) return Error{ErrorCode::kInvalidArgument, "an execution needs steps"};
  store::NewExecution e;
  e.application = spec.application;
  e.service = spec.service;
  e.environment = spec.environment;
  e.workflow = spec.workflow;
  e.trigger = spec.trigger;
  e.actor = spec.actor.empty() ? "unknown" : spec.actor;
  e.actor_source = spec.actor_source;
  e.artifact_id = spec.artifact_id;
  e.idempotency_key = spec.idempotency_key;
  e.pipeline = spec.pipeline;
  Json inputs = Json::object();
  for (const auto& [name, json] : spec.recorded_inputs) {
    FERRY_ASSIGN_OR_RETURN(inputs[name], ParseJson(json));
  }
  inputs[kFailureStrategyKey] = StrategyName(spec.failure_strategy);
  e.inputs_json = DumpJson(inputs);
  for (const auto& step : spec.steps) {
    const StepKind* kind = registry_.Find(step.kind);
    if (kind == nullptr) {
      return Error{ErrorCode::kInvalidArgument, "step " + step.name + " is of kind " +
                                                    QuoteForMessage(step.kind) +
                                                    ", which this Ferry server cannot run"};
    }
    if (step.timeout < Duration::zero()) {
      return Error{ErrorCode::kInvalidArgument, "step " + step.name + " has a negative timeout"};
    }
    if (Status valid = kind->Validate(step.inputs_json); !valid.ok()) {
      return valid.error().WithContext("step " + step.name);
    }
    e.steps.push_back(store::NewStep{step.name, step.kind, step.inputs_json, step.timeout, {}});
  }
  FERRY_ASSIGN_OR_RETURN(auto created, store_.executions().Create(e));
  if (created_out != nullptr) *created_out = created.created;
  return created.execution;
}

Result<int> Engine::RunOnce() {
  FERRY_ASSIGN_OR_RETURN(auto claimed, store_.executions().ClaimRunnable(
                                           options_.owner, options_.lease, options_.batch));
  int advanced = 0;
  for (auto& e : claimed) {
    std::string id = e.id;
    Status s = Advance(std::move(e));
    if (!s.ok()) {
      // Leave it for the next round (or another engine once the lease is released).
      LogLine(id, std::nullopt, store::LogLevel::kWarn,
              "the engine will retry: " + s.error().message);
      (void)Release(id, std::nullopt);
      continue;
    }
    ++advanced;
  }
  return advanced;
}

Status Engine::Release(const std::string& id, std::optional<TimePoint> wake_at, bool poll) {
  TimePoint wake = clock_.Now() + options_.poll;
  if (wake_at && (*wake_at < wake || !poll)) wake = *wake_at;
  {
    std::lock_guard lock(mu_);
    if (!next_wake_ || wake < *next_wake_) next_wake_ = wake;
  }
  return store_.executions().ReleaseLease(id, options_.owner, wake);
}

std::optional<TimePoint> Engine::TakeNextWake() {
  std::lock_guard lock(mu_);
  return std::exchange(next_wake_, std::nullopt);
}

Status Engine::Advance(store::ExecutionRecord e) {
  const FailureStrategy strategy = StrategyOf(e);
  auto to = [&](ExecutionStatus status) {
    return store::ExecutionTransition{e.id, e.status, status, options_.owner};
  };
  for (int round = 0; round < kMaxAdvanceRounds; ++round) {
    if (store::IsTerminal(e.status)) return Ok();
    FERRY_ASSIGN_OR_RETURN(auto steps, store_.executions().Steps(e.id));
    switch (e.status) {
      case ExecutionStatus::kQueued: {
        FERRY_ASSIGN_OR_RETURN(e, store_.executions().Transition(to(ExecutionStatus::kRunning)));
        LogLine(e.id, std::nullopt, store::LogLevel::kInfo, "execution started");
        if (options_.on_execution_changed) options_.on_execution_changed(e);
        continue;
      }
      case ExecutionStatus::kRunning:
      case ExecutionStatus::kWaiting: {
        if (e.abort_requested_by) {
          FERRY_ASSIGN_OR_RETURN(e, store_.executions().Transition(to(ExecutionStatus::kAborting)));
          continue;
        }
        const store::StepRecord* failed = nullptr;
        const store::StepRecord* next = nullptr;
        for (const auto& step : steps) {
          if (step.undo_of) continue;
          const StepKind* kind = registry_.Find(step.kind);
          if (step.status == StepStatus::kFailed && strategy != FailureStrategy::kIgnore &&
              failed == nullptr && (kind == nullptr || kind->Critical())) {
            failed = &step;
          }
          if (!store::IsTerminal(step.status) && next == nullptr) next = &step;
        }
        if (failed != nullptr) {
          if (strategy == FailureStrategy::kAbort) {
            store::ExecutionTransition t = to(ExecutionStatus::kFailed);
            t.error = failed->name + ": " + failed->error.value_or("failed");
            return Move(e, std::move(t));
          }
          LogLine(e.id, std::nullopt, store::LogLevel::kWarn, "rolling back");
          FERRY_RETURN_IF_ERROR(BeginRollback(e, steps, e.status));
          continue;
        }
        if (next == nullptr) {
          Json outputs = Json::object();
          for (const auto& step : steps) {
            auto parsed = ParseJson(step.outputs_json);
            outputs[step.name] = parsed.ok() ? *parsed : Json::object();
          }
          store::ExecutionTransition t = to(ExecutionStatus::kSucceeded);
          t.outputs_json = DumpJson(outputs);
          return Move(e, std::move(t));
        }
        FERRY_ASSIGN_OR_RETURN(Advanced advanced, AdvanceStep(e, steps, *next));
        if (advanced.outcome != StepOutcome::kWait) continue;
        // A step waiting inside the engine makes the execution waiting; one whose task runs
        // keeps it running.
        const ExecutionStatus status =
            advanced.in_engine ? ExecutionStatus::kWaiting : ExecutionStatus::kRunning;
        if (status != e.status) {
          FERRY_ASSIGN_OR_RETURN(e, store_.executions().Transition(to(status)));
        }
        return Release(e.id, advanced.wake, /*poll=*/!advanced.in_engine);
      }
      case ExecutionStatus::kAborting: {
        std::optional<TimePoint> wake;
        FERRY_ASSIGN_OR_RETURN(bool stopped, CancelActive(e, steps, &wake));
        if (!stopped) return Release(e.id, wake);
        FERRY_ASSIGN_OR_RETURN(steps, store_.executions().Steps(e.id));
        if (strategy == FailureStrategy::kRollback) {
          FERRY_RETURN_IF_ERROR(BeginRollback(e, steps, ExecutionStatus::kAborting));
        } else {
          FERRY_RETURN_IF_ERROR(Move(e, to(ExecutionStatus::kAborted)));
        }
        continue;
      }
      case ExecutionStatus::kRollingBack: {
        bool any_undo = false;
        const store::StepRecord* next = nullptr;
        const store::StepRecord* failed = nullptr;
        for (const auto& step : steps) {
          if (!step.undo_of) continue;
          any_undo = true;
          if (!store::IsTerminal(step.status) && next == nullptr) next = &step;
          if (step.status != StepStatus::kSucceeded && store::IsTerminal(step.status) &&
              failed == nullptr) {
            failed = &step;
          }
        }
        if (!any_undo) {
          // Appended after the transition: a crash in between lands here again.
          FERRY_RETURN_IF_ERROR(AppendUndoSteps(e, steps));
          continue;
        }
        if (next != nullptr) {
          FERRY_ASSIGN_OR_RETURN(Advanced advanced, AdvanceStep(e, steps, *next));
          if (advanced.outcome == StepOutcome::kWait) return Release(e.id, advanced.wake);
          continue;  // a failed undo step does not stop the others: each undoes its own
        }
        store::ExecutionTransition t = to(failed != nullptr      ? ExecutionStatus::kRollbackFailed
                                          : e.abort_requested_by ? ExecutionStatus::kAborted
                                                                 : ExecutionStatus::kRolledBack);
        if (failed != nullptr) {
          t.error = "rollback failed: " + failed->name + ": " + failed->error.value_or("failed");
        }
        return Move(e, std::move(t));
      }
      default:
        return Ok();
    }
  }
  return store_.executions().ReleaseLease(e.id, options_.owner, clock_.Now());
}

}  // namespace ferry::engine
