#include "api/request_input.h"

#include <vector>

#include "common/strings.h"
#include "store/limits.h"

namespace ferry::api {
namespace {

constexpr int kMaxBodyDepth = 64;

std::vector<std::string> Names(std::initializer_list<std::string_view> names) {
  std::vector<std::string> out;
  for (std::string_view n : names) out.emplace_back(n);
  return out;
}

std::string Unknown(std::string_view what, std::string_view name,
                    std::initializer_list<std::string_view> allowed) {
  std::vector<std::string> candidates = Names(allowed);
  std::string message = StrCat({"unknown ", what, " ", QuoteForMessage(name, 60)});
  if (auto close = ClosestMatch(name, candidates)) {
    message += StrCat({"; did you mean '", *close, "'?"});
  } else if (!candidates.empty()) {
    message += "; expected one of " + Join(candidates, ", ");
  } else {
    message += "; this route takes none";
  }
  return message;
}

bool HasControl(std::string_view value) {
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

}  // namespace

Result<Json> ParseObjectBody(const ApiRequest& request, size_t max_bytes) {
  if (request.body.size() > max_bytes) {
    return Error{ErrorCode::kPayloadTooLarge,
                 "request body is " + std::to_string(request.body.size()) +
                     " bytes; the limit is " + std::to_string(max_bytes),
                 {}};
  }
  if (Trim(request.body).empty()) {
    return InvalidArgument("request body is empty; send a JSON object");
  }
  if (!IsValidUtf8(request.body)) return InvalidArgument("request body is not valid UTF-8");
  auto parsed = ParseJson(request.body, {.max_bytes = max_bytes,
                                         .max_depth = kMaxBodyDepth,
                                         .reject_duplicate_keys = true});
  if (!parsed.ok()) return parsed.error().WithContext("request body");
  if (!parsed->is_object()) {
    return InvalidArgument(
        StrCat({"request body must be a JSON object, not ", std::string(parsed->type_name())}));
  }
  return std::move(*parsed);
}

Status RejectUnknownFields(const Json& object, std::initializer_list<std::string_view> allowed,
                           std::string_view where) {
  if (!object.is_object()) return InvalidArgument(StrCat({where, " must be a JSON object"}));
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (!known) {
      return InvalidArgument(Unknown("field", StrCat({where, key}), allowed));
    }
  }
  return Ok();
}

Status RejectUnknownQuery(const ApiRequest& request,
                          std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : request.query) {
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (!known) return InvalidArgument(Unknown("query parameter", key, allowed));
  }
  return Ok();
}

Status CheckName(std::string_view what, std::string_view value) {
  if (value.empty()) return InvalidArgument(StrCat({what, " must not be empty"}));
  if (value.size() > store::kMaxNameBytes) {
    return InvalidArgument(
        StrCat({what, " is ", std::to_string(value.size()), " bytes long; the limit is ",
                std::to_string(store::kMaxNameBytes)}));
  }
  if (!IsValidUtf8(value)) return InvalidArgument(StrCat({what, " is not valid UTF-8"}));
  if (HasControl(value)) {
    return InvalidArgument(
        StrCat({what, " ", QuoteForMessage(value, 60), " contains control characters"}));
  }
  return Ok();
}

Result<std::optional<std::string>> QueryName(const ApiRequest& request, std::string_view name) {
  auto [first, last] = request.query.equal_range(std::string(name));
  if (first == last) return std::optional<std::string>();
  if (std::next(first) != last) {
    return InvalidArgument(StrCat({"query parameter '", name, "' is given more than once"}));
  }
  FERRY_RETURN_IF_ERROR(CheckName(StrCat({"query parameter '", name, "'"}), first->second));
  return std::optional<std::string>(first->second);
}

Result<int64_t> QueryInt(const ApiRequest& request, std::string_view name, int64_t fallback,
                         int64_t min, int64_t max) {
  FERRY_ASSIGN_OR_RETURN(auto text, QueryName(request, name));
  if (!text) return fallback;
  std::optional<int64_t> value = ParseInt(*text);
  if (!value || *value < min || *value > max) {
    return InvalidArgument(
        StrCat({"query parameter '", name, "' must be an integer from ", std::to_string(min),
                " to ", std::to_string(max), ", not ", QuoteForMessage(*text, 40)}));
  }
  return *value;
}

Result<bool> QueryBool(const ApiRequest& request, std::string_view name, bool fallback) {
  FERRY_ASSIGN_OR_RETURN(std::optional<std::string> text, QueryName(request, name));
  if (!text.has_value()) return fallback;
  static constexpr std::pair<std::string_view, bool> kWords[] = {
      {"1", true}, {"true", true}, {"0", false}, {"false", false}};
  for (const auto& [word, value] : kWords) {
    if (EqualsIgnoreCase(*text, word)) return value;
  }
  return InvalidArgument(StrCat({"query parameter '", name, "' must be 1, 0, true or false, not ",
                                 QuoteForMessage(*text, 40)}));
}

Result<int> ListLimit(const ApiRequest& request) {
  FERRY_ASSIGN_OR_RETURN(int64_t limit,
                         QueryInt(request, "limit", kDefaultListLimit, 1, kMaxListLimit));
  return static_cast<int>(limit);
}

Error ListError(const Error& error, const std::optional<std::string>& before,
                std::string_view noun) {
  if (error.code != ErrorCode::kNotFound || !before) return error;
  return NotFound(StrCat({"no ", noun, " ", QuoteForMessage(*before),
                          " to page before; pass the \"next\" of the previous page as `before`"}));
}

namespace {
constexpr size_t kMaxArtifactKeyBytes = 1024;
}  // namespace

Result<ArtifactLocation> ParseArtifactLocation(const Json& value, std::string_view field) {
  const std::string name(field);
  if (!value.is_object()) return InvalidArgument("field '" + name + "' must be a JSON object");
  FERRY_RETURN_IF_ERROR(
      RejectUnknownFields(value, {"s3Bucket", "s3Key", "s3ObjectVersion"}, name + "."));
  ArtifactLocation out;
  auto bucket = RequiredString(value, "s3Bucket");
  if (!bucket.ok()) return bucket.error().WithContext(name);
  out.s3_bucket = *bucket;
  FERRY_RETURN_IF_ERROR(CheckName(name + ".s3Bucket", out.s3_bucket));
  auto key = RequiredString(value, "s3Key");
  if (!key.ok()) return key.error().WithContext(name);
  out.s3_key = *key;
  if (out.s3_key.empty() || out.s3_key.size() > kMaxArtifactKeyBytes || !IsValidUtf8(out.s3_key)) {
    return InvalidArgument(name + ".s3Key must be 1 to 1024 bytes of UTF-8");
  }
  auto version = OptionalString(value, "s3ObjectVersion");
  if (!version.ok()) return version.error().WithContext(name);
  if (*version) {
    FERRY_RETURN_IF_ERROR(CheckName(name + ".s3ObjectVersion", **version));
    out.s3_object_version = **version;
  }
  return out;
}

}  // namespace ferry::api
