#include "common/secret_mask.h"

#include <array>
#include <cctype>
#include <vector>

namespace ferry {
namespace {

// Shapes whose value (up to the next delimiter) is secret wherever it appears.
struct Shape {
  std::string_view prefix;  // matched case-insensitively
  std::string_view stops;   // characters that end the value
};

constexpr std::array<Shape, 12> kShapes = {{
    {"authorization: ", "\r\n"},
    {"authorization=", "&\r\n \""},
    {"x-amz-signature=", "&\r\n \"'"},
    {"x-amz-security-token=", "&\r\n \"'"},
    {"x-amz-security-token: ", "\r\n"},
    {"x-amz-credential=", "&\r\n \"'"},
    {"\"secretaccesskey\":\"", "\""},
    {"\"sessiontoken\":\"", "\""},
    {"\"secret_access_key\":\"", "\""},
    {"aws_secret_access_key=", "\r\n"},
    {"aws_session_token=", "\r\n"},
    {"<secretaccesskey>", "<"},
}};

bool StartsWithIgnoreCase(std::string_view text, size_t pos, std::string_view prefix) {
  if (text.size() - pos < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[pos + i])) != prefix[i]) return false;
  }
  return true;
}

std::string MaskShapes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    bool matched = false;
    for (const auto& shape : kShapes) {
      // Allow optional whitespace after ':' in JSON ("SecretAccessKey": "...").
      if (StartsWithIgnoreCase(text, i, shape.prefix)) {
        out.append(text.substr(i, shape.prefix.size()));
        size_t j = i + shape.prefix.size();
        while (j < text.size() && shape.stops.find(text[j]) == std::string_view::npos) ++j;
        if (j > i + shape.prefix.size()) out.append(kMasked);
        i = j;
        matched = true;
        break;
      }
    }
    if (!matched) out.push_back(text[i++]);
  }
  return out;
}

}  // namespace

void SecretMasker::Register(std::string_view secret) {
  if (secret.size() < 4) return;
  std::lock_guard lock(mu_);
  secrets_.emplace(secret);
}

void SecretMasker::Unregister(std::string_view secret) {
  std::lock_guard lock(mu_);
  auto it = secrets_.find(secret);
  if (it != secrets_.end()) secrets_.erase(it);
}

std::string SecretMasker::Mask(std::string_view text) const {
  std::string out = MaskShapes(text);
  std::lock_guard lock(mu_);
  for (const auto& secret : secrets_) {
    size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), kMasked);
      pos += kMasked.size();
    }
  }
  return out;
}

SecretMasker& SecretMasker::Global() {
  static SecretMasker masker;
  return masker;
}

std::string MaskSecrets(std::string_view text) { return SecretMasker::Global().Mask(text); }

}  // namespace ferry
