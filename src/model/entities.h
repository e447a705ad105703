// The configuration entities of Ferry (FEATURES.md, F-MODEL) as plain structs.
//
// These are what a team writes in YAML (config/) or sends to the API as JSON, after decoding
// (model/json_codec.h) and before any template is rendered: string fields may hold `${...}`
// expressions. Optional fields are std::optional so that service defaults and environment
// overrides can be layered (config/resolve.h). Field validation lives in model/validate.h.
// Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ferry::model {

// ---------------------------------------------------------------------------------------------
// Secret reference: the name a config uses (`${secrets.NAME}`, `secret: NAME`) and where the
// value comes from. The value itself never appears in configuration.
enum class SecretSource { kFerry, kEnv, kFile, kAwsSecretsManager, kAwsSsmParameter };

struct SecretRef {
  std::string name;
  std::optional<std::string> description;
  SecretSource source = SecretSource::kFerry;
  // The environment variable, file path, Secrets Manager id/ARN or SSM parameter name; for
  // kFerry the name in Ferry's encrypted store (defaults to `name`).
  std::optional<std::string> ref;
  std::optional<std::string> cloud_provider;  // for the AWS sources
  std::optional<std::string> json_key;        // pick one key of a JSON secret (Secrets Manager)
};

// ---------------------------------------------------------------------------------------------
enum class CredentialsMode { kDelegate, kKeys };

struct AssumeRole {
  std::string role_arn;
  std::optional<std::string> external_id;
  std::optional<std::string> session_name;
  std::optional<int64_t> duration_seconds;  // 900..43200
};

struct Credentials {
  CredentialsMode mode = CredentialsMode::kDelegate;
  std::optional<std::string> access_key_id;      // kKeys only
  std::optional<std::string> secret_access_key;  // kKeys only: the name of a SecretRef
};

struct CloudProvider {
  std::string name;
  std::optional<std::string> description;
  Credentials credentials;
  std::optional<AssumeRole> assume_role;
  std::optional<std::string> region;  // default region
  std::vector<std::string> delegate_selectors;
  std::optional<std::string> endpoint;  // AWS-compatible endpoint override (sandbox, LocalStack)
  // The endpoint is a local AWS-compatible sandbox: it may be http, and must be on loopback.
  // Otherwise an endpoint must be https on a public host name or address (validate.cc).
  bool local_sandbox = false;
};

// ---------------------------------------------------------------------------------------------
enum class EnvironmentType { kProduction, kNonProduction };

// Which events of an application a notification channel receives (docs/notifications.md).
enum class NotificationEvent {
  kExecutionStarted,
  kExecutionSucceeded,
  kExecutionFailed,
  kExecutionRolledBack,
  kVerificationFailed,
  kFreezeRefused,
  kApprovalWaiting,
};

struct NotificationRule {
  std::string channel;  // a NotificationChannel's name
  std::vector<NotificationEvent> events;
  // Unset: deployments to environments of every type.
  std::optional<std::vector<EnvironmentType>> environment_types;
};

struct Application {
  std::string name;
  std::optional<std::string> description;
  std::map<std::string, std::string> tags;
  std::vector<NotificationRule> notifications;
};

// ---------------------------------------------------------------------------------------------
// Artifact sources: exactly one of the members of ArtifactSource is set.
struct S3ArtifactSource {
  std::string bucket;
  // Exactly one selection mode: key_pattern (glob with * and ?), prefix (+ optional regex
  // filter on the rest of the key), or key (a fixed key whose object versions are artifacts).
  std::optional<std::string> key_pattern;
  std::optional<std::string> prefix;
  std::optional<std::string> filter;
  std::optional<std::string> key;
  std::optional<std::string> region;
};

struct HttpArtifactSource {
  std::string url;
  std::optional<std::string> auth_secret;  // SecretRef name sent as a bearer token
};

struct LocalArtifactSource {
  std::string path;
};

struct EcrArtifactSource {
  std::string repository;                 // repository URI or name
  std::optional<std::string> tag_filter;  // regex over tags
};

