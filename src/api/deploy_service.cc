#include "api/deploy_service.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "api/deploy_config.h"
#include "common/json.h"
#include "common/strings.h"
#include "config/resolve.h"
#include "config/runnable.h"
#include "delegate/lambda/target_json.h"
#include "model/enums.h"

namespace ferry::api {

using delegate::lambda::DesiredFunction;

struct DeployService::Impl {
  // Where the code comes from and what ${artifact.*} renders to.
  struct Artifact {
    std::optional<std::string> id;
    std::string bucket, key, object_version, code_sha256;
    config::ArtifactRef ref;
  };

  static Result<Artifact> ResolveArtifact(store::Store& store, const DeploymentInput& in,
                                          const model::Service& service);
  static Result<DesiredFunction> ToDesired(const config::ResolvedFunction& f, const Artifact& a);
  // An earlier execution's lambda.deploy steps, parsed: what each function deployed (outputs)
  // and was asked for (inputs).
  struct ParsedDeployStep {
    Json deployments;  // outputs.deployments
    Json functions;    // inputs.functions
  };
  // Parsed once per Deploy call: a service's functions usually share one previous execution,
  // whose outputs hold all of them (parsing it per function made a deploy quadratic).
  using DeployStepCache = std::map<std::string, std::vector<ParsedDeployStep>>;
  static Status CarryForwardManagedKeys(store::Store& store, DesiredFunction& d,
                                        DeployStepCache& cache);
  static Result<std::string> DefaultRollbackTarget(store::Store& store, const RollbackInput& in);
  static Status CheckNotPruned(store::Store& store, const RollbackInput& in, const std::string& to,
                               const std::vector<engine::RestoreFunction>& functions);
};

namespace {

const Json* FindFunction(const Json& list, const std::string& name) {
  if (!list.is_array()) return nullptr;
  for (const auto& f : list) {
    if (f.is_object() && f.value("functionName", "") == name) return &f;
  }
  return nullptr;
}

std::set<std::string> StringSet(const Json* object, const char* key) {
  std::set<std::string> out;
  if (object == nullptr) return out;
  auto it = object->find(key);
  if (it == object->end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.insert(v.get<std::string>());
  }
  return out;
}

Json ParseObject(const std::string& text) {
  auto parsed = ParseJson(text);
  return parsed.ok() && parsed->is_object() ? *parsed : Json::object();
}

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

// The connection's credentials as the delegate needs them: names and ids, never a secret value.
delegate::lambda::TargetCredentials TargetCredentialsOf(const model::CloudProvider& provider) {
  delegate::lambda::TargetCredentials out;
  if (provider.credentials.mode == model::CredentialsMode::kKeys) {
    out.mode = delegate::lambda::TargetCredentialsMode::kKeys;
    out.access_key_id = provider.credentials.access_key_id.value_or("");
    out.secret_name = provider.credentials.secret_access_key.value_or("");
  }
  if (provider.assume_role) {
    delegate::lambda::TargetAssumeRole role;
    role.role_arn = provider.assume_role->role_arn;
    role.external_id = provider.assume_role->external_id.value_or("");
    role.session_name = provider.assume_role->session_name.value_or("");
    role.duration_seconds = provider.assume_role->duration_seconds.value_or(0);
    out.assume_role = std::move(role);
  }
  return out;
}

}  // namespace

DeployService::DeployService(store::Store& store, engine::Engine& engine, Clock& clock,
                             DeployServiceOptions options)
    : store_(store), engine_(engine), clock_(clock), options_(std::move(options)) {}

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
    Json location = ParseObject(record->location_json);
    a.id = record->id;
    a.bucket = location.value("s3Bucket", "");
    a.key = location.value("s3Key", "");
    a.object_version = location.value("s3ObjectVersion", "");
    a.code_sha256 = record->code_sha256;
    a.ref = config::ArtifactRef{record->key, record->version};
    if (a.bucket.empty() || a.key.empty()) {
      return Error{ErrorCode::kFailedPrecondition,
                   "artifact " + record->id + " has no S3 location (s3Bucket, s3Key)"};
    }
    return a;
  }
  ArtifactLocation location;
  if (in.artifact) {
    location = *in.artifact;
  } else if (service.artifact.s3 && service.artifact.s3->key) {
    location.s3_bucket = service.artifact.s3->bucket;
    location.s3_key = *service.artifact.s3->key;
  } else {
    return Error{ErrorCode::kInvalidArgument,
                 "no artifact to deploy: give an artifact id or an S3 location (--artifact ID, "
                 "--s3 s3://bucket/key), or pin a key in service " +
                     service.name + "'s artifact source (s3.key)"};
  }
  FERRY_RETURN_IF_ERROR(CheckLocation(location));
  a.bucket = location.s3_bucket;
  a.key = location.s3_key;
  a.object_version = location.s3_object_version;
  // ${artifact.version}: the object version, else what the source's filter captures (a build
  // number in "orders-(\d+)\.zip"), else empty.
  std::string version = a.object_version;
  if (version.empty() && service.artifact.s3 && service.artifact.s3->filter) {
    std::string rest = a.key;
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
  a.ref = config::ArtifactRef{a.key, version};
  // A location that was recorded (by a trigger or POST /artifacts) deploys as that artifact.
  store::ArtifactFilter filter;
  filter.key = a.key;
  filter.limit = 100;
  FERRY_ASSIGN_OR_RETURN(auto recorded, store.artifacts().List(filter));
  for (const auto& r : recorded) {
    Json l = ParseObject(r.location_json);
    if (l.value("s3Bucket", "") == a.bucket && l.value("s3Key", "") == a.key &&
        l.value("s3ObjectVersion", "") == a.object_version && !a.object_version.empty()) {
      a.id = r.id;
      a.code_sha256 = r.code_sha256;
      a.ref.version = r.version;
      break;
    }
  }
  return a;
}

