#include "cli/watch.h"

#include <algorithm>

#include "cli/format.h"
#include "common/json.h"
#include "common/log.h"
#include "common/secret_mask.h"

namespace ferry::cli {
namespace {

constexpr int kLogPageSize = 200;

std::string ProgressKey(const ExecutionView& e) {
  std::string key = e.status;
  for (const StepView& s : e.steps) key += "|" + s.status + "," + s.state;
  return key;
}

std::string CurrentStep(const ExecutionView& e) {
  for (const StepView& s : e.steps) {
    if (s.status == "running" || s.status == "waiting") return std::to_string(s.index);
  }
  return "";
}

// Retries transient failures of `attempt` with a capped exponential backoff until a success,
// a permanent error, or give_up_after without success.
class Retrier {
 public:
  Retrier(Clock& clock, const WatchOptions& options) : clock_(clock), options_(options) {}

  // Returns true when the caller should try again (after this has slept).
  bool ShouldRetry(const Error& error) {
    if (!IsTransient(error)) return false;
    const auto now = clock_.SteadyNow();
    if (!failing_since_) failing_since_ = now;
    if (now - *failing_since_ >= options_.give_up_after) return false;
    log::Debug("retrying after a transient error", {{"error", error.message}});
    clock_.SleepFor(backoff_);
    backoff_ = std::min(backoff_ * 2, options_.max_backoff);
    return true;
  }
  void Succeeded() {
    failing_since_.reset();
    backoff_ = std::chrono::milliseconds(250);
  }

