#include "store/checks.h"

#include <algorithm>

#include "common/json.h"
#include "common/strings.h"
#include "store/limits.h"

namespace ferry::store {

Status CheckOptionalName(std::string_view text, std::string_view what) {
  if (text.size() > kMaxNameBytes) {
    return InvalidArgument(std::string(what) + " is " + std::to_string(text.size()) +
                           " bytes; the limit is " + std::to_string(kMaxNameBytes));
  }
  if (!IsValidUtf8(text)) return InvalidArgument(std::string(what) + " is not valid UTF-8");
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return InvalidArgument(std::string(what) + " " + QuoteForMessage(text) +
                             " contains a control character");
    }
  }
  return Ok();
}

Status CheckName(std::string_view text, std::string_view what) {
  if (text.empty()) return InvalidArgument(std::string(what) + " must not be empty");
  return CheckOptionalName(text, what);
}

Status CheckEntityKey(const EntityKey& key) {
  FERRY_RETURN_IF_ERROR(CheckName(key.kind, "entity kind"));
  FERRY_RETURN_IF_ERROR(CheckOptionalName(key.application, "entity application"));
  return CheckName(key.name, "entity name");
}

Result<std::string> CanonicalJson(std::string_view json, size_t max_bytes, std::string_view what) {
  if (json.size() > max_bytes) {
    return Error{ErrorCode::kPayloadTooLarge,
                 std::string(what) + " is " + std::to_string(json.size()) +
                     " bytes; the limit is " + std::to_string(max_bytes),
                 {}};
  }
  auto parsed = ParseJson(json, JsonLimits{.max_bytes = max_bytes, .max_depth = 64});
  if (!parsed.ok()) return parsed.error().WithContext(std::string(what) + " is not valid JSON");
  // nlohmann's object type is a std::map, so dumping sorts keys.
  return DumpJson(*parsed);
}

Result<std::string> CanonicalJsonObject(std::string_view json, size_t max_bytes,
                                        std::string_view what) {
  FERRY_ASSIGN_OR_RETURN(std::string canonical, CanonicalJson(json, max_bytes, what));
  if (canonical.empty() || canonical.front() != '{') {
    return InvalidArgument(std::string(what) + " must be a JSON object");
  }
  return canonical;
}

Result<std::vector<std::string>> NormalizeNames(const std::vector<std::string>& names,
                                                std::string_view what) {
  if (names.size() > 64) return InvalidArgument("at most 64 " + std::string(what) + "s");
  std::vector<std::string> sorted;
  for (const std::string& name : names) {
    FERRY_RETURN_IF_ERROR(CheckName(name, what));
    sorted.push_back(name);
  }
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  return sorted;
}

Status CheckPageLimit(int limit) {
  if (limit < 1 || limit > kMaxPageSize) {
    return InvalidArgument("limit must be between 1 and " + std::to_string(kMaxPageSize) +
                           ", got " + std::to_string(limit));
  }
  return Ok();
}

std::string ToJsonArray(const std::vector<std::string>& values) { return DumpJson(Json(values)); }

Result<std::vector<std::string>> FromJsonArray(std::string_view json) {
  auto parsed = ParseJson(json);
  if (!parsed.ok() || !parsed->is_array()) return Internal("stored value is not a JSON array");
  std::vector<std::string> values;
  for (const Json& item : *parsed) {
    if (!item.is_string()) return Internal("stored array holds a non-string");
    values.push_back(item.get<std::string>());
  }
  return values;
}

std::string EntitySubject(const EntityKey& key) {
  if (key.application.empty()) return key.kind + "/" + key.name;
  return key.kind + "/" + key.application + "/" + key.name;
}

std::string EntityApplication(const EntityKey& key) {
  if (key.application.empty() && key.kind == "application") return key.name;
  return key.application;
}

std::string EntityAuditDetails(const std::string* before, const std::string* after) {
  size_t total = (before ? before->size() : 0) + (after ? after->size() : 0);
  if (total > kMaxAuditDocumentBytes) {
    Json details = {{"documentsOmitted", true}};
    if (before) details["beforeBytes"] = before->size();
    if (after) details["afterBytes"] = after->size();
    return DumpJson(details);
  }
  // Both are canonical JSON already, so they are spliced in as they are.
  std::string details = "{";
  if (after) details += "\"after\":" + *after;
  if (before) details += std::string(after ? "," : "") + "\"before\":" + *before;
  return details + "}";
}

std::string BoundedText(std::string_view text, size_t max_bytes) {
  std::string out = IsValidUtf8(text) ? std::string(text) : std::string("(text that is not UTF-8)");
  for (char& ch : out) {
    if (ch == '\0') ch = '?';
  }
  if (out.size() <= max_bytes) return out;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  out.resize(cut);
  return out;
}

}  // namespace ferry::store
