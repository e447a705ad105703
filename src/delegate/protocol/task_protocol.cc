#include "delegate/protocol/task_protocol.h"

#include "common/json.h"
#include "common/strings.h"
#include "common/time.h"

namespace ferry::delegate {
namespace {

constexpr size_t kMaxLogLines = 1000;
constexpr size_t kMaxIdentifierBytes = 256;
constexpr size_t kMaxSelectors = 100;

Result<Json> ParseMessage(std::string_view text) {
  JsonLimits limits;
  limits.max_bytes = kMaxTaskMessageBytes;
  limits.max_depth = 64;
  FERRY_ASSIGN_OR_RETURN(Json json, ParseJson(text, limits));
  if (!json.is_object()) return Error{ErrorCode::kInvalidArgument, "a task message is an object"};
  return json;
}

Json Identity(const TaskAssignment& a) {
  return Json{{"taskId", a.task_id}, {"owner", a.owner}, {"attempt", a.attempt}};
}

Status ReadIdentity(const Json& json, TaskAssignment* a) {
  FERRY_ASSIGN_OR_RETURN(std::string id, RequiredString(json, "taskId"));
  FERRY_ASSIGN_OR_RETURN(std::string owner, RequiredString(json, "owner"));
  FERRY_ASSIGN_OR_RETURN(auto attempt, OptionalInt(json, "attempt"));
  if (id.empty() || id.size() > 128 || owner.empty() || owner.size() > 256 || !attempt ||
      *attempt < 0 || *attempt > 1000) {
    return Error{ErrorCode::kInvalidArgument, "a task message needs taskId, owner and attempt"};
  }
  if (a != nullptr) {
    a->task_id = id;
    a->owner = owner;
    a->attempt = static_cast<int>(*attempt);
  }
  return Ok();
}

std::string_view LevelName(TaskLogLevel level) {
  switch (level) {
    case TaskLogLevel::kInfo:
      return "info";
    case TaskLogLevel::kWarn:
      return "warn";
    case TaskLogLevel::kError:
      return "error";
  }
  return "info";
}

bool IsPlainName(std::string_view text) {
  if (text.empty() || text.size() > kMaxIdentifierBytes) return false;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

Result<Duration> MillisField(const Json& json, std::string_view field, Duration min, Duration max,
                             std::optional<Duration> fallback) {
  FERRY_ASSIGN_OR_RETURN(auto ms, OptionalInt(json, std::string(field)));
  if (!ms) {
    if (fallback) return *fallback;
    return Error{ErrorCode::kInvalidArgument, "a " + std::string(field) + " is required"};
  }
  Duration d = std::chrono::milliseconds(*ms);
  if (*ms < 0 || d < min || d > max) {
    return Error{ErrorCode::kInvalidArgument, std::string(field) + " must be between " +
                                                  std::to_string(min.count()) + " and " +
                                                  std::to_string(max.count()) + " milliseconds"};
  }
  return d;
}

}  // namespace

std::string EncodeClaimRequest(const ClaimRequest& r) {
  Json json = {{"name", r.name},
               {"delegateId", r.delegate_id},
               {"selectors", r.selectors},
               {"version", r.version},
               {"leaseMs", std::chrono::duration_cast<std::chrono::milliseconds>(r.lease).count()},
               {"waitMs", std::chrono::duration_cast<std::chrono::milliseconds>(r.wait).count()}};
  return DumpJson(json);
}

Result<ClaimRequest> DecodeClaimRequest(std::string_view text) {
  FERRY_ASSIGN_OR_RETURN(Json json, ParseMessage(text));
  for (const auto& [key, value] : json.items()) {
    if (key != "name" && key != "delegateId" && key != "selectors" && key != "version" &&
        key != "leaseMs" && key != "waitMs") {
      return Error{ErrorCode::kInvalidArgument,
                   "unknown field " + QuoteForMessage(key, 40) + " in a claim request"};
    }
  }
  ClaimRequest r;
  FERRY_ASSIGN_OR_RETURN(r.name, RequiredString(json, "name"));
  FERRY_ASSIGN_OR_RETURN(r.delegate_id, RequiredString(json, "delegateId"));
  if (!IsPlainName(r.name) || !IsPlainName(r.delegate_id)) {
    return Error{ErrorCode::kInvalidArgument,
                 "a claim request's name and delegateId are 1 to 256 bytes without control "
                 "characters"};
  }
  FERRY_ASSIGN_OR_RETURN(auto version, OptionalString(json, "version"));
  r.version = version.value_or("");
  if (r.version.size() > kMaxIdentifierBytes) {
    return Error{ErrorCode::kInvalidArgument, "a claim request's version is at most 256 bytes"};
  }
  if (auto it = json.find("selectors"); it != json.end()) {
    if (!it->is_array() || it->size() > kMaxSelectors) {
      return Error{ErrorCode::kInvalidArgument, "selectors must be an array of at most 100 names"};
    }
    for (const auto& selector : *it) {
      if (!selector.is_string() || !IsPlainName(selector.get_ref<const std::string&>())) {
        return Error{ErrorCode::kInvalidArgument,
                     "each selector is a string of 1 to 256 bytes without control characters"};
      }
      r.selectors.push_back(selector.get<std::string>());
    }
  }
  FERRY_ASSIGN_OR_RETURN(r.lease, MillisField(json, "leaseMs", std::chrono::seconds(1),
                                              std::chrono::hours(1), std::nullopt));
  FERRY_ASSIGN_OR_RETURN(r.wait, MillisField(json, "waitMs", Duration::zero(),
                                             std::chrono::seconds(60), Duration::zero()));
  return r;
}

std::string EncodeHeartbeat(const TaskAssignment& a, Duration extension) {
  Json json = Identity(a);
  json["extensionMs"] = std::chrono::duration_cast<std::chrono::milliseconds>(extension).count();
  return DumpJson(json);
}

Result<Duration> DecodeHeartbeat(std::string_view text, TaskAssignment* a) {
  FERRY_ASSIGN_OR_RETURN(Json json, ParseMessage(text));
  FERRY_RETURN_IF_ERROR(ReadIdentity(json, a));
  return MillisField(json, "extensionMs", std::chrono::seconds(1), std::chrono::hours(1),
                     std::nullopt);
}

std::string EncodeAssignment(const TaskAssignment& a) {
  Json json = Identity(a);
  json["kind"] = a.kind;
  auto payload = ParseJson(a.payload_json);
  json["payload"] = payload.ok() ? *payload : Json::object();
  if (a.execution_id) json["executionId"] = *a.execution_id;
  if (a.step_index) json["stepIndex"] = *a.step_index;
  return DumpJson(json);
}

Result<TaskAssignment> DecodeAssignment(std::string_view text) {
  FERRY_ASSIGN_OR_RETURN(Json json, ParseMessage(text));
  TaskAssignment a;
  FERRY_RETURN_IF_ERROR(ReadIdentity(json, &a));
  FERRY_ASSIGN_OR_RETURN(a.kind, RequiredString(json, "kind"));
  auto payload = json.find("payload");
  if (payload == json.end() || !payload->is_object()) {
    return Error{ErrorCode::kInvalidArgument, "an assignment's payload is an object"};
  }
  a.payload_json = DumpJson(*payload);
  FERRY_ASSIGN_OR_RETURN(a.execution_id, OptionalString(json, "executionId"));
  FERRY_ASSIGN_OR_RETURN(auto step, OptionalInt(json, "stepIndex"));
  if (step) {
    if (*step < 0 || *step > 10000) return Error{ErrorCode::kInvalidArgument, "bad stepIndex"};
    a.step_index = static_cast<int>(*step);
  }
  return a;
}

std::string EncodeResult(const TaskAssignment& a, const TaskResult& r) {
  Json json = Identity(a);
  json["succeeded"] = r.succeeded;
  auto result = ParseJson(r.result_json);
  json["result"] = result.ok() ? *result : Json::object();
  if (!r.error.empty()) json["error"] = r.error;
  return DumpJson(json);
}

Result<TaskResult> DecodeResult(std::string_view text, TaskAssignment* a) {
  FERRY_ASSIGN_OR_RETURN(Json json, ParseMessage(text));
  FERRY_RETURN_IF_ERROR(ReadIdentity(json, a));
  TaskResult r;
  FERRY_ASSIGN_OR_RETURN(auto succeeded, OptionalBool(json, "succeeded"));
  if (!succeeded) return Error{ErrorCode::kInvalidArgument, "a result needs succeeded"};
  r.succeeded = *succeeded;
  if (auto it = json.find("result"); it != json.end()) r.result_json = DumpJson(*it);
  FERRY_ASSIGN_OR_RETURN(auto error, OptionalString(json, "error"));
  r.error = error.value_or("");
  if (!r.succeeded && r.error.empty()) r.error = "the task failed without a message";
  return r;
}

std::string EncodeLogLines(const TaskAssignment& a, const std::vector<TaskLogLine>& lines) {
  Json json = Identity(a);
  Json out = Json::array();
  for (const auto& l : lines) {
    Json line = {{"level", LevelName(l.level)}, {"text", l.text}};
    if (l.at) line["at"] = FormatRfc3339(*l.at);
    out.push_back(std::move(line));
  }
  json["lines"] = out;
  return DumpJson(json);
}

Result<std::vector<TaskLogLine>> DecodeLogLines(std::string_view text, TaskAssignment* a) {
  FERRY_ASSIGN_OR_RETURN(Json json, ParseMessage(text));
  FERRY_RETURN_IF_ERROR(ReadIdentity(json, a));
  auto it = json.find("lines");
  if (it == json.end() || !it->is_array() || it->size() > kMaxLogLines) {
    return Error{ErrorCode::kInvalidArgument, "lines must be an array of at most 1000"};
  }
  std::vector<TaskLogLine> lines;
  for (const auto& l : *it) {
    if (!l.is_object()) return Error{ErrorCode::kInvalidArgument, "a log line is an object"};
    FERRY_ASSIGN_OR_RETURN(std::string level, RequiredString(l, "level"));
    FERRY_ASSIGN_OR_RETURN(std::string line, RequiredString(l, "text"));
    TaskLogLine out;
    if (level == "info") {
      out.level = TaskLogLevel::kInfo;
    } else if (level == "warn") {
      out.level = TaskLogLevel::kWarn;
    } else if (level == "error") {
      out.level = TaskLogLevel::kError;
    } else {
      return Error{ErrorCode::kInvalidArgument, "unknown log level"};
    }
    out.text = std::move(line);
    FERRY_ASSIGN_OR_RETURN(auto at, OptionalString(l, "at"));
    if (at) {
      out.at = ParseRfc3339(*at);
      if (!out.at) return Error{ErrorCode::kInvalidArgument, "a log line's at is not an RFC 3339 time"};
    }
    lines.push_back(std::move(out));
  }
  return lines;
}

}  // namespace ferry::delegate