Result<DesiredFunction> DeployService::Impl::ToDesired(const config::ResolvedFunction& f,
                                                       const Artifact& a) {
  // Image functions: refused from the table `ferry validate` warns from (config/runnable.h).
  if (auto not_runnable = config::PackageNotRunnable(f.package_type, "function " + f.spec_name)) {
    return not_runnable->ToError();
  }
  DesiredFunction d;
  d.function_name = f.function_name;
  auto& c = d.config;
  c.package_type = "Zip";
  c.runtime = f.runtime.value_or("");
  c.handler = f.handler.value_or("");
  c.role = f.execution_role;
  c.description = f.description;
  c.memory_mb = static_cast<int>(f.memory);
  c.timeout_seconds = static_cast<int>(f.timeout);
  c.ephemeral_storage_mb = static_cast<int>(f.ephemeral_storage);
  c.architectures = {f.architecture};
  c.layers = f.layers;
  c.environment = f.environment;
  d.secret_environment = f.secret_environment;  // the delegate reads the secrets
  c.vpc.subnet_ids = f.subnets;
  c.vpc.security_group_ids = f.security_groups;
  c.tracing_mode = f.tracing == model::TracingMode::kActive ? "Active" : "PassThrough";
  c.kms_key_arn = f.kms_key.value_or("");
  c.dead_letter_target = f.dead_letter_target.value_or("");
  d.code.s3_bucket = a.bucket;
  d.code.s3_key = a.key;
  d.code.s3_object_version = a.object_version;
  d.code.code_sha256 = a.code_sha256;
  d.tags = f.tags;
  d.aliases = f.aliases;
  // Empty: the engine writes "ferry execution <id>" once the execution exists.
  d.version_description.clear();
  return d;
}

