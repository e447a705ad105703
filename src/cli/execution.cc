#include "cli/execution.h"

#include "common/json.h"
#include "common/secret_mask.h"
#include "common/time.h"

namespace ferry::cli {
namespace {

Error Malformed(std::string_view what, std::string_view field) {
  return Error{ErrorCode::kUnavailable, "the server sent " + std::string(what) +
                                            " with a missing or malformed \"" + std::string(field) +
                                            "\""};
}

// Optional string: missing or null gives "". Text from the server is masked before display.
Status ReadString(const Json& obj, const char* field, std::string& out, std::string_view what) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return Ok();
  if (!it->is_string()) return Malformed(what, field);
  out = MaskSecrets(it->get<std::string>());
  return Ok();
}

Status ReadInt(const Json& obj, const char* field, std::optional<int64_t>& out,
               std::string_view what) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return Ok();
  if (!it->is_number_integer() && !it->is_number_unsigned()) return Malformed(what, field);
  out = it->get<int64_t>();
  return Ok();
}

Status ReadTime(const Json& obj, const char* field, std::optional<TimePoint>& out,
                std::string_view what) {
  std::string text;
  FERRY_RETURN_IF_ERROR(ReadString(obj, field, text, what));
  if (text.empty()) return Ok();
  out = ParseRfc3339(text);
  if (!out) return Malformed(what, field);
  return Ok();
}

// The error may be a string or {"code", "message"}.
Status ReadError(const Json& obj, std::string& out, std::string_view what) {
  auto it = obj.find("error");
  if (it == obj.end() || it->is_null()) return Ok();
  if (it->is_object()) return ReadString(*it, "message", out, what);
  return ReadString(obj, "error", out, what);
}

std::string AliasText(const Json& alias) {
  if (alias.is_string()) return MaskSecrets(alias.get<std::string>());
  if (!alias.is_object()) return "?";
  std::string text = alias.contains("version") && alias["version"].is_string()
                         ? alias["version"].get<std::string>()
                         : "?";
  if (alias.contains("weights") && alias["weights"].is_object() && !alias["weights"].empty()) {
    std::string weights;
    for (const auto& [version, weight] : alias["weights"].items()) {
      if (!weights.empty()) weights += ", ";
      if (weight.is_number()) {
        weights += version + ": " +
                   std::to_string(static_cast<int>(weight.get<double>() * 100 + 0.5)) + "%";
      } else {
        weights += version;
      }
    }
    text += " (" + weights + ")";
  }
  return text;
}

Status DecodeOutputs(const Json& step, StepView& out) {
  auto it = step.find("outputs");
  if (it == step.end() || it->is_null()) return Ok();
  if (!it->is_object()) {
    out.other_outputs = MaskSecrets(DumpJson(*it));
    return Ok();
  }
  Json rest = Json::object();
  for (const auto& [key, value] : it->items()) {
    // A deploy step's rollback target (every function's state before it): in -o json only.
    if (key == "snapshots" || key == "deploying") continue;
    // A traffic shift's split (lambda.shift): each alias as the shift left it, and the hold.
    if (key == "percent" && value.is_number_integer()) {
      out.traffic = std::to_string(value.get<int64_t>()) + "% on the new version";
      continue;
    }
    if (key == "bakeUntil") {
      if (value.is_string()) out.hold_until = ParseRfc3339(value.get<std::string>());
      continue;
    }
    if (key == "shiftedAt" || key == "reports") continue;  // -o json
    if (key == "aliases" && value.is_array()) {
      for (const Json& a : value) {
        if (!a.is_object() || !a.contains("alias") || !a["alias"].is_object()) continue;
        FunctionOutput f;
        FERRY_RETURN_IF_ERROR(ReadString(a, "functionName", f.function_name, "a step output"));
        const Json& alias = a["alias"];
        if (!alias.contains("name") || !alias["name"].is_string()) continue;
        f.aliases[MaskSecrets(alias["name"].get<std::string>())] = AliasText(alias);
        out.functions.push_back(std::move(f));
      }
      continue;
    }
    if (key != "deployments" || !value.is_array()) {
      rest[key] = value;
      continue;
    }
    for (const Json& d : value) {
      if (!d.is_object()) continue;
      FunctionOutput f;
      FERRY_RETURN_IF_ERROR(ReadString(d, "functionName", f.function_name, "a step output"));
      FERRY_RETURN_IF_ERROR(ReadString(d, "version", f.version, "a step output"));
      FERRY_RETURN_IF_ERROR(ReadString(d, "codeSha256", f.code_sha256, "a step output"));
      // Created: the deploy read the function first (snapshotTaken) and it did not exist.
      auto snapshot = d.find("snapshot");
      f.created = d.value("snapshotTaken", false) == true && snapshot != d.end() &&
                  snapshot->is_object() && snapshot->value("exists", true) == false;
      // "aliases": [{"name", "version", "weights"}] as docs/api.md has them.
      if (auto aliases = d.find("aliases"); aliases != d.end() && aliases->is_array()) {
        for (const Json& alias : *aliases) {
          if (!alias.is_object() || !alias.contains("name") || !alias["name"].is_string()) continue;
          f.aliases[MaskSecrets(alias["name"].get<std::string>())] = AliasText(alias);
        }
      }
      out.functions.push_back(std::move(f));
    }
  }
  if (!rest.empty()) out.other_outputs = MaskSecrets(DumpJson(rest));
  return Ok();
}

