#include "common/secret_mask.h"

#include <array>
#include <cctype>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

namespace ferry {
namespace {

// Shapes whose value (up to the next delimiter) is secret wherever it appears.
struct Shape {
  std::string_view prefix;  // matched case-insensitively
  std::string_view stops;   // characters that end the value
  // A JSON member: the prefix is the quoted key, and the value is the string after the colon
  // (whitespace allowed around it, as pretty-printed JSON has), up to its unescaped quote.
  bool json_member = false;
};

constexpr std::array<Shape, 12> kShapes = {{
    {"authorization: ", "\r\n"},
    {"authorization=", "&\r\n \""},
    {"x-amz-signature=", "&\r\n \"'"},
    {"x-amz-security-token=", "&\r\n \"'"},
    {"x-amz-security-token: ", "\r\n"},
    {"x-amz-credential=", "&\r\n \"'"},
    {"\"secretaccesskey\"", "", true},
    {"\"sessiontoken\"", "", true},
    {"\"secret_access_key\"", "", true},
    {"aws_secret_access_key=", "\r\n"},
    {"aws_session_token=", "\r\n"},
    {"<secretaccesskey>", "<"},
}};

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// For a JSON member shape whose key ends at `pos`: where the string value starts (after its
// opening quote) and ends (at its closing quote, or the text's end), or nullopt when the key is
// not followed by a colon and a string.
std::optional<std::pair<size_t, size_t>> JsonStringValue(std::string_view text, size_t pos) {
  while (pos < text.size() && IsJsonSpace(text[pos])) ++pos;
  if (pos >= text.size() || text[pos] != ':') return std::nullopt;
  ++pos;
  while (pos < text.size() && IsJsonSpace(text[pos])) ++pos;
  if (pos >= text.size() || text[pos] != '"') return std::nullopt;
  const size_t start = ++pos;
  while (pos < text.size() && text[pos] != '"') pos += text[pos] == '\\' ? 2 : 1;
  return std::make_pair(start, std::min(pos, text.size()));
}

bool StartsWithIgnoreCase(std::string_view text, size_t pos, std::string_view prefix) {
  if (text.size() - pos < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[pos + i])) != prefix[i]) return false;
  }
  return true;
}

// The characters (either case) a shape can start with: the scan tests shapes only there, so
// masking a long document costs a table lookup per character.
constexpr std::array<bool, 256> kShapeStarts = [] {
  std::array<bool, 256> starts{};
  for (const Shape& shape : kShapes) {
    const auto c = static_cast<unsigned char>(shape.prefix.front());
    starts[c] = true;
    if (c >= 'a' && c <= 'z') starts[c - 'a' + 'A'] = true;
  }
  return starts;
}();

std::string MaskShapes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t copied = 0;  // text[copied, i) is waiting to be appended unchanged
  size_t i = 0;
  while (i < text.size()) {
    if (!kShapeStarts[static_cast<unsigned char>(text[i])]) {
      ++i;
      continue;
    }
    bool matched = false;
    for (const auto& shape : kShapes) {
      if (!StartsWithIgnoreCase(text, i, shape.prefix)) continue;
      size_t start = i + shape.prefix.size();
      size_t end = start;
      if (shape.json_member) {
        auto value = JsonStringValue(text, start);
        if (!value) continue;
        std::tie(start, end) = *value;
      } else {
        while (end < text.size() && shape.stops.find(text[end]) == std::string_view::npos) ++end;
      }
      out.append(text.substr(copied, start - copied));
      if (end > start) out.append(kMasked);
      i = copied = end;
      matched = true;
      break;
    }
    if (!matched) ++i;
  }
  out.append(text.substr(copied));
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
