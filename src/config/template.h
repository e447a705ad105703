// `${...}` templates in string fields.
//
//   functionName: "${env.name}-orders-${service.name}"
//   environment: {DB_PASSWORD: "${secrets.orders-db}", LEVEL: "${serviceVariable.logLevel}"}
//
// Names: app.name, service.name, env.name, env.type, env.variables.X, infra.name, infra.region,
// artifact.key, artifact.version, workflow.variables.X, pipeline.variables.X,
// serviceVariable.X, secrets.X. "$${" writes a literal "${". Pure; thread-safe.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/secret_text.h"

namespace ferry::config {

struct TemplateReference {
  std::string name;   // "serviceVariable.logLevel"
  size_t offset = 0;  // of the "${" in the text
};

// The references in `text`, or kInvalidArgument for a syntax error (unterminated "${", empty or
// malformed name) or a name outside the list above (with a did-you-mean suggestion).
Result<std::vector<TemplateReference>> ParseTemplate(std::string_view text);

// "secrets.db" -> {"secrets", "db"}; "env.name" -> {"env.name", ""}: the namespace of names with
// a user-chosen last part (env.variables, workflow.variables, pipeline.variables,
// serviceVariable, secrets), or the whole name.
std::pair<std::string, std::string> SplitReference(std::string_view name);

struct TemplateContext {
  std::map<std::string, std::string> values;  // by full name: "env.name", "serviceVariable.x"
  // Resolves `${secrets.NAME}`; unset means secrets cannot be rendered here. Implementations
  // must register the value with SecretMasker before returning it.
  std::function<Result<std::string>(std::string_view name)> secret;
  // References that stand for a secret, by full name → SecretRef name
  // ("serviceVariable.dbPassword" → "orders-db-password"); `${secrets.X}` always does.
  std::map<std::string, std::string> secret_names;
};

// Replaces every reference. kInvalidArgument naming the first unresolved reference and the
// names that are available.
Result<std::string> RenderTemplate(std::string_view text, const TemplateContext& context);

// Like RenderTemplate, but secrets stay references: each `${secrets.X}` and each name in
// context.secret_names becomes a secret part; `context.secret` is not called.
Result<SecretText> RenderTemplateKeepingSecrets(std::string_view text,
                                                const TemplateContext& context);

}  // namespace ferry::config