// A followed execution's active shift (GET ...?outputs=false): {"percent", "holdUntil"}.
void DecodeTraffic(const Json& step, StepView& out) {
  auto it = step.find("traffic");
  if (it == step.end() || !it->is_object()) return;
  if (auto p = it->find("percent"); p != it->end() && p->is_number_integer()) {
    out.traffic = std::to_string(p->get<int64_t>()) + "% on the new version";
  }
  if (auto h = it->find("holdUntil"); h != it->end() && h->is_string()) {
    out.hold_until = ParseRfc3339(h->get<std::string>());
  }
}

Result<StepView> DecodeStep(const Json& json) {
  constexpr std::string_view kWhat = "a step";
  if (!json.is_object()) return Malformed(kWhat, "steps");
  StepView s;
  std::optional<int64_t> index, attempt;
  FERRY_RETURN_IF_ERROR(ReadInt(json, "index", index, kWhat));
  FERRY_RETURN_IF_ERROR(ReadInt(json, "attempt", attempt, kWhat));
  s.index = index.value_or(0);
  s.attempt = attempt.value_or(0);
  FERRY_RETURN_IF_ERROR(ReadString(json, "name", s.name, kWhat));
  FERRY_RETURN_IF_ERROR(ReadString(json, "kind", s.kind, kWhat));
  FERRY_RETURN_IF_ERROR(ReadString(json, "status", s.status, kWhat));
  FERRY_RETURN_IF_ERROR(ReadString(json, "state", s.state, kWhat));
  FERRY_RETURN_IF_ERROR(ReadError(json, s.error, kWhat));
  FERRY_RETURN_IF_ERROR(ReadTime(json, "startedAt", s.started_at, kWhat));
  FERRY_RETURN_IF_ERROR(ReadTime(json, "endedAt", s.ended_at, kWhat));
  FERRY_RETURN_IF_ERROR(ReadInt(json, "durationMs", s.duration_ms, kWhat));
  FERRY_RETURN_IF_ERROR(DecodeOutputs(json, s));
  DecodeTraffic(json, s);
  return s;
}

}  // namespace

bool IsTerminalStatus(const std::string& status) {
  return status == "succeeded" || status == "failed" || status == "aborted" ||
         status == "rolled_back" || status == "rollback_failed";
}

bool ExecutionView::terminal() const { return IsTerminalStatus(status); }

Result<ExecutionView> DecodeExecution(const Json& json) {
  constexpr std::string_view kWhat = "an execution";
  if (!json.is_object()) return Malformed(kWhat, "execution");
  ExecutionView e;
  FERRY_RETURN_IF_ERROR(ReadString(json, "id", e.id, kWhat));
  FERRY_RETURN_IF_ERROR(ReadString(json, "status", e.status, kWhat));
  if (e.id.empty()) return Malformed(kWhat, "id");
  if (e.status.empty()) return Malformed(kWhat, "status");
  FERRY_RETURN_IF_ERROR(ReadString(json, "application", e.application, kWhat));
  FERRY_RETURN_IF_ERROR(ReadString(json, "service", e.service, kWhat));
  FERRY_RETURN_IF_ERROR(ReadString(json, "environment", e.environment, kWhat));
  FERRY_RETURN_IF_ERROR(ReadString(json, "workflow", e.workflow, kWhat));
  FERRY_RETURN_IF_ERROR(ReadString(json, "pipeline", e.pipeline, kWhat));
  FERRY_RETURN_IF_ERROR(ReadString(json, "trigger", e.trigger, kWhat));
  FERRY_RETURN_IF_ERROR(ReadString(json, "actor", e.actor, kWhat));
  FERRY_RETURN_IF_ERROR(ReadString(json, "artifactId", e.artifact_id, kWhat));
  FERRY_RETURN_IF_ERROR(ReadError(json, e.error, kWhat));
  FERRY_RETURN_IF_ERROR(ReadTime(json, "createdAt", e.created_at, kWhat));
  FERRY_RETURN_IF_ERROR(ReadTime(json, "startedAt", e.started_at, kWhat));
  FERRY_RETURN_IF_ERROR(ReadTime(json, "endedAt", e.ended_at, kWhat));
  FERRY_RETURN_IF_ERROR(ReadInt(json, "durationMs", e.duration_ms, kWhat));
  if (auto it = json.find("steps"); it != json.end() && !it->is_null()) {
    if (!it->is_array()) return Malformed(kWhat, "steps");
    for (const Json& step : *it) {
      FERRY_ASSIGN_OR_RETURN(StepView s, DecodeStep(step));
      e.steps.push_back(std::move(s));
    }
  }
  return e;
}

Result<LogLineView> DecodeLogLine(const Json& json) {
  constexpr std::string_view kWhat = "a log line";
  if (!json.is_object()) return Malformed(kWhat, "line");
  LogLineView l;
  std::optional<int64_t> sequence;
  FERRY_RETURN_IF_ERROR(ReadInt(json, "sequence", sequence, kWhat));
  l.sequence = sequence.value_or(0);
  FERRY_RETURN_IF_ERROR(ReadTime(json, "at", l.at, kWhat));
  if (auto it = json.find("step"); it != json.end() && it->is_number_integer()) {
    l.step = std::to_string(it->get<int64_t>());
  } else {
    FERRY_RETURN_IF_ERROR(ReadString(json, "step", l.step, kWhat));
  }
  FERRY_RETURN_IF_ERROR(ReadString(json, "level", l.level, kWhat));
  FERRY_RETURN_IF_ERROR(ReadString(json, "source", l.source, kWhat));
  if (!json.contains("text") || !json["text"].is_string()) return Malformed(kWhat, "text");
  FERRY_RETURN_IF_ERROR(ReadString(json, "text", l.text, kWhat));
  return l;
}

}  // namespace ferry::cli
