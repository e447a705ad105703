#include "api/json_views.h"

#include "common/secret_mask.h"
#include "common/time.h"
#include "engine/steps/lambda_steps.h"
#include "engine/steps/pipeline_steps.h"
#include "lambda/steps.h"
#include "model/enums.h"

namespace ferry::api {
namespace {

void MaskStrings(Json& value) {
  if (value.is_string()) {
    value = MaskSecrets(value.get_ref<const std::string&>());
  } else if (value.is_array()) {
    for (Json& item : value) MaskStrings(item);
  } else if (value.is_object()) {
    for (auto& [key, item] : value.items()) MaskStrings(item);
  }
}

Json Time(const std::optional<TimePoint>& t) { return t ? Json(FormatRfc3339(*t)) : Json(nullptr); }

Json OptionalText(const std::optional<std::string>& text) {
  return text ? Json(MaskSecrets(*text)) : Json(nullptr);
}

Json DurationMs(const std::optional<TimePoint>& start, const std::optional<TimePoint>& end,
                TimePoint now) {
  if (!start) return nullptr;
  TimePoint stop = end ? *end : now;
  if (stop < *start) return 0;
  return std::chrono::duration_cast<std::chrono::milliseconds>(stop - *start).count();
}

}  // namespace

Json MaskedDocument(const std::string& json) {
  auto parsed = ParseJson(json, {.max_bytes = std::max<size_t>(json.size(), 1), .max_depth = 128});
  if (!parsed.ok()) return Json::object();
  MaskStrings(*parsed);
  return std::move(*parsed);
}

Json ExecutionJson(const store::ExecutionRecord& e, TimePoint now, Outputs outputs) {
  Json out = {
      {"id", e.id},
      {"application", e.application},
      {"service", e.service},
      {"environment", e.environment},
      {"workflow", e.workflow},
      {"pipeline", e.pipeline ? Json(*e.pipeline) : Json(nullptr)},
      {"trigger", e.trigger},
      {"actor", e.actor},
      {"artifactId", e.artifact_id ? Json(*e.artifact_id) : Json(nullptr)},
      {"status", std::string(store::ExecutionStatusName(e.status))},
      {"error", OptionalText(e.error)},
      {"abortRequestedBy", e.abort_requested_by ? Json(*e.abort_requested_by) : Json(nullptr)},
      {"createdAt", FormatRfc3339(e.created_at)},
      {"updatedAt", FormatRfc3339(e.updated_at)},
      {"startedAt", Time(e.started_at)},
      {"endedAt", Time(e.ended_at)},
      {"durationMs", DurationMs(e.started_at, e.ended_at, now)},
  };
  // A deployment started through a freeze window by an admin: the reason, who, which windows.
  if (auto inputs = ParseJson(e.inputs_json); inputs.ok() && inputs->is_object()) {
    if (auto it = inputs->find("freezeOverride"); it != inputs->end() && it->is_object()) {
      out["freezeOverride"] = *it;
    }
    // A pipeline stage's execution names its pipeline execution; a pipeline run its variables.
    if (auto it = inputs->find("parent"); it != inputs->end() && it->is_object()) {
      out["parent"] = *it;
    }
    if (auto it = inputs->find("pipeline"); it != inputs->end() && it->is_object()) {
      Json run = Json::object();
      for (const char* key : {"variables", "artifactId", "rerunOf", "fromStage"}) {
        if (it->contains(key)) run[key] = (*it)[key];
      }
      out["run"] = MaskedDocument(DumpJson(run));
    }
    // Started by a trigger: which one and why ({"trigger", "cause", "fireKey", ...}).
    if (auto it = inputs->find("cause"); it != inputs->end() && it->is_object()) {
      out["cause"] = *it;
    }
  }
  if (outputs == Outputs::kInclude) out["outputs"] = MaskedDocument(e.outputs_json);
  return out;
}

Json ExecutionJson(const store::ExecutionRecord& execution,
                   const std::vector<store::StepRecord>& steps, TimePoint now, Outputs outputs) {
  Json out = ExecutionJson(execution, now, outputs);
  Json items = Json::array();
  for (const store::StepRecord& s : steps) items.push_back(StepJson(s, now, outputs));
  out["steps"] = std::move(items);
  // A pipeline execution's children: its stages' workflow executions (with their status as the
  // pipeline last saw it) and its approvals, in stage order.
  Json children = Json::array();
  for (const store::StepRecord& s : steps) {
    auto o = ParseJson(s.outputs_json);
    if (!o.ok() || !o->is_object()) o = Json::object();
    if (s.kind == engine::steps::kPipelineStages) {
      Json stages = o->value("stages", Json::array());
      if (!stages.is_array()) continue;
      for (const Json& st : stages) {
        if (!st.is_object()) continue;
        Json child{{"stage", st.value("name", "")}, {"step", s.index}};
        for (const char* key : {"execution", "status", "skipped", "error"}) {
          if (st.contains(key)) child[key] = st[key];
        }
        children.push_back(std::move(child));
      }
    } else if (s.kind == engine::steps::kApproval) {
      Json child{{"stage", s.name},
                 {"step", s.index},
                 {"status", std::string(store::StepStatusName(s.status))}};
      if (o->contains("approval")) child["approval"] = (*o)["approval"];
      children.push_back(std::move(child));
    }
  }
  if (!children.empty()) out["children"] = std::move(children);
  return out;
}

Json StepJson(const store::StepRecord& s, TimePoint now, Outputs outputs) {
  Json out = {
      {"index", s.index},
      {"name", s.name},
      {"kind", s.kind},
      {"status", std::string(store::StepStatusName(s.status))},
      {"state", s.state},
      {"attempt", s.attempt},
      {"error", OptionalText(s.error)},
      {"startedAt", Time(s.started_at)},
      {"endedAt", Time(s.ended_at)},
      {"durationMs", DurationMs(s.started_at, s.ended_at, now)},
  };
  if (outputs == Outputs::kInclude) {
    out["outputs"] = MaskedDocument(s.outputs_json);
  } else if (s.kind == engine::steps::kLambdaShift &&
             (s.status == store::StepStatus::kRunning || s.status == store::StepStatus::kWaiting)) {
    // What a follower shows without the outputs: the active shift's split and the hold's end.
    if (auto shift = lambda::DecodeShiftStepOutputs(s.outputs_json);
        shift.ok() && shift->percent > 0) {
      out["traffic"] = {{"percent", shift->percent}, {"holdUntil", Time(shift->bake_until)}};
    }
  }
  return out;
}

Json LogLineJson(const store::LogLine& line) {
  return {
      {"sequence", line.sequence},
      {"at", FormatRfc3339(line.at)},
      {"step", line.step_index ? Json(*line.step_index) : Json(nullptr)},
      {"level", std::string(store::LogLevelName(line.level))},
      {"source", line.source},
      {"text", MaskSecrets(line.text)},
  };
}

Json ArtifactJson(const store::ArtifactRecord& a) {
  return {
      {"id", a.id},
      {"source", a.source},
      {"key", a.key},
      {"version", a.version},
      {"location", MaskedDocument(a.location_json)},
      {"codeSha256", a.code_sha256},
      {"sizeBytes", a.size_bytes},
      {"metadata", MaskedDocument(a.metadata_json)},
      {"firstSeenAt", FormatRfc3339(a.first_seen_at)},
      {"lastSeenAt", FormatRfc3339(a.last_seen_at)},
  };
}

Json DeploymentJson(const store::DeploymentRecord& d) {
  return {
      {"id", d.id},
      {"executionId", d.execution_id},
      {"application", d.application},
      {"service", d.service},
      {"environment", d.environment},
      {"function", d.function},
      {"functionArn", d.function_arn},
      {"version", d.version},
      {"codeSha256", d.code_sha256},
      {"createdFunction", d.created_function},
      {"aliases", MaskedDocument(d.aliases_json)},
      {"state", std::string(store::DeploymentStateName(d.state))},
      {"createdAt", FormatRfc3339(d.created_at)},
      {"updatedAt", FormatRfc3339(d.updated_at)},
  };
}

Json EntityJson(const store::EntityRecord& entity) {
  Json spec = MaskedDocument(entity.spec_json);
  std::string kind = entity.key.kind;
  if (auto k = model::KindFromStoreName(entity.key.kind)) kind = model::EnumName(*k);
  if (spec.is_object()) spec.erase("kind");
  return {
      {"kind", kind},
      {"application", entity.key.application},
      {"name", entity.key.name},
      {"revision", entity.revision},
      {"spec", std::move(spec)},
      {"createdAt", FormatRfc3339(entity.created_at)},
      {"updatedAt", FormatRfc3339(entity.updated_at)},
  };
}

}  // namespace ferry::api

