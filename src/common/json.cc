#include "common/json.h"

#include <set>
#include <vector>

#include "common/strings.h"

namespace ferry {
namespace {

// Nesting depth check before parsing, so hostile input cannot exhaust the stack.
bool DepthWithin(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

}  // namespace

Result<Json> ParseJson(std::string_view text, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Error{ErrorCode::kPayloadTooLarge,
                 "JSON body is " + std::to_string(text.size()) + " bytes; the limit is " +
                     std::to_string(limits.max_bytes),
                 {}};
  }
  if (!DepthWithin(text, limits.max_depth)) {
    return InvalidArgument("JSON nests deeper than " + std::to_string(limits.max_depth) +
                           " levels");
  }
  try {
    if (!limits.reject_duplicate_keys) return Json::parse(text.begin(), text.end());
    // One set of keys per object being parsed; a key seen twice in one object stops the parse.
    struct DuplicateKey {
      std::string key;
    };
    std::vector<std::set<std::string>> keys;
    try {
      return Json::parse(text.begin(), text.end(),
                         [&keys](int, Json::parse_event_t event, Json& parsed) {
                           if (event == Json::parse_event_t::object_start) {
                             keys.emplace_back();
                           } else if (event == Json::parse_event_t::object_end) {
                             if (!keys.empty()) keys.pop_back();
                           } else if (event == Json::parse_event_t::key && !keys.empty() &&
                                      !keys.back().insert(parsed.get<std::string>()).second) {
                             throw DuplicateKey{parsed.get<std::string>()};
                           }
                           return true;
                         });
    } catch (const DuplicateKey& d) {
      return InvalidArgument("JSON object has the key \"" + d.key.substr(0, 80) +
                             "\" more than once");
    }
  } catch (const Json::parse_error& e) {
    // byte is 1-based; turn it into a line and column for the user.
    size_t byte = e.byte == 0 ? 0 : e.byte - 1;
    size_t line = 1, col = 1;
    for (size_t i = 0; i < byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    Error err = InvalidArgument("malformed JSON at line " + std::to_string(line) + ", column " +
                                std::to_string(col));
    err.details["line"] = std::to_string(line);
    err.details["column"] = std::to_string(col);
    return err;
  } catch (const Json::out_of_range&) {
    // A number past double's range (1E400): nlohmann reports it as out_of_range, not parse_error.
    return InvalidArgument("malformed JSON: a number is out of range");
  } catch (const Json::exception& e) {
    return InvalidArgument(std::string("malformed JSON: ") + e.what());
  }
}

Result<std::optional<std::string>> OptionalString(const Json& obj, std::string_view field) {
  if (!obj.is_object()) return InvalidArgument("expected a JSON object");
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return InvalidArgument(StrCat({"field '", field, "' must be a string"}));
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::string> RequiredString(const Json& obj, std::string_view field) {
  FERRY_ASSIGN_OR_RETURN(auto value, OptionalString(obj, field));
  if (!value) return InvalidArgument(StrCat({"field '", field, "' is required"}));
  return *value;
}

Result<std::optional<int64_t>> OptionalInt(const Json& obj, std::string_view field) {
  if (!obj.is_object()) return InvalidArgument("expected a JSON object");
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return std::optional<int64_t>();
  if (!it->is_number_integer()) {
    return InvalidArgument(StrCat({"field '", field, "' must be an integer"}));
  }
  return std::optional<int64_t>(it->get<int64_t>());
}

Result<std::optional<bool>> OptionalBool(const Json& obj, std::string_view field) {
  if (!obj.is_object()) return InvalidArgument("expected a JSON object");
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) return InvalidArgument(StrCat({"field '", field, "' must be a boolean"}));
  return std::optional<bool>(it->get<bool>());
}

std::string DumpJson(const Json& value, int indent) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace ferry
