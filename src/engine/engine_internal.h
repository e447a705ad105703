// Internals shared by the engine's translation units (engine.cc, engine_outcome.cc,
// engine_restore.cc): step kinds
// and small helpers over step records. Not part of the engine's interface.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "store/store.h"

namespace ferry::engine::internal {

inline constexpr char kDeployStep[] = "lambda.deploy";
inline constexpr char kRollbackStep[] = "lambda.rollback";
inline constexpr char kPruneStep[] = "lambda.prune";
inline constexpr char kRestoreStep[] = "lambda.restore";

// The idempotency key of the task a step runs in `phase` (one per attempt).
std::string TaskKey(const store::StepRecord& step, const std::string& phase);

// The automatic rollback step's payload: every deploy (or restore) step that recorded snapshots,
// restored to them.
Json RollbackPayload(const store::ExecutionRecord& e, const std::vector<store::StepRecord>& steps);

// The JSON object in `text`; an empty object when it is not one.
Json ParseOr(const std::string& text);

// "30m", "2h", "45s", "1500ms": as a workflow's `timeout` is written.
std::string DescribeTimeout(Duration d);

// The step's timeout (inputs' timeoutMs; kDefaultStepTimeout when absent or invalid).
Duration StepTimeout(const store::StepRecord& step);
// started_at + timeout; nullopt while the step has not started.
std::optional<TimePoint> StepDeadline(const store::StepRecord& step);

// After a restore to `to_execution` succeeded: the succeeded deployment records of the same
// application/service/environment newer than that execution's become rolled_back, so that the
// deployment history says what the aliases serve (and a further default rollback goes one
// deployment further back).
Status MarkRolledBackFrom(store::Store& store, const store::ExecutionRecord& restore,
                          const std::string& to_execution);

}  // namespace ferry::engine::internal
