// The codecs of invoke.h. Each member is named here and nowhere else.
#include <cctype>

#include "common/json.h"
#include "common/strings.h"
#include "lambda/codec_internal.h"
#include "lambda/invoke.h"
#include "lambda/state_codec.h"
#include "lambda/target_codec.h"

namespace ferry::lambda {
namespace {

using codec::ArrayAt;
using codec::DecodeObject;
using codec::Fail;
using codec::Read;
using codec::ReadInt;

// A string member of at most `max` bytes of valid UTF-8 (required when `required`).
std::string StringAt(const Json& j, const char* key, size_t max, bool required = false) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) Fail(std::string(key) + " is required");
    return "";
  }
  if (!it->is_string()) Fail(std::string(key) + " must be a string");
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max) Fail(std::string(key) + " is longer than " + std::to_string(max) + " bytes");
  if (!IsValidUtf8(s)) Fail(std::string(key) + " is not UTF-8");
  if (required && s.empty()) Fail(std::string(key) + " must not be empty");
  return s;
}

// A function name, ARN or NAME:QUALIFIER: letters, digits and - _ : . $ (at most 256).
std::string FunctionNameAt(const Json& j, const char* key) {
  std::string s = StringAt(j, key, 256, true);
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' ||
          c == '.' || c == '$')) {
      Fail(std::string(key) + " is not a function name");
    }
  }
  return s;
}

std::string QualifierAt(const Json& j) {
  std::string s = StringAt(j, "qualifier", 128);
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '$')) {
      Fail("qualifier is not a version or an alias name");
    }
  }
  return s;
}

Duration MillisAt(const Json& j, const char* key, Duration max) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Duration{0};
  if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > max.count()) {
    Fail(std::string(key) + " must be an integer from 0 to " + std::to_string(max.count()));
  }
  return Duration{it->get<int64_t>()};
}

std::vector<std::string> SelectorsAt(const Json& j) {
  std::vector<std::string> out;
  for (const auto& s : ArrayAt(j, "selectors")) {
    if (!s.is_string() || s.get_ref<const std::string&>().size() > 256) {
      Fail("selectors must be strings");
    }
    out.push_back(s.get<std::string>());
  }
  return out;
}

std::string PayloadAt(const Json& j) {
  std::string payload = StringAt(j, "payload", kMaxInvokePayloadBytes);
  if (payload.empty()) return "{}";
  JsonLimits limits;
  limits.max_bytes = kMaxInvokePayloadBytes;
  if (!ParseJson(payload, limits).ok()) Fail("payload is not JSON");
  return payload;
}

int TimesAt(const Json& j) {
  int times = 1;
  ReadInt(j, "times", times, 1);
  if (times > kMaxInvokeTimes) Fail("times must be from 1 to " + std::to_string(kMaxInvokeTimes));
  return times;
}

Json ExpectJson(const InvokeExpectations& e) {
  Json json = Json::array();
  for (const auto& x : e.json) json.push_back({{"path", x.path}, {"value", x.value}});
  Json out{{"status", e.status}, {"json", json}};
  if (!e.regex.empty()) out["regex"] = e.regex;
  if (e.max_latency) out["maxLatencyMillis"] = e.max_latency->count();
  if (e.hook_answer) out["hookAnswer"] = true;
  return out;
}

InvokeExpectations ExpectFrom(const Json& j) {
  InvokeExpectations e;
  auto it = j.find("expect");
  if (it == j.end() || it->is_null()) return e;
  if (!it->is_object()) Fail("expect must be an object");
  const Json& x = *it;
  ReadInt(x, "status", e.status, 100);
  const Json& json = ArrayAt(x, "json");
  if (json.size() > kMaxJsonExpectations) Fail("expect.json has too many members");
  for (const auto& item : json) {
    if (!item.is_object()) Fail("expect.json members must be objects");
    JsonEquality eq;
    eq.path = StringAt(item, "path", kMaxJsonPathBytes, true);
    eq.value = StringAt(item, "value", kMaxExpectedValueBytes * 2, true);
    e.json.push_back(std::move(eq));
  }
  e.regex = StringAt(x, "regex", kMaxRegexBytes);
  if (auto m = x.find("maxLatencyMillis"); m != x.end() && !m->is_null()) {
    e.max_latency = MillisAt(x, "maxLatencyMillis", kMaxInvokeTimeout);
  }
  Read(x, "hookAnswer", e.hook_answer);
  auto valid = ValidateExpectations(e);
  if (!valid.ok()) Fail("expect: " + valid.error().message);
  return e;
}