namespace ferry::api {

Json ApprovalJson(const store::ApprovalRecord& a) {
  Json inputs = Json::array();
  if (auto parsed = ParseJson(a.inputs_json); parsed.ok() && parsed->is_array()) inputs = *parsed;
  Json values = MaskedDocument(a.values_json);
  return Json{{"id", a.id},
              {"execution", a.execution_id},
              {"step", a.step_index},
              {"stage", a.step_name},
              {"application", a.application},
              {"message", MaskSecrets(a.message)},
              {"userGroups", a.user_groups},
              {"inputs", inputs},
              {"status", std::string(store::ApprovalStatusName(a.status))},
              {"createdAt", FormatRfc3339(a.created_at)},
              {"expiresAt", a.expires_at ? Json(FormatRfc3339(*a.expires_at)) : Json(nullptr)},
              {"timeoutOutcome", a.approve_on_timeout ? "approve" : "reject"},
              {"decidedBy", a.decided_by ? Json(*a.decided_by) : Json(nullptr)},
              {"decidedAt", a.decided_at ? Json(FormatRfc3339(*a.decided_at)) : Json(nullptr)},
              {"comment", a.comment ? Json(MaskSecrets(*a.comment)) : Json(nullptr)},
              {"values", values},
              {"timedOut", a.timed_out}};
}

}  // namespace ferry::api
