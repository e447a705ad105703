#include "config/resolve.h"

#include <algorithm>

#include "common/strings.h"
#include "config/template.h"
#include "model/enums.h"
#include "model/lambda_limits.h"
#include "model/validate.h"

namespace ferry::config {
namespace {

template <typename T>
void Layer(std::optional<T>& base, const std::optional<T>& layer) {
  if (layer) base = layer;
}

// Environment variables and tags merge key by key rather than replace.
void LayerMap(std::optional<std::map<std::string, std::string>>& base,
              const std::optional<std::map<std::string, std::string>>& layer) {
  if (!layer) return;
  if (!base) base.emplace();
  for (const auto& [k, v] : *layer) (*base)[k] = v;
}

class FieldRenderer {
 public:
  FieldRenderer(const ResolveInput& input, TemplateContext context,
                std::map<std::string, std::string> secret_variables)
      : input_(input),
        context_(std::move(context)),
        secret_variables_(std::move(secret_variables)) {}

  // A field where secrets are not allowed: every field but environment values.
  Result<std::string> Render(const std::string& text, const std::string& where) {
    FERRY_ASSIGN_OR_RETURN(SecretText parts, RenderKeepingSecrets(text, where));
    if (HasSecret(parts)) {
      return InvalidArgument(where +
                             ": secrets can be used only in environment values (anywhere else "
                             "the value would be readable by anyone who can read the function)");
    }
    return parts.empty() ? std::string() : parts.front().text;
  }

  // An environment value: secrets become references, each checked to be readable.
  Result<SecretText> RenderKeepingSecrets(const std::string& text, const std::string& where) {
    if (!model::HasTemplate(text) && text.find("$${") == std::string::npos) {
      SecretText plain;
      AppendText(plain, text);
      return plain;
    }
    auto refs = ParseTemplate(text);
    if (!refs.ok()) return refs.error().WithContext(where);
    TemplateContext context = context_;
    for (const TemplateReference& ref : *refs) {
      auto [ns, name] = SplitReference(ref.name);
      if (ns == "serviceVariable") {
        if (auto it = secret_variables_.find(name); it != secret_variables_.end()) {
          context.secret_names[ref.name] = it->second;
        }
      }
    }
    auto rendered = RenderTemplateKeepingSecrets(text, context);
    if (!rendered.ok()) return rendered.error().WithContext(where);
    return rendered;
  }

  // Whether every secret `parts` references can be read (the values are discarded).
  Status CheckReadable(const SecretText& parts, const std::string& where) const {
    for (const SecretTextPart& part : parts) {
      if (part.secret.empty()) continue;
      if (!input_.secret) {
        return InvalidArgument(where + ": uses secret " + QuoteForMessage(part.secret) +
                               " and no secret resolver is available");
      }
      if (auto value = input_.secret(part.secret); !value.ok()) {
        return value.error().WithContext(where);
      }
    }
    return Ok();
  }

