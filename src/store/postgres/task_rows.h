// Task rows shared by the task and execution stores (a step transition may enqueue a task in
// its own transaction). Every function here runs inside the caller's transaction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/postgres/context.h"
#include "store/task_store.h"

namespace ferry::store::postgres {

// A NewTask checked and put in canonical form, ready to insert (done before taking a lock).
struct CheckedTask {
  NewTask task;  // payload canonical, selectors sorted and unique
};
Result<CheckedTask> CheckTask(const NewTask& task);

// Inserts the task, or returns the existing one for its idempotency key (kConflict when that one
// differs in kind, payload, selectors or execution). kNotFound for an unknown execution.
Result<EnqueuedTask> EnqueueTask(Connection& c, Context& context, const CheckedTask& task);

// "SELECT <every task column> FROM tasks " + where, and the rows it returns.
std::string SelectTaskSql(std::string_view where);
Result<std::vector<TaskRecord>> SelectTasks(Statement& select);

Result<std::optional<TaskRecord>> LoadTask(Connection& c, std::string_view id);

// Makes a non-terminal execution runnable now (a task it waits on has ended).
Status WakeExecution(Connection& c, std::string_view execution_id, int64_t now_ms);

}  // namespace ferry::store::postgres
