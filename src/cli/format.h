// Text rendering of API objects for the terminal. Everything that came from the server passes
// through TerminalSafe first: control characters (including ANSI escape sequences, which could
// rewrite the user's terminal) are shown escaped. `now` is passed in so output is deterministic
// in tests. Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cli/execution.h"
#include "common/clock.h"

namespace ferry::cli {

// Control characters (except none) replaced by \xNN; invalid UTF-8 replaced by U+FFFD.
std::string TerminalSafe(std::string_view text);

// Rows as columns padded to their widest cell, two spaces apart (cells are already
// TerminalSafe).
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

// "2026-11-28 03:30:00" (UTC), or "-".
std::string FormatWhen(const std::optional<TimePoint>& t);
// The recorded duration, else (still running) the time since it started, else "-".
std::string FormatElapsed(const std::optional<int64_t>& duration_ms,
                          const std::optional<TimePoint>& started_at, TimePoint now);

// ID  APP/SERVICE  ENV  STATUS  STARTED  DURATION, columns aligned; a hint when empty.
std::string FormatExecutionsTable(const std::vector<ExecutionView>& executions, TimePoint now);

// The execution's fields, then each step (status, state, timing, error) with the functions a
// deploy step recorded (version, CodeSha256, aliases) and any other outputs.
std::string FormatExecutionDetail(const ExecutionView& execution, TimePoint now);

// "03:30:00.123 deploy  INFO  text" (one line; multi-line text is indented).
std::string FormatLogLine(const LogLineView& line);

// The current position of a running execution on one line, e.g.
// "running  step 1/2 deploy (lambda.deploy): running, waiting_for_update  12.3s".
std::string FormatProgress(const ExecutionView& execution, Duration elapsed);

// The last words on a finished execution: "succeeded in 12.3s", or the status, the error and
// what happened to the environment ("the changes were rolled back").
std::string FormatOutcome(const ExecutionView& execution);

}  // namespace ferry::cli
