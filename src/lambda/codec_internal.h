// Helpers shared by the Lambda codecs (state_codec.cc, task_codec.cc, step_codec.cc,
// record_codec.cc). Not part of the module's interface.
//
// Decoders read members with these helpers inside Decode(), which turns nlohmann's exceptions
// (a wrong type, a missing required member, the errors below) into kInvalidArgument naming
// what was being decoded; they never echo a value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/time.h"
#include "common/result.h"
#include "lambda/alarm_gate.h"
#include "lambda/target_codec.h"
#include "lambda/tasks.h"

namespace ferry::lambda::codec {

// Reads member `key` of `obj` into `out` when present and not null.
template <typename T>
void Read(const Json& obj, const char* key, T& out) {
  auto it = obj.find(key);
  if (it != obj.end() && !it->is_null()) out = it->template get<T>();
}

// Integers must be JSON integers in [min, 2^31): 1e300 or 12.5 is an error, not a truncation.
inline void ReadInt(const Json& obj, const char* key, int& out, int64_t min = 0) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return;
  if (!it->is_number_integer() || it->get<int64_t>() < min || it->get<int64_t>() > INT32_MAX) {
    throw Json::type_error::create(302, std::string(key) + " must be an integer", nullptr);
  }
  out = static_cast<int>(it->get<int64_t>());
}

// The array member `key`, or an empty array when absent; anything else is an error.
inline const Json& ArrayAt(const Json& obj, const char* key) {
  static const Json kEmpty = Json::array();
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return kEmpty;
  if (!it->is_array()) {
    throw Json::type_error::create(302, std::string(key) + " must be an array", nullptr);
  }
  return *it;
}

// The object member `key` (required).
inline const Json& ObjectAt(const Json& obj, const char* key) {
  const Json& value = obj.at(key);
  if (!value.is_object()) {
    throw Json::type_error::create(302, std::string(key) + " must be an object", nullptr);
  }
  return value;
}

[[noreturn]] inline void Fail(const std::string& what) {
  throw Json::other_error::create(501, what, nullptr);
}

// Runs decode(), turning a decoding exception into kInvalidArgument "malformed <what>: ...".
template <typename F>
auto Guard(const char* what, F&& decode) -> Result<decltype(decode())> {
  try {
    return decode();
  } catch (const Json::exception& e) {
    return Error{ErrorCode::kInvalidArgument, std::string("malformed ") + what + ": " + e.what()};
  }
}

// Parses `text` as a JSON object and decodes it with decode(const Json&).
template <typename F>
auto DecodeObject(const char* what, std::string_view text, F&& decode)
    -> Result<decltype(decode(std::declval<const Json&>()))> {
  auto parsed = ParseJson(text);
  if (!parsed.ok()) return parsed.error().WithContext(what);
  if (!parsed->is_object()) {
    return Error{ErrorCode::kInvalidArgument, std::string(what) + " is not a JSON object"};
  }
  const Json& json = *parsed;
  return Guard(what, [&] { return decode(json); });
}

// An optional time as RFC 3339 text or null, and back (kInvalidArgument-style failure).
inline Json TimeJson(const std::optional<TimePoint>& t) {
  return t ? Json(FormatRfc3339(*t)) : Json(nullptr);
}
inline std::optional<TimePoint> TimeFrom(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  auto t = ParseRfc3339(it->get<std::string>());
  if (!t) Fail(std::string(key) + " is not an RFC 3339 time");
  return t;
}

// The "target" member of a task payload or step inputs (`what`: "the task", "the step"), strictly
// (target_codec.h); a decoding error keeps its own message.
inline LambdaTarget TargetAt(const Json& j, const char* what) {
  auto it = j.find("target");
  if (it == j.end() || !it->is_object()) Fail(std::string(what) + " has no target");
  auto target = TargetFromJson(*it);
  if (!target.ok()) Fail(target.error().message);
  return std::move(target).value();
}

// Json forms shared by the task and step codecs (defined in task_codec.cc).
Json SnapshotJson(const Snapshot& snapshot);
Snapshot SnapshotFrom(const Json& json);
Json RollbackTaskJson(const RollbackTask& task);
RollbackTask RollbackTaskFrom(const Json& json);
Json RollbackReportJson(const RollbackReport& report);
RollbackReport RollbackReportFrom(const Json& json);
Json RoutingJson(const AliasRouting& routing);
AliasRouting RoutingFrom(const Json& json);
Json ShiftReportJson(const ShiftReport& report);
ShiftReport ShiftReportFrom(const Json& json);
// A function's known state and what it recorded (record_codec.cc; records.h). The configuration
// (environment values redacted) and tags are written only `with_configuration`.
Json KnownFunctionJson(const ObservedFunction& function, bool with_configuration);
RecordedFunction RecordedFrom(const Json& json);
// alarm_gate.cc
Json AlarmStateJson(const AlarmState& state);
AlarmState AlarmStateFrom(const Json& json);
Json AlarmSelectorJson(const AlarmSelector& selector);
AlarmSelector AlarmSelectorFrom(const Json& json);

}  // namespace ferry::lambda::codec
