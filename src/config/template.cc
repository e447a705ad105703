#include "config/template.h"

#include <cctype>

#include "common/strings.h"

namespace ferry::config {
namespace {

const std::vector<std::string>& FixedNames() {
  static const std::vector<std::string> kNames = {
      "app.name",     "service.name", "env.name",         "env.type",    "infra.name",
      "infra.region", "artifact.key", "artifact.version", "trigger.name"};
  return kNames;
}

const std::vector<std::string>& Namespaces() {
  static const std::vector<std::string> kNamespaces = {
      "env.variables", "workflow.variables", "pipeline.variables", "serviceVariable",
      "secrets",       "trigger.payload"};
  return kNamespaces;
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

Status CheckName(std::string_view name) {
  if (name.empty()) return InvalidArgument("empty template expression '${}'");
  for (char c : name) {
    if (!IsNameChar(c)) {
      return InvalidArgument("template expression ${" + std::string(name) +
                             "} may contain only letters, digits, '.', '-' and '_'");
    }
  }
  for (const std::string& fixed : FixedNames()) {
    if (name == fixed) return Ok();
  }
  auto [ns, rest] = SplitReference(name);
  if (!rest.empty()) return Ok();
  for (const std::string& n : Namespaces()) {
    if (name == n || name == n + ".") {
      return InvalidArgument("template ${" + std::string(name) + "} needs a name: ${" + n +
                             ".NAME}");
    }
  }
  std::vector<std::string> candidates = FixedNames();
  for (const std::string& n : Namespaces()) candidates.push_back(n + ".NAME");
  std::string message = "unknown template name ${" + std::string(name) + "}";
  if (auto match = ClosestMatch(name, candidates)) {
    message += "; did you mean ${" + *match + "}?";
  } else {
    message += "; known: " + Join(candidates, ", ");
  }
  return InvalidArgument(message);
}

}  // namespace

std::pair<std::string, std::string> SplitReference(std::string_view name) {
  for (const std::string& ns : Namespaces()) {
    if (name.size() > ns.size() + 1 && name.substr(0, ns.size()) == ns && name[ns.size()] == '.') {
      return {ns, std::string(name.substr(ns.size() + 1))};
    }
  }
  return {std::string(name), ""};
}

Result<std::vector<TemplateReference>> ParseTemplate(std::string_view text) {
  std::vector<TemplateReference> refs;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') continue;
    if (text.compare(i, 3, "$${") == 0) {
      i += 2;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) continue;
    size_t end = text.find('}', i + 2);
    if (end == std::string_view::npos) {
      return InvalidArgument("unterminated template expression starting at " +
                             QuoteForMessage(text.substr(i), 40) + " (missing '}')");
    }
    std::string_view name = Trim(text.substr(i + 2, end - i - 2));
    FERRY_RETURN_IF_ERROR(CheckName(name));
    refs.push_back({std::string(name), i});
    i = end;
  }
  return refs;
}

Result<SecretText> RenderTemplateKeepingSecrets(std::string_view text,
                                                const TemplateContext& context) {
  FERRY_ASSIGN_OR_RETURN(std::vector<TemplateReference> refs, ParseTemplate(text));
  SecretText out;
  size_t pos = 0;
  auto append_literal = [&](std::string_view literal) {
    std::string unescaped;
    for (size_t i = 0; i < literal.size(); ++i) {
      if (literal.compare(i, 3, "$${") == 0) {
        unescaped += "${";
        i += 2;
      } else {
        unescaped.push_back(literal[i]);
      }
    }
    AppendText(out, unescaped);
  };
  for (const TemplateReference& ref : refs) {
    append_literal(text.substr(pos, ref.offset - pos));
    size_t end = text.find('}', ref.offset);
    pos = end + 1;
    auto [ns, rest] = SplitReference(ref.name);
    if (ns == "secrets") {
      out.push_back(SecretTextPart{"", rest});
      continue;
    }
    if (auto secret = context.secret_names.find(ref.name); secret != context.secret_names.end()) {
      out.push_back(SecretTextPart{"", secret->second});
      continue;
    }
    auto it = context.values.find(ref.name);
    if (it == context.values.end()) {
      std::vector<std::string> known;
      for (const auto& [name, value] : context.values) known.push_back(name);
      std::string message = "cannot render ${" + ref.name + "}: no such value here";
      if (auto match = ClosestMatch(ref.name, known)) {
        message += "; did you mean ${" + *match + "}?";
      } else if (!known.empty()) {
        message += " (available: " + Join(known, ", ") + ")";
      }
      return InvalidArgument(message);
    }
    AppendText(out, it->second);
  }
  append_literal(text.substr(pos));
  return out;
}

Result<std::string> RenderTemplate(std::string_view text, const TemplateContext& context) {
  FERRY_ASSIGN_OR_RETURN(SecretText parts, RenderTemplateKeepingSecrets(text, context));
  for (const SecretTextPart& part : parts) {
    if (!part.secret.empty() && !context.secret) {
      return InvalidArgument("cannot render ${secrets." + part.secret +
                             "}: secrets are not available in this field");
    }
  }
  return RenderSecretText(parts, context.secret);
}

}  // namespace ferry::config
