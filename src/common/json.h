// JSON for Ferry: nlohmann::json behind one header, with parsing that never throws.
//
// Modules include this header, never <nlohmann/json.hpp> directly. Headers that only pass JSON
// around include "common/json_fwd.h".
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ferry {

using Json = nlohmann::json;

struct JsonLimits {
  size_t max_bytes = 16 * 1024 * 1024;
  int max_depth = 64;
  // Strict input (the REST API's bodies): an object with the same key twice is kInvalidArgument
  // naming the key, instead of the last one silently winning.
  bool reject_duplicate_keys = false;
};

// kInvalidArgument with line/column for malformed input; kPayloadTooLarge past max_bytes;
// kInvalidArgument when nesting is deeper than max_depth (hostile input).
Result<Json> ParseJson(std::string_view text, const JsonLimits& limits = {});

// Typed field access for request bodies: kInvalidArgument naming the field on a wrong type.
// Missing fields give nullopt (optional getters) or kInvalidArgument (required getters).
Result<std::optional<std::string>> OptionalString(const Json& obj, std::string_view field);
Result<std::string> RequiredString(const Json& obj, std::string_view field);
Result<std::optional<int64_t>> OptionalInt(const Json& obj, std::string_view field);
Result<std::optional<bool>> OptionalBool(const Json& obj, std::string_view field);

// Compact serialisation that replaces invalid UTF-8 instead of throwing.
std::string DumpJson(const Json& value, int indent = -1);

}  // namespace ferry
