#include "model/enums.h"

namespace ferry::model {

#define FERRY_ENUM_TABLE(E, ...)                            \
  template <>                                               \
  std::span<const EnumEntry<E>> EnumTable<E>() {            \
    static constexpr EnumEntry<E> kTable[] = {__VA_ARGS__}; \
    return kTable;                                          \
  }

FERRY_ENUM_TABLE(Kind, {Kind::kCloudProvider, "CloudProvider"}, {Kind::kSecret, "Secret"},
                 {Kind::kApplication, "Application"}, {Kind::kService, "Service"},
                 {Kind::kEnvironment, "Environment"}, {Kind::kWorkflow, "Workflow"},
                 {Kind::kPipeline, "Pipeline"}, {Kind::kTrigger, "Trigger"},
                 {Kind::kFreezeWindow, "FreezeWindow"},
                 {Kind::kNotificationChannel, "NotificationChannel"})
FERRY_ENUM_TABLE(NotificationEvent, {NotificationEvent::kExecutionStarted, "execution.started"},
                 {NotificationEvent::kExecutionSucceeded, "execution.succeeded"},
                 {NotificationEvent::kExecutionFailed, "execution.failed"},
                 {NotificationEvent::kExecutionRolledBack, "execution.rolled-back"},
                 {NotificationEvent::kVerificationFailed, "verification.failed"},
                 {NotificationEvent::kFreezeRefused, "freeze.refused"},
                 {NotificationEvent::kApprovalWaiting, "approval.waiting"})
FERRY_ENUM_TABLE(SecretSource, {SecretSource::kFerry, "ferry"}, {SecretSource::kEnv, "env"},
                 {SecretSource::kFile, "file"},
                 {SecretSource::kAwsSecretsManager, "aws-secrets-manager"},
                 {SecretSource::kAwsSsmParameter, "aws-ssm-parameter"})
FERRY_ENUM_TABLE(CredentialsMode, {CredentialsMode::kDelegate, "delegate"},
                 {CredentialsMode::kKeys, "keys"})
FERRY_ENUM_TABLE(PackageType, {PackageType::kZip, "Zip"}, {PackageType::kImage, "Image"})
FERRY_ENUM_TABLE(TracingMode, {TracingMode::kActive, "Active"},
                 {TracingMode::kPassThrough, "PassThrough"})
FERRY_ENUM_TABLE(ServiceType, {ServiceType::kLambda, "lambda"})
FERRY_ENUM_TABLE(EnvironmentType, {EnvironmentType::kProduction, "production"},
                 {EnvironmentType::kNonProduction, "non-production"})
FERRY_ENUM_TABLE(WorkflowStrategy, {WorkflowStrategy::kBasic, "basic"},
                 {WorkflowStrategy::kCanary, "canary"}, {WorkflowStrategy::kLinear, "linear"},
                 {WorkflowStrategy::kBlueGreen, "blue-green"},
                 {WorkflowStrategy::kCustom, "custom"})
FERRY_ENUM_TABLE(FailureStrategy, {FailureStrategy::kRollback, "rollback"},
                 {FailureStrategy::kAbort, "abort"}, {FailureStrategy::kIgnore, "ignore"},
                 {FailureStrategy::kManualIntervention, "manual-intervention"})
FERRY_ENUM_TABLE(StepType, {StepType::kDeploy, "deploy"},
                 {StepType::kTrafficShift, "traffic-shift"}, {StepType::kVerify, "verify"},
                 {StepType::kApproval, "approval"}, {StepType::kInvokeTest, "invoke-test"},
                 {StepType::kShell, "shell"}, {StepType::kWait, "wait"},
                 {StepType::kRollback, "rollback"})
FERRY_ENUM_TABLE(ArtifactSelection, {ArtifactSelection::kTriggering, "triggering"},
                 {ArtifactSelection::kLastCollected, "last-collected"},
                 {ArtifactSelection::kLastDeployed, "last-deployed"})
FERRY_ENUM_TABLE(WebhookType, {WebhookType::kGeneric, "generic"},
                 {WebhookType::kGithubPush, "github-push"})

#undef FERRY_ENUM_TABLE

namespace {
struct StoreName {
  Kind kind;
  std::string_view name;
};
constexpr StoreName kStoreNames[] = {
    {Kind::kCloudProvider, "cloud_provider"},
    {Kind::kSecret, "secret"},
    {Kind::kApplication, "application"},
    {Kind::kService, "service"},
    {Kind::kEnvironment, "environment"},
    {Kind::kWorkflow, "workflow"},
    {Kind::kPipeline, "pipeline"},
    {Kind::kTrigger, "trigger"},
    {Kind::kFreezeWindow, "freeze_window"},
    {Kind::kNotificationChannel, "notification_channel"},
};
}  // namespace

std::string_view StoreKindName(Kind kind) {
  for (const auto& s : kStoreNames) {
    if (s.kind == kind) return s.name;
  }
  return "?";
}

std::optional<Kind> KindFromStoreName(std::string_view name) {
  for (const auto& s : kStoreNames) {
    if (s.name == name) return s.kind;
  }
  return std::nullopt;
}

Kind KindOf(const Entity& entity) {
  return std::visit(
      [](const auto& e) -> Kind {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, CloudProvider>) return Kind::kCloudProvider;
        if constexpr (std::is_same_v<T, SecretRef>) return Kind::kSecret;
        if constexpr (std::is_same_v<T, Application>) return Kind::kApplication;
        if constexpr (std::is_same_v<T, Service>) return Kind::kService;
        if constexpr (std::is_same_v<T, Environment>) return Kind::kEnvironment;
        if constexpr (std::is_same_v<T, Workflow>) return Kind::kWorkflow;
        if constexpr (std::is_same_v<T, Pipeline>) return Kind::kPipeline;
        if constexpr (std::is_same_v<T, Trigger>) return Kind::kTrigger;
        if constexpr (std::is_same_v<T, FreezeWindow>) return Kind::kFreezeWindow;
        if constexpr (std::is_same_v<T, NotificationChannel>) return Kind::kNotificationChannel;
      },
      entity);
}

const std::string& NameOf(const Entity& entity) {
  return std::visit([](const auto& e) -> const std::string& { return e.name; }, entity);
}

const std::string& ApplicationOf(const Entity& entity) {
  static const std::string kNone;
  return std::visit(
      [](const auto& e) -> const std::string& {
        if constexpr (requires { e.application; }) {
          return e.application;
        } else {
          return kNone;
        }
      },
      entity);
}

bool IsApplicationScoped(Kind kind) {
  return kind != Kind::kCloudProvider && kind != Kind::kSecret && kind != Kind::kApplication &&
         kind != Kind::kFreezeWindow && kind != Kind::kNotificationChannel;
}

}  // namespace ferry::model
