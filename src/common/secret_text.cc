#include "common/secret_text.h"

#include "common/strings.h"

namespace ferry {

void AppendText(SecretText& out, std::string_view text) {
  if (text.empty()) return;
  if (!out.empty() && out.back().secret.empty()) {
    out.back().text += text;
  } else {
    out.push_back(SecretTextPart{std::string(text), ""});
  }
}

bool HasSecret(const SecretText& text) {
  for (const SecretTextPart& part : text) {
    if (!part.secret.empty()) return true;
  }
  return false;
}

Result<std::string> RenderSecretText(const SecretText& text, const SecretResolver& resolve) {
  std::string out;
  for (const SecretTextPart& part : text) {
    if (part.secret.empty()) {
      out += part.text;
      continue;
    }
    if (!resolve) {
      return FailedPrecondition("secret " + QuoteForMessage(part.secret) +
                                " cannot be read here: no secret resolver is configured");
    }
    FERRY_ASSIGN_OR_RETURN(std::string value, resolve(part.secret));
    out += value;
  }
  return out;
}

}  // namespace ferry