 private:
  Clock& clock_;
  const WatchOptions& options_;
  std::optional<std::chrono::steady_clock::time_point> failing_since_;
  Duration backoff_ = std::chrono::milliseconds(250);
};

}  // namespace

bool IsTransient(const Error& error) {
  // Transport failures that may heal (the server restarting, a dropped connection) and the HTTP
  // statuses that mean "try again"; never a malformed or oversized reply, a 4xx or a 500.
  if (auto reason = error.details.find("reason"); reason != error.details.end()) {
    return reason->second == "connect" || reason->second == "timeout" ||
           reason->second == "truncated";
  }
  if (auto status = error.details.find("http_status"); status != error.details.end()) {
    return status->second == "429" || status->second == "502" || status->second == "503" ||
           status->second == "504";
  }
  return false;
}

void ProgressDisplay::Update(const ExecutionView& execution, Duration elapsed) {
  const std::string line = FormatProgress(execution, elapsed);
  const std::string key = ProgressKey(execution);
  if (!interactive_) {
    if (key != last_key_) out_ << line << "\n" << std::flush;
    last_key_ = key;
    return;
  }
  const std::string step = CurrentStep(execution);
  // Keep the finished step's last line on screen; redraw the current one.
  if (line_open_ && step != last_step_) out_ << "\n";
  out_ << "\r\033[K" << line << std::flush;
  line_open_ = true;
  last_step_ = step;
  last_key_ = key;
}

void ProgressDisplay::Finish() {
  if (line_open_) out_ << "\n" << std::flush;
  line_open_ = false;
}

Result<ExecutionView> WaitForExecution(ApiClient& client, const std::string& id, Clock& clock,
                                       ProgressDisplay* display, const WatchOptions& options) {
  const auto start = clock.SteadyNow();
  Retrier retrier(clock, options);
  const std::string path = ApiClient::ApiPath({"executions", id});
  // Long-poll: once the server has sent an ETag, each request names it and asks the server to
  // hold the reply until the execution changes or poll_interval passes, so a change shows at
  // once and an unchanged execution costs one request per poll_interval.
  const auto poll_s = std::chrono::ceil<std::chrono::seconds>(options.poll_interval).count();
  const std::string wait = std::to_string(std::clamp<int64_t>(poll_s, 1, 60));
  std::string etag;
  std::optional<ExecutionView> execution;
  while (true) {
    const auto asked = clock.SteadyNow();
    Json body;
    bool retry_later = false;
    // Progress needs statuses only: the outputs (megabytes for a deployment of many functions)
    // are left out; a caller that wants them reads the execution once it has ended.
    QueryParams query{{"outputs", "false"}};
    if (!etag.empty()) query.emplace_back("wait", wait);
    auto changed = client.GetIfChanged(path, query, etag, body, &retry_later);
    if (!changed.ok()) {
      if (retrier.ShouldRetry(changed.error())) continue;
      if (display) display->Finish();
      return changed.error();
    }
    retrier.Succeeded();
    if (*changed) {
      auto decoded = DecodeExecution(body);
      if (!decoded.ok()) {
        if (display) display->Finish();
        return decoded.error();
      }
      execution = std::move(*decoded);
    }
    const auto elapsed = std::chrono::duration_cast<Duration>(clock.SteadyNow() - start);
    if (display) display->Update(*execution, elapsed);
    if (execution->terminal()) {
      if (display) display->Finish();
      return std::move(*execution);
    }
    const auto took = clock.SteadyNow() - asked;
    if (etag.empty() || retry_later) {
      clock.SleepFor(options.poll_interval);  // a server that does not hold requests: poll
    } else if (took < options.min_interval) {
      // Never more than one request per min_interval, however busy the execution is.
      clock.SleepFor(std::chrono::duration_cast<Duration>(options.min_interval - took));
    }
  }
}

Result<std::string> FollowLogs(ApiClient& client, const std::string& id, Clock& clock,
                               const std::function<void(const Json&)>& on_line,
                               const WatchOptions& options) {
  const std::string path = ApiClient::ApiPath({"executions", id, "logs"}) + "?follow=1";
  SseParser parser;
  Retrier retrier(clock, options);
  std::optional<std::string> end_status;
  Status bad_event;
  while (true) {
    Status streamed = client.StreamEvents(path, parser, [&](const SseEvent& event) {
      retrier.Succeeded();
      if (event.event == "end") {
        auto data = ParseJson(event.data, {.max_bytes = 64 * 1024, .max_depth = 8});
        end_status = data.ok() && data->is_object() && data->contains("status") &&
                             (*data)["status"].is_string()
                         ? (*data)["status"].get<std::string>()
                         : std::string("unknown");
        return false;
      }
      if (event.event == "error") {
        // The server gave up on the stream: {"error": {"code", "message"}}.
        auto data = ParseJson(event.data, {.max_bytes = 64 * 1024, .max_depth = 8});
        std::string message = "the log stream failed";
        if (data.ok() && data->is_object() && data->contains("error") &&
            (*data)["error"].is_object() && (*data)["error"].value("message", Json()).is_string()) {
          message += ": " + (*data)["error"]["message"].get<std::string>();
        }
        bad_event = Error{ErrorCode::kUnavailable, MaskSecrets(message)};
        return false;
      }
      if (event.event != "log" && event.event != "message") return true;  // future event types
      auto data = ParseJson(event.data, {.max_bytes = 1024 * 1024, .max_depth = 16});
      if (!data.ok() || !DecodeLogLine(*data).ok()) {
        bad_event = Error{ErrorCode::kUnavailable,
                          "the Ferry server at " + client.server_url() +
                              " sent a log event that is not a log line" +
                              (data.ok() ? "" : " (" + data.error().message + ")")};
        return false;
      }
      on_line(*data);
      return true;
    });
    if (!bad_event.ok()) return bad_event.error();
    if (end_status) return *end_status;
    if (streamed.ok()) continue;  // unreachable: the stream stops only at an end event
    if (!retrier.ShouldRetry(streamed.error())) return streamed.error();
  }
}

Status ReadLogs(ApiClient& client, const std::string& id,
                const std::function<void(const Json&)>& on_line) {
  const std::string path = ApiClient::ApiPath({"executions", id, "logs"});
  int64_t after = 0;
  while (true) {
    FERRY_ASSIGN_OR_RETURN(Json page, client.Get(path, {{"after", std::to_string(after)},
                                                        {"limit", std::to_string(kLogPageSize)}}));
    if (!page.contains("items") || !page["items"].is_array()) {
      return Error{ErrorCode::kUnavailable,
                   "the Ferry server at " + client.server_url() + " sent a log page without items"};
    }
    int64_t last = after;
    for (const Json& item : page["items"]) {
      FERRY_ASSIGN_OR_RETURN(LogLineView line, DecodeLogLine(item));
      last = std::max(last, line.sequence);
      on_line(item);
    }
    const Json next = page.value("next", Json());
    if (page["items"].empty() || !next.is_number_integer()) return Ok();
    // Never loop on a server that does not move forward.
    const int64_t next_after = std::max(next.get<int64_t>(), last);
    if (next_after <= after) return Ok();
    after = next_after;
  }
}

}  // namespace ferry::cli
