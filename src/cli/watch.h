// Following an execution from the CLI: WaitForExecution long-polls GET /executions/{id}
// (If-None-Match + wait, docs/api.md) until the execution is terminal, showing progress;
// FollowLogs streams its log lines over SSE, resuming with Last-Event-ID when the stream drops;
// ReadLogs pages through the lines recorded so far.
//
// Transient failures (server unreachable, timeouts, 429, 5xx, a dropped stream) are retried with
// a capped backoff on the injected Clock until `give_up_after` passes without any success; any
// other error (401, 404, a malformed reply) ends the wait at once. Not thread-safe.
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include "cli/api_client.h"
#include "cli/execution.h"
#include "common/clock.h"
#include "common/result.h"

namespace ferry::cli {

struct WatchOptions {
  // How often progress is refreshed when nothing changes: the longest a long-poll of the
  // execution is held, or the poll period of a server that does not hold requests.
  Duration poll_interval = std::chrono::seconds(1);
  Duration min_interval = std::chrono::milliseconds(50);  // between two requests
  Duration give_up_after = std::chrono::seconds(120);
  Duration max_backoff = std::chrono::seconds(5);
};

// Renders progress. On a terminal (interactive) one line is redrawn in place and kept when the
// step changes; otherwise one line is printed per change of status, step or state.
class ProgressDisplay {
 public:
  ProgressDisplay(std::ostream& out, bool interactive) : out_(out), interactive_(interactive) {}
  void Update(const ExecutionView& execution, Duration elapsed);
  // Ends a redrawn line so that what follows starts on a fresh one.
  void Finish();

 private:
  std::ostream& out_;
  const bool interactive_;
  std::string last_key_;
  std::string last_step_;
  bool line_open_ = false;
};

// The terminal execution, read without outputs (its steps' functions and other_outputs are
// empty; read the execution again for them). `display` may be null (no progress shown).
Result<ExecutionView> WaitForExecution(ApiClient& client, const std::string& id, Clock& clock,
                                       ProgressDisplay* display, const WatchOptions& options = {});

// Streams the execution's log lines (as JSON objects, already checked to be LogLines) to on_line
// until the server sends the end event; returns the final status it names.
Result<std::string> FollowLogs(ApiClient& client, const std::string& id, Clock& clock,
                               const std::function<void(const Json&)>& on_line,
                               const WatchOptions& options = {});

// Every log line recorded so far, oldest first, in pages.
Status ReadLogs(ApiClient& client, const std::string& id,
                const std::function<void(const Json&)>& on_line);

// Whether an error is worth retrying (the server may come back).
bool IsTransient(const Error& error);

}  // namespace ferry::cli
