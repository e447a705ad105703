// Reading YAML into JSON values while remembering where every value came from.
//
// The only file that includes yaml-cpp for reading is yaml_reader.cc. Scalars are typed with the
// YAML 1.2 core schema: unquoted true/false, null/~, integers and floats become JSON booleans,
// null and numbers; everything else (and every quoted scalar) is a string. Hostile input is
// bounded: nesting deeper than YamlLimits::max_depth and documents whose alias expansion would
// exceed max_nodes are rejected (a "billion laughs" file stops at the limit instead of exhausting
// memory). Pure; thread-safe.
#pragma once

#include <compare>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_fwd.h"
#include "common/result.h"

namespace ferry::config {

struct SourcePosition {
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
  auto operator<=>(const SourcePosition&) const = default;
};

// Where the key and the value at a JSON pointer start in the file.
struct NodePosition {
  SourcePosition key;  // equals value for list items and the document root
  SourcePosition value;
  bool container = false;  // the value is a mapping or a list
};

struct YamlProblem {
  SourcePosition position;
  std::string message;
};

struct YamlDocument {
  std::unique_ptr<Json> value;                    // never null
  std::map<std::string, NodePosition> positions;  // by JSON pointer ("" is the root)
  SourcePosition start;
};

struct YamlLimits {
  int max_depth = 64;
  size_t max_nodes = 100000;  // per document, after alias expansion
  // Bytes of keys and scalar values per document, after alias expansion: a 1 MiB string anchored
  // once and referenced 2,000 times is few values but 2 GB of text.
  size_t max_bytes = 32u * 1024u * 1024u;
};

struct YamlParse {
  std::vector<YamlDocument> documents;  // empty documents are skipped
  std::vector<YamlProblem> problems;    // malformed YAML, duplicate keys, limits
};

// Parses every document of a multi-document stream. A syntax error ends the parse (problems
// holds it with its position); other problems are collected and the documents kept.
YamlParse ParseYaml(std::string_view text, const YamlLimits& limits = {});

// How an unquoted scalar is typed; used by the exporter to quote strings that would otherwise
// read back as another type. Returns a JSON value (string, number, boolean or null).
Json ResolvePlainScalar(std::string_view text);

}  // namespace ferry::config
