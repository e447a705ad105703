#include "api/pipeline_service.h"

#include <algorithm>
#include <set>
#include <variant>

#include "api/deploy_freeze.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/time.h"
#include "config/template.h"
#include "model/enums.h"
#include "model/json_codec.h"
#include "model/validate.h"

namespace ferry::api {
namespace {

constexpr size_t kMaxVariables = 64;
constexpr size_t kMaxVariableValueBytes = 4096;
// The member of a pipeline execution's inputs that holds its run (variables, artifact, ...).
constexpr char kPipelineMember[] = "pipeline";
// Where a child execution names its pipeline execution.
constexpr char kParentMember[] = "parent";

template <typename T>
Result<T> LoadEntity(store::EntityStore& entities, model::Kind kind, const std::string& app,
                     const std::string& name) {
  const std::string kind_name(model::StoreKindName(kind));
  auto record = entities.Get(store::EntityKey{kind_name, app, name});
  if (!record.ok()) {
    if (record.error().code == ErrorCode::kNotFound) {
      return NotFound(kind_name + " " + QuoteForMessage(name) +
                      (app.empty() ? "" : " of application " + QuoteForMessage(app)) +
                      " not found");
    }
    return record.error();
  }
  FERRY_ASSIGN_OR_RETURN(auto entity, model::EntityFromJson(record->spec_json));
  if (T* typed = std::get_if<T>(&entity)) return std::move(*typed);
  return Internal("stored " + kind_name + " " + name + " holds another kind of entity");
}

// Printable text without control characters (tabs and newlines aside), bounded.
Status CheckValue(const std::string& name, const std::string& value) {
  if (value.size() > kMaxVariableValueBytes || !IsValidUtf8(value)) {
    return InvalidArgument("variable " + QuoteForMessage(name) + " must be at most " +
                           std::to_string(kMaxVariableValueBytes) + " bytes of UTF-8");
  }
  for (unsigned char c : value) {
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
      return InvalidArgument("variable " + QuoteForMessage(name) +
                             " must not hold control characters");
    }
  }
  return Ok();
}

// The run's values: given ones checked against the declarations, then defaults.
Result<std::map<std::string, std::string>> ResolveVariables(
    const model::Pipeline& p, const std::map<std::string, std::string>& given) {
  if (given.size() > kMaxVariables) {
    return InvalidArgument("at most " + std::to_string(kMaxVariables) + " variables");
  }
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : given) {
    if (auto problem = model::CheckVariableName(name); !problem.empty()) {
      return InvalidArgument("variable " + QuoteForMessage(name, 60) + ": " + problem);
    }
    FERRY_RETURN_IF_ERROR(CheckValue(name, value));
    auto declared = std::find_if(p.variables.begin(), p.variables.end(),
                                 [&name](const model::Variable& v) { return v.name == name; });
    if (declared == p.variables.end()) {
      std::vector<std::string> names;
      for (const auto& v : p.variables) names.push_back(v.name);
      return InvalidArgument(
          "pipeline " + p.name + " has no variable " + QuoteForMessage(name) +
          (names.empty() ? " (it declares none)" : " (it declares " + Join(names, ", ") + ")"));
    }
    if (!declared->allowed.empty() && std::find(declared->allowed.begin(), declared->allowed.end(),
                                                value) == declared->allowed.end()) {
      return InvalidArgument("pipeline variable " + name + " must be one of " +
                             Join(declared->allowed, ", "));
    }
    out[name] = value;
  }
  for (const auto& v : p.variables) {
    if (out.count(v.name)) continue;
    if (v.default_value) {
      out[v.name] = *v.default_value;
    } else if (v.required) {
      return InvalidArgument("pipeline " + p.name + " requires variable " + v.name + " (--var " +
                             v.name + "=VALUE)");
    }
  }
  return out;
}

