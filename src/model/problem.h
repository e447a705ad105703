// Problem: one thing wrong with a configuration entity, located by a field path.
//
// Field paths are JSON pointers into the entity's canonical JSON ("/functions/0/memory"), so the
// same validation serves the YAML loader (which maps a path to file:line:col) and the API (which
// returns the path as is). Pure value types; thread-compatible.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::model {

struct Problem {
  std::string path;  // JSON pointer; "" is the whole entity
  std::string message;
  // True when the problem is the key itself (an unknown field), not the key's value.
  bool at_key = false;
  auto operator<=>(const Problem&) const = default;
};

using Problems = std::vector<Problem>;

// For test failure messages: "/functions/0/memory: must be between ...".
std::ostream& operator<<(std::ostream& os, const Problem& problem);

// Appends a key or an index to a JSON pointer, escaping '~' and '/' (RFC 6901).
std::string JoinPath(std::string_view parent, std::string_view key);
std::string JoinPath(std::string_view parent, size_t index);
// Splits a JSON pointer into unescaped segments; "" gives {}.
std::vector<std::string> SplitPath(std::string_view pointer);
// "/functions/0/memory" -> "functions[0].memory", for messages read by people; "" -> "(document)".
std::string DisplayPath(std::string_view pointer);

}  // namespace ferry::model
