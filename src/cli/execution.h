// The CLI's view of the API's Execution and LogLine (docs/api.md), decoded leniently: optional
// fields may be missing or null, unknown fields are ignored. Only what the CLI cannot work without
// (an execution's id and status, a log line's text) is required; a reply lacking it, or with a
// field of the wrong type, is kUnavailable naming the field (the server is not speaking the API).
// Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/json_fwd.h"
#include "common/result.h"

namespace ferry::cli {

// What a lambda.deploy step recorded for one function.
struct FunctionOutput {
  std::string function_name;
  std::string version;
  std::string code_sha256;
  bool created = false;
  std::map<std::string, std::string> aliases;  // alias -> "7" or "7 (8: 10%)"
};

struct StepView {
  int64_t index = 0;
  std::string name;
  std::string kind;
  std::string status;
  std::string state;
  int64_t attempt = 0;
  std::string error;
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> ended_at;
  std::optional<int64_t> duration_ms;
  std::vector<FunctionOutput> functions;
  std::string traffic;                  // a traffic shift's share: "10% on the new version"
  std::optional<TimePoint> hold_until;  // a traffic shift's bake end
  std::string other_outputs;  // compact JSON of outputs other than "deployments"; "" when none
};

struct ExecutionView {
  std::string id;
  std::string application;
  std::string service;
  std::string environment;
  std::string workflow;
  std::string pipeline;  // a pipeline run's pipeline, or the pipeline a stage's execution is of
  std::string trigger;
  std::string actor;
  std::string artifact_id;
  std::string status;
  std::string error;
  std::optional<TimePoint> created_at;
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> ended_at;
  std::optional<int64_t> duration_ms;
  std::vector<StepView> steps;

  // succeeded, failed, aborted, rolled_back, rollback_failed.
  bool terminal() const;
};

struct LogLineView {
  int64_t sequence = 0;
  std::optional<TimePoint> at;
  std::string step;
  std::string level;
  std::string source;
  std::string text;
};

bool IsTerminalStatus(const std::string& status);
Result<ExecutionView> DecodeExecution(const Json& json);
Result<LogLineView> DecodeLogLine(const Json& json);

}  // namespace ferry::cli
