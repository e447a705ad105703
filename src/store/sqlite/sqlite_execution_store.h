// ExecutionStore on SQLite. Claims and transitions run in BEGIN IMMEDIATE transactions, so
// compare-and-set checks and the writes they guard are atomic across threads and processes.
// Thread-safe.
#pragma once

#include "store/execution_store.h"
#include "store/sqlite/context.h"

namespace ferry::store::sqlite {

class SqliteExecutionStore final : public ExecutionStore {
 public:
  explicit SqliteExecutionStore(Context& context) : context_(context) {}

  // sqlite_execution_store.cc: creating and reading.
  Result<CreatedExecution> Create(const NewExecution& execution) override;
  Result<ExecutionRecord> Get(std::string_view id) override;
  Result<std::vector<ExecutionRecord>> List(const ExecutionFilter& filter) override;
  Result<std::map<ExecutionStatus, int64_t>> CountByStatus() override;
  Result<ExecutionVersion> Version(std::string_view id) override;
  Result<std::vector<StepRecord>> Steps(std::string_view execution_id) override;
  Result<StepRecord> GetStep(std::string_view execution_id, int index) override;
  Result<std::vector<StepRecord>> AppendSteps(std::string_view execution_id,
                                              const std::vector<NewStep>& steps) override;

  // sqlite_execution_transitions.cc: leases and compare-and-set transitions.
  Result<std::vector<ExecutionRecord>> ClaimRunnable(std::string_view owner, Duration lease,
                                                     int limit) override;
  Status RenewLease(std::string_view id, std::string_view owner, Duration lease) override;
  Status ReleaseLease(std::string_view id, std::string_view owner,
                      std::optional<TimePoint> wake_at) override;
  Status Wake(std::string_view id) override;
  Result<int> ExpireLeases(std::string_view owner_prefix) override;
  Result<ExecutionRecord> Transition(const ExecutionTransition& transition) override;
  Result<ExecutionRecord> RequestAbort(std::string_view id, const Actor& actor) override;
  Result<StepTransitionResult> TransitionStep(const StepTransition& transition) override;

 private:
  Context& context_;
};

// Checks steps and puts their inputs in canonical form (names unique and valid).
Result<std::vector<NewStep>> CheckSteps(const std::vector<NewStep>& steps);

}  // namespace ferry::store::sqlite
