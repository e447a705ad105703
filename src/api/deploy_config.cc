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

constexpr size_t kMaxSecretFileBytes = 64 * 1024;

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
                                       std::map<std::string, std::string>* variables) {
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

Result<std::string> ResolveSecret(store::EntityStore& entities, std::string_view name,
                                  const SecretPolicy& policy) {
  FERRY_ASSIGN_OR_RETURN(
      auto ref, Load<model::SecretRef>(entities, model::Kind::kSecret, "", std::string(name)));
  // The sources Ferry cannot read yet: the table `ferry validate` warns from.
  if (auto not_runnable = config::SecretNotRunnable(ref)) return not_runnable->ToError();
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
    default:
      // config/runnable.cc marks this source runnable, but nothing here reads it.
      return Error{ErrorCode::kInternal, "secret " + ref.name + ": no reader for source " +
                                             std::string(model::EnumName(ref.source))};
  }
  SecretMasker::Global().Register(value);
  return value;
}

}  // namespace ferry::api::deploy