Json InvocationJson(const Invocation& i) {
  Json out{{"functionName", i.function_name},
           {"qualifier", i.qualifier},
           {"status", i.status},
           {"latencyMillis", i.latency.count()},
           {"response", i.response},
           {"failures", i.failures}};
  if (i.error) out["error"] = codec::ErrorJson(*i.error);
  if (!i.function_error.empty()) out["functionError"] = i.function_error;
  if (!i.executed_version.empty()) out["executedVersion"] = i.executed_version;
  if (i.response_truncated) out["responseTruncated"] = true;
  if (!i.request_id.empty()) out["requestId"] = i.request_id;
  return out;
}

Invocation InvocationFrom(const Json& j) {
  if (!j.is_object()) Fail("an invocation must be an object");
  Invocation i;
  i.function_name = FunctionNameAt(j, "functionName");
  i.qualifier = QualifierAt(j);
  if (auto it = j.find("error"); it != j.end() && !it->is_null()) i.error = codec::ErrorFrom(*it);
  ReadInt(j, "status", i.status);
  i.function_error = StringAt(j, "functionError", 256);
  i.executed_version = StringAt(j, "executedVersion", 128);
  i.latency = MillisAt(j, "latencyMillis", std::chrono::hours(24));
  i.response = StringAt(j, "response", kKeptResponseBytes + 8);
  Read(j, "responseTruncated", i.response_truncated);
  const Json& failures = ArrayAt(j, "failures");
  if (failures.size() > 64) Fail("failures has too many members");
  for (const auto& f : failures) {
    if (!f.is_string() || f.get_ref<const std::string&>().size() > 4096) {
      Fail("failures must be strings");
    }
    i.failures.push_back(f.get<std::string>());
  }
  i.request_id = StringAt(j, "requestId", 256);
  return i;
}

Json ResultJson(const InvokeResult& r) {
  Json items = Json::array();
  for (const auto& i : r.invocations) items.push_back(InvocationJson(i));
  return Json{{"invocations", items}};
}

InvokeResult ResultFrom(const Json& j) {
  InvokeResult r;
  const Json& items = ArrayAt(j, "invocations");
  if (items.size() > kMaxInvokeTargets * kMaxInvokeTimes) Fail("invocations has too many members");
  for (const auto& item : items) r.invocations.push_back(InvocationFrom(item));
  return r;
}

std::string_view TargetKindName(InvokeTargetKind k) {
  return k == InvokeTargetKind::kAlias ? "alias" : "version";
}

HookPoint HookPointAt(const Json& j) {
  const std::string point = StringAt(j, "hook", 32, true);
  if (point == "preTraffic") return HookPoint::kPreTraffic;
  if (point == "postTraffic") return HookPoint::kPostTraffic;
  Fail("hook must be preTraffic or postTraffic");
}

Json ContextJson(const HookContext& c) {
  Json functions = Json::array();
  for (const auto& f : c.functions) {
    functions.push_back({{"functionName", f.function_name},
                         {"alias", f.alias},
                         {"oldVersion", f.old_version},
                         {"newVersion", f.new_version}});
  }
  return Json{{"executionId", c.execution_id}, {"application", c.application},
              {"service", c.service},          {"environment", c.environment},
              {"hook", HookPointName(c.point)}, {"functions", functions}};
}

HookContext ContextFrom(const Json& j) {
  HookContext c;
  c.execution_id = StringAt(j, "executionId", 128, true);
  c.application = StringAt(j, "application", 256);
  c.service = StringAt(j, "service", 256);
  c.environment = StringAt(j, "environment", 256);
  c.point = HookPointAt(j);
  const Json& functions = ArrayAt(j, "functions");
  if (functions.size() > 1000) Fail("functions has too many members");
  for (const auto& f : functions) {
    if (!f.is_object()) Fail("functions must be objects");
    HookFunction h;
    h.function_name = FunctionNameAt(f, "functionName");
    h.alias = StringAt(f, "alias", 128);
    h.old_version = StringAt(f, "oldVersion", 128);
    h.new_version = StringAt(f, "newVersion", 128);
    c.functions.push_back(std::move(h));
  }
  return c;
}

}  // namespace

std::string EncodeInvokeTask(const InvokeTask& t) {
  Json targets = Json::array();
  for (const auto& x : t.targets) {
    targets.push_back({{"functionName", x.function_name}, {"qualifier", x.qualifier}});
  }
  Json out{{"target", TargetToJson(t.target)},
           {"targets", targets},
           {"payload", t.payload},
           {"times", t.times},
           {"expect", ExpectJson(t.expect)}};
  if (t.timeout > Duration{0}) out["timeoutMillis"] = t.timeout.count();
  return DumpJson(out);
}

