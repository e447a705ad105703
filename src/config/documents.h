// Checking entities given as JSON documents (the API's request bodies) exactly as LoadConfig
// checks YAML files: decode (unknown fields, wrong types, bad enum values), validate each
// entity, then check across entities (duplicates, dangling references, template names) with
// `known` as further reference targets. The problems carry the same JSON-pointer paths and
// messages the YAML loader reports, located by document index instead of file:line:col.
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/json_fwd.h"
#include "model/entities.h"

namespace ferry::config {

struct DocumentProblem {
  size_t document = 0;  // index into the checked documents
  std::string path;     // JSON pointer within that document; "" for the whole document
  std::string message;
  auto operator<=>(const DocumentProblem&) const = default;
};

struct CheckedDocuments {
  // The decoded entities, one per document that decoded (in document order) ...
  std::vector<model::Entity> entities;
  // ... and the index of the document each came from.
  std::vector<size_t> documents;
  std::vector<DocumentProblem> problems;  // sorted by document, then path
  bool ok() const { return problems.empty(); }
};

// `known` are entities defined elsewhere (what the store holds) that references may name; a
// document replaces a known entity with the same kind, application and name.
CheckedDocuments CheckEntityDocuments(const std::vector<Json>& documents,
                                      const std::vector<model::Entity>& known = {});

}  // namespace ferry::config
