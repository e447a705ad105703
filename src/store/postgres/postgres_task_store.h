// TaskStore on PostgreSQL. Claims run in write transactions serialised by the writer advisory
// lock (database.h) and lock the task row (FOR UPDATE SKIP LOCKED), so concurrent claimers (in
// this process or another) never receive the same task. Thread-safe.
#pragma once

#include "store/postgres/context.h"
#include "store/task_store.h"

namespace ferry::store::postgres {

class PostgresTaskStore final : public TaskStore {
 public:
  explicit PostgresTaskStore(Context& context) : context_(context) {}

  Result<EnqueuedTask> Enqueue(const NewTask& task) override;
  Result<TaskRecord> Get(std::string_view id) override;
  Result<TaskRecord> GetByKey(std::string_view idempotency_key) override;
  Result<std::vector<TaskRecord>> List(const TaskFilter& filter) override;
  Result<std::optional<TaskRecord>> ClaimNext(std::string_view delegate_id,
                                              const std::vector<std::string>& selectors,
                                              Duration lease) override;
  Result<TaskRecord> Heartbeat(const TaskLease& lease, Duration extension) override;
  Result<TaskRecord> Complete(const TaskLease& lease, const TaskOutcome& outcome) override;
  Result<TaskRecord> Cancel(std::string_view id, const Actor& actor) override;
  Result<int> ExpireLeases(std::string_view owner_prefix) override;

 private:
  Context& context_;
};

}  // namespace ferry::store::postgres