struct ArtifactSource {
  std::optional<std::string> cloud_provider;  // used to read S3/ECR
  std::optional<S3ArtifactSource> s3;
  std::optional<HttpArtifactSource> http;
  std::optional<LocalArtifactSource> local;
  std::optional<EcrArtifactSource> ecr;
};

enum class PackageType { kZip, kImage };
enum class TracingMode { kActive, kPassThrough };

// The configurable fields of a Lambda function. In Service::functions, `name` identifies the spec;
// everything else may come from Service::defaults or an environment override.
struct FunctionSpec {
  std::string name;                          // logical name, unique in the service
  std::optional<std::string> function_name;  // template of the AWS function name
  std::optional<std::string> runtime;
  std::optional<std::string> handler;
  std::optional<int64_t> memory;   // MB
  std::optional<int64_t> timeout;  // seconds
  std::optional<std::vector<std::string>> architectures;
  std::optional<int64_t> ephemeral_storage;  // MB
  std::optional<std::vector<std::string>> layers;
  std::optional<std::string> description;
  std::optional<std::map<std::string, std::string>> environment;  // values may use templates
  std::optional<TracingMode> tracing;
  std::optional<std::string> dead_letter_target;  // SQS queue or SNS topic ARN
  std::optional<std::string> kms_key;             // KMS key ARN
  std::optional<PackageType> package_type;
  std::optional<std::map<std::string, std::string>> tags;
  std::optional<std::vector<std::string>> aliases;  // default: the environment's name
};

// A config variable: a plain value or a secret reference (exactly one).
struct ConfigVariable {
  std::string name;
  std::optional<std::string> value;
  std::optional<std::string> secret;
};

enum class ServiceType { kLambda };

struct Service {
  std::string application;
  std::string name;
  std::optional<std::string> description;
  ServiceType type = ServiceType::kLambda;
  ArtifactSource artifact;
  std::optional<FunctionSpec> defaults;  // `name` unused
  std::vector<FunctionSpec> functions;
  std::vector<ConfigVariable> variables;
};

// ---------------------------------------------------------------------------------------------

struct Vpc {
  std::vector<std::string> subnets;
  std::vector<std::string> security_groups;
};

struct Infrastructure {
  std::string name;
  std::string cloud_provider;
  std::optional<std::string> region;  // default: the cloud provider's region
  std::optional<std::string> execution_role;
  std::optional<Vpc> vpc;
  std::vector<std::string> services;  // empty: every service
};

struct ServiceOverride {
  std::string service;
  std::vector<ConfigVariable> variables;
  std::optional<FunctionSpec> defaults;  // applied to every function of the service
  std::vector<FunctionSpec> functions;   // by FunctionSpec::name
};

// Service Guard (F-VERIFY; docs/verification.md): every `interval` the live aliases of the
// environment's deployed functions are judged against a learned baseline (the `trailing` window
// before the recent one and the same hours of the previous `baselineDays` days); an anomaly
// opens an incident.
struct ServiceGuard {
  bool enabled = true;
  std::optional<std::string> interval;     // a duration, 1m..24h; default 5m
  std::optional<std::string> sensitivity;  // low | medium | high; default medium
  std::vector<std::string> metrics;        // of Invocations, Errors, Throttles, Duration; default all
  std::optional<std::string> trailing;     // a duration, 10m..24h; default 1h
  std::optional<int64_t> baseline_days;    // 0..14; default 7
};

// Periodic drift detection: every `interval` each deployed function is compared with what Ferry
// last left it as; drift opens an incident.
struct DriftCheck {
  bool enabled = true;
  std::optional<std::string> interval;  // a duration, 5m..168h; default 1h
};

