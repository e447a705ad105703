// LogStore: the log lines of an execution (engine messages and delegate output), for
// `ferry logs ID -f` and the UI.
//
// Each execution's lines are numbered 1, 2, 3, ... without gaps in commit order, so a follower
// reading "after sequence N" never misses or repeats a line. Text passes through the global
// SecretMasker before it is stored, and lines longer than kMaxLogLineBytes are truncated.
// Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace ferry::store {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
std::string_view LogLevelName(LogLevel level);  // "debug", "info", "warn", "error"
std::optional<LogLevel> ParseLogLevel(std::string_view name);

struct NewLogLine {
  std::optional<int> step_index;
  LogLevel level = LogLevel::kInfo;
  std::string source;  // "engine", a delegate id
  std::string text;
  // When it was written (a delegate sends lines in batches); the store's clock when unset or
  // later than now (a delegate's clock may run ahead).
  std::optional<TimePoint> at;
};

struct LogLine {
  std::string execution_id;
  int64_t sequence = 0;
  std::optional<int> step_index;
  LogLevel level = LogLevel::kInfo;
  std::string source;
  std::string text;
  TimePoint at;
};

struct LogQuery {
  std::string execution_id;
  int64_t after_sequence = 0;
  std::optional<int> step_index;  // only this step's lines
  int limit = 500;                // 1..kMaxPageSize
};

class LogStore {
 public:
  virtual ~LogStore() = default;
  // Appends lines in order, in one transaction; returns the last sequence assigned. Lines for
  // an execution that has already ended are dropped (its final line, written with its terminal
  // transition, stays last) and the last sequence it has is returned.
  // kNotFound when the execution does not exist; at most kMaxPageSize lines per call.
  virtual Result<int64_t> Append(std::string_view execution_id,
                                 const std::vector<NewLogLine>& lines) = 0;
  // Lines with sequence > after_sequence, in order.
  virtual Result<std::vector<LogLine>> Read(const LogQuery& query) = 0;
};

}  // namespace ferry::store
