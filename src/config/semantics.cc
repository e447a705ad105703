#include "config/semantics.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "common/json.h"
#include "common/strings.h"
#include "config/release_plan.h"
#include "config/template.h"
#include "lambda/alarm_gate.h"
#include "model/enums.h"
#include "model/json_codec.h"
#include "model/validate.h"

namespace ferry::config {
namespace {

using model::Kind;
using model::Problems;

using Key = std::tuple<Kind, std::string, std::string>;  // kind, application, name

class Index {
 public:
  explicit Index(const std::vector<model::Entity>& entities) : entities_(entities) {
    for (size_t i = 0; i < entities.size(); ++i) {
      Key key{model::KindOf(entities[i]), model::ApplicationOf(entities[i]),
              model::NameOf(entities[i])};
      first_.emplace(key, i);  // keeps the first on duplicates
    }
  }

  template <typename T>
  const T* Find(Kind kind, const std::string& application, const std::string& name) const {
    auto it = first_.find(Key{kind, application, name});
    if (it == first_.end()) return nullptr;
    return &std::get<T>(entities_[it->second]);
  }
  std::optional<size_t> FirstIndex(const model::Entity& e) const {
    auto it = first_.find(Key{model::KindOf(e), model::ApplicationOf(e), model::NameOf(e)});
    if (it == first_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<std::string> Names(Kind kind, const std::string& application) const {
    std::vector<std::string> out;
    for (const auto& [key, index] : first_) {
      if (std::get<0>(key) == kind && std::get<1>(key) == application) {
        out.push_back(std::get<2>(key));
      }
    }
    return out;
  }

 private:
  const std::vector<model::Entity>& entities_;
  std::map<Key, size_t> first_;
};

std::string KindWord(Kind kind) {
  switch (kind) {
    case Kind::kCloudProvider:
      return "cloud provider";
    case Kind::kSecret:
      return "secret";
    case Kind::kApplication:
      return "application";
    case Kind::kService:
      return "service";
    case Kind::kEnvironment:
      return "environment";
    case Kind::kWorkflow:
      return "workflow";
    case Kind::kPipeline:
      return "pipeline";
    case Kind::kTrigger:
      return "trigger";
    case Kind::kFreezeWindow:
      return "freeze window";
    case Kind::kNotificationChannel:
      return "notification channel";
  }
  return "entity";
}

class RefChecker {
 public:
  RefChecker(const Index& index, Problems& problems) : index_(index), problems_(problems) {}

  // Reports a dangling reference unless `name` is empty (already reported) or a template.
  template <typename T>
  const T* Require(Kind kind, const std::string& application, const std::string& name,
                   const std::string& path) {
    if (name.empty() || model::HasTemplate(name)) return nullptr;
    if (const T* found = index_.Find<T>(kind, application, name)) return found;
    std::string message = "no " + KindWord(kind) + " named " + QuoteForMessage(name);
    if (!application.empty() && kind != Kind::kApplication) {
      message += " in application " + QuoteForMessage(application);
    }
    if (auto match = ClosestMatch(name, index_.Names(kind, application))) {
      message += "; did you mean '" + *match + "'?";
    }
    problems_.push_back({path, message});
    return nullptr;
  }
  void Secret(const std::optional<std::string>& name, const std::string& path) {
    if (name) Require<model::SecretRef>(Kind::kSecret, "", *name, path);
  }
  void Provider(const std::optional<std::string>& name, const std::string& path) {
    if (name) Require<model::CloudProvider>(Kind::kCloudProvider, "", *name, path);
  }
  void Add(std::string path, std::string message) {
    problems_.push_back({std::move(path), std::move(message)});
  }
  void AddAtKey(std::string path, std::string message) {
    problems_.push_back({std::move(path), std::move(message), true});
  }

 private:
  const Index& index_;
  Problems& problems_;
};

bool Declares(const std::vector<model::ConfigVariable>& vars, const std::string& name) {
  return std::any_of(vars.begin(), vars.end(), [&](const auto& v) { return v.name == name; });
}
bool Declares(const std::vector<model::Variable>& vars, const std::string& name) {
  return std::any_of(vars.begin(), vars.end(), [&](const auto& v) { return v.name == name; });
}
template <typename V>
std::vector<std::string> VariableNames(const std::vector<V>& vars) {
  std::vector<std::string> out;
  for (const auto& v : vars) out.push_back(v.name);
  return out;
}

// "${workflow.variables.X}" exactly -> X.
std::optional<std::string> WholeWorkflowVariable(const std::string& text) {
  auto refs = ParseTemplate(text);
  if (!refs.ok() || refs->size() != 1) return std::nullopt;
  const TemplateReference& ref = refs->front();
  if (ref.offset != 0 || text.back() != '}' || text.find('}') != text.size() - 1) {
    return std::nullopt;
  }
  auto [ns, rest] = SplitReference(ref.name);
  if (ns != "workflow.variables") return std::nullopt;
  return rest;
}

void CheckOne(const model::CloudProvider& e, RefChecker& r, const Index&) {
  r.Secret(e.credentials.secret_access_key, "/credentials/secretAccessKey");
}

void CheckOne(const model::SecretRef& e, RefChecker& r, const Index&) {
  r.Provider(e.cloud_provider, "/cloudProvider");
}

// A rule names an existing channel: a typo would silently notify nobody.
void CheckOne(const model::Application& e, RefChecker& r, const Index&) {
  for (size_t i = 0; i < e.notifications.size(); ++i) {
    r.Require<model::NotificationChannel>(
        Kind::kNotificationChannel, "", e.notifications[i].channel,
        model::JoinPath(model::JoinPath("/notifications", i), "channel"));
  }
}

void CheckOne(const model::NotificationChannel& e, RefChecker& r, const Index&) {
  if (e.slack) r.Secret(e.slack->url_secret, "/slack/urlSecret");
  if (e.webhook) {
    r.Secret(e.webhook->url_secret, "/webhook/urlSecret");
    r.Secret(e.webhook->signing_secret, "/webhook/signingSecret");
  }
  if (e.email) r.Secret(e.email->password_secret, "/email/passwordSecret");
}

void CheckOne(const model::Service& e, RefChecker& r, const Index&) {
  r.Provider(e.artifact.cloud_provider, "/artifact/cloudProvider");
  if (e.artifact.http) r.Secret(e.artifact.http->auth_secret, "/artifact/http/authSecret");
  for (size_t i = 0; i < e.variables.size(); ++i) {
    r.Secret(e.variables[i].secret, model::JoinPath(model::JoinPath("/variables", i), "secret"));
  }
}

void CheckOne(const model::Environment& e, RefChecker& r, const Index&) {
  for (size_t i = 0; i < e.alarms.size(); ++i) {
    auto alarm = lambda::ParseAlarmSelector({e.alarms[i]});
    if (!alarm.ok()) r.Add(model::JoinPath("/alarms", i), alarm.error().message);
  }
  if (e.alarms.size() > 100) r.Add("/alarms", "at most 100 alarms");
  for (size_t i = 0; i < e.overrides.size(); ++i) {
    const model::ServiceOverride& o = e.overrides[i];
    std::string p = model::JoinPath("/overrides", i);
    const auto* service = r.Require<model::Service>(Kind::kService, e.application, o.service,
                                                    model::JoinPath(p, "service"));
    for (size_t j = 0; j < o.variables.size(); ++j) {
      std::string vp = model::JoinPath(model::JoinPath(p, "variables"), j);
      r.Secret(o.variables[j].secret, model::JoinPath(vp, "secret"));
      if (service && !o.variables[j].name.empty() &&
          !Declares(service->variables, o.variables[j].name)) {
        std::string message = "service " + QuoteForMessage(o.service) + " declares no variable " +
                              QuoteForMessage(o.variables[j].name);
        if (auto m = ClosestMatch(o.variables[j].name, VariableNames(service->variables))) {
          message += "; did you mean '" + *m + "'?";
        }
        r.Add(model::JoinPath(vp, "name"), message);
      }
    }
    if (!service) continue;
    std::vector<std::string> functions;
    for (const auto& f : service->functions) functions.push_back(f.name);
    for (size_t j = 0; j < o.functions.size(); ++j) {
      const std::string& name = o.functions[j].name;
      if (name.empty() || std::find(functions.begin(), functions.end(), name) != functions.end()) {
        continue;
      }
      std::string message =
          "service " + QuoteForMessage(o.service) + " has no function " + QuoteForMessage(name);
      if (auto m = ClosestMatch(name, functions)) message += "; did you mean '" + *m + "'?";
      r.Add(model::JoinPath(model::JoinPath(model::JoinPath(p, "functions"), j), "name"), message);
    }
  }
  for (size_t i = 0; i < e.infrastructure.size(); ++i) {
    const model::Infrastructure& inf = e.infrastructure[i];
    std::string p = model::JoinPath("/infrastructure", i);
    r.Require<model::CloudProvider>(Kind::kCloudProvider, "", inf.cloud_provider,
                                    model::JoinPath(p, "cloudProvider"));
    for (size_t j = 0; j < inf.services.size(); ++j) {
      r.Require<model::Service>(Kind::kService, e.application, inf.services[j],
                                model::JoinPath(model::JoinPath(p, "services"), j));
    }
  }
}

// An invoke-test step's `function` names one of the service's functions; without one, the
// service has exactly one.
void CheckInvokeTests(const model::Workflow& e, const model::Service& service, RefChecker& r) {
  std::vector<std::string> functions;
  for (const auto& f : service.functions) functions.push_back(f.name);
  for (size_t i = 0; i < e.steps.size(); ++i) {
    const model::Step& step = e.steps[i];
    if (step.type != model::StepType::kInvokeTest) continue;
    const std::string p = model::JoinPath("/steps", i);
    auto it = step.with.find("function");
    if (it == step.with.end()) {
      if (functions.size() > 1) {
        r.Add(model::JoinPath(p, "with"), "function is required: service " + service.name +
                                              " has " + std::to_string(functions.size()) +
                                              " functions (" + Join(functions, ", ") + ")");
      }
      continue;
    }
    if (model::HasTemplate(it->second) ||
        std::find(functions.begin(), functions.end(), it->second) != functions.end()) {
      continue;
    }
    std::string message = "service " + QuoteForMessage(service.name) + " has no function " +
                          QuoteForMessage(it->second);
    if (auto m = ClosestMatch(it->second, functions)) message += "; did you mean '" + *m + "'?";
    r.Add(model::JoinPath(p, "with/function"), message);
  }
}

void CheckOne(const model::Workflow& e, RefChecker& r, const Index&) {
  ReleaseProblem problem;
  if (!PlanRelease(e, &problem).ok()) r.Add(problem.path, problem.message);
  const auto* env = r.Require<model::Environment>(Kind::kEnvironment, e.application, e.environment,
                                                  "/environment");
  const auto* service =
      r.Require<model::Service>(Kind::kService, e.application, e.service, "/service");
  if (service) CheckInvokeTests(e, *service, r);
  if (env && e.infrastructure && !model::HasTemplate(*e.infrastructure)) {
    bool found = std::any_of(env->infrastructure.begin(), env->infrastructure.end(),
                             [&](const auto& i) { return i.name == *e.infrastructure; });
    if (!found) {
      r.Add("/infrastructure", "environment " + QuoteForMessage(e.environment) +
                                   " has no infrastructure " + QuoteForMessage(*e.infrastructure));
    }
  }
}

void CheckOne(const model::Pipeline& e, RefChecker& r, const Index&) {
  for (size_t i = 0; i < e.stages.size(); ++i) {
    const model::Stage& s = e.stages[i];
    std::string p = model::JoinPath("/stages", i);
    const model::Workflow* wf = nullptr;
    if (s.workflow) {
      wf = r.Require<model::Workflow>(Kind::kWorkflow, e.application, *s.workflow,
                                      model::JoinPath(p, "workflow"));
    }
    if (s.environment) {
      r.Require<model::Environment>(Kind::kEnvironment, e.application, *s.environment,
                                    model::JoinPath(p, "environment"));
    }
    if (!wf) continue;
    std::optional<std::string> env_variable = WholeWorkflowVariable(wf->environment);
    if (s.environment && !model::HasTemplate(wf->environment)) {
      r.Add(model::JoinPath(p, "environment"),
            "workflow " + QuoteForMessage(wf->name) + " always runs in environment " +
                QuoteForMessage(wf->environment) +
                "; remove 'environment' or templatize the workflow's environment");
    }
    for (const auto& [name, value] : s.variables) {
      if (!Declares(wf->variables, name)) {
        std::string message = "workflow " + QuoteForMessage(wf->name) + " declares no variable " +
                              QuoteForMessage(name);
        if (auto m = ClosestMatch(name, VariableNames(wf->variables))) {
          message += "; did you mean '" + *m + "'?";
        }
        r.AddAtKey(model::JoinPath(model::JoinPath(p, "variables"), name), message);
      }
    }
    for (const model::Variable& v : wf->variables) {
      if (!v.required || v.default_value || s.variables.contains(v.name)) continue;
      if (s.environment && env_variable == v.name) continue;
      r.Add(p, "workflow " + QuoteForMessage(wf->name) + " requires variable " +
                   QuoteForMessage(v.name) + "; set it in this stage's 'variables'");
    }
  }
}

// A freeze window names existing applications: a typo would leave the one meant unfrozen.
void CheckOne(const model::FreezeWindow& e, RefChecker& r, const Index&) {
  if (!e.applications) return;
  for (size_t i = 0; i < e.applications->size(); ++i) {
    r.Require<model::Application>(Kind::kApplication, "", (*e.applications)[i],
                                  model::JoinPath("/applications", i));
  }
}

void CheckOne(const model::Trigger& e, RefChecker& r, const Index&) {
  if (e.new_artifact) {
    r.Require<model::Service>(Kind::kService, e.application, e.new_artifact->service,
                              "/newArtifact/service");
  }
  if (e.pipeline_completed) {
    r.Require<model::Pipeline>(Kind::kPipeline, e.application, e.pipeline_completed->pipeline,
                               "/pipelineCompleted/pipeline");
  }
  if (e.webhook) {
    r.Require<model::SecretRef>(Kind::kSecret, "", e.webhook->secret, "/webhook/secret");
  }
  const std::vector<model::Variable>* declared = nullptr;
  std::string target;
  if (e.pipeline) {
    if (const auto* p =
            r.Require<model::Pipeline>(Kind::kPipeline, e.application, *e.pipeline, "/pipeline")) {
      declared = &p->variables;
      target = "pipeline " + QuoteForMessage(p->name);
    }
  }
  if (e.workflow) {
    if (const auto* w =
            r.Require<model::Workflow>(Kind::kWorkflow, e.application, *e.workflow, "/workflow")) {
      declared = &w->variables;
      target = "workflow " + QuoteForMessage(w->name);
    }
  }
  if (declared) {
    for (const auto& [name, value] : e.variables) {
      if (Declares(*declared, name)) continue;
      std::string message = target + " declares no variable " + QuoteForMessage(name);
      if (auto m = ClosestMatch(name, VariableNames(*declared))) {
        message += "; did you mean '" + *m + "'?";
      }
      r.AddAtKey(model::JoinPath("/variables", name), message);
    }
  }
  if (e.artifact_service) {
    r.Require<model::Service>(Kind::kService, e.application, *e.artifact_service,
                              "/artifactService");
  }
}

// Walks every string of the encoded entity; `visit(path, text)`.
template <typename F>
void ForEachString(const Json& j, const std::string& path, F& visit) {
  if (j.is_string()) {
    visit(path, j.get_ref<const std::string&>());
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) ForEachString(j[i], model::JoinPath(path, i), visit);
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      ForEachString(it.value(), model::JoinPath(path, it.key()), visit);
    }
  }
}

}  // namespace

namespace {

void CheckTemplatesWith(const model::Entity& entity, const Index& index, Problems& problems) {
  const std::string& app = model::ApplicationOf(entity);
  Json encoded = model::EncodeEntity(entity);
  auto visit = [&](const std::string& path, const std::string& text) {
    if (!model::HasTemplate(text) && text.find("$${") == std::string::npos) return;
    auto refs = ParseTemplate(text);
    if (!refs.ok()) {
      problems.push_back({path, refs.error().message});
      return;
    }
    std::vector<std::string> segments = model::SplitPath(path);
    for (const TemplateReference& ref : *refs) {
      auto [ns, name] = SplitReference(ref.name);
      std::string undeclared;
      std::vector<std::string> declared;
      if (ns == "trigger.payload" || ref.name == "trigger.name") {
        // Rendered by the trigger engine when it fires (triggers/webhook.h), nowhere else.
        if (!std::holds_alternative<model::Trigger>(entity) || segments.empty() ||
            segments[0] != "variables") {
          problems.push_back({path, "${" + ref.name + "} is only known in a trigger's variables"});
        }
        continue;
      }
      if (ns == "secrets") {
        if (!index.Find<model::SecretRef>(Kind::kSecret, "", name)) {
          undeclared = "no secret named " + QuoteForMessage(name) + " (declare a Secret)";
          declared = index.Names(Kind::kSecret, "");
        }
      } else if (ns == "serviceVariable") {
        // Which service: the service itself, an environment override's service, or a workflow's.
        const model::Service* service = nullptr;
        if (const auto* s = std::get_if<model::Service>(&entity)) {
          service = s;
        } else if (const auto* env = std::get_if<model::Environment>(&entity)) {
          if (segments.size() >= 2 && segments[0] == "overrides") {
            size_t i = static_cast<size_t>(ParseInt(segments[1]).value_or(0));
            if (i < env->overrides.size()) {
              service = index.Find<model::Service>(Kind::kService, app, env->overrides[i].service);
            }
          }
        } else if (const auto* wf = std::get_if<model::Workflow>(&entity)) {
          service = index.Find<model::Service>(Kind::kService, app, wf->service);
        }
        if (service && !Declares(service->variables, name)) {
          undeclared = "service " + QuoteForMessage(service->name) + " declares no variable " +
                       QuoteForMessage(name);
          declared = VariableNames(service->variables);
        }
      } else if (ns == "workflow.variables") {
        if (const auto* wf = std::get_if<model::Workflow>(&entity);
            wf && !Declares(wf->variables, name)) {
          undeclared = "workflow " + QuoteForMessage(wf->name) + " declares no variable " +
                       QuoteForMessage(name);
          declared = VariableNames(wf->variables);
        }
      } else if (ns == "pipeline.variables") {
        if (const auto* p = std::get_if<model::Pipeline>(&entity);
            p && !Declares(p->variables, name)) {
          undeclared = "pipeline " + QuoteForMessage(p->name) + " declares no variable " +
                       QuoteForMessage(name);
          declared = VariableNames(p->variables);
        }
      } else if (ns == "env.variables") {
        if (const auto* env = std::get_if<model::Environment>(&entity);
            env && !env->variables.contains(name)) {
          undeclared = "environment " + QuoteForMessage(env->name) + " has no variable " +
                       QuoteForMessage(name);
          for (const auto& [k, v] : env->variables) declared.push_back(k);
        }
      }
      if (undeclared.empty()) continue;
      std::string message = "${" + ref.name + "}: " + undeclared;
      if (auto m = ClosestMatch(name, declared)) message += "; did you mean '" + *m + "'?";
      problems.push_back({path, message});
    }
  };
  ForEachString(encoded, "", visit);
}

}  // namespace

void CheckTemplates(const model::Entity& entity, const std::vector<model::Entity>& entities,
                    Problems& problems) {
  Index index(entities);
  CheckTemplatesWith(entity, index, problems);
}

std::vector<EntityProblem> CheckEntities(const std::vector<model::Entity>& entities,
                                         size_t checked_count) {
  Index index(entities);
  std::vector<EntityProblem> out;
  size_t limit = std::min(checked_count, entities.size());
  for (size_t i = 0; i < limit; ++i) {
    const model::Entity& e = entities[i];
    Kind kind = model::KindOf(e);
    const std::string& name = model::NameOf(e);
    if (name.empty()) continue;  // decoding already reported it
    if (auto first = index.FirstIndex(e); first && *first != i) {
      std::string message = "duplicate " + KindWord(kind) + " " + QuoteForMessage(name);
      if (model::IsApplicationScoped(kind)) {
        message += " in application " + QuoteForMessage(model::ApplicationOf(e));
      }
      out.push_back({i, {"/name", message}, *first});
      continue;
    }
    Problems problems;
    RefChecker r(index, problems);
    if (model::IsApplicationScoped(kind)) {
      r.Require<model::Application>(Kind::kApplication, "", model::ApplicationOf(e),
                                    "/application");
    }
    std::visit([&](const auto& entity) { CheckOne(entity, r, index); }, e);
    CheckTemplatesWith(e, index, problems);
    for (model::Problem& p : problems) out.push_back({i, std::move(p), std::nullopt});
  }
  return out;
}

}  // namespace ferry::config
