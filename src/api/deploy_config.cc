#include "api/deploy_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <variant>

#include "common/secret_mask.h"
#include "common/strings.h"
#include "common/time.h"
#include "config/runnable.h"
#include "engine/engine.h"
#include "model/enums.h"
#include "model/json_codec.h"

namespace ferry::api::deploy {
namespace {

std::string KindLabel(model::Kind kind) {
  switch (kind) {
    case model::Kind::kCloudProvider:
      return "cloud provider";
    case model::Kind::kSecret:
      return "secret";
    case model::Kind::kApplication:
      return "application";
    case model::Kind::kService:
      return "service";
    case model::Kind::kEnvironment:
      return "environment";
    case model::Kind::kWorkflow:
      return "workflow";
    case model::Kind::kPipeline:
      return "pipeline";
    case model::Kind::kTrigger:
      return "trigger";
    case model::Kind::kFreezeWindow:
      return "freeze window";
    case model::Kind::kNotificationChannel:
      return "notification channel";
  }
  return "entity";
}

Result<std::vector<std::string>> NamesOf(store::EntityStore& entities, model::Kind kind,
                                         const std::string& application) {
  FERRY_ASSIGN_OR_RETURN(
      auto records,
      entities.List(model::StoreKindName(kind), model::IsApplicationScoped(kind)
                                                    ? std::optional<std::string>(application)
                                                    : std::optional<std::string>(std::string())));
  std::vector<std::string> names;
  for (const auto& r : records) names.push_back(r.key.name);
  return names;
}

template <typename T>
Result<T> Load(store::EntityStore& entities, model::Kind kind, const std::string& application,
               const std::string& name) {
  const std::string app = model::IsApplicationScoped(kind) ? application : "";
  const std::string where = app.empty() ? "" : " in application " + app;
  if (name.empty()) {
    return Error{ErrorCode::kInvalidArgument, "no " + KindLabel(kind) + " named" + where};
  }
  auto record = entities.Get({std::string(model::StoreKindName(kind)), app, name});
  if (!record.ok()) {
    if (record.error().code != ErrorCode::kNotFound) return record.error();
    std::string message = "there is no " + KindLabel(kind) + " " + QuoteForMessage(name) + where;
    auto names = NamesOf(entities, kind, app);
    if (names.ok()) {
      if (auto close = ClosestMatch(name, *names)) {
        message += "; did you mean " + QuoteForMessage(*close) + "?";
      } else if (names->empty()) {
        message += " (none is defined: apply the configuration first)";
      }
    }
    return Error{ErrorCode::kNotFound, message};
  }
  auto entity = model::EntityFromJson(record->spec_json);
  if (!entity.ok()) {
    return entity.error().WithContext("the stored " + KindLabel(kind) + " " + name +
                                      " does not decode");
  }
  if (T* typed = std::get_if<T>(&*entity)) return std::move(*typed);
  return Error{ErrorCode::kInternal,
               "the stored " + KindLabel(kind) + " " + name + " holds another kind of entity"};
}

// "${workflow.variables.NAME}" → NAME.
std::optional<std::string> TemplateVariable(std::string_view text) {
  std::string t(Trim(text));
  constexpr std::string_view kPrefix = "${workflow.variables.";
  if (t.size() <= kPrefix.size() + 1 || t.rfind(kPrefix, 0) != 0 || t.back() != '}') {
    return std::nullopt;
  }
  std::string name(Trim(std::string_view(t).substr(kPrefix.size(), t.size() - kPrefix.size() - 1)));
  if (name.empty() || name.find_first_of("${} ") != std::string::npos) return std::nullopt;
  return name;
}

// Whether `w` deploys scope's service to scope's environment; fills the variable that names the
// environment.
bool Matches(const model::Workflow& w, const Scope& scope,
             std::map<std::string, std::string>* variables) {
  if (w.service != scope.service.name) return false;
  if (w.environment == scope.environment.name) return true;
  auto variable = TemplateVariable(w.environment);
  if (!variable) return false;
  for (const auto& v : w.variables) {
    if (v.name != *variable) continue;
    if (!v.allowed.empty() &&
        std::find(v.allowed.begin(), v.allowed.end(), scope.environment.name) == v.allowed.end()) {
      return false;
    }
  }
  if (variables != nullptr) (*variables)[*variable] = scope.environment.name;
  return true;
}

}  // namespace

Result<Scope> LoadScope(store::EntityStore& entities, const std::string& application,
                        const std::string& service, const std::string& environment) {
  if (application.empty() || service.empty() || environment.empty()) {
    return Error{ErrorCode::kInvalidArgument,
                 "name the application, the service and the environment (APP/SERVICE --env ENV)"};
  }
  Scope scope;
  FERRY_ASSIGN_OR_RETURN(
      scope.application,
      Load<model::Application>(entities, model::Kind::kApplication, "", application));
  FERRY_ASSIGN_OR_RETURN(
      scope.service, Load<model::Service>(entities, model::Kind::kService, application, service));
  FERRY_ASSIGN_OR_RETURN(
      scope.environment,
      Load<model::Environment>(entities, model::Kind::kEnvironment, application, environment));
  return scope;
}

Result<model::CloudProvider> LoadCloudProvider(store::EntityStore& entities,
                                               const std::string& name) {
  return Load<model::CloudProvider>(entities, model::Kind::kCloudProvider, "", name);
}

Result<model::Workflow> ChooseWorkflow(store::EntityStore& entities, const Scope& scope,
                                       const std::optional<std::string>& name,
                                       std::map<std::string, std::string>* variables,
                                       const std::map<std::string, std::string>& given) {
  const std::string& app = scope.application.name;
  const std::string target = scope.service.name + " to " + scope.environment.name;
  model::Workflow chosen;
  std::map<std::string, std::string> vars;
  if (name) {
    FERRY_ASSIGN_OR_RETURN(chosen,
                           Load<model::Workflow>(entities, model::Kind::kWorkflow, app, *name));
    if (!Matches(chosen, scope, &vars)) {
      return Error{ErrorCode::kInvalidArgument, "workflow " + chosen.name + " deploys service " +
                                                    chosen.service + " to environment " +
                                                    chosen.environment + ", not " + target};
    }
  } else {
    FERRY_ASSIGN_OR_RETURN(auto records,
                           entities.List(model::StoreKindName(model::Kind::kWorkflow), app));
    std::vector<model::Workflow> matching;
    for (const auto& r : records) {
      auto entity = model::EntityFromJson(r.spec_json);
      if (!entity.ok()) continue;  // `ferry apply` validated it; a broken one matches nothing
      const auto* w = std::get_if<model::Workflow>(&*entity);
      if (w != nullptr && Matches(*w, scope, nullptr)) matching.push_back(*w);
    }
    if (matching.empty()) {
      return Error{ErrorCode::kNotFound, "application " + app + " has no workflow deploying " +
                                             target + " (" + std::to_string(records.size()) +
                                             " workflow(s) checked); define one or name it"};
    }
    if (matching.size() > 1) {
      std::vector<std::string> names;
      for (const auto& w : matching) names.push_back(w.name);
      return Error{ErrorCode::kInvalidArgument, "several workflows deploy " + target + ": " +
                                                    Join(names, ", ") +
                                                    "; choose one with --workflow"};
    }
    chosen = std::move(matching.front());
    Matches(chosen, scope, &vars);
  }
  for (const auto& [name, value] : given) {
    auto declared = std::find_if(chosen.variables.begin(), chosen.variables.end(),
                                 [&name](const model::Variable& v) { return v.name == name; });
    if (declared == chosen.variables.end()) {
      return Error{ErrorCode::kInvalidArgument,
                   "workflow " + chosen.name + " has no variable " + QuoteForMessage(name)};
    }
    if (!declared->allowed.empty() && std::find(declared->allowed.begin(),
                                                declared->allowed.end(),
                                                value) == declared->allowed.end()) {
      return Error{ErrorCode::kInvalidArgument, "workflow " + chosen.name + " variable " + name +
                                                    " must be one of " +
                                                    Join(declared->allowed, ", ")};
    }
    if (auto it = vars.find(name); it != vars.end() && it->second != value) {
      return Error{ErrorCode::kInvalidArgument,
                   "workflow " + chosen.name + " variable " + name + " names the environment (" +
                       it->second + "); it cannot also be " + QuoteForMessage(value)};
    }
    vars[name] = value;
  }
  for (const auto& v : chosen.variables) {
    if (vars.count(v.name)) continue;
    if (v.default_value) {
      vars[v.name] = *v.default_value;
    } else if (v.required) {
      return Error{ErrorCode::kInvalidArgument,
                   "workflow " + chosen.name + " requires variable " + v.name +
                       ", which a deployment cannot set; give it a default"};
    }
  }
  if (variables != nullptr) *variables = std::move(vars);
  return chosen;
}

Result<Duration> CheckExecutable(const model::Workflow& w) {
  // The refusal comes from the table `ferry validate` warns from (config/runnable.h).
  auto not_runnable = config::WorkflowNotRunnable(w);
  if (!not_runnable.empty()) return not_runnable.front().ToError();
  Duration timeout = engine::kDefaultStepTimeout;
  for (const auto& step : w.steps) {
    if (step.type != model::StepType::kDeploy || !step.timeout) continue;
    auto parsed = ParseDuration(*step.timeout);
    if (!parsed || *parsed <= Duration::zero()) {
      return Error{ErrorCode::kInvalidArgument, "workflow " + w.name + ": step " + step.name +
                                                    " has an invalid timeout " +
                                                    QuoteForMessage(*step.timeout)};
    }
    timeout = *parsed;
  }
  return timeout;
}

Result<model::Infrastructure> ChooseInfrastructure(const Scope& scope,
                                                   const std::optional<std::string>& name) {
  const auto& env = scope.environment;
  std::vector<const model::Infrastructure*> applicable;
  std::vector<std::string> all;
  for (const auto& infra : env.infrastructure) {
    all.push_back(infra.name);
    if (name) {
      if (infra.name == *name) applicable.push_back(&infra);
      continue;
    }
    if (infra.services.empty() || std::find(infra.services.begin(), infra.services.end(),
                                            scope.service.name) != infra.services.end()) {
      applicable.push_back(&infra);
    }
  }
  if (applicable.empty()) {
    if (name) {
      return Error{ErrorCode::kFailedPrecondition,
                   "environment " + env.name + " has no infrastructure " + QuoteForMessage(*name) +
                       (all.empty() ? "" : " (it has " + Join(all, ", ") + ")")};
    }
    return Error{ErrorCode::kFailedPrecondition,
                 "environment " + env.name + " has no infrastructure for service " +
                     scope.service.name + "; add one (cloudProvider, region, executionRole)"};
  }
  if (applicable.size() > 1) {
    std::vector<std::string> names;
    for (const auto* i : applicable) names.push_back(i->name);
    return Error{ErrorCode::kInvalidArgument,
                 "environment " + env.name + " has several infrastructures for service " +
                     scope.service.name + ": " + Join(names, ", ") +
                     "; set the workflow's infrastructure or the infrastructures' services"};
  }
  return *applicable.front();
}

namespace {

constexpr size_t kMaxSecretFileBytes = 64 * 1024;

// The content of the regular file `where` inside `dir`, at most kMaxSecretFileBytes + 1 bytes.
Result<std::string> ReadConfinedFile(const std::string& secret, const std::string& where,
                                     const std::string& dir) {
  auto refuse = [&](const std::string& why) {
    return Error{ErrorCode::kFailedPrecondition,
                 "secret " + secret + ": the file " + QuoteForMessage(where) + " " + why,
                 {}};
  };
  if (dir.empty()) {
    return refuse(
        "cannot be read: file secrets need a secret directory (ferry server "
        "--secret-dir)");
  }
  std::error_code ec;
  const std::filesystem::path root = std::filesystem::canonical(dir, ec);
  if (ec) return refuse("cannot be read: the secret directory " + dir + " does not exist");
  std::filesystem::path path(where);
  if (path.is_relative()) path = root / path;
  // Non-blocking: opening a FIFO without a writer (or a device) must not wait.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return refuse("cannot be read");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return refuse("is not a regular file");
  // Where the opened file really is (symbolic links and ".." resolved by the kernel).
  const std::filesystem::path opened =
      std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(fd), ec);
  const std::string inside = root.string() + "/";
  if (ec || !opened.string().starts_with(inside)) {
    return refuse("is outside the secret directory " + root.string());
  }
  std::string value(kMaxSecretFileBytes + 1, '\0');
  size_t have = 0;
  while (have < value.size()) {
    ssize_t n = ::read(fd, value.data() + have, value.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return refuse("cannot be read");
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  value.resize(have);
  return value;
}

}  // namespace

Result<model::SecretRef> LoadSecretRef(store::EntityStore& entities, std::string_view name) {
  FERRY_ASSIGN_OR_RETURN(
      auto ref, Load<model::SecretRef>(entities, model::Kind::kSecret, "", std::string(name)));
  // The sources Ferry cannot read yet: the table `ferry validate` warns from.
  if (auto not_runnable = config::SecretNotRunnable(ref)) return not_runnable->ToError();
  return ref;
}

Result<std::string> ResolveSecret(store::EntityStore& entities, std::string_view name,
                                  const SecretPolicy& policy, const FerrySecrets& ferry) {
  FERRY_ASSIGN_OR_RETURN(auto ref, LoadSecretRef(entities, name));
  const std::string where = ref.ref.value_or(ref.name);
  std::string value;
  switch (ref.source) {
    case model::SecretSource::kEnv: {
      if (policy.env_prefix.empty() || !where.starts_with(policy.env_prefix)) {
        return Error{ErrorCode::kFailedPrecondition,
                     "secret " + ref.name + ": the environment variable " + where +
                         " may not be read: secret variables must start with " +
                         QuoteForMessage(policy.env_prefix) +
                         " (ferry server --secret-env-prefix)"};
      }
      const char* v = std::getenv(where.c_str());
      if (v == nullptr) {
        return Error{ErrorCode::kFailedPrecondition,
                     "secret " + ref.name + ": the environment variable " + where +
                         " is not set in the Ferry server's environment"};
      }
      value = v;
      break;
    }
    case model::SecretSource::kFile: {
      FERRY_ASSIGN_OR_RETURN(value, ReadConfinedFile(ref.name, where, policy.file_dir));
      if (value.size() > kMaxSecretFileBytes) {
        return Error{ErrorCode::kFailedPrecondition, "secret " + ref.name + ": the file " +
                                                         QuoteForMessage(where) +
                                                         " is larger than 64 KiB"};
      }
      if (!value.empty() && value.back() == '\n') value.pop_back();
      if (!value.empty() && value.back() == '\r') value.pop_back();
      break;
    }
    case model::SecretSource::kFerry: {
      if (ferry.values == nullptr || ferry.keys == nullptr || !ferry.keys->configured()) {
        return Error{ErrorCode::kFailedPrecondition,
                     "secret " + ref.name +
                         ": source ferry needs a secret key; start the server with "
                         "--secret-key-file FILE or FERRY_SECRET_KEY"};
      }
      auto sealed = ferry.values->Get(where);
      if (!sealed.ok()) {
        if (sealed.error().code != ErrorCode::kNotFound) return sealed.error();
        return Error{ErrorCode::kFailedPrecondition,
                     "secret " + ref.name + ": no value is stored in Ferry for " +
                         QuoteForMessage(where) + "; set one with `ferry secrets set " + where +
                         "` (the value is read from stdin)"};
      }
      FERRY_ASSIGN_OR_RETURN(value, ferry.keys->Open(*sealed));
      break;
    }
    case model::SecretSource::kAwsSecretsManager:
    case model::SecretSource::kAwsSsmParameter:
      // Read by the delegate through its AWS layer (AwsSecretOf says where), never here.
      return Error{ErrorCode::kFailedPrecondition,
                   "secret " + ref.name + ": source " + std::string(model::EnumName(ref.source)) +
                       " is read by the delegate, not by the server"};
  }
  SecretMasker::Global().Register(value);
  return value;
}

lambda::TargetCredentials TargetCredentialsOf(const model::CloudProvider& provider) {
  lambda::TargetCredentials out;
  if (provider.credentials.mode == model::CredentialsMode::kKeys) {
    out.mode = lambda::TargetCredentialsMode::kKeys;
    out.access_key_id = provider.credentials.access_key_id.value_or("");
    out.secret_name = provider.credentials.secret_access_key.value_or("");
  }
  if (provider.assume_role) {
    lambda::TargetAssumeRole role;
    role.role_arn = provider.assume_role->role_arn;
    role.external_id = provider.assume_role->external_id.value_or("");
    role.session_name = provider.assume_role->session_name.value_or("");
    role.duration_seconds = provider.assume_role->duration_seconds.value_or(0);
    out.assume_role = std::move(role);
  }
  return out;
}

Result<std::optional<lambda::AwsSecretRef>> AwsSecretOf(store::EntityStore& entities,
                                                        std::string_view name,
                                                        const std::string& default_region) {
  FERRY_ASSIGN_OR_RETURN(
      auto secret, Load<model::SecretRef>(entities, model::Kind::kSecret, "", std::string(name)));
  if (secret.source != model::SecretSource::kAwsSecretsManager &&
      secret.source != model::SecretSource::kAwsSsmParameter) {
    return std::optional<lambda::AwsSecretRef>();
  }
  lambda::AwsSecretRef out;
  out.secret = secret.name;
  out.store = secret.source == model::SecretSource::kAwsSecretsManager
                  ? lambda::AwsSecretStore::kSecretsManager
                  : lambda::AwsSecretStore::kSsmParameter;
  out.id = secret.ref.value_or(secret.name);
  out.json_key = secret.json_key.value_or("");
  std::optional<std::string> region;
  // arn:aws:secretsmanager:REGION:ACCOUNT:secret:… / arn:aws:ssm:REGION:ACCOUNT:parameter/…
  if (std::vector<std::string> arn = Split(out.id, ':'); arn.size() >= 6 && arn[0] == "arn" &&
                                                          !arn[3].empty()) {
    region = arn[3];
  }
  if (secret.cloud_provider) {
    FERRY_ASSIGN_OR_RETURN(auto provider, LoadCloudProvider(entities, *secret.cloud_provider));
    out.target.endpoint = provider.endpoint.value_or("");
    out.target.cloud_provider = provider.name;
    out.target.credentials = TargetCredentialsOf(provider);
    if (!region) region = provider.region;
  }
  out.target.region = region.value_or(default_region);
  return std::optional<lambda::AwsSecretRef>(std::move(out));
}

}  // namespace ferry::api::deploy
