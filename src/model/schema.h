// The field layout of every entity, written once and used for both decoding and encoding
// (model/json_codec.cc). Internal to model/: include only from .cc files.
//
// Describe(visitor, struct) calls visitor.Field("jsonName", member[, Presence::kRequired]) for
// every field, in the order fields are documented in docs/config.md.
#pragma once

#include "model/entities.h"

namespace ferry::model {

// kRequired: decoding reports a missing field; kDefaulted: optional on input (the struct's
// default applies) but always written, so canonical JSON is explicit; kOptional: written when set.
enum class Presence { kOptional, kRequired, kDefaulted };
constexpr Presence kReq = Presence::kRequired;
constexpr Presence kDef = Presence::kDefaulted;

template <typename V>
void Describe(V& v, SecretRef& s) {
  v.Field("name", s.name, kReq);
  v.Field("description", s.description);
  v.Field("source", s.source, kDef);
  v.Field("ref", s.ref);
  v.Field("cloudProvider", s.cloud_provider);
  v.Field("jsonKey", s.json_key);
  v.Forbid("value",
           "a secret's value never goes in configuration: keep it in Ferry's secret store (source "
           "ferry) or point 'source'/'ref' at where it lives");
}

template <typename V>
void Describe(V& v, AssumeRole& a) {
  v.Field("roleArn", a.role_arn, kReq);
  v.Field("externalId", a.external_id);
  v.Field("sessionName", a.session_name);
  v.Field("durationSeconds", a.duration_seconds);
}

template <typename V>
void Describe(V& v, Credentials& c) {
  v.Field("mode", c.mode, kReq);
  v.Field("accessKeyId", c.access_key_id);
  v.Field("secretAccessKey", c.secret_access_key);
}

template <typename V>
void Describe(V& v, CloudProvider& c) {
  v.Field("name", c.name, kReq);
  v.Field("description", c.description);
  v.Field("credentials", c.credentials, kReq);
  v.Field("assumeRole", c.assume_role);
  v.Field("region", c.region);
  v.Field("delegateSelectors", c.delegate_selectors);
  v.Field("endpoint", c.endpoint);
  v.Field("localSandbox", c.local_sandbox, kDef);
}

template <typename V>
void Describe(V& v, NotificationRule& r) {
  v.Field("channel", r.channel, kReq);
  v.Field("events", r.events, kReq);
  v.Field("environmentTypes", r.environment_types);
}

template <typename V>
void Describe(V& v, Application& a) {
  v.Field("name", a.name, kReq);
  v.Field("description", a.description);
  v.Field("tags", a.tags);
  v.Field("notifications", a.notifications);
}

template <typename V>
void Describe(V& v, S3ArtifactSource& s) {
  v.Field("bucket", s.bucket, kReq);
  v.Field("keyPattern", s.key_pattern);
  v.Field("prefix", s.prefix);
  v.Field("filter", s.filter);
  v.Field("key", s.key);
  v.Field("region", s.region);
}
template <typename V>
void Describe(V& v, HttpArtifactSource& s) {
  v.Field("url", s.url, kReq);
  v.Field("authSecret", s.auth_secret);
}
template <typename V>
void Describe(V& v, LocalArtifactSource& s) {
  v.Field("path", s.path, kReq);
}
template <typename V>
void Describe(V& v, EcrArtifactSource& s) {
  v.Field("repository", s.repository, kReq);
  v.Field("tagFilter", s.tag_filter);
}
template <typename V>
void Describe(V& v, ArtifactSource& a) {
  v.Field("cloudProvider", a.cloud_provider);
  v.Field("s3", a.s3);
  v.Field("http", a.http);
  v.Field("local", a.local);
  v.Field("ecr", a.ecr);
}

// The fields of a function spec other than its name (shared by specs, defaults and overrides).
template <typename V>
void DescribeFunctionFields(V& v, FunctionSpec& f) {
  v.Field("functionName", f.function_name);
  v.Field("runtime", f.runtime);
  v.Field("handler", f.handler);
  v.Field("memory", f.memory);
  v.Field("timeout", f.timeout);
  v.Field("architectures", f.architectures);
  v.Field("ephemeralStorage", f.ephemeral_storage);
  v.Field("layers", f.layers);
  v.Field("description", f.description);
  v.Field("environment", f.environment);
  v.Field("tracing", f.tracing);
  v.Field("deadLetterTarget", f.dead_letter_target);
  v.Field("kmsKey", f.kms_key);
  v.Field("packageType", f.package_type);
  v.Field("tags", f.tags);
  v.Field("aliases", f.aliases);
}

template <typename V>
void Describe(V& v, FunctionSpec& f) {
  v.Field("name", f.name, kReq);
  DescribeFunctionFields(v, f);
}

// Defaults and overrides' defaults are function specs without a name. DefaultsField points at
// such a member so the codec reads and writes it with the nameless layout.
struct FunctionDefaults {
  FunctionSpec spec;
};
template <typename V>
void Describe(V& v, FunctionDefaults& d) {
  DescribeFunctionFields(v, d.spec);
}
struct DefaultsField {
  std::optional<FunctionSpec>* target;
};

template <typename V>
void Describe(V& v, ConfigVariable& c) {
  v.Field("name", c.name, kReq);
  v.Field("value", c.value);
  v.Field("secret", c.secret);
}

template <typename V>
void Describe(V& v, Service& s) {
  v.Field("application", s.application, kReq);
  v.Field("name", s.name, kReq);
  v.Field("description", s.description);
  v.Field("type", s.type, kDef);
  v.Field("artifact", s.artifact, kReq);
  DefaultsField defaults{&s.defaults};
  v.Field("defaults", defaults);
  v.Field("functions", s.functions, kReq);
  v.Field("variables", s.variables);
}

template <typename V>
void Describe(V& v, Vpc& x) {
  v.Field("subnets", x.subnets, kReq);
  v.Field("securityGroups", x.security_groups, kReq);
}

template <typename V>
void Describe(V& v, Infrastructure& i) {
  v.Field("name", i.name, kReq);
  v.Field("cloudProvider", i.cloud_provider, kReq);
  v.Field("region", i.region);
  v.Field("executionRole", i.execution_role);
  v.Field("vpc", i.vpc);
  v.Field("services", i.services);
}

template <typename V>
void Describe(V& v, ServiceOverride& o) {
  v.Field("service", o.service, kReq);
  v.Field("variables", o.variables);
  DefaultsField defaults{&o.defaults};
  v.Field("defaults", defaults);
  v.Field("functions", o.functions);
}

template <typename V>
void Describe(V& v, ServiceGuard& g) {
  v.Field("enabled", g.enabled, kDef);
  v.Field("interval", g.interval);
  v.Field("sensitivity", g.sensitivity);
  v.Field("metrics", g.metrics);
  v.Field("trailing", g.trailing);
  v.Field("baselineDays", g.baseline_days);
}

template <typename V>
void Describe(V& v, DriftCheck& d) {
  v.Field("enabled", d.enabled, kDef);
  v.Field("interval", d.interval);
}

template <typename V>
void Describe(V& v, Environment& e) {
  v.Field("application", e.application, kReq);
  v.Field("name", e.name, kReq);
  v.Field("description", e.description);
  v.Field("type", e.type, kReq);
  v.Field("variables", e.variables);
  v.Field("overrides", e.overrides);
  v.Field("infrastructure", e.infrastructure, kReq);
  v.Field("alarms", e.alarms);
  v.Field("serviceGuard", e.service_guard);
  v.Field("driftCheck", e.drift_check);
}

template <typename V>
void Describe(V& v, Variable& x) {
  v.Field("name", x.name, kReq);
  v.Field("description", x.description);
  v.Field("default", x.default_value);
  v.Field("required", x.required, kDef);
  v.Field("allowed", x.allowed);
}

template <typename V>
void Describe(V& v, TrafficShift& t) {
  v.Field("percent", t.percent);
  v.Field("interval", t.interval);
  v.Field("preset", t.preset);
}

template <typename V>
void Describe(V& v, Step& s) {
  v.Field("name", s.name, kReq);
  v.Field("type", s.type, kReq);
  v.Field("timeout", s.timeout);
  v.Field("with", s.with);
}

template <typename V>
void Describe(V& v, TrafficHooks& h) {
  v.Field("preTraffic", h.pre_traffic);
  v.Field("postTraffic", h.post_traffic);
  v.Field("timeout", h.timeout);
}

template <typename V>
void Describe(V& v, Workflow& w) {
  v.Field("application", w.application, kReq);
  v.Field("name", w.name, kReq);
  v.Field("description", w.description);
  v.Field("strategy", w.strategy, kReq);
  v.Field("environment", w.environment, kReq);
  v.Field("service", w.service, kReq);
  v.Field("infrastructure", w.infrastructure);
  v.Field("trafficShift", w.traffic_shift);
  v.Field("steps", w.steps);
  v.Field("failureStrategy", w.failure_strategy, kDef);
  v.Field("variables", w.variables);
  v.Field("hooks", w.hooks);
  v.Field("alarms", w.alarms);
}

template <typename V>
void Describe(V& v, Approval& a) {
  v.Field("userGroups", a.user_groups);
  v.Field("timeout", a.timeout);
  v.Field("message", a.message);
  v.Field("timeoutOutcome", a.timeout_outcome);
  v.Field("inputs", a.inputs);
}

template <typename V>
void Describe(V& v, Stage& s) {
  v.Field("name", s.name, kReq);
  v.Field("workflow", s.workflow);
  v.Field("environment", s.environment);
  v.Field("approval", s.approval);
  v.Field("parallelGroup", s.parallel_group);
  v.Field("skipWhen", s.skip_when);
  v.Field("variables", s.variables);
}

template <typename V>
void Describe(V& v, Pipeline& p) {
  v.Field("application", p.application, kReq);
  v.Field("name", p.name, kReq);
  v.Field("description", p.description);
  v.Field("stages", p.stages, kReq);
  v.Field("variables", p.variables);
}

template <typename V>
void Describe(V& v, NewArtifactCondition& c) {
  v.Field("service", c.service, kReq);
  v.Field("pollInterval", c.poll_interval);
}
template <typename V>
void Describe(V& v, ScheduleCondition& c) {
  v.Field("cron", c.cron, kReq);
  v.Field("timeZone", c.time_zone, kDef);
}
template <typename V>
void Describe(V& v, WebhookCondition& c) {
  v.Field("type", c.type, kDef);
  v.Field("secret", c.secret, kReq);
  v.Field("branch", c.branch);
}
template <typename V>
void Describe(V& v, PipelineCompletedCondition& c) {
  v.Field("pipeline", c.pipeline, kReq);
}

template <typename V>
void Describe(V& v, Trigger& t) {
  v.Field("application", t.application, kReq);
  v.Field("name", t.name, kReq);
  v.Field("description", t.description);
  v.Field("enabled", t.enabled, kDef);
  v.Field("newArtifact", t.new_artifact);
  v.Field("schedule", t.schedule);
  v.Field("webhook", t.webhook);
  v.Field("pipelineCompleted", t.pipeline_completed);
  v.Field("pipeline", t.pipeline);
  v.Field("workflow", t.workflow);
  v.Field("artifactSelection", t.artifact_selection, kDef);
  v.Field("artifactService", t.artifact_service);
  v.Field("variables", t.variables);
}

template <typename V>
void Describe(V& v, FreezeRecurrence& r) {
  v.Field("cron", r.cron, kReq);
  v.Field("duration", r.duration, kReq);
}

template <typename V>
void Describe(V& v, FreezeWindow& w) {
  v.Field("name", w.name, kReq);
  v.Field("description", w.description);
  v.Field("enabled", w.enabled, kDef);
  v.Field("timeZone", w.time_zone, kReq);
  v.Field("start", w.start);
  v.Field("end", w.end);
  v.Field("recurrence", w.recurrence);
  v.Field("applications", w.applications);
  v.Field("environmentTypes", w.environment_types);
}

template <typename V>
void Describe(V& v, SlackChannel& c) {
  v.Field("urlSecret", c.url_secret, kReq);
}

template <typename V>
void Describe(V& v, WebhookChannel& c) {
  v.Field("url", c.url);
  v.Field("urlSecret", c.url_secret);
  v.Field("signingSecret", c.signing_secret, kReq);
}

template <typename V>
void Describe(V& v, EmailChannel& c) {
  v.Field("host", c.host, kReq);
  v.Field("port", c.port, kDef);
  v.Field("startTls", c.start_tls, kDef);
  v.Field("username", c.username);
  v.Field("passwordSecret", c.password_secret);
  v.Field("from", c.from, kReq);
  v.Field("to", c.to, kReq);
  v.Field("subject", c.subject);
}

template <typename V>
void Describe(V& v, NotificationChannel& c) {
  v.Field("name", c.name, kReq);
  v.Field("description", c.description);
  v.Field("enabled", c.enabled, kDef);
  v.Field("slack", c.slack);
  v.Field("webhook", c.webhook);
  v.Field("email", c.email);
}

}  // namespace ferry::model
