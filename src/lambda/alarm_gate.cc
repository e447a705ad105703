#include "lambda/alarm_gate.h"

#include <algorithm>

#include "common/strings.h"
#include "lambda/codec_internal.h"
#include "lambda/target_codec.h"

namespace ferry::lambda {
namespace {

constexpr size_t kMaxAlarmName = 255;  // CloudWatch's limit
constexpr size_t kMaxAlarms = 100;     // names and prefixes of one gate
constexpr size_t kMaxSeen = 200;

using codec::ArrayAt;
using codec::DecodeObject;
using codec::Fail;
using codec::Read;

}  // namespace

namespace codec {

Json AlarmStateJson(const AlarmState& a) {
  return Json{{"name", a.name},
              {"state", a.state},
              {"reason", a.reason},
              {"updated", codec::TimeJson(a.updated)}};
}

AlarmState AlarmStateFrom(const Json& j) {
  if (!j.is_object()) Fail("an alarm must be an object");
  AlarmState a;
  a.name = j.at("name").get<std::string>();
  Read(j, "state", a.state);
  Read(j, "reason", a.reason);
  a.updated = codec::TimeFrom(j, "updated");
  return a;
}

Json AlarmSelectorJson(const AlarmSelector& s) {
  return Json{{"names", s.names}, {"prefixes", s.prefixes}};
}

AlarmSelector AlarmSelectorFrom(const Json& j) {
  AlarmSelector s;
  Read(j, "names", s.names);
  Read(j, "prefixes", s.prefixes);
  if (s.names.size() + s.prefixes.size() > kMaxAlarms) Fail("a gate names at most 100 alarms");
  for (const auto* list : {&s.names, &s.prefixes}) {
    for (const auto& n : *list) {
      if (n.empty() || n.size() > kMaxAlarmName) Fail("an alarm name must be 1 to 255 characters");
    }
  }
  return s;
}

}  // namespace codec

Result<AlarmSelector> ParseAlarmSelector(const std::vector<std::string>& entries) {
  AlarmSelector out;
  if (entries.size() > kMaxAlarms) {
    return Error{ErrorCode::kInvalidArgument, "at most 100 alarms"};
  }
  for (const auto& e : entries) {
    const bool prefix = !e.empty() && e.back() == '*';
    const std::string name = prefix ? e.substr(0, e.size() - 1) : e;
    if (name.empty()) {
      return Error{ErrorCode::kInvalidArgument,
                   "an alarm is a name, or a prefix followed by * (\"orders-*\")"};
    }
    if (name.size() > kMaxAlarmName) {
      return Error{ErrorCode::kInvalidArgument,
                   "alarm names have at most 255 characters: " + QuoteForMessage(e, 40)};
    }
    for (char c : name) {
      if (c == '*' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return Error{ErrorCode::kInvalidArgument,
                     "alarm " + QuoteForMessage(e, 40) +
                         ": a '*' may only end a prefix, and control characters are not allowed"};
      }
    }
    auto& list = prefix ? out.prefixes : out.names;
    if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
  }
  return out;
}

AlarmSelector MergeAlarms(const AlarmSelector& a, const AlarmSelector& b) {
  AlarmSelector out = a;
  for (const auto& n : b.names) {
    if (std::find(out.names.begin(), out.names.end(), n) == out.names.end()) out.names.push_back(n);
  }
  for (const auto& p : b.prefixes) {
    if (std::find(out.prefixes.begin(), out.prefixes.end(), p) == out.prefixes.end()) {
      out.prefixes.push_back(p);
    }
  }
  return out;
}

std::string DescribeAlarms(const AlarmSelector& alarms) {
  std::string out;
  for (const auto& n : alarms.names) out += (out.empty() ? "" : ", ") + n;
  for (const auto& p : alarms.prefixes) out += (out.empty() ? "" : ", ") + p + "*";
  return out;
}

AlarmVerdict JudgeAlarms(const AlarmSelector& selector, const std::vector<AlarmState>& read) {
  AlarmVerdict v;
  for (const auto& n : selector.names) {
    if (std::none_of(read.begin(), read.end(), [&](const AlarmState& a) { return a.name == n; })) {
      v.missing.push_back(n);
    }
  }
  for (const auto& p : selector.prefixes) {
    if (std::none_of(read.begin(), read.end(),
                     [&](const AlarmState& a) { return a.name.rfind(p, 0) == 0; })) {
      v.missing.push_back(p + "*");
    }
  }
  std::vector<const AlarmState*> alarming;
  for (const auto& a : read) {
    if (a.state == "ALARM") alarming.push_back(&a);
  }
  if (!alarming.empty()) {
    auto first = std::min_element(alarming.begin(), alarming.end(),
                                  [](const AlarmState* x, const AlarmState* y) { return x->name < y->name; });
    v.fired = **first;
  }
  return v;
}

std::string EncodeAlarmGateTask(const AlarmGateTask& t) {
  return DumpJson(Json{{"target", TargetToJson(t.target)},
                       {"alarms", codec::AlarmSelectorJson(t.alarms)},
                       {"until", codec::TimeJson(t.until)},
                       {"pollMillis", t.poll.count()}});
}

Result<AlarmGateTask> DecodeAlarmGateTask(std::string_view json) {
  return DecodeObject("cloudwatch.alarm-gate payload", json, [](const Json& j) {
    AlarmGateTask t;
    t.target = codec::TargetAt(j, "the task");
    t.alarms = codec::AlarmSelectorFrom(codec::ObjectAt(j, "alarms"));
    if (t.alarms.empty()) Fail("the gate names no alarm");
    t.until = codec::TimeFrom(j, "until");
    int64_t poll = kAlarmPoll.count();
    Read(j, "pollMillis", poll);
    if (poll < 100 || poll > 300000) Fail("pollMillis must be between 100 and 300000");
    t.poll = Duration{poll};
    return t;
  });
}

std::string EncodeAlarmGateResult(const AlarmGateResult& r) {
  Json alarms = Json::array();
  for (const auto& a : r.alarms) alarms.push_back(codec::AlarmStateJson(a));
  Json seen = Json::array();
  for (const auto& o : r.seen) {
    Json item = codec::AlarmStateJson(o.alarm);
    item["at"] = FormatRfc3339(o.at);
    seen.push_back(std::move(item));
  }
  return DumpJson(Json{{"alarms", alarms},
                       {"missing", r.missing},
                       {"fired", r.fired ? codec::AlarmStateJson(*r.fired) : Json(nullptr)},
                       {"firedSeenAt", codec::TimeJson(r.fired_seen_at)},
                       {"seen", seen},
                       {"checks", r.checks}});
}

Result<AlarmGateResult> DecodeAlarmGateResult(std::string_view json) {
  return DecodeObject("cloudwatch.alarm-gate result", json, [](const Json& j) {
    AlarmGateResult r;
    for (const auto& a : ArrayAt(j, "alarms")) r.alarms.push_back(codec::AlarmStateFrom(a));
    Read(j, "missing", r.missing);
    if (auto it = j.find("fired"); it != j.end() && !it->is_null()) r.fired = codec::AlarmStateFrom(*it);
    r.fired_seen_at = codec::TimeFrom(j, "firedSeenAt");
    for (const auto& o : ArrayAt(j, "seen")) {
      auto at = codec::TimeFrom(o, "at");
      if (!at) Fail("an observation needs its time");
      r.seen.push_back(AlarmObservation{*at, codec::AlarmStateFrom(o)});
      if (r.seen.size() > kMaxSeen) Fail("too many observations");
    }
    codec::ReadInt(j, "checks", r.checks);
    return r;
  });
}

}  // namespace ferry::lambda
