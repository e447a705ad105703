// LogStore on SQLite. Thread-safe.
#pragma once

#include "store/log_store.h"
#include "store/sqlite/context.h"

namespace ferry::store::sqlite {

class SqliteLogStore final : public LogStore {
 public:
  explicit SqliteLogStore(Context& context) : context_(context) {}
  Result<int64_t> Append(std::string_view execution_id,
                         const std::vector<NewLogLine>& lines) override;
  Result<std::vector<LogLine>> Read(const LogQuery& query) override;

 private:
  Context& context_;
};

}  // namespace ferry::store::sqlite