// The steps of a pipeline: a pipeline.stages step per stage or parallel group, an approval
// step per approval stage. From `from_stage` on when set.
Result<std::vector<engine::StepSpec>> BuildSteps(const model::Pipeline& p,
                                                 const config::TemplateContext& tctx,
                                                 const std::optional<std::string>& from_stage) {
  std::vector<engine::StepSpec> out;
  bool started = !from_stage;
  for (size_t i = 0; i < p.stages.size(); ++i) {
    const model::Stage& s = p.stages[i];
    if (!started && s.name == *from_stage) started = true;
    if (s.approval) {
      engine::ApprovalStepInputs a;
      if (s.approval->message) {
        FERRY_ASSIGN_OR_RETURN(a.message, config::RenderTemplate(*s.approval->message, tctx));
      }
      a.user_groups = s.approval->user_groups;
      if (s.approval->timeout) {
        auto d = ParseDuration(*s.approval->timeout);
        if (!d) return InvalidArgument("stage " + s.name + ": approval timeout is malformed");
        a.timeout = *d;
      }
      a.approve_on_timeout = s.approval->timeout_outcome.value_or("reject") == "approve";
      Json inputs = Json::array();
      for (const auto& v : s.approval->inputs) {
        Json j{{"name", v.name}, {"required", v.required}};
        if (v.description) j["description"] = *v.description;
        if (v.default_value) j["default"] = *v.default_value;
        if (!v.allowed.empty()) j["allowed"] = v.allowed;
        inputs.push_back(std::move(j));
      }
      a.inputs_json = DumpJson(inputs);
      if (started) out.push_back(engine::steps::ApprovalStep(a, s.name));
      continue;
    }
    // Adjacent stages of one parallel group form one step.
    Json stages = Json::array();
    size_t j = i;
    bool includes_from = false;
    for (; j < p.stages.size(); ++j) {
      const model::Stage& t = p.stages[j];
      if (j > i && (!s.parallel_group || t.parallel_group != s.parallel_group || t.approval)) {
        break;
      }
      if (from_stage && t.name == *from_stage) includes_from = true;
      Json stage{
          {"name", t.name}, {"workflow", t.workflow.value_or("")}, {"variables", t.variables}};
      if (t.environment) stage["environment"] = *t.environment;
      if (t.skip_when) stage["skipWhen"] = *t.skip_when;
      stages.push_back(std::move(stage));
      if (!s.parallel_group) {
        ++j;
        break;
      }
    }
    if (includes_from) started = true;
    if (started) {
      engine::StepSpec step;
      step.name = s.parallel_group ? "parallel:" + *s.parallel_group : s.name;
      step.kind = engine::steps::kPipelineStages;
      step.inputs_json = DumpJson(Json{{"stages", stages}});
      out.push_back(std::move(step));
    }
    i = j - 1;
  }
  if (from_stage && !started) {
    return FailedPrecondition("pipeline " + p.name + " no longer has a stage " +
                              QuoteForMessage(*from_stage));
  }
  if (out.empty()) return InvalidArgument("pipeline " + p.name + " has no stage to run");
  return out;
}

// What a run's templates see. The artifact's key and version are empty when the run names none
// (each stage then deploys what its service's source pins).
struct RunArtifact {
  std::string key;
  std::string version;
};

config::TemplateContext ContextOf(const std::string& app,
                                  const std::map<std::string, std::string>& variables,
                                  const RunArtifact& artifact) {
  config::TemplateContext t;
  t.values["app.name"] = app;
  for (const auto& [k, v] : variables) t.values["pipeline.variables." + k] = v;
  t.values["artifact.key"] = artifact.key;
  t.values["artifact.version"] = artifact.version;
  return t;
}

RunArtifact ArtifactOf(store::Store& store, const Json& run) {
  RunArtifact out;
  if (run.contains("artifactId") && run["artifactId"].is_string()) {
    auto a = store.artifacts().Get(run["artifactId"].get<std::string>());
    if (a.ok()) out = {a->key, a->version};
  } else if (run.contains("artifact") && run["artifact"].is_object()) {
    out = {run["artifact"].value("s3Key", ""), run["artifact"].value("s3ObjectVersion", "")};
  }
  return out;
}

std::map<std::string, std::string> StringMap(const Json& j) {
  std::map<std::string, std::string> out;
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

Json MemberOf(const std::string& inputs_json, const char* member) {
  auto parsed = ParseJson(inputs_json);
  if (!parsed.ok() || !parsed->is_object() || !parsed->contains(member)) return Json();
  return (*parsed)[member];
}

// The values approvers gave in the execution's succeeded approval steps.
std::map<std::string, std::string> ApprovalValues(const std::vector<store::StepRecord>& steps,
                                                  int before) {
  std::map<std::string, std::string> out;
  for (const auto& s : steps) {
    if (s.index >= before || s.kind != engine::steps::kApproval ||
        s.status != store::StepStatus::kSucceeded) {
      continue;
    }
    auto outputs = ParseJson(s.outputs_json);
    if (outputs.ok() && outputs->is_object() && outputs->contains("values")) {
      for (auto& [k, v] : StringMap((*outputs)["values"])) out[k] = v;
    }
  }
  return out;
}

// Errors that a retry may cure (the engine retries the step) versus those that fail the stage.
bool Transient(const Error& e) {
  return e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kInternal;
}

}  // namespace

