#include "delegate/lambda/lambda_tasks.h"

#include "common/json.h"
#include "delegate/lambda/state_json.h"
#include "delegate/lambda/target_json.h"

namespace ferry::delegate::lambda {
namespace {

TaskResult Failed(std::string error, Json result = Json::object()) {
  return TaskResult{false, DumpJson(result), std::move(error)};
}

Result<LambdaTarget> TargetFrom(const Json& payload) {
  auto it = payload.find("target");
  if (it == payload.end() || !it->is_object()) {
    return Error{ErrorCode::kInvalidArgument, "the task has no target"};
  }
  return TargetFromJson(*it);
}

// Moves each secret environment variable into config.environment with its value.
Status RenderSecretEnvironment(DesiredFunction& d, const SecretResolver& secrets) {
  for (const auto& [key, text] : d.secret_environment) {
    auto value = RenderSecretText(text, secrets);
    if (!value.ok()) {
      return value.error().WithContext(d.function_name + " environment." + key);
    }
    d.config.environment[key] = std::move(value).value();
  }
  d.secret_environment.clear();
  return Ok();
}

const Json* Array(const Json& payload, const char* key) {
  auto it = payload.find(key);
  return it != payload.end() && it->is_array() ? &*it : nullptr;
}

}  // namespace

LambdaTaskHandler::LambdaTaskHandler(LambdaApiProvider& provider, size_t default_concurrency,
                                     SecretResolver secrets)
    : provider_(provider),
      default_concurrency_(default_concurrency),
      secrets_(std::move(secrets)) {}

TaskResult LambdaTaskHandler::Run(const TaskAssignment& assignment, TaskContext& context) {
  auto parsed = ParseJson(assignment.payload_json);
  if (!parsed.ok() || !parsed->is_object()) return Failed("the task payload is not a JSON object");
  const Json& payload = *parsed;
  auto target = TargetFrom(payload);
  if (!target.ok()) return Failed(target.error().message);
  auto api = provider_.For(*target);
  if (!api.ok()) return Failed(api.error().message);

  DeployerOptions options;
  auto concurrency = OptionalInt(payload, "concurrency");
  options.concurrency =
      concurrency.ok() && concurrency->has_value() && **concurrency > 0 && **concurrency <= 256
          ? static_cast<size_t>(**concurrency)
          : default_concurrency_;
  options.log = [&context](const std::string& line) { context.Log(TaskLogLevel::kInfo, line); };
  // A later attempt follows one that may have changed aliases and versions since the snapshot.
  options.reuse_recorded_lists = assignment.attempt <= 1;
  LambdaDeployer deployer(**api, options);
  std::stop_token stop = context.stop();

  if (assignment.kind == kSnapshotTask) {
    const Json* names = Array(payload, "functions");
    if (names == nullptr) return Failed("lambda.snapshot needs functions");
    Json snapshots = Json::array();
    for (const auto& name : *names) {
      if (!name.is_string()) return Failed("function names are strings");
      std::vector<std::string> ids;
      auto observed = deployer.Read(name.get<std::string>(), &ids, stop);
      if (!observed.ok()) return Failed(observed.error().message);
      snapshots.push_back(ToJson(RedactEnvironment(*observed)));
    }
    return TaskResult{true, DumpJson(Json{{"snapshots", snapshots}}), ""};
  }

  if (assignment.kind == kDeployTask) {
    const Json* functions = Array(payload, "functions");
    if (functions == nullptr) return Failed("lambda.deploy needs functions");
    std::vector<DesiredFunction> desired;
    for (const auto& f : *functions) {
      auto d = DesiredFromJson(f);
      if (!d.ok()) return Failed(d.error().message);
      if (auto rendered = RenderSecretEnvironment(*d, secrets_); !rendered.ok()) {
        return Failed(rendered.error().message);
      }
      desired.push_back(std::move(d).value());
    }
    std::vector<ObservedFunction> snapshots;
    if (const Json* recorded = Array(payload, "snapshots")) {
      for (const auto& s : *recorded) {
        auto o = ObservedFromJson(s);
        if (!o.ok()) return Failed(o.error().message);
        snapshots.push_back(std::move(o).value());
      }
    }
    std::vector<const ObservedFunction*> recorded(desired.size(), nullptr);
    for (size_t i = 0; i < desired.size(); ++i) {
      for (const auto& s : snapshots) {
        if (s.function_name == desired[i].function_name) recorded[i] = &s;
      }
    }
    auto results = deployer.DeployAll(desired, recorded, stop);
    Json out = Json::array();
    std::string error;
    for (const auto& r : results) {
      out.push_back(ToJson(r));
      if (error.empty() && r.error) error = r.function_name + ": " + r.error->message;
    }
    Json result{{"deployments", out}};
    if (!error.empty()) return Failed(error, result);
    return TaskResult{true, DumpJson(result), ""};
  }

  if (assignment.kind == kRollbackTask) {
    const Json* records = Array(payload, "deployments");
    if (records == nullptr) return Failed("lambda.rollback needs deployments");
    std::vector<FunctionDeployment> deployments;
    for (const auto& r : *records) {
      auto d = DeploymentFromJson(r);
      if (!d.ok()) return Failed(d.error().message);
      deployments.push_back(std::move(d).value());
    }
    bool keep = payload.value("keepCreatedFunctions", false);
    auto reports = deployer.RollbackAll(deployments, keep, stop);
    Json out = Json::array();
    std::string error;
    for (const auto& r : reports) {
      Json calls = Json::array();
      for (const auto& c : r.calls) {
        calls.push_back({{"operation", c.operation},
                         {"description", c.description},
                         {"requestIds", c.request_ids},
                         {"error", c.error}});
      }
      Json item{{"functionName", r.function_name}, {"calls", calls}};
      if (r.error) {
        item["error"] = r.error->message;
        if (error.empty()) error = r.function_name + ": " + r.error->message;
      }
      out.push_back(item);
    }
    Json result{{"rollbacks", out}};
    if (!error.empty()) return Failed(error, result);
    return TaskResult{true, DumpJson(result), ""};
  }

  if (assignment.kind == kPruneTask) {
    const Json* functions = Array(payload, "functions");
    if (functions == nullptr) return Failed("lambda.prune needs functions");
    PruneOptions prune;
    auto keep = OptionalInt(payload, "keep");
    if (keep.ok() && keep->has_value() && **keep >= 1 && **keep <= 10000) {
      prune.keep = static_cast<size_t>(**keep);
    }
    Json out = Json::array();
    for (const auto& f : *functions) {
      if (!f.is_object() || !f.contains("name") || !f["name"].is_string()) {
        return Failed("prune entries need a name");
      }
      PruneOptions options = prune;
      if (auto p = f.find("protectedVersions"); p != f.end() && p->is_array()) {
        for (const auto& v : *p) {
          if (v.is_string()) options.protected_versions.insert(v.get<std::string>());
        }
      }
      auto report = deployer.Prune(f["name"].get<std::string>(), options, stop);
      if (report.error) return Failed(report.function_name + ": " + report.error->message);
      out.push_back({{"functionName", report.function_name}, {"deleted", report.deleted}});
    }
    return TaskResult{true, DumpJson(Json{{"pruned", out}}), ""};
  }
  return Failed("unknown task kind " + assignment.kind);
}

}  // namespace ferry::delegate::lambda
