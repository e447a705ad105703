// Reading YAML into JSON values while remembering where every value came from.
//
// The only file that includes yaml-cpp for reading is yaml_reader.cc. Scalars are typed with the
// YAML 1.2 core schema: unquoted true/false, null/~, integers and floats become JSON booleans,
// null and numbers; everything else (and every quoted scalar) is a string. Merge keys (`<<`) are
// ordinary keys, as in yaml-cpp 0.7.
//
// Hostile input is bounded while it is parsed: the values are built from yaml-cpp's event
// parser (never from YAML::Load, which builds its whole node graph first), and every value,
// every byte of key and scalar text and every alias expansion is counted against YamlLimits as
// it arrives, so a "billion laughs" file, a long anchor repeated by aliases or input that makes
// yaml-cpp's parser repeat itself stops at a limit, with the position where it ran over, in time
// and memory bounded by the input's size and the limits. Pure; thread-safe.
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

// Per document, a limit fails that document (its value is null, one problem says which limit at
// which position) and the parse goes on with the next; per stream, a limit ends the parse.
// An anchored value counts once more when it is defined (Ferry keeps a copy for its aliases).
struct YamlLimits {
  int max_depth = 64;
  size_t max_nodes = 100000;  // values per document, after alias expansion
  // Bytes of keys and scalar values per document, after alias expansion: a 1 MiB string anchored
  // once and referenced 2,000 times is few values but 2 GB of text.
  size_t max_bytes = 32u * 1024u * 1024u;
  size_t max_documents = 100000;                 // per stream, empty ones included
  size_t max_total_nodes = 500000;               // values of the whole stream
  size_t max_total_bytes = 64u * 1024u * 1024u;  // key and scalar bytes of the whole stream
};

struct YamlParse {
  std::vector<YamlDocument> documents;  // empty documents are skipped
  std::vector<YamlProblem> problems;    // malformed YAML, duplicate keys, limits
};

// Parses every document of a multi-document stream. A syntax error or a stream limit ends the
// parse: problems then holds only it, with its position, and documents is empty. Other problems
// (duplicate keys, non-scalar keys, a document's limits) are collected and the documents kept.
YamlParse ParseYaml(std::string_view text, const YamlLimits& limits = {});

// How an unquoted scalar is typed; used by the exporter to quote strings that would otherwise
// read back as another type. Returns a JSON value (string, number, boolean or null).
Json ResolvePlainScalar(std::string_view text);

}  // namespace ferry::config