// F-DEPLOY 5: the tag and environment keys Ferry set in the last deployment of the function,
// so that keys no longer declared are removed and keys set by others are left alone. When that
// deployment did not succeed, the keys it inherited stay managed too (it may have stopped before
// removing them).
Status DeployService::Impl::CarryForwardManagedKeys(store::Store& store, DesiredFunction& d,
                                                    DeployStepCache& cache) {
  store::DeploymentFilter filter;
  filter.function = d.function_name;
  filter.limit = 1;
  FERRY_ASSIGN_OR_RETURN(auto records, store.deployments().List(filter));
  if (records.empty()) return Ok();
  const auto& last = records.front();
  auto cached = cache.find(last.execution_id);
  if (cached == cache.end()) {
    FERRY_ASSIGN_OR_RETURN(auto steps, store.executions().Steps(last.execution_id));
    std::vector<ParsedDeployStep> parsed;
    for (const auto& step : steps) {
      if (step.kind != "lambda.deploy") continue;
      parsed.push_back({ParseObject(step.outputs_json).value("deployments", Json::array()),
                        ParseObject(step.inputs_json).value("functions", Json::array())});
    }
    cached = cache.emplace(last.execution_id, std::move(parsed)).first;
  }
  for (const auto& step : cached->second) {
    const Json* deployed = FindFunction(step.deployments, d.function_name);
    if (deployed == nullptr) continue;
    d.previously_managed_tags = StringSet(deployed, "managedTags");
    d.previously_managed_environment = StringSet(deployed, "managedEnvironment");
    if (last.state != store::DeploymentState::kSucceeded) {
      const Json* desired = FindFunction(step.functions, d.function_name);
      d.previously_managed_tags.merge(StringSet(desired, "previouslyManagedTags"));
      d.previously_managed_environment.merge(StringSet(desired, "previouslyManagedEnvironment"));
    }
  }
  return Ok();
}

Result<store::ExecutionRecord> DeployService::Deploy(const DeploymentInput& in, bool* created) {
  auto& entities = store_.entities();
  FERRY_ASSIGN_OR_RETURN(auto scope,
                         deploy::LoadScope(entities, in.application, in.service, in.environment));
  std::map<std::string, std::string> variables;
  FERRY_ASSIGN_OR_RETURN(auto workflow,
                         deploy::ChooseWorkflow(entities, scope, in.workflow, &variables));
  FERRY_ASSIGN_OR_RETURN(Duration timeout, deploy::CheckExecutable(workflow));
  FERRY_ASSIGN_OR_RETURN(auto infrastructure,
                         deploy::ChooseInfrastructure(scope, workflow.infrastructure));
  FERRY_ASSIGN_OR_RETURN(auto provider,
                         deploy::LoadCloudProvider(entities, infrastructure.cloud_provider));
  FERRY_ASSIGN_OR_RETURN(auto artifact, Impl::ResolveArtifact(store_, in, scope.service));

  config::ResolveInput resolve;
  resolve.application = scope.application.name;
  resolve.service = &scope.service;
  resolve.environment = &scope.environment;
  resolve.infrastructure = &infrastructure;
  resolve.cloud_provider = &provider;
  resolve.artifact = artifact.ref;
  resolve.workflow_variables = variables;
  resolve.secret = [&entities](std::string_view name) {
    return deploy::ResolveSecret(entities, name);
  };
  FERRY_ASSIGN_OR_RETURN(auto resolved, config::ResolveFunctionSpecs(resolve));

  engine::DeployRequest request;
  request.application = scope.application.name;
  request.service = scope.service.name;
  request.environment = scope.environment.name;
  request.workflow = workflow.name;
  request.trigger = in.trigger.empty() ? "manual" : in.trigger;
  request.actor = in.actor;
  request.artifact_id = artifact.id;
  request.idempotency_key = in.idempotency_key;
  request.deploy_timeout = timeout;
  request.selectors = provider.delegate_selectors;
  request.target.region = infrastructure.region.value_or(provider.region.value_or(""));
  if (!resolved.empty() && !resolved.front().region.empty()) {
    request.target.region = resolved.front().region;
  }
  if (request.target.region.empty()) request.target.region = options_.default_region;
  request.target.endpoint = provider.endpoint.value_or("");
  request.target.cloud_provider = provider.name;
  request.target.credentials = TargetCredentialsOf(provider);
  switch (workflow.failure_strategy) {
    case model::FailureStrategy::kAbort:
      request.failure_strategy = engine::FailureStrategy::kAbort;
      break;
    case model::FailureStrategy::kIgnore:
      request.failure_strategy = engine::FailureStrategy::kIgnore;
      break;
    default:
      request.failure_strategy = engine::FailureStrategy::kRollback;
  }
  Impl::DeployStepCache previous;
  for (const auto& f : resolved) {
    FERRY_ASSIGN_OR_RETURN(auto desired, Impl::ToDesired(f, artifact));
    FERRY_RETURN_IF_ERROR(Impl::CarryForwardManagedKeys(store_, desired, previous));
    request.functions.push_back(std::move(desired));
  }
  FERRY_ASSIGN_OR_RETURN(auto execution, engine_.StartDeploy(request, created));
  if (options_.wake_engine) options_.wake_engine();
  return execution;
}