struct Environment {
  std::string application;
  std::string name;
  std::optional<std::string> description;
  EnvironmentType type = EnvironmentType::kNonProduction;
  std::map<std::string, std::string> variables;
  std::vector<ServiceOverride> overrides;
  std::vector<Infrastructure> infrastructure;
  // CloudWatch alarms gating every traffic shift into this environment: names, or prefixes
  // written "orders-*" (lambda/alarm_gate.h).
  std::vector<std::string> alarms;
  std::optional<ServiceGuard> service_guard;
  std::optional<DriftCheck> drift_check;
};

// ---------------------------------------------------------------------------------------------
enum class WorkflowStrategy { kBasic, kCanary, kLinear, kBlueGreen, kCustom };
enum class FailureStrategy { kRollback, kAbort, kIgnore, kManualIntervention };
enum class StepType {
  kDeploy,
  kTrafficShift,
  kVerify,
  kApproval,
  kInvokeTest,
  kShell,
  kWait,
  kRollback
};

struct Variable {
  std::string name;
  std::optional<std::string> description;
  std::optional<std::string> default_value;
  bool required = false;
  std::vector<std::string> allowed;
};

// A canary or linear schedule: percent + interval, or one of CodeDeploy's presets
// ("Canary10Percent5Minutes", "Linear10PercentEvery1Minute", "AllAtOnce"; config/release_plan.h).
struct TrafficShift {
  std::optional<int64_t> percent;       // 1..99: canary's first weight, linear's increment
  std::optional<std::string> interval;  // duration ("5m")
  std::optional<std::string> preset;
};

struct Step {
  std::string name;
  StepType type = StepType::kDeploy;
  std::optional<std::string> timeout;       // duration
  std::map<std::string, std::string> with;  // step parameters; values may use templates
};

// Pre- and post-traffic hooks (canary, linear and custom workflows): the user's Lambda functions
// (a name, an ARN or NAME:QUALIFIER) invoked before the first traffic shift and after the last.
struct TrafficHooks {
  std::optional<std::string> pre_traffic;
  std::optional<std::string> post_traffic;
  std::optional<std::string> timeout;  // duration, default 5m: no answer within it fails closed
};

struct Workflow {
  std::string application;
  std::string name;
  std::optional<std::string> description;
  WorkflowStrategy strategy = WorkflowStrategy::kBasic;
  // A name, or a template such as "${workflow.variables.env}" (templatized workflow).
  std::string environment;
  std::string service;
  std::optional<std::string> infrastructure;
  std::optional<TrafficShift> traffic_shift;  // canary and linear
  std::vector<Step> steps;                    // required for custom
  FailureStrategy failure_strategy = FailureStrategy::kRollback;
  std::vector<Variable> variables;
  std::optional<TrafficHooks> hooks;
  // CloudWatch alarms gating its traffic shifts (with the environment's): names or "prefix-*".
  std::vector<std::string> alarms;
};

// ---------------------------------------------------------------------------------------------
struct Approval {
  std::vector<std::string> user_groups;  // empty: anyone holding `approve` on the application
  std::optional<std::string> timeout;    // duration, 1s..30d; default 24h
  std::optional<std::string> message;    // a template (pipeline variables, app, artifact)
  // What the timeout decides: "reject" (default) or "approve".
  std::optional<std::string> timeout_outcome;
  // Values the approver fills; published to later stages as ${pipeline.variables.NAME}.
  std::vector<Variable> inputs;
};

struct Stage {
  std::string name;
  // Exactly one of workflow and approval.
  std::optional<std::string> workflow;
  std::optional<std::string> environment;  // sets a templatized workflow's environment
  std::optional<Approval> approval;
  std::optional<std::string> parallel_group;     // adjacent stages with the same group run together
  std::optional<std::string> skip_when;          // a template; the stage is skipped when "true"
  std::map<std::string, std::string> variables;  // values for the workflow's variables
};

struct Pipeline {
  std::string application;
  std::string name;
  std::optional<std::string> description;
  std::vector<Stage> stages;
  std::vector<Variable> variables;
};

// ---------------------------------------------------------------------------------------------
enum class ArtifactSelection { kTriggering, kLastCollected, kLastDeployed };
enum class WebhookType { kGeneric, kGithubPush };