Result<InvokeTask> DecodeInvokeTask(std::string_view json) {
  return DecodeObject("lambda.invoke payload", json, [](const Json& j) {
    InvokeTask t;
    t.target = codec::TargetAt(j, "the payload");
    const Json& targets = ArrayAt(j, "targets");
    if (targets.empty() || targets.size() > kMaxInvokeTargets) {
      Fail("targets must hold 1 to " + std::to_string(kMaxInvokeTargets) + " functions");
    }
    for (const auto& x : targets) {
      if (!x.is_object()) Fail("targets must be objects");
      t.targets.push_back(InvokeTarget{FunctionNameAt(x, "functionName"), QualifierAt(x)});
    }
    t.payload = PayloadAt(j);
    t.times = TimesAt(j);
    t.timeout = MillisAt(j, "timeoutMillis", kMaxInvokeTimeout);
    t.expect = ExpectFrom(j);
    return t;
  });
}

std::string EncodeInvokeResult(const InvokeResult& r) { return DumpJson(ResultJson(r)); }

Result<InvokeResult> DecodeInvokeResult(std::string_view json) {
  return DecodeObject("lambda.invoke result", json, [](const Json& j) { return ResultFrom(j); });
}

std::string EncodeInvokeTestStepInputs(const InvokeTestStepInputs& in) {
  return DumpJson(Json{{"target", TargetToJson(in.target)},
                       {"selectors", in.selectors},
                       {"deployStep", in.deploy_step},
                       {"functionNames", in.function_names},
                       {"invoke", TargetKindName(in.invoke)},
                       {"payload", in.payload},
                       {"times", in.times},
                       {"expect", ExpectJson(in.expect)}});
}

Result<InvokeTestStepInputs> DecodeInvokeTestStepInputs(std::string_view json) {
  return DecodeObject("lambda.invoke-test step inputs", json, [](const Json& j) {
    InvokeTestStepInputs in;
    in.target = codec::TargetAt(j, "the payload");
    in.selectors = SelectorsAt(j);
    in.deploy_step = StringAt(j, "deployStep", 256, true);
    const Json& names = ArrayAt(j, "functionNames");
    if (names.size() > kMaxInvokeTargets) Fail("functionNames has too many members");
    for (const auto& n : names) {
      in.function_names.push_back(FunctionNameAt(Json{{"functionNames", n}}, "functionNames"));
    }
    const std::string kind = StringAt(j, "invoke", 16);
    if (kind == "alias") {
      in.invoke = InvokeTargetKind::kAlias;
    } else if (kind.empty() || kind == "version") {
      in.invoke = InvokeTargetKind::kVersion;
    } else {
      Fail("invoke must be version or alias");
    }
    in.payload = PayloadAt(j);
    in.times = TimesAt(j);
    in.expect = ExpectFrom(j);
    if (in.expect.hook_answer) Fail("expect.hookAnswer is for hooks");
    return in;
  });
}

std::string EncodeHookStepInputs(const HookStepInputs& in) {
  return DumpJson(Json{{"target", TargetToJson(in.target)},
                       {"selectors", in.selectors},
                       {"deployStep", in.deploy_step},
                       {"hook", HookPointName(in.point)},
                       {"functionName", in.function_name},
                       {"timeoutMillis", in.timeout.count()}});
}

Result<HookStepInputs> DecodeHookStepInputs(std::string_view json) {
  return DecodeObject("lambda.hook step inputs", json, [](const Json& j) {
    HookStepInputs in;
    in.target = codec::TargetAt(j, "the payload");
    in.selectors = SelectorsAt(j);
    in.deploy_step = StringAt(j, "deployStep", 256, true);
    in.point = HookPointAt(j);
    in.function_name = FunctionNameAt(j, "functionName");
    in.timeout = MillisAt(j, "timeoutMillis", kMaxInvokeTimeout);
    if (in.timeout <= Duration{0}) in.timeout = kDefaultHookTimeout;
    return in;
  });
}

std::string EncodeHookContext(const HookContext& c) { return DumpJson(ContextJson(c)); }

Result<HookContext> DecodeHookContext(std::string_view json) {
  return DecodeObject("hook context", json, [](const Json& j) { return ContextFrom(j); });
}

std::string EncodeHookStepOutputs(const HookStepOutputs& out) {
  Json j = ResultJson(out.result);
  j["context"] = ContextJson(out.context);
  return DumpJson(j);
}

Result<HookStepOutputs> DecodeHookStepOutputs(std::string_view json) {
  return DecodeObject("lambda.hook step outputs", json, [](const Json& j) {
    HookStepOutputs out;
    out.context = ContextFrom(codec::ObjectAt(j, "context"));
    out.result = ResultFrom(j);
    return out;
  });
}

}  // namespace ferry::lambda
