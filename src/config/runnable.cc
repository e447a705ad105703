#include "config/runnable.h"

#include <cctype>
#include <type_traits>
#include <variant>

#include "common/strings.h"
#include "model/enums.h"
#include "model/problem.h"

namespace ferry::config {
namespace {

using model::FailureStrategy;
using model::Kind;
using model::PackageType;
using model::SecretSource;
using model::StepType;
using model::WorkflowStrategy;

// ---------------------------------------------------------------------------------------------
// THE TABLE: what Ferry runs today. Each line is kRuns, or the feature that is not yet
// implemented (it appears in the warning and in the deploy's 501). Make something run by
// changing its line to kRuns once the engine runs it; see runnable.h.
constexpr std::string_view kRuns;

template <typename E>
struct Support {
  E value;
  std::string_view not_yet;  // kRuns (empty) when Ferry runs it
};

constexpr Support<WorkflowStrategy> kStrategies[] = {
    {WorkflowStrategy::kBasic, kRuns},
    {WorkflowStrategy::kCanary, kRuns},
    {WorkflowStrategy::kLinear, kRuns},
    {WorkflowStrategy::kBlueGreen, "blue-green traffic switching"},
    {WorkflowStrategy::kCustom, kRuns},
};

constexpr Support<FailureStrategy> kFailureStrategies[] = {
    {FailureStrategy::kRollback, kRuns},
    {FailureStrategy::kAbort, kRuns},
    {FailureStrategy::kIgnore, kRuns},
    {FailureStrategy::kManualIntervention, "manual intervention"},
};

constexpr Support<StepType> kStepTypes[] = {
    {StepType::kDeploy, kRuns},     {StepType::kTrafficShift, kRuns},
    {StepType::kVerify, kRuns},     {StepType::kApproval, kRuns},
    {StepType::kInvokeTest, kRuns}, {StepType::kShell, "shell steps"},
    {StepType::kWait, kRuns},       {StepType::kRollback, "rollback steps"},
};

// How many deploy steps one workflow may have.
constexpr size_t kMaxDeploySteps = 1;

constexpr Support<SecretSource> kSecretSources[] = {
    {SecretSource::kEnv, kRuns},
    {SecretSource::kFile, kRuns},
    {SecretSource::kFerry, kRuns},
    {SecretSource::kAwsSecretsManager, kRuns},
    {SecretSource::kAwsSsmParameter, kRuns},
};

constexpr Support<PackageType> kPackageTypes[] = {
    {PackageType::kZip, kRuns},
    {PackageType::kImage, "image functions"},
};

// Entities that are stored but that nothing runs (one line per kind, like the tables above).
// clang-format off
constexpr Support<Kind> kKinds[] = {
    {Kind::kCloudProvider, kRuns},
    {Kind::kSecret, kRuns},
    {Kind::kApplication, kRuns},
    {Kind::kService, kRuns},
    {Kind::kEnvironment, kRuns},
    {Kind::kWorkflow, kRuns},
    {Kind::kPipeline, kRuns},
    {Kind::kTrigger, kRuns},  // but see TriggerNotRunnable
    {Kind::kFreezeWindow, kRuns},
    {Kind::kNotificationChannel, kRuns},
};
// clang-format on
// ---------------------------------------------------------------------------------------------

// The not-yet feature of `value`; kRuns when it runs. A value missing from its table does not
// run (tests/config/runnable_test.cc checks that every value is listed).
template <typename E, size_t N>
std::string_view NotYet(const Support<E> (&table)[N], E value) {
  for (const auto& s : table) {
    if (s.value == value) return s.not_yet;
  }
  return "not listed in config/runnable.cc";
}

// "a", "a or b", "a, b or c": the configuration names of the values that run.
template <typename E, size_t N>
std::string Running(const Support<E> (&table)[N]) {
  std::vector<std::string> names;
  for (const auto& s : table) {
    if (s.not_yet.empty()) names.emplace_back(model::EnumName(s.value));
  }
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

std::string Named(std::string_view what, std::string_view name) {
  return std::string(what) + " " + std::string(name);
}

constexpr std::string_view kWorkflowEffect =
    "deploying with this workflow is refused (HTTP 501) until Ferry runs it";

void AddPackage(const std::optional<model::FunctionSpec>& spec, std::string_view subject,
                const std::string& path, std::vector<NotRunnable>& out) {
  if (!spec || !spec->package_type) return;
  if (auto p =
          PackageNotRunnable(*spec->package_type, subject, model::JoinPath(path, "packageType"))) {
    out.push_back(std::move(*p));
  }
}

std::vector<NotRunnable> ServiceNotRunnable(const model::Service& s) {
  std::vector<NotRunnable> out;
  AddPackage(s.defaults, "the defaults of service " + s.name, "/defaults", out);
  for (size_t i = 0; i < s.functions.size(); ++i) {
    AddPackage(s.functions[i], Named("function", s.functions[i].name),
               model::JoinPath("/functions", i), out);
  }
  return out;
}

std::vector<NotRunnable> EnvironmentNotRunnable(const model::Environment& e) {
  std::vector<NotRunnable> out;
  for (size_t o = 0; o < e.overrides.size(); ++o) {
    const auto& override = e.overrides[o];
    const std::string path = model::JoinPath("/overrides", o);
    const std::string where = " (environment " + e.name + ", service " + override.service + ")";
    AddPackage(override.defaults, "the override's defaults" + where,
               model::JoinPath(path, "defaults"), out);
    for (size_t i = 0; i < override.functions.size(); ++i) {
      AddPackage(override.functions[i], Named("function", override.functions[i].name) + where,
                 model::JoinPath(model::JoinPath(path, "functions"), i), out);
    }
  }
  return out;
}

}  // namespace

std::string NotRunnable::Warning() const { return message + "; " + effect; }

Error NotRunnable::ToError() const { return Error{ErrorCode::kUnimplemented, message, {}}; }

std::vector<NotRunnable> WorkflowNotRunnable(const model::Workflow& w) {
  std::vector<NotRunnable> out;
  const std::string workflow = Named("workflow", w.name);
  if (auto not_yet = NotYet(kStrategies, w.strategy); !not_yet.empty()) {
    out.push_back(
        {"/strategy",
         workflow + " uses the " + std::string(model::EnumName(w.strategy)) +
             " strategy, which Ferry cannot run yet (not yet implemented: " + std::string(not_yet) +
             "; Ferry runs " + Running(kStrategies) + " workflows)",
         std::string(kWorkflowEffect)});
  }
  if (auto not_yet = NotYet(kFailureStrategies, w.failure_strategy); !not_yet.empty()) {
    out.push_back({"/failureStrategy",
                   workflow + " asks for failure strategy " +
                       std::string(model::EnumName(w.failure_strategy)) +
                       ", which Ferry cannot run yet (not yet implemented: " +
                       std::string(not_yet) + "; use " + Running(kFailureStrategies) + ")",
                   std::string(kWorkflowEffect)});
  }
  std::vector<std::string> deploy_steps;
  for (size_t i = 0; i < w.steps.size(); ++i) {
    const model::Step& step = w.steps[i];
    const std::string path = model::JoinPath("/steps", i);
    if (auto not_yet = NotYet(kStepTypes, step.type); !not_yet.empty()) {
      out.push_back({model::JoinPath(path, "type"),
                     workflow + ": step " + step.name + " is of type " +
                         std::string(model::EnumName(step.type)) +
                         ", which Ferry cannot run yet (not yet implemented: " +
                         std::string(not_yet) + "; Ferry runs " + Running(kStepTypes) + " steps)",
                     std::string(kWorkflowEffect)});
    }
    if (step.type != StepType::kDeploy) continue;
    deploy_steps.push_back(step.name);
    if (deploy_steps.size() == kMaxDeploySteps + 1) {
      out.push_back({path,
                     workflow + " has several deploy steps (" + Join(deploy_steps, ", ") +
                         "), which Ferry cannot run yet (not yet implemented: more than " +
                         std::to_string(kMaxDeploySteps) + " deploy step(s) per workflow)",
                     std::string(kWorkflowEffect)});
    }
  }
  return out;
}

std::optional<NotRunnable> SecretNotRunnable(const model::SecretRef& secret) {
  auto not_yet = NotYet(kSecretSources, secret.source);
  if (not_yet.empty()) return std::nullopt;
  return NotRunnable{
      "/source",
      Named("secret", secret.name) + " comes from " + std::string(model::EnumName(secret.source)) +
          ", which Ferry cannot read yet (not yet implemented: " + std::string(not_yet) +
          "; use source " + Running(kSecretSources) + ")",
      "a deployment or cloud provider that uses it fails until Ferry reads it"};
}

std::optional<NotRunnable> PackageNotRunnable(model::PackageType type, std::string_view subject,
                                              std::string path) {
  auto not_yet = NotYet(kPackageTypes, type);
  if (not_yet.empty()) return std::nullopt;
  return NotRunnable{
      std::move(path),
      std::string(subject) + " is an image function (packageType " +
          std::string(model::EnumName(type)) +
          "), which Ferry cannot deploy yet (not yet implemented: " + std::string(not_yet) +
          "; Ferry deploys " + Running(kPackageTypes) + " packages)",
      "deploying it is refused (HTTP 501) until Ferry can"};
}

std::vector<NotRunnable> TriggerNotRunnable(const model::Trigger& t) {
  std::vector<NotRunnable> out;
  const std::string trigger = Named("trigger", t.name);
  if (t.pipeline_completed) {
    out.push_back({"/pipelineCompleted",
                   trigger + " fires on pipeline completion, which Ferry cannot run yet (not yet "
                             "implemented: pipelineCompleted triggers)",
                   "nothing starts it"});
  }
  if (t.artifact_selection == model::ArtifactSelection::kLastDeployed) {
    out.push_back({"/artifactSelection",
                   trigger + " deploys the last deployed artifact, which Ferry cannot choose yet "
                             "(not yet implemented: artifactSelection last-deployed)",
                   "each time it fires it records an error and starts nothing; use "
                   "last-collected or triggering"});
  }
  return out;
}

std::vector<NotRunnable> EntityNotRunnable(const model::Entity& entity) {
  std::vector<NotRunnable> out;
  const Kind kind = model::KindOf(entity);
  if (auto not_yet = NotYet(kKinds, kind); !not_yet.empty()) {
    std::string what(model::EnumName(kind));
    for (char& c : what) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.push_back({"",
                   what + " " + model::NameOf(entity) +
                       " is stored, but Ferry cannot run it yet (not yet implemented: " +
                       std::string(not_yet) + ")",
                   "nothing starts it; deploy with `ferry deploy` meanwhile"});
  }
  std::visit(
      [&out](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        std::vector<NotRunnable> parts;
        if constexpr (std::is_same_v<T, model::Workflow>) {
          parts = WorkflowNotRunnable(e);
        } else if constexpr (std::is_same_v<T, model::SecretRef>) {
          if (auto p = SecretNotRunnable(e)) parts.push_back(std::move(*p));
        } else if constexpr (std::is_same_v<T, model::Service>) {
          parts = ServiceNotRunnable(e);
        } else if constexpr (std::is_same_v<T, model::Environment>) {
          parts = EnvironmentNotRunnable(e);
        } else if constexpr (std::is_same_v<T, model::Trigger>) {
          parts = TriggerNotRunnable(e);
        } else if constexpr (std::is_same_v<T, model::Application>) {
          // Approval steps run, but do not publish approval.waiting yet.
          for (size_t i = 0; i < e.notifications.size(); ++i) {
            const auto& events = e.notifications[i].events;
            for (size_t j = 0; j < events.size(); ++j) {
              if (events[j] != model::NotificationEvent::kApprovalWaiting) continue;
              parts.push_back(
                  {"/notifications/" + std::to_string(i) + "/events/" + std::to_string(j),
                   "application " + e.name + ": event approval.waiting is never sent yet (not "
                   "yet implemented: approval notifications)",
                   "the rule's other events are delivered"});
            }
          }
        }
        for (auto& p : parts) out.push_back(std::move(p));
      },
      entity);
  return out;
}

std::vector<RunnableWarning> CheckRunnable(const std::vector<model::Entity>& entities,
                                           size_t checked_count) {
  std::vector<RunnableWarning> out;
  for (size_t i = 0; i < entities.size() && i < checked_count; ++i) {
    for (auto& part : EntityNotRunnable(entities[i])) out.push_back({i, std::move(part)});
  }
  return out;
}

}  // namespace ferry::config
