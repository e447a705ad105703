// Reading execution and step rows; shared by the execution store's two source files. Every
// function runs inside the caller's transaction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/execution_store.h"
#include "store/postgres/connection.h"

namespace ferry::store::postgres {

// "SELECT <every execution column> FROM executions " + where. Without payloads, inputs_json and
// outputs_json are read as "{}" (lists: a page costs the same however large the outputs are).
enum class Payloads { kRead, kSkip };
std::string SelectExecutionSql(std::string_view where, Payloads payloads = Payloads::kRead);
Result<std::vector<ExecutionRecord>> SelectExecutions(Statement& select);
Result<std::optional<ExecutionRecord>> LoadExecution(Connection& c, std::string_view id);
Result<bool> ExecutionExists(Connection& c, std::string_view id);

// "SELECT <every step column> FROM steps " + where.
std::string SelectStepSql(std::string_view where);
Result<std::vector<StepRecord>> SelectSteps(Statement& select);
Result<std::optional<StepRecord>> LoadStep(Connection& c, std::string_view execution_id, int index);

// Inserts steps after the execution's last one (checked: names unique, inputs canonical).
Status InsertSteps(Connection& c, std::string_view execution_id, int first_index,
                   const std::vector<NewStep>& steps, int64_t now_ms);

// A hash of an execution's externally visible state, for audit before/after.
std::string ExecutionStateHash(const ExecutionRecord& execution);

}  // namespace ferry::store::postgres
