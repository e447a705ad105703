#include "api/deploy_service.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "api/artifact_location.h"
#include "api/deploy_config.h"
#include "api/deploy_freeze.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/time.h"
#include "config/release_plan.h"
#include "engine/steps/pipeline_steps.h"
#include "config/resolve.h"
#include "config/runnable.h"
#include "engine/steps/lambda_steps.h"
#include "lambda/alarm_gate.h"
#include "lambda/function_state.h"
#include "lambda/records.h"
#include "lambda/steps.h"
#include "notify/notifier.h"
#include "store/limits.h"

namespace ferry::api {

// The workflow name of a rollback execution.
constexpr char kRollbackWorkflow[] = "rollback";

struct DeployService::Impl {
  // Where the code comes from and what ${artifact.*} renders to.
  struct Artifact {
    std::optional<std::string> id;
    ArtifactLocation location;
    std::string code_sha256;
    config::ArtifactRef ref;
  };

  // A deployment resolved: the execution it becomes, short of its steps.
  struct Resolved {
    engine::ExecutionSpec spec;
    Duration timeout{0};
    config::ReleasePlan plan;      // the workflow's steps
    lambda::AlarmSelector alarms;  // the workflow's and the environment's alarm gates
    lambda::LambdaTarget target;
    std::vector<std::string> selectors;
    std::vector<lambda::DesiredFunction> functions;
    std::map<std::string, std::string> function_names;  // logical name → AWS name
  };

  static Result<Artifact> ResolveArtifact(store::Store& store, const DeploymentInput& in,
                                          const model::Service& service);
  static Result<Resolved> Resolve(store::Store& store, const DeployServiceOptions& options,
                                  const DeploymentInput& in);

  // The rollback's target and what it restores.
  struct Target {
    std::string execution;
    bool undo = false;
    std::vector<lambda::RestoreFunction> functions;
    std::string what;  // for the description
  };
  static Result<Target> NewestChange(store::Store& store, const RollbackInput& in);
  static Result<Target> RecordedBy(store::Store& store, const RollbackInput& in,
                                   const std::string& to);
  static Status CheckNotPruned(store::Store& store, const RollbackInput& in, const Target& target);
};

namespace {

Status CheckLocation(const ArtifactLocation& l) {
  if (l.s3_bucket.empty() || l.s3_key.empty()) {
    return Error{ErrorCode::kInvalidArgument, "an S3 artifact needs a bucket and a key"};
  }
  if (l.s3_bucket.size() > 63 || l.s3_key.size() > 1024 || l.s3_object_version.size() > 1024 ||
      !IsValidUtf8(l.s3_key) || !IsValidUtf8(l.s3_object_version)) {
    return Error{ErrorCode::kInvalidArgument, "the S3 artifact location is not valid"};
  }
  for (char c : l.s3_bucket) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.')) {
      return Error{ErrorCode::kInvalidArgument,
                   "S3 bucket " + QuoteForMessage(l.s3_bucket) + " is not a valid bucket name"};
    }
  }
  return Ok();
}

engine::FailureStrategy StrategyOf(const model::Workflow& workflow) {
  switch (workflow.failure_strategy) {
    case model::FailureStrategy::kAbort:
      return engine::FailureStrategy::kAbort;
    case model::FailureStrategy::kIgnore:
      return engine::FailureStrategy::kIgnore;
    default:
      return engine::FailureStrategy::kRollback;
  }
}

// The engine step of an invoke-test step or a traffic hook (config/release_plan.h), after the
// deploy step `deploy_step`. An invoke-test step's `function` is a logical name of the service's
// functions; without one, the service must have exactly one.
struct InvokeScope {
  const lambda::LambdaTarget& target;
  const std::vector<std::string>& selectors;
  const std::map<std::string, std::string>& function_names;  // logical name → AWS name
};
Result<engine::StepSpec> InvokingStep(const InvokeScope& resolved, const config::ReleaseStep& step,
                                      const std::string& deploy_step) {
  if (step.hook) {
    lambda::HookStepInputs hook;
    hook.target = resolved.target;
    hook.selectors = resolved.selectors;
    hook.deploy_step = deploy_step;
    hook.point = step.hook->point;
    hook.function_name = step.hook->function;
    hook.timeout = step.hook->timeout;
    // The hook's own deadline fails it first; the step's is a backstop.
    return engine::steps::LambdaHookStep(hook, step.name,
                                         step.hook->timeout + std::chrono::minutes(1));
  }
  const config::InvokeTestSpec& t = *step.invoke_test;
  lambda::InvokeTestStepInputs in;
  in.target = resolved.target;
  in.selectors = resolved.selectors;
  in.deploy_step = deploy_step;
  in.invoke = t.target;
  in.payload = t.payload;
  in.times = t.times;
  in.expect = t.expect;
  std::vector<std::string> names;
  for (const auto& [name, aws_name] : resolved.function_names) names.push_back(name);
  if (!t.function.empty()) {
    auto it = resolved.function_names.find(t.function);
    if (it == resolved.function_names.end()) {
      return Error{ErrorCode::kInvalidArgument,
                   "step " + step.name + ": the service has no function " +
                       QuoteForMessage(t.function) + " (it has " + Join(names, ", ") + ")"};
    }
    in.function_names.push_back(it->second);
  } else if (resolved.function_names.size() != 1) {
    return Error{ErrorCode::kInvalidArgument,
                 "step " + step.name + ": with.function is required: the service has " +
                     std::to_string(names.size()) + " functions (" + Join(names, ", ") + ")"};
  }
  return engine::steps::LambdaInvokeTestStep(in, step.name,
                                             step.timeout.value_or(engine::kDefaultStepTimeout));
}