// The succeeded deployment before the latest succeeded one (by execution).
Result<std::string> DeployService::Impl::DefaultRollbackTarget(store::Store& store,
                                                               const RollbackInput& in) {
  store::DeploymentFilter filter;
  filter.application = in.application;
  filter.service = in.service;
  filter.environment = in.environment;
  filter.state = store::DeploymentState::kSucceeded;
  filter.limit = 1000;
  FERRY_ASSIGN_OR_RETURN(auto records, store.deployments().List(filter));
  std::vector<std::string> executions;
  for (const auto& r : records) {
    if (std::find(executions.begin(), executions.end(), r.execution_id) == executions.end()) {
      executions.push_back(r.execution_id);
    }
    if (executions.size() == 2) return executions[1];
  }
  return Error{ErrorCode::kFailedPrecondition,
               "there is no earlier successful deployment of " + in.application + "/" + in.service +
                   " in " + in.environment + " to roll back to" +
                   (executions.empty() ? " (none succeeded yet)"
                                       : " (only " + executions.front() + " succeeded)")};
}

// What Ferry's own prune steps since `to` deleted (their outputs), so a rollback to pruned
// versions is refused at once. Versions deleted outside Ferry are found when the rollback runs
// (its check phase reads the functions).
Status DeployService::Impl::CheckNotPruned(store::Store& store, const RollbackInput& in,
                                           const std::string& to,
                                           const std::vector<engine::RestoreFunction>& functions) {
  std::map<std::string, std::set<std::string>> needed;
  for (const auto& f : functions) {
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
    if (e.id <= to) break;  // ids are time-ordered; the list is newest first
    FERRY_ASSIGN_OR_RETURN(auto steps, store.executions().Steps(e.id));
    for (const auto& step : steps) {
      if (step.kind != "lambda.prune") continue;
      const Json outputs = ParseObject(step.outputs_json);
      const Json pruned = outputs.value("pruned", Json::array());
      for (const auto& p : pruned) {
        if (!p.is_object()) continue;
        const std::string name = p.value("functionName", "");
        auto want = needed.find(name);
        if (want == needed.end()) continue;
        auto deleted = p.find("deleted");
        if (deleted == p.end() || !deleted->is_array()) continue;
        for (const auto& v : *deleted) {
          if (v.is_string() && want->second.count(v.get<std::string>())) {
            gone[name].insert(v.get<std::string>());
          }
        }
      }
    }
  }
  if (gone.empty()) return Ok();
  std::vector<std::string> parts;
  for (const auto& [name, versions] : gone) {
    std::vector<std::string> sorted(versions.begin(), versions.end());
    std::sort(sorted.begin(), sorted.end(), delegate::lambda::VersionLess);
    parts.push_back("version" + std::string(sorted.size() > 1 ? "s " : " ") + Join(sorted, ", ") +
                    " of " + name);
  }
  return Error{ErrorCode::kFailedPrecondition,
               "cannot roll back to execution " + to + ": " + Join(parts, "; ") +
                   " were pruned since; roll back to a more recent deployment"};
}