 private:
  const ResolveInput& input_;
  TemplateContext context_;
  std::map<std::string, std::string> secret_variables_;  // variable name -> SecretRef name
};

Status Check(bool ok, const std::string& where, const std::string& message) {
  if (ok) return Ok();
  return InvalidArgument(where + ": " + message);
}

}  // namespace

model::FunctionSpec MergeFunctionSpec(const model::FunctionSpec& base,
                                      const model::FunctionSpec& layer) {
  model::FunctionSpec out = base;
  if (!layer.name.empty()) out.name = layer.name;
  Layer(out.function_name, layer.function_name);
  Layer(out.runtime, layer.runtime);
  Layer(out.handler, layer.handler);
  Layer(out.memory, layer.memory);
  Layer(out.timeout, layer.timeout);
  Layer(out.architectures, layer.architectures);
  Layer(out.ephemeral_storage, layer.ephemeral_storage);
  Layer(out.layers, layer.layers);
  Layer(out.description, layer.description);
  LayerMap(out.environment, layer.environment);
  Layer(out.tracing, layer.tracing);
  Layer(out.dead_letter_target, layer.dead_letter_target);
  Layer(out.kms_key, layer.kms_key);
  Layer(out.package_type, layer.package_type);
  LayerMap(out.tags, layer.tags);
  Layer(out.aliases, layer.aliases);
  return out;
}

Result<std::vector<ResolvedFunction>> ResolveFunctionSpecs(const ResolveInput& input) {
  if (!input.service || !input.environment || !input.infrastructure) {
    return InvalidArgument(
        "resolving functions needs a service, an environment and an "
        "infrastructure");
  }
  const model::Service& service = *input.service;
  const model::Environment& env = *input.environment;
  const model::Infrastructure& infra = *input.infrastructure;
  if (!infra.services.empty() && std::find(infra.services.begin(), infra.services.end(),
                                           service.name) == infra.services.end()) {
    return FailedPrecondition("infrastructure " + QuoteForMessage(infra.name) + " of environment " +
                              QuoteForMessage(env.name) + " is not scoped to service " +
                              QuoteForMessage(service.name));
  }
  std::string region = infra.region.value_or(
      input.cloud_provider && input.cloud_provider->region ? *input.cloud_provider->region : "");
  if (region.empty()) {
    return FailedPrecondition("infrastructure " + QuoteForMessage(infra.name) +
                              " has no region and its cloud provider has no default region");
  }
  if (!infra.execution_role) {
    return FailedPrecondition("infrastructure " + QuoteForMessage(infra.name) +
                              " has no executionRole; Lambda functions need one");
  }

  const model::ServiceOverride* override = nullptr;
  for (const auto& o : env.overrides) {
    if (o.service == service.name) override = &o;
  }

  TemplateContext context;
  context.values["app.name"] = input.application;
  context.values["service.name"] = service.name;
  context.values["env.name"] = env.name;
  context.values["env.type"] = std::string(model::EnumName(env.type));
  context.values["infra.name"] = infra.name;
  context.values["infra.region"] = region;
  if (input.artifact) {
    context.values["artifact.key"] = input.artifact->key;
    context.values["artifact.version"] = input.artifact->version;
  }
  for (const auto& [k, v] : env.variables) context.values["env.variables." + k] = v;
  for (const auto& [k, v] : input.workflow_variables) context.values["workflow.variables." + k] = v;
  for (const auto& [k, v] : input.pipeline_variables) context.values["pipeline.variables." + k] = v;
  std::map<std::string, std::string> secret_variables;
  std::vector<model::ConfigVariable> variables = service.variables;
  if (override) {
    for (const auto& ov : override->variables) {
      auto it = std::find_if(variables.begin(), variables.end(),
                             [&](const auto& v) { return v.name == ov.name; });
      if (it != variables.end()) {
        *it = ov;
      } else {
        variables.push_back(ov);
      }
    }
  }
  // Variable values may themselves use templates (not serviceVariable, to avoid cycles).
  FieldRenderer plain(input, context, {});
  for (const auto& v : variables) {
    if (v.secret) {
      secret_variables[v.name] = *v.secret;
    } else if (v.value) {
      FERRY_ASSIGN_OR_RETURN(std::string value,
                             plain.Render(*v.value, "service variable " + v.name));
      context.values["serviceVariable." + v.name] = value;
    }
  }
  FieldRenderer renderer(input, context, secret_variables);

  std::vector<ResolvedFunction> out;
  for (const model::FunctionSpec& declared : service.functions) {
    model::FunctionSpec spec = declared;
    if (service.defaults) spec = MergeFunctionSpec(*service.defaults, declared);
    if (override) {
      if (override->defaults) spec = MergeFunctionSpec(spec, *override->defaults);
      for (const auto& f : override->functions) {
        if (f.name == declared.name) spec = MergeFunctionSpec(spec, f);
      }
    }
    spec.name = declared.name;
    std::string where = "function " + QuoteForMessage(declared.name);
    auto render = [&](const std::optional<std::string>& text,
                      const std::string& field) -> Result<std::optional<std::string>> {
      if (!text) return std::optional<std::string>();
      FERRY_ASSIGN_OR_RETURN(std::string value, renderer.Render(*text, where + " " + field));
      return std::optional<std::string>(std::move(value));
    };
    ResolvedFunction r;
    r.spec_name = declared.name;
    r.region = region;
    r.package_type = spec.package_type.value_or(model::PackageType::kZip);
    lambda::DesiredFunction& fn = r.function;
    lambda::FunctionConfig& c = fn.config;
    c.package_type = r.package_type == model::PackageType::kImage ? "Image" : "Zip";
    FERRY_ASSIGN_OR_RETURN(
        auto name, render(spec.function_name.value_or("${app.name}-${service.name}-${env.name}-" +
                                                      declared.name),
                          "functionName"));
    fn.function_name = *name;
    if (std::string why = model::lambda::CheckFunctionName(fn.function_name); !why.empty()) {
      return InvalidArgument(where + " functionName " + QuoteForMessage(fn.function_name) + " " +
                             why);
    }
    FERRY_ASSIGN_OR_RETURN(auto runtime, render(spec.runtime, "runtime"));
    FERRY_ASSIGN_OR_RETURN(auto handler, render(spec.handler, "handler"));
    if (r.package_type == model::PackageType::kZip) {
      FERRY_RETURN_IF_ERROR(Check(runtime.has_value() && handler.has_value(), where,
                                  "Zip functions need a runtime and a handler"));
      FERRY_RETURN_IF_ERROR(Check(model::lambda::IsKnownRuntime(*runtime), where,
                                  "unknown runtime " + QuoteForMessage(*runtime)));
      FERRY_RETURN_IF_ERROR(
          Check(!handler->empty() && handler->size() <= model::lambda::kMaxHandlerLength &&
                    model::lambda::MatchesPattern(model::lambda::kHandlerPattern, *handler),
                where, "invalid handler " + QuoteForMessage(*handler)));
    }
    c.runtime = runtime.value_or("");
    c.handler = handler.value_or("");
    c.memory_mb = static_cast<int>(spec.memory.value_or(lambda::kDefaultMemoryMb));
    c.timeout_seconds = static_cast<int>(spec.timeout.value_or(lambda::kDefaultTimeoutSeconds));
    c.ephemeral_storage_mb =
        static_cast<int>(spec.ephemeral_storage.value_or(lambda::kDefaultEphemeralStorageMb));
    c.architectures = {spec.architectures && !spec.architectures->empty()
                           ? spec.architectures->front()
                           : std::string("x86_64")};
    for (const std::string& layer : spec.layers.value_or(std::vector<std::string>{})) {
      FERRY_ASSIGN_OR_RETURN(std::string value, renderer.Render(layer, where + " layers"));
      FERRY_RETURN_IF_ERROR(
          Check(model::lambda::MatchesPattern(model::lambda::kLayerVersionArnPattern, value), where,
                "layer " + QuoteForMessage(value) + " is not a layer version ARN"));
      c.layers.push_back(std::move(value));
    }
    FERRY_ASSIGN_OR_RETURN(auto description, render(spec.description, "description"));
    c.description = description.value_or("");
    FERRY_RETURN_IF_ERROR(Check(c.description.size() <= model::lambda::kMaxDescriptionLength, where,
                                "description is longer than 256 characters"));
    if (spec.environment) {
      for (const auto& [k, v] : *spec.environment) {
        const std::string field = where + " environment." + k;
        FERRY_ASSIGN_OR_RETURN(SecretText value, renderer.RenderKeepingSecrets(v, field));
        if (HasSecret(value)) {
          FERRY_RETURN_IF_ERROR(renderer.CheckReadable(value, field));
          fn.secret_environment[k] = std::move(value);
        } else {
          c.environment[k] = value.empty() ? std::string() : std::move(value.front().text);
        }
      }
    }
    c.tracing_mode = spec.tracing.value_or(model::TracingMode::kPassThrough) ==
                             model::TracingMode::kActive
                         ? "Active"
                         : "PassThrough";
    FERRY_ASSIGN_OR_RETURN(auto dead_letter_target,
                           render(spec.dead_letter_target, "deadLetterTarget"));
    c.dead_letter_target = dead_letter_target.value_or("");
    FERRY_ASSIGN_OR_RETURN(auto kms_key, render(spec.kms_key, "kmsKey"));
    c.kms_key_arn = kms_key.value_or("");
    if (spec.tags) {
      for (const auto& [k, v] : *spec.tags) {
        FERRY_ASSIGN_OR_RETURN(std::string value, renderer.Render(v, where + " tags." + k));
        fn.tags[k] = std::move(value);
      }
    }
    for (const std::string& alias : spec.aliases.value_or(std::vector<std::string>{env.name})) {
      FERRY_ASSIGN_OR_RETURN(std::string value, renderer.Render(alias, where + " aliases"));
      if (std::string why = model::lambda::CheckAliasName(value); !why.empty()) {
        return InvalidArgument(where + " alias " + QuoteForMessage(value) + " " + why);
      }
      fn.aliases.push_back(std::move(value));
    }
    FERRY_ASSIGN_OR_RETURN(c.role,
                           renderer.Render(*infra.execution_role, "infrastructure executionRole"));
    if (infra.vpc) {
      c.vpc.subnet_ids = infra.vpc->subnets;
      c.vpc.security_group_ids = infra.vpc->security_groups;
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace ferry::config