PipelineService::PipelineService(store::Store& store, engine::Engine& engine,
                                 DeployService& deploys, Clock& clock,
                                 PipelineServiceOptions options)
    : store_(store),
      engine_(engine),
      deploys_(deploys),
      clock_(clock),
      options_(std::move(options)) {}

void PipelineService::OnCompleted(CompletionObserver observer) {
  std::lock_guard lock(mu_);
  observers_.push_back(std::move(observer));
}

Result<PipelineTargets> PipelineService::Targets(const std::string& application,
                                                 const std::string& pipeline) {
  FERRY_ASSIGN_OR_RETURN(
      auto p, LoadEntity<model::Pipeline>(store_.entities(), model::Kind::kPipeline, application,
                                          pipeline));
  PipelineTargets out;
  std::set<std::string> seen;
  for (const auto& s : p.stages) {
    if (!s.workflow) continue;
    std::string env;
    if (s.environment && !model::HasTemplate(*s.environment)) {
      env = *s.environment;
    } else if (!s.environment) {
      auto w = LoadEntity<model::Workflow>(store_.entities(), model::Kind::kWorkflow, application,
                                           *s.workflow);
      if (w.ok() && !model::HasTemplate(w->environment)) env = w->environment;
    }
    if (!env.empty() && seen.insert(env).second) out.environments.push_back(env);
  }
  return out;
}

Result<store::ExecutionRecord> PipelineService::Start(const PipelineRunInput& in, bool* created) {
  if (in.application.empty() || in.pipeline.empty()) {
    return InvalidArgument("name the application and the pipeline (APP/PIPELINE)");
  }
  if (in.artifact_id && in.artifact) {
    return InvalidArgument("give either an artifact id or an artifact location, not both");
  }
  FERRY_ASSIGN_OR_RETURN(
      auto app, LoadEntity<model::Application>(store_.entities(), model::Kind::kApplication, "",
                                               in.application));
  FERRY_ASSIGN_OR_RETURN(
      auto p, LoadEntity<model::Pipeline>(store_.entities(), model::Kind::kPipeline, in.application,
                                          in.pipeline));
  FERRY_ASSIGN_OR_RETURN(auto variables, ResolveVariables(p, in.variables));
  Json run{{"name", p.name}, {"variables", variables}};
  if (in.artifact_id) {
    FERRY_ASSIGN_OR_RETURN(auto a, store_.artifacts().Get(*in.artifact_id));
    run["artifactId"] = a.id;
  } else if (in.artifact) {
    FERRY_ASSIGN_OR_RETURN(run["artifact"], ParseJson(EncodeArtifactLocation(*in.artifact)));
  } else {
    // The newest artifact recorded for the first workflow stage's service.
    for (const auto& s : p.stages) {
      if (!s.workflow) continue;
      auto w = LoadEntity<model::Workflow>(store_.entities(), model::Kind::kWorkflow,
                                           in.application, *s.workflow);
      if (!w.ok()) break;
      store::ArtifactFilter filter;
      filter.source = in.application + "/" + w->service;
      filter.limit = 1;
      FERRY_ASSIGN_OR_RETURN(auto newest, store_.artifacts().List(filter));
      if (!newest.empty()) run["artifactId"] = newest.front().id;
      break;
    }
  }
  if (in.freeze_override_reason) run["freezeOverrideReason"] = *in.freeze_override_reason;
  (void)app;
  return StartSteps(in, DumpJson(run), std::nullopt, created);
}