// "started 2026-12-07T10:00:00.000Z by alice".
std::string When(const store::ExecutionRecord& e) {
  return "started " + FormatRfc3339(e.created_at) + " by " + e.actor;
}

}  // namespace

DeployService::DeployService(store::Store& store, engine::Engine& engine, Clock& clock,
                             DeployServiceOptions options)
    : store_(store),
      engine_(engine),
      clock_(clock),
      options_(std::move(options)),
      plan_ids_(clock) {}

namespace {

// `*` any run of characters, `?` one; everything else literally.
bool GlobMatches(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// kPermissionDenied unless `l` lies in the service's S3 artifact source: a deploy token must
// not ship code from any bucket it names (issue 18: --s3 s3://other-team/x/evil.zip).
Status CheckInsideArtifactSource(const ArtifactLocation& l, const model::Service& service) {
  const auto& s3 = service.artifact.s3;
  auto refuse = [&](const std::string& why) {
    return Error{ErrorCode::kPermissionDenied,
                 "s3://" + QuoteForMessage(l.s3_bucket + "/" + l.s3_key, 200) +
                     " is outside service " + service.name + "'s artifact source (" + why +
                     "); deploy an artifact from the source, or ask an admin to deploy it with "
                     "allowOutsideArtifactSource (ferry deploy --allow-outside-source)",
                 {}};
  };
  if (!s3) return refuse("the service has no S3 artifact source");
  if (l.s3_bucket != s3->bucket) return refuse("bucket " + s3->bucket);
  if (s3->key) {
    if (l.s3_key != *s3->key) return refuse("key " + *s3->key);
  } else if (s3->key_pattern) {
    if (!GlobMatches(*s3->key_pattern, l.s3_key)) return refuse("keys " + *s3->key_pattern);
  } else if (s3->prefix) {
    if (!l.s3_key.starts_with(*s3->prefix)) return refuse("prefix " + *s3->prefix);
    if (s3->filter) {
      bool matches = false;
      try {
        matches = std::regex_match(l.s3_key.substr(s3->prefix->size()), std::regex(*s3->filter));
      } catch (const std::regex_error&) {
      }
      if (!matches) return refuse("prefix " + *s3->prefix + " and filter " + *s3->filter);
    }
  }
  return Ok();
}

}  // namespace

Result<DeployService::Impl::Artifact> DeployService::Impl::ResolveArtifact(
    store::Store& store, const DeploymentInput& in, const model::Service& service) {
  if (in.artifact_id && in.artifact) {
    return Error{ErrorCode::kInvalidArgument, "give an artifact id or an S3 location, not both"};
  }
  Artifact a;
  if (in.artifact_id) {
    auto record = store.artifacts().Get(*in.artifact_id);
    if (!record.ok()) {
      if (record.error().code == ErrorCode::kNotFound) {
        return Error{ErrorCode::kNotFound,
                     "there is no artifact " + QuoteForMessage(*in.artifact_id)};
      }
      return record.error();
    }
    auto location = DecodeArtifactLocation(record->location_json);
    if (!location.ok()) {
      return Error{ErrorCode::kFailedPrecondition,
                   "artifact " + record->id + " has no S3 location (s3Bucket, s3Key)"};
    }
    if (!in.allow_outside_artifact_source) {
      FERRY_RETURN_IF_ERROR(CheckInsideArtifactSource(*location, service));
    }
    a.id = record->id;
    a.location = std::move(location).value();
    a.code_sha256 = record->code_sha256;
    a.ref = config::ArtifactRef{record->key, record->version};
    return a;
  }
  if (in.artifact) {
    a.location = *in.artifact;
  } else if (service.artifact.s3 && service.artifact.s3->key) {
    a.location.s3_bucket = service.artifact.s3->bucket;
    a.location.s3_key = *service.artifact.s3->key;
  } else {
    return Error{ErrorCode::kInvalidArgument,
                 "no artifact to deploy: give an artifact id or an S3 location (--artifact ID, "
                 "--s3 s3://bucket/key), or pin a key in service " +
                     service.name + "'s artifact source (s3.key)"};
  }
  FERRY_RETURN_IF_ERROR(CheckLocation(a.location));
  if (in.artifact && !in.allow_outside_artifact_source) {
    FERRY_RETURN_IF_ERROR(CheckInsideArtifactSource(a.location, service));
  }
  // ${artifact.version}: the object version, else what the source's filter captures (a build
  // number in "orders-(\d+)\.zip"), else empty.
  std::string version = a.location.s3_object_version;
  if (version.empty() && service.artifact.s3 && service.artifact.s3->filter) {
    std::string rest = a.location.s3_key;
    const auto& prefix = service.artifact.s3->prefix;
    if (prefix && rest.rfind(*prefix, 0) == 0) rest = rest.substr(prefix->size());
    try {
      std::smatch m;
      std::regex re(*service.artifact.s3->filter);
      if (std::regex_match(rest, m, re) && m.size() > 1) version = m[1].str();
    } catch (const std::regex_error&) {
      // `ferry apply` validates filters; an unusable one just leaves the version empty.
    }
  }
  a.ref = config::ArtifactRef{a.location.s3_key, version};
  // A location that was recorded (by a trigger or POST /artifacts) deploys as that artifact.
  if (!a.location.s3_object_version.empty()) {
    store::ArtifactFilter filter;
    filter.key = a.location.s3_key;
    filter.limit = 100;
    FERRY_ASSIGN_OR_RETURN(auto recorded, store.artifacts().List(filter));
    for (const auto& r : recorded) {
      auto l = DecodeArtifactLocation(r.location_json);
      if (l.ok() && l->s3_bucket == a.location.s3_bucket && l->s3_key == a.location.s3_key &&
          l->s3_object_version == a.location.s3_object_version) {
        a.id = r.id;
        a.code_sha256 = r.code_sha256;
        a.ref.version = r.version;
        break;
      }
    }
  }
  return a;
}

Result<DeployService::Impl::Resolved> DeployService::Impl::Resolve(
    store::Store& store, const DeployServiceOptions& options, const DeploymentInput& in) {
  auto& entities = store.entities();
  FERRY_ASSIGN_OR_RETURN(auto scope,
                         deploy::LoadScope(entities, in.application, in.service, in.environment));
  std::map<std::string, std::string> variables;
  FERRY_ASSIGN_OR_RETURN(auto workflow,
                         deploy::ChooseWorkflow(entities, scope, in.workflow, &variables,
                                                in.variables));
  Resolved out;
  FERRY_ASSIGN_OR_RETURN(out.timeout, deploy::CheckExecutable(workflow));
  // A step parameter may be a workflow variable ("${workflow.variables.sensitivity}"): it takes
  // the deployment's value here, and the plan checks that value.
  for (auto& step : workflow.steps) {
    for (auto& [key, value] : step.with) {
      for (const auto& [name, v] : variables) {
        const std::string ref = "${workflow.variables." + name + "}";
        for (size_t at = value.find(ref); at != std::string::npos;
             at = value.find(ref, at + v.size())) {
          value.replace(at, ref.size(), v);
        }
      }
    }
  }
  FERRY_ASSIGN_OR_RETURN(out.plan, config::PlanRelease(workflow));
  if (out.plan.shifts_traffic) {
    // A basic workflow moves every alias with its deploy step: it has no shift to gate.
    FERRY_ASSIGN_OR_RETURN(auto environment_alarms,
                           lambda::ParseAlarmSelector(scope.environment.alarms));
    out.alarms = lambda::MergeAlarms(out.plan.alarms, environment_alarms);
  }
  FERRY_ASSIGN_OR_RETURN(auto infrastructure,
                         deploy::ChooseInfrastructure(scope, workflow.infrastructure));
  FERRY_ASSIGN_OR_RETURN(auto provider,
                         deploy::LoadCloudProvider(entities, infrastructure.cloud_provider));
  FERRY_ASSIGN_OR_RETURN(auto artifact, ResolveArtifact(store, in, scope.service));

  config::ResolveInput resolve;
  resolve.application = scope.application.name;
  resolve.service = &scope.service;
  resolve.environment = &scope.environment;
  resolve.infrastructure = &infrastructure;
  resolve.cloud_provider = &provider;
  resolve.artifact = artifact.ref;
  resolve.workflow_variables = variables;
  // Checks that each secret can be read: env and file here (or, when remote delegates read them
  // on their hosts, that they are defined); `source: ferry` values here (this server holds them);
  // the AWS sources are read by the delegate when its task runs (checked here: the Secret and its
  // connection exist).
  resolve.secret = [&store, &options](std::string_view name) -> Result<std::string> {
    FERRY_ASSIGN_OR_RETURN(auto aws_secret,
                           deploy::AwsSecretOf(store.entities(), name, options.default_region));
    if (aws_secret) return std::string();
    const deploy::FerrySecrets ferry{&store.secret_values(), options.secret_keys};
    if (options.secrets_read_here) {
      return deploy::ResolveSecret(store.entities(), name, options.secrets, ferry);
    }
    FERRY_ASSIGN_OR_RETURN(auto ref, deploy::LoadSecretRef(store.entities(), name));
    if (ref.source == model::SecretSource::kFerry) {
      return deploy::ResolveSecret(store.entities(), name, options.secrets, ferry);
    }
    return std::string();  // the value is read by the delegate that runs the task
  };
  FERRY_ASSIGN_OR_RETURN(auto resolved, config::ResolveFunctionSpecs(resolve));

  engine::ExecutionSpec& spec = out.spec;
  spec.application = scope.application.name;
  spec.service = scope.service.name;
  spec.environment = scope.environment.name;
  spec.workflow = workflow.name;
  spec.trigger = in.trigger.empty() ? "manual" : in.trigger;
  spec.actor = in.actor;
  spec.actor_source = in.actor_source;
  spec.artifact_id = artifact.id;
  spec.idempotency_key = in.idempotency_key;
  spec.failure_strategy = StrategyOf(workflow);
  out.selectors = provider.delegate_selectors;
  out.target.region = infrastructure.region.value_or(provider.region.value_or(""));
  if (!resolved.empty() && !resolved.front().region.empty()) {
    out.target.region = resolved.front().region;
  }
  if (out.target.region.empty()) out.target.region = options.default_region;
  out.target.endpoint = provider.endpoint.value_or("");
  out.target.cloud_provider = provider.name;
  out.target.credentials = deploy::TargetCredentialsOf(provider);
  for (auto& f : resolved) {
    // Image functions: refused from the table `ferry validate` warns from (config/runnable.h).
    if (auto not_runnable = config::PackageNotRunnable(f.package_type, "function " + f.spec_name)) {
      return not_runnable->ToError();
    }
    out.function_names[f.spec_name] = f.function.function_name;
    lambda::DesiredFunction d = std::move(f.function);
    // With traffic steps, the deploy step publishes and leaves existing aliases to them.
    d.traffic =
        out.plan.shifts_traffic ? lambda::TrafficPolicy::kNone : lambda::TrafficPolicy::kAllAtOnce;
    d.code.s3_bucket = artifact.location.s3_bucket;
    d.code.s3_key = artifact.location.s3_key;
    d.code.s3_object_version = artifact.location.s3_object_version;
    d.code.code_sha256 = artifact.code_sha256;
    out.functions.push_back(std::move(d));
  }
  return out;
}

Result<store::ExecutionRecord> DeployService::Deploy(const DeploymentInput& in, bool* created) {
  // Freeze windows refuse new deployments (not plans, not rollbacks: rolling back is the safe
  // action during a freeze). Checked first, so the refusal is the answer whatever else is wrong.
  std::optional<std::string> freeze_override;
  {
    FERRY_ASSIGN_OR_RETURN(auto scope, deploy::LoadScope(store_.entities(), in.application,
                                                         in.service, in.environment));
    FERRY_ASSIGN_OR_RETURN(auto frozen,
                           deploy::ActiveFreezes(store_.entities(), in.application,
                                                 scope.environment.type, clock_.Now()));
    if (!frozen.empty()) {
      if (!in.freeze_override_reason) {
        Error refused = deploy::FrozenError(in.application, in.environment, frozen);
        if (options_.notifier != nullptr) {
          notify::Event event;
          event.type = model::NotificationEvent::kFreezeRefused;
          event.application = in.application;
          event.service = in.service;
          event.environment = in.environment;
          event.environment_type = scope.environment.type;
          event.actor = in.actor;
          event.summary = refused.message;
          event.freeze_window = frozen.front().window.name;
          event.at = clock_.Now();
          options_.notifier->PublishLogged(std::move(event));
        }
        return refused;
      }
      freeze_override = deploy::FreezeOverrideJson(*in.freeze_override_reason, in.actor, frozen);
    }
  }
  FERRY_ASSIGN_OR_RETURN(auto resolved, Impl::Resolve(store_, options_, in));
  lambda::DeployStepInputs deploy;
  deploy.target = resolved.target;
  deploy.selectors = resolved.selectors;
  deploy.concurrency = options_.concurrency;
  deploy.functions = resolved.functions;
  engine::ExecutionSpec spec = std::move(resolved.spec);
  if (freeze_override) spec.recorded_inputs["freezeOverride"] = *freeze_override;
  if (in.parent_execution) {
    spec.pipeline = in.pipeline;
    spec.recorded_inputs["parent"] =
        DumpJson(Json{{"execution", *in.parent_execution}, {"stage", in.parent_stage}});
  }
  if (!in.variables.empty()) spec.recorded_inputs["variables"] = DumpJson(Json(in.variables));
  if (in.cause_json) spec.recorded_inputs["cause"] = *in.cause_json;
  // The workflow's steps (config/release_plan.h). A step's own timeout bounds its calls; a
  // traffic step's hold and a wait are added to it.
  std::string deploy_step;
  for (const auto& step : resolved.plan.steps) {
    switch (step.kind) {
      case config::ReleaseStep::Kind::kDeploy:
        deploy_step = step.name;
        spec.steps.push_back(engine::steps::LambdaDeployStep(
            deploy, step.timeout.value_or(resolved.timeout), step.name));
        break;
      case config::ReleaseStep::Kind::kShift: {
        lambda::ShiftStepInputs shift;
        shift.target = resolved.target;
        shift.selectors = resolved.selectors;
        shift.deploy_step = deploy_step;
        shift.percent = step.percent;
        shift.bake = step.hold;
        shift.alarms = resolved.alarms;
        spec.steps.push_back(engine::steps::LambdaShiftStep(
            shift, step.name, step.timeout.value_or(engine::kDefaultStepTimeout) + step.hold));
        break;
      }
      case config::ReleaseStep::Kind::kWait:
        spec.steps.push_back(engine::steps::WaitStep(
            step.hold, step.name, step.timeout.value_or(engine::kDefaultStepTimeout) + step.hold));
        break;
      case config::ReleaseStep::Kind::kInvokeTest:
      case config::ReleaseStep::Kind::kHook: {
        FERRY_ASSIGN_OR_RETURN(auto invoking, InvokingStep({resolved.target, resolved.selectors,
                                                            resolved.function_names},
                                                           step, deploy_step));
        spec.steps.push_back(std::move(invoking));
        break;
      }
      case config::ReleaseStep::Kind::kVerify: {
        lambda::VerifyStepInputs verify = *step.verify;
        verify.target = resolved.target;
        verify.selectors = resolved.selectors;
        verify.deploy_step = deploy_step;
        // The window counts in the step's time; its own timeout bounds the reads after it.
        spec.steps.push_back(engine::steps::LambdaVerifyStep(
            verify, step.name, step.timeout.value_or(engine::kDefaultStepTimeout) + verify.window));
        break;
      }
      case config::ReleaseStep::Kind::kApproval: {
        engine::ApprovalStepInputs approval;
        approval.message = step.approval->message;
        approval.user_groups = step.approval->user_groups;
        approval.timeout = step.timeout.value_or(engine::kDefaultApprovalTimeout);
        approval.approve_on_timeout = step.approval->approve_on_timeout;
        spec.steps.push_back(engine::steps::ApprovalStep(approval, step.name));
        break;
      }
      case config::ReleaseStep::Kind::kOther:
        // CheckExecutable refused every step type Ferry cannot run.
        return Error{ErrorCode::kInternal, "step " + step.name + " cannot run"};
    }
  }
  if (options_.keep_versions > 0) {
    lambda::PruneStepInputs prune;
    prune.target = resolved.target;
    prune.selectors = resolved.selectors;
    prune.keep = options_.keep_versions;
    for (const auto& f : resolved.functions) prune.function_names.push_back(f.function_name);
    spec.steps.push_back(engine::steps::LambdaPruneStep(prune));
  }
  FERRY_ASSIGN_OR_RETURN(auto execution, engine_.Start(spec, created));
  if (freeze_override && (created == nullptr || *created)) {
    store::AuditEntry entry;
    entry.actor = in.actor.empty() ? "unknown" : in.actor;
    entry.action = "execution.freeze-override";
    entry.subject_type = "execution";
    entry.subject_id = execution.id;
    entry.details_json = *freeze_override;
    // The override is already in the execution's inputs; a failed audit append does not undo
    // a deployment that has started.
    if (auto appended = store_.audit().Append(entry); !appended.ok()) {
      log::Warn("could not record a freeze override in the audit log",
                {{"execution", execution.id}, {"error", appended.error().message}});
    }
  }
  if (options_.wake_engine) options_.wake_engine();
  return execution;
}

Result<PlanStatus> DeployService::StartPlan(const DeploymentInput& in,
                                            const std::optional<std::string>& plan_key) {
  DeploymentInput input = in;
  input.idempotency_key.reset();
  FERRY_ASSIGN_OR_RETURN(auto resolved, Impl::Resolve(store_, options_, input));
  lambda::PlanTask plan{
      resolved.target, resolved.functions, {}, input.application, input.environment};
  // What Ferry last left each function as, so that the plan also reports drift.
  std::vector<std::string> keys;
  for (const auto& f : resolved.functions) {
    keys.push_back(lambda::KnownStateKey(resolved.target, f.function_name));
  }
  for (size_t begin = 0; begin < keys.size(); begin += store::kMaxPageSize) {
    const size_t end = std::min(keys.size(), begin + store::kMaxPageSize);
    FERRY_ASSIGN_OR_RETURN(auto states, store_.known_states().Get(std::vector<std::string>(
                                            keys.begin() + begin, keys.begin() + end)));
    for (const auto& state : states) {
      // An entry that does not decode is treated like a missing one: no drift to report.
      auto recorded = lambda::DecodeRecordedFunction(state.state_json);
      if (recorded.ok() && recorded->function.exists) plan.recorded.push_back(*recorded);
    }
  }
  store::NewTask task;
  task.kind = lambda::kPlanTask;
  task.payload_json = lambda::EncodePlanTask(plan);
  task.selectors = resolved.selectors;
  task.idempotency_key = plan_key.value_or("plan/" + plan_ids_.NewId());
  task.max_attempts = 3;
  FERRY_ASSIGN_OR_RETURN(auto enqueued, store_.tasks().Enqueue(task));
  if (options_.wake_delegate) options_.wake_delegate();
  return PlanStatus{enqueued.task.id,     input.application, input.environment,
                    enqueued.task.status, std::nullopt,      std::nullopt};
}

Result<PlanStatus> DeployService::StartDriftCheck(const std::string& application,
                                                  const std::string& service,
                                                  const std::string& environment,
                                                  const std::string& actor,
                                                  const std::optional<std::string>& plan_key) {
  store::DeploymentFilter filter;
  filter.application = application;
  filter.service = service;
  filter.environment = environment;
  filter.state = store::DeploymentState::kSucceeded;
  filter.limit = 1;
  FERRY_ASSIGN_OR_RETURN(auto newest, store_.deployments().List(filter));
  if (newest.empty()) {
    return Error{ErrorCode::kNotFound, "Ferry never deployed service " + QuoteForMessage(service) +
                                           " of application " + QuoteForMessage(application) +
                                           " to " + QuoteForMessage(environment) +
                                           ": there is nothing to compare with"};
  }
  FERRY_ASSIGN_OR_RETURN(auto execution, store_.executions().Get(newest.front().execution_id));
  DeploymentInput input;
  input.application = application;
  input.service = service;
  input.environment = environment;
  input.workflow =
      execution.workflow.empty() ? std::nullopt : std::optional<std::string>(execution.workflow);
  input.artifact_id = execution.artifact_id;
  if (!input.artifact_id) {
    // An S3 location deployed without being recorded as an artifact: the deploy step's inputs
    // say where the code came from.
    for (int index = 0; index < 256; ++index) {
      auto step = store_.executions().GetStep(execution.id, index);
      if (!step.ok()) break;
      if (step->kind != engine::steps::kLambdaDeploy) continue;
      auto inputs = lambda::DecodeDeployStepInputs(step->inputs_json);
      if (inputs.ok() && !inputs->functions.empty() &&
          !inputs->functions.front().code.s3_bucket.empty()) {
        const lambda::CodeSource& code = inputs->functions.front().code;
        input.artifact = ArtifactLocation{code.s3_bucket, code.s3_key, code.s3_object_version};
      }
      break;
    }
  }
  // The build Ferry deployed, wherever it came from: a plan changes nothing.
  input.allow_outside_artifact_source = true;
  input.actor = actor;
  return StartPlan(input, plan_key);
}

Result<PlanStatus> DeployService::GetPlan(const std::string& id) {
  auto task = store_.tasks().Get(id);
  if (!task.ok() || task->kind != lambda::kPlanTask) {
    if (!task.ok() && task.error().code != ErrorCode::kNotFound) return task.error();
    return Error{ErrorCode::kNotFound, "there is no plan " + QuoteForMessage(id)};
  }
  PlanStatus out{task->id, "", "", task->status, std::nullopt, std::nullopt};
  if (auto payload = lambda::DecodePlanTask(task->payload_json); payload.ok()) {
    out.application = payload->application;
    out.environment = payload->environment;
  }
  if (store::IsTerminal(task->status)) {
    if (task->result_json) {
      auto result = lambda::DecodePlanResult(*task->result_json);
      if (result.ok() && !result->functions.empty()) out.result = std::move(result).value();
    }
    if (task->status != store::TaskStatus::kSucceeded) {
      out.error = task->error.value_or("the plan failed");
    }
  }
  return out;
}

// The newest succeeded deployment of the service in the environment that changed something, and
// what its functions' managed aliases were before it (its snapshots).
Result<DeployService::Impl::Target> DeployService::Impl::NewestChange(store::Store& store,
                                                                      const RollbackInput& in) {
  store::DeploymentFilter filter;
  filter.application = in.application;
  filter.service = in.service;
  filter.environment = in.environment;
  filter.state = store::DeploymentState::kSucceeded;
  filter.limit = store::kMaxPageSize;
  FERRY_ASSIGN_OR_RETURN(auto records, store.deployments().List(filter));
  std::string newest;
  for (const auto& r : records) {
    auto details = lambda::DecodeDeploymentDetails(r.details_json);
    if (details.ok() && details->changed) {
      newest = r.execution_id;
      break;
    }
  }
  const std::string where = in.application + "/" + in.service + " in " + in.environment;
  if (newest.empty()) {
    return Error{ErrorCode::kFailedPrecondition,
                 "there is no deployment of " + where + " to roll back: none that succeeded " +
                     (records.empty() ? "yet" : "changed anything") +
                     " (earlier ones were rolled back already)"};
  }
  Target target;
  target.execution = newest;
  target.undo = true;
  std::vector<std::string> summary;
  for (const auto& r : records) {
    if (r.execution_id != newest) continue;
    if (r.created_function) {
      return Error{ErrorCode::kFailedPrecondition,
                   "the newest change of " + where + " (execution " + newest + ") created " +
                       r.function + ": there is nothing before it to roll back to"};
    }
    FERRY_ASSIGN_OR_RETURN(auto before, lambda::DecodeRecordedSnapshot(r.snapshot_json));
    FERRY_ASSIGN_OR_RETURN(auto details, lambda::DecodeDeploymentDetails(r.details_json));
    lambda::RestoreFunction f;
    f.function_name = r.function;
    for (const auto& alias : before.aliases) {
      if (!details.deployed_aliases.count(alias.name)) continue;
      lambda::AliasState a;
      a.name = alias.name;
      a.version = alias.version;
      a.weights = alias.weights;
      summary.push_back(r.function + ":" + alias.name + " → " + alias.version);
      f.aliases.push_back(std::move(a));
    }
    if (!f.aliases.empty()) target.functions.push_back(std::move(f));
  }
  if (target.functions.empty()) {
    return Error{ErrorCode::kFailedPrecondition,
                 "the newest change of " + where + " (execution " + newest +
                     ") created every alias it deployed: there is nothing before it to restore"};
  }
  target.what = Join(summary, ", ");
  return target;
}

// What execution `to` recorded for each function (its aliases after it).
Result<DeployService::Impl::Target> DeployService::Impl::RecordedBy(store::Store& store,
                                                                    const RollbackInput& in,
                                                                    const std::string& to) {
  auto execution = store.executions().Get(to);
  if (!execution.ok()) {
    if (execution.error().code == ErrorCode::kNotFound) {
      return Error{ErrorCode::kNotFound, "there is no execution " + QuoteForMessage(to)};
    }
    return execution.error();
  }
  const std::string where = in.application + "/" + in.service + " in " + in.environment;
  if (execution->application != in.application || execution->service != in.service ||
      execution->environment != in.environment) {
    return Error{ErrorCode::kInvalidArgument,
                 "execution " + to + " deployed " + execution->application + "/" +
                     execution->service + " in " + execution->environment + ", not " + where};
  }
  if (execution->status != store::ExecutionStatus::kSucceeded ||
      execution->workflow == kRollbackWorkflow) {
    return Error{
        ErrorCode::kFailedPrecondition,
        "execution " + to + " is not a successful deployment (" +
            (execution->workflow == kRollbackWorkflow
                 ? std::string("it is a rollback")
                 : "it ended " + std::string(store::ExecutionStatusName(execution->status))) +
            "); roll back to a succeeded deployment"};
  }
  store::DeploymentFilter filter;
  filter.execution_id = to;
  filter.limit = store::kMaxPageSize;
  FERRY_ASSIGN_OR_RETURN(auto records, store.deployments().List(filter));
  Target target;
  target.execution = to;
  std::vector<std::string> summary;
  for (const auto& r : records) {
    FERRY_ASSIGN_OR_RETURN(auto aliases, lambda::DecodeRecordedAliases(r.aliases_json));
    if (aliases.empty()) continue;
    for (const auto& a : aliases) summary.push_back(r.function + ":" + a.name + " → " + a.version);
    target.functions.push_back(lambda::RestoreFunction{r.function, std::move(aliases)});
  }
  if (target.functions.empty()) {
    return Error{ErrorCode::kFailedPrecondition,
                 "execution " + to + " recorded no alias to restore"};
  }
  target.what = Join(summary, ", ");
  return target;
}

// What Ferry's own prune steps since the target deleted (their outputs), so a rollback to pruned
// versions is refused at once. Versions deleted outside Ferry are found when the rollback runs
// (its check phase reads the functions).
Status DeployService::Impl::CheckNotPruned(store::Store& store, const RollbackInput& in,
                                           const Target& target) {
  std::map<std::string, std::set<std::string>> needed;
  for (const auto& f : target.functions) {
    for (const auto& a : f.aliases) {
      needed[f.function_name].insert(a.version);
      for (const auto& [version, weight] : a.weights) needed[f.function_name].insert(version);
    }
  }
  store::ExecutionFilter filter;
  filter.application = in.application;
  filter.service = in.service;
  filter.environment = in.environment;
  filter.limit = 200;
  FERRY_ASSIGN_OR_RETURN(auto executions, store.executions().List(filter));
  std::map<std::string, std::set<std::string>> gone;
  for (const auto& e : executions) {
    if (e.id < target.execution) break;  // ids are time-ordered; the list is newest first
    FERRY_ASSIGN_OR_RETURN(auto steps, store.executions().Steps(e.id));
    for (const auto& step : steps) {
      if (step.kind != engine::steps::kLambdaPrune) continue;
      auto pruned = lambda::DecodePruneResult(step.outputs_json);
      if (!pruned.ok()) continue;
      for (const auto& p : pruned->pruned) {
        auto want = needed.find(p.function_name);
        if (want == needed.end()) continue;
        for (const auto& v : p.deleted) {
          if (want->second.count(v)) gone[p.function_name].insert(v);
        }
      }
    }
  }
  if (gone.empty()) return Ok();
  std::vector<std::string> parts;
  for (const auto& [name, versions] : gone) {
    std::vector<std::string> sorted(versions.begin(), versions.end());
    std::sort(sorted.begin(), sorted.end(), lambda::VersionLess);
    parts.push_back("version" + std::string(sorted.size() > 1 ? "s " : " ") + Join(sorted, ", ") +
                    " of " + name);
  }
  return Error{ErrorCode::kFailedPrecondition,
               std::string("cannot roll back ") + (target.undo ? "execution " : "to execution ") +
                   target.execution + ": " + Join(parts, "; ") +
                   " were pruned since; roll back to a more recent deployment"};
}

Result<StartedRollback> DeployService::Rollback(const RollbackInput& in, bool* created) {
  auto& entities = store_.entities();
  // The application, service and environment must exist (a named error otherwise).
  FERRY_RETURN_IF_ERROR(deploy::LoadScope(entities, in.application, in.service, in.environment));
  Impl::Target target;
  if (in.to_execution) {
    FERRY_ASSIGN_OR_RETURN(target, Impl::RecordedBy(store_, in, *in.to_execution));
  } else {
    FERRY_ASSIGN_OR_RETURN(target, Impl::NewestChange(store_, in));
  }
  FERRY_RETURN_IF_ERROR(Impl::CheckNotPruned(store_, in, target));
  FERRY_ASSIGN_OR_RETURN(auto deployed, store_.executions().Get(target.execution));

  lambda::RestoreStepInputs restore;
  restore.execution = target.execution;
  restore.undo = target.undo;
  restore.functions = target.functions;
  // Restore where that execution deployed: its recorded target, with the cloud provider's
  // current endpoint, credentials and delegate selectors when it still exists.
  FERRY_ASSIGN_OR_RETURN(auto steps, store_.executions().Steps(target.execution));
  for (const auto& step : steps) {
    if (step.kind != engine::steps::kLambdaDeploy || step.undo_of) continue;
    auto inputs = lambda::DecodeDeployStepInputs(step.inputs_json);
    if (!inputs.ok()) continue;
    restore.target = inputs->target;
    restore.selectors = inputs->selectors;
    break;
  }
  if (!restore.target.cloud_provider.empty()) {
    auto provider = deploy::LoadCloudProvider(entities, restore.target.cloud_provider);
    if (provider.ok()) {
      restore.target.endpoint = provider->endpoint.value_or("");
      restore.target.credentials = deploy::TargetCredentialsOf(*provider);
      restore.selectors = provider->delegate_selectors;
    }
  }
  if (restore.target.region.empty()) restore.target.region = options_.default_region;

  engine::ExecutionSpec spec;
  spec.application = in.application;
  spec.service = in.service;
  spec.environment = in.environment;
  spec.workflow = kRollbackWorkflow;
  spec.trigger = "rollback";
  spec.actor = in.actor;
  spec.actor_source = in.actor_source;
  spec.idempotency_key = in.idempotency_key;
  // A failed restore puts the aliases back as they were before it; it never deletes a function.
  spec.failure_strategy = engine::FailureStrategy::kRollback;
  spec.steps.push_back(engine::steps::LambdaRestoreStep(restore));
  StartedRollback out;
  FERRY_ASSIGN_OR_RETURN(out.execution, engine_.Start(spec, created));
  out.undo = target.undo;
  out.target = target.execution;
  out.description = (target.undo ? "undoing execution " : "restoring what execution ") +
                    target.execution + " (" + When(deployed) + ")" +
                    (target.undo ? " changed: " : " left: ") + target.what;
  if (options_.wake_engine) options_.wake_engine();
  return out;
}

}  // namespace ferry::api
