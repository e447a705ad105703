// LogStore on PostgreSQL. Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/log_store.h"
#include "store/postgres/connection.h"
#include "store/postgres/context.h"

namespace ferry::store::postgres {

// Validates lines for an append and returns their stored texts (secrets masked, UTF-8 repaired,
// cut at kMaxLogLineBytes). Done before the write transaction.
Result<std::vector<std::string>> PrepareLogLines(const std::vector<NewLogLine>& lines);

// Appends prepared lines to an existing execution's log inside the caller's write transaction,
// numbering them after the last one. Returns the last sequence number (0 when there are none).
Result<int64_t> InsertLogLines(Connection& c, int64_t now_ms, std::string_view execution_id,
                               const std::vector<NewLogLine>& lines,
                               const std::vector<std::string>& texts);

class PostgresLogStore final : public LogStore {
 public:
  explicit PostgresLogStore(Context& context) : context_(context) {}
  Result<int64_t> Append(std::string_view execution_id,
                         const std::vector<NewLogLine>& lines) override;
  Result<std::vector<LogLine>> Read(const LogQuery& query) override;

 private:
  Context& context_;
};

}  // namespace ferry::store::postgres