Result<store::ExecutionRecord> PipelineService::StartSteps(const PipelineRunInput& in,
                                                           const std::string& run_json,
                                                           std::optional<std::string> from_stage,
                                                           bool* created) {
  FERRY_ASSIGN_OR_RETURN(
      auto p, LoadEntity<model::Pipeline>(store_.entities(), model::Kind::kPipeline, in.application,
                                          in.pipeline));
  FERRY_ASSIGN_OR_RETURN(Json run, ParseJson(run_json));
  // Freeze windows covering an environment a stage deploys to refuse the run (as deploys).
  FERRY_ASSIGN_OR_RETURN(auto targets, Targets(in.application, in.pipeline));
  std::vector<deploy::ActiveFreeze> frozen;
  std::string frozen_env;
  for (const auto& env_name : targets.environments) {
    FERRY_ASSIGN_OR_RETURN(
        auto env, LoadEntity<model::Environment>(store_.entities(), model::Kind::kEnvironment,
                                                 in.application, env_name));
    FERRY_ASSIGN_OR_RETURN(auto active, deploy::ActiveFreezes(store_.entities(), in.application,
                                                              env.type, clock_.Now()));
    if (!active.empty() && frozen.empty()) frozen_env = env_name;
    for (auto& a : active) {
      const bool seen = std::any_of(frozen.begin(), frozen.end(),
                                    [&a](const auto& f) { return f.window.name == a.window.name; });
      if (!seen) frozen.push_back(std::move(a));
    }
  }
  engine::ExecutionSpec spec;
  if (!frozen.empty()) {
    const std::string reason = run.value("freezeOverrideReason", "");
    if (reason.empty() || !in.freeze_override_reason) {
      return deploy::FrozenError(in.application, frozen_env, frozen);
    }
    spec.recorded_inputs["freezeOverride"] = deploy::FreezeOverrideJson(reason, in.actor, frozen);
  }
  std::map<std::string, std::string> variables = StringMap(run.value("variables", Json()));
  for (auto& [k, v] : StringMap(run.value("published", Json()))) variables[k] = v;
  FERRY_ASSIGN_OR_RETURN(
      spec.steps,
      BuildSteps(p, ContextOf(in.application, variables, ArtifactOf(store_, run)), from_stage));
  spec.application = in.application;
  spec.service = "-";
  spec.environment = "-";
  spec.workflow = kPipelineWorkflow;
  spec.pipeline = p.name;
  spec.trigger = in.cause.empty() ? "manual" : in.cause;
  spec.actor = in.actor;
  spec.actor_source = in.actor_source;
  spec.idempotency_key = in.idempotency_key;
  spec.failure_strategy = engine::FailureStrategy::kAbort;  // stages undo themselves
  if (run.contains("artifactId")) spec.artifact_id = run["artifactId"].get<std::string>();
  spec.recorded_inputs[kPipelineMember] = DumpJson(run);
  bool was_created = true;
  FERRY_ASSIGN_OR_RETURN(auto execution, engine_.Start(spec, &was_created));
  if (created != nullptr) *created = was_created;
  if (was_created && options_.wake_engine) options_.wake_engine();
  return execution;
}

Result<store::ExecutionRecord> PipelineService::Rerun(const std::string& id,
                                                      const std::string& actor,
                                                      const std::string& actor_source) {
  FERRY_ASSIGN_OR_RETURN(auto e, store_.executions().Get(id));
  Json run = MemberOf(e.inputs_json, kPipelineMember);
  if (e.workflow != kPipelineWorkflow || !e.pipeline || !run.is_object()) {
    return FailedPrecondition("execution " + id + " is not a pipeline execution");
  }
  if (e.status != store::ExecutionStatus::kFailed && e.status != store::ExecutionStatus::kAborted) {
    return FailedPrecondition("execution " + id + " is " +
                              std::string(store::ExecutionStatusName(e.status)) +
                              "; only a failed or aborted pipeline execution can be rerun");
  }
  FERRY_ASSIGN_OR_RETURN(auto steps, store_.executions().Steps(id));
  std::optional<std::string> from;
  int from_index = 0;
  for (const auto& s : steps) {
    if (s.status == store::StepStatus::kSucceeded || s.status == store::StepStatus::kSkipped) {
      continue;
    }
    from_index = s.index;
    if (s.kind == engine::steps::kPipelineStages) {
      Json stages = MemberOf(s.inputs_json, "stages");
      if (stages.is_array() && !stages.empty()) from = stages[0].value("name", "");
    } else {
      from = s.name;
    }
    break;
  }
  if (!from || from->empty()) {
    return FailedPrecondition("execution " + id + " has no stage left to rerun");
  }
  Json published = run.value("published", Json::object());
  for (auto& [k, v] : ApprovalValues(steps, from_index)) published[k] = v;
  run["published"] = published;
  run["rerunOf"] = id;
  run["fromStage"] = *from;
  PipelineRunInput in;
  in.application = e.application;
  in.pipeline = *e.pipeline;
  in.actor = actor;
  in.actor_source = actor_source;
  in.cause = "rerun";
  in.idempotency_key = "rerun/" + id;
  if (run.contains("freezeOverrideReason")) {
    in.freeze_override_reason = run["freezeOverrideReason"].get<std::string>();
  }
  return StartSteps(in, DumpJson(run), from, nullptr);
}

