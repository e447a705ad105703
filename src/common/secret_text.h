// SecretText: a string some of whose parts are secrets, kept by reference (a SecretRef's name)
// until the one place that needs the value renders it. Environment values that use secrets travel
// this way from the server to the delegate, so an execution's steps and task payloads never hold
// a secret value: the delegate resolves the references just before it calls Lambda.
//
//   DB_URL: "postgres://app:${secrets.db-password}@db:5432/orders"
//     → [{text "postgres://app:"}, {secret "db-password"}, {text "@db:5432/orders"}]
//
// Values; thread-compatible. RenderSecretText is thread-safe when `resolve` is.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ferry {

struct SecretTextPart {
  std::string text;    // literal text, when `secret` is empty
  std::string secret;  // non-empty: the name of the secret whose value goes here
  bool operator==(const SecretTextPart&) const = default;
};
using SecretText = std::vector<SecretTextPart>;

// Returns a secret's value by SecretRef name, registering it with SecretMasker first. Errors name
// the secret, never a value.
using SecretResolver = std::function<Result<std::string>(std::string_view name)>;

// Appends literal text, merging it into a trailing literal part.
void AppendText(SecretText& out, std::string_view text);

bool HasSecret(const SecretText& text);

// The text with each secret part replaced by resolve(name); the first resolver error, or
// kFailedPrecondition when `resolve` is empty and the text has a secret part.
Result<std::string> RenderSecretText(const SecretText& text, const SecretResolver& resolve);

}  // namespace ferry