Result<store::ExecutionRecord> DeployService::Rollback(const RollbackInput& in, bool* created) {
  auto& entities = store_.entities();
  FERRY_ASSIGN_OR_RETURN(auto scope,
                         deploy::LoadScope(entities, in.application, in.service, in.environment));
  std::string to;
  if (in.to_execution) {
    to = *in.to_execution;
  } else {
    FERRY_ASSIGN_OR_RETURN(to, Impl::DefaultRollbackTarget(store_, in));
  }
  auto target = store_.executions().Get(to);
  if (!target.ok()) {
    if (target.error().code == ErrorCode::kNotFound) {
      return Error{ErrorCode::kNotFound, "there is no execution " + QuoteForMessage(to)};
    }
    return target.error();
  }
  const std::string where = in.application + "/" + in.service + " in " + in.environment;
  if (target->application != in.application || target->service != in.service ||
      target->environment != in.environment) {
    return Error{ErrorCode::kInvalidArgument, "execution " + to + " deployed " +
                                                  target->application + "/" + target->service +
                                                  " in " + target->environment + ", not " + where};
  }
  if (target->status != store::ExecutionStatus::kSucceeded ||
      target->workflow == engine::kRollbackWorkflow) {
    return Error{ErrorCode::kFailedPrecondition,
                 "execution " + to + " is not a successful deployment (" +
                     (target->workflow == engine::kRollbackWorkflow
                          ? std::string("it is a rollback")
                          : "it ended " + std::string(store::ExecutionStatusName(target->status))) +
                     "); roll back to a succeeded deployment"};
  }
  store::DeploymentFilter filter;
  filter.execution_id = to;
  filter.limit = 1000;
  FERRY_ASSIGN_OR_RETURN(auto records, store_.deployments().List(filter));
  engine::RollbackRequest request;
  request.application = in.application;
  request.service = in.service;
  request.environment = in.environment;
  request.to_execution = to;
  request.actor = in.actor;
  request.idempotency_key = in.idempotency_key;
  for (const auto& r : records) {
    engine::RestoreFunction f;
    f.function_name = r.function;
    const Json recorded_aliases = ParseObject(r.aliases_json);
    for (const auto& [name, state] : recorded_aliases.items()) {
      if (!state.is_object()) continue;
      delegate::lambda::AliasState alias;
      alias.name = name;
      alias.version = state.value("version", "");
      if (auto w = state.find("weights"); w != state.end() && w->is_object()) {
        for (const auto& [version, weight] : w->items()) {
          if (weight.is_number()) alias.weights[version] = weight.get<double>();
        }
      }
      f.aliases.push_back(std::move(alias));
    }
    if (!f.aliases.empty()) request.functions.push_back(std::move(f));
  }
  if (request.functions.empty()) {
    return Error{ErrorCode::kFailedPrecondition,
                 "execution " + to + " recorded no alias to restore"};
  }
  FERRY_RETURN_IF_ERROR(Impl::CheckNotPruned(store_, in, to, request.functions));
  // Restore where that execution deployed: its recorded target, with the cloud provider's
  // current endpoint, credentials and delegate selectors when it still exists.
  FERRY_ASSIGN_OR_RETURN(auto steps, store_.executions().Steps(to));
  for (const auto& step : steps) {
    if (step.kind != "lambda.deploy") continue;
    const Json inputs = ParseObject(step.inputs_json);
    const Json recorded = inputs.value("target", Json::object());
    request.target.region = recorded.value("region", "");
    request.target.endpoint = recorded.value("endpoint", "");
    request.target.cloud_provider = recorded.value("cloudProvider", "");
    if (auto parsed = delegate::lambda::TargetFromJson(recorded); parsed.ok()) {
      request.target.credentials = parsed->credentials;
    }
    request.selectors = inputs.value("selectors", std::vector<std::string>{});
    break;
  }
  if (!request.target.cloud_provider.empty()) {
    auto provider = deploy::LoadCloudProvider(entities, request.target.cloud_provider);
    if (provider.ok()) {
      request.target.endpoint = provider->endpoint.value_or("");
      request.target.credentials = TargetCredentialsOf(*provider);
      request.selectors = provider->delegate_selectors;
    }
  }
  if (request.target.region.empty()) request.target.region = options_.default_region;
  FERRY_ASSIGN_OR_RETURN(auto execution, engine_.StartRollback(request, created));
  if (options_.wake_engine) options_.wake_engine();
  return execution;
}

}  // namespace ferry::api