Result<std::vector<engine::StageStart>> PipelineService::StartStages(
    const engine::StepContext& ctx) {
  const store::ExecutionRecord& e = ctx.execution;
  Json run = MemberOf(e.inputs_json, kPipelineMember);
  if (!run.is_object()) return Internal("execution " + e.id + " records no pipeline run");
  std::map<std::string, std::string> variables = StringMap(run.value("variables", Json()));
  for (auto& [k, v] : StringMap(run.value("published", Json()))) variables[k] = v;
  for (auto& [k, v] : ApprovalValues(ctx.steps, ctx.step.index)) variables[k] = v;
  std::optional<std::string> artifact_id;
  std::optional<ArtifactLocation> location;
  if (run.contains("artifactId")) {
    artifact_id = run["artifactId"].get<std::string>();
  } else if (run.contains("artifact")) {
    FERRY_ASSIGN_OR_RETURN(location, DecodeArtifactLocation(DumpJson(run["artifact"])));
  }
  const config::TemplateContext tctx = ContextOf(e.application, variables, ArtifactOf(store_, run));
  Json stages = MemberOf(ctx.step.inputs_json, "stages");
  std::vector<engine::StageStart> out;
  for (const Json& stage : stages) {
    engine::StageStart started;
    started.stage = stage.value("name", "");
    auto attempt = [&]() -> Status {
      if (stage.contains("skipWhen")) {
        FERRY_ASSIGN_OR_RETURN(std::string rendered,
                               config::RenderTemplate(stage["skipWhen"].get<std::string>(), tctx));
        if (Trim(rendered) == "true") {
          started.skipped = "skipWhen rendered \"true\"";
          return Ok();
        }
      }
      const std::string workflow_name = stage.value("workflow", "");
      FERRY_ASSIGN_OR_RETURN(auto workflow,
                             LoadEntity<model::Workflow>(store_.entities(), model::Kind::kWorkflow,
                                                         e.application, workflow_name));
      DeploymentInput in;
      in.application = e.application;
      in.service = workflow.service;
      if (stage.contains("environment")) {
        FERRY_ASSIGN_OR_RETURN(
            in.environment, config::RenderTemplate(stage["environment"].get<std::string>(), tctx));
      } else if (!model::HasTemplate(workflow.environment)) {
        in.environment = workflow.environment;
      } else {
        return InvalidArgument("workflow " + workflow.name +
                               " has a templatized environment; the stage must set environment");
      }
      in.workflow = workflow.name;
      for (const auto& [k, v] : StringMap(stage.value("variables", Json()))) {
        FERRY_ASSIGN_OR_RETURN(in.variables[k], config::RenderTemplate(v, tctx));
      }
      in.artifact_id = artifact_id;
      in.artifact = location;
      if (run.contains("freezeOverrideReason")) {
        in.freeze_override_reason = run["freezeOverrideReason"].get<std::string>();
      }
      in.actor = e.actor;
      in.trigger = "pipeline";
      in.idempotency_key =
          "pipeline/" + e.id + "/" + std::to_string(ctx.step.index) + "/" + started.stage;
      in.pipeline = e.pipeline;
      in.parent_execution = e.id;
      in.parent_stage = started.stage;
      FERRY_ASSIGN_OR_RETURN(auto child, deploys_.Deploy(in));
      started.execution_id = child.id;
      return Ok();
    };
    if (Status s = attempt(); !s.ok()) {
      if (Transient(s.error())) return s.error();
      started.error = s.error().message;
    }
    out.push_back(std::move(started));
  }
  return out;
}

void PipelineService::ExecutionEnded(const store::ExecutionRecord& e) {
  Json parent = MemberOf(e.inputs_json, kParentMember);
  if (parent.is_object() && parent.contains("execution") && parent["execution"].is_string()) {
    // The child's end is what its pipeline's stage waits for: advance it now, not at its re-check.
    (void)store_.executions().Wake(parent["execution"].get<std::string>());
    if (options_.wake_engine) options_.wake_engine();
  }
  if (e.workflow != kPipelineWorkflow || !e.pipeline ||
      !MemberOf(e.inputs_json, kPipelineMember).is_object()) {
    return;
  }
  PipelineCompletion done{e.id, e.application, *e.pipeline, e.status, e.error};
  std::vector<CompletionObserver> observers;
  {
    std::lock_guard lock(mu_);
    observers = observers_;
  }
  for (const auto& observe : observers) {
    try {
      observe(done);
    } catch (const std::exception& ex) {
      log::Warn("a pipeline completion observer failed",
                {{"execution", e.id}, {"error", ex.what()}});
    }
  }
}

}  // namespace ferry::api