struct NewArtifactCondition {
  std::string service;
  std::optional<std::string> poll_interval;  // duration, default 60s
};
struct ScheduleCondition {
  std::string cron;  // five fields: minute hour day-of-month month day-of-week
  std::string time_zone = "UTC";
};
struct WebhookCondition {
  WebhookType type = WebhookType::kGeneric;
  std::string secret;                 // SecretRef name holding the HMAC key
  std::optional<std::string> branch;  // github-push: only this branch
};
struct PipelineCompletedCondition {
  std::string pipeline;
};

struct Trigger {
  std::string application;
  std::string name;
  std::optional<std::string> description;
  bool enabled = true;
  // Exactly one condition.
  std::optional<NewArtifactCondition> new_artifact;
  std::optional<ScheduleCondition> schedule;
  std::optional<WebhookCondition> webhook;
  std::optional<PipelineCompletedCondition> pipeline_completed;
  // Exactly one target.
  std::optional<std::string> pipeline;
  std::optional<std::string> workflow;
  ArtifactSelection artifact_selection = ArtifactSelection::kTriggering;
  std::optional<std::string> artifact_service;  // whose artifact to deploy, when not implied
  std::map<std::string, std::string> variables;
};

// ---------------------------------------------------------------------------------------------
// A freeze window: while it is active, new deployments in its scope are refused (an admin may
// override with a reason). Exactly one of a one-off start/end and a recurrence.
struct FreezeRecurrence {
  std::string cron;      // five fields, in the window's time zone
  std::string duration;  // "62h": how long each occurrence lasts, in real time
};

struct FreezeWindow {
  std::string name;
  std::optional<std::string> description;
  bool enabled = true;
  std::string time_zone;             // IANA name
  std::optional<std::string> start;  // local date-time "2026-12-20T00:00"
  std::optional<std::string> end;
  std::optional<FreezeRecurrence> recurrence;
  // Unset: every application / every environment type.
  std::optional<std::vector<std::string>> applications;
  std::optional<std::vector<EnvironmentType>> environment_types;
};

// ---------------------------------------------------------------------------------------------
// A notification channel: where events of the applications whose rules name it are delivered.
// Exactly one of slack, webhook and email. Credentials are the names of Secrets, never values.
struct SlackChannel {
  std::string url_secret;  // the incoming webhook URL (it holds a token)
};

struct WebhookChannel {
  std::optional<std::string> url;         // http(s); exactly one of url and url_secret
  std::optional<std::string> url_secret;  // a URL that holds a token
  std::string signing_secret;             // the HMAC-SHA256 key of X-Ferry-Signature
};

struct EmailChannel {
  std::string host;  // SMTP server
  int64_t port = 587;
  bool start_tls = true;  // require STARTTLS
  std::optional<std::string> username;
  std::optional<std::string> password_secret;
  std::string from;
  std::vector<std::string> to;
  // The subject with {event}, {application}, {environment}, {service}, {status}, {execution}.
  std::optional<std::string> subject;
};

struct NotificationChannel {
  std::string name;
  std::optional<std::string> description;
  bool enabled = true;
  std::optional<SlackChannel> slack;
  std::optional<WebhookChannel> webhook;
  std::optional<EmailChannel> email;
};

// ---------------------------------------------------------------------------------------------
enum class Kind {
  kCloudProvider,
  kSecret,
  kApplication,
  kService,
  kEnvironment,
  kWorkflow,
  kPipeline,
  kTrigger,
  kFreezeWindow,
  kNotificationChannel,
};

using Entity = std::variant<CloudProvider, SecretRef, Application, Service, Environment, Workflow,
                            Pipeline, Trigger, FreezeWindow, NotificationChannel>;

Kind KindOf(const Entity& entity);
// The entity's name and application ("" for kinds not scoped to an application).
const std::string& NameOf(const Entity& entity);
const std::string& ApplicationOf(const Entity& entity);
bool IsApplicationScoped(Kind kind);

}  // namespace ferry::model
