// Writing entities back as YAML that re-applies to the same state: one document per entity,
// `kind`, `application` and `name` first, every other field as in canonical JSON. Strings that
// would read back as another type ("true", "123", "") are quoted. Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "model/entities.h"

namespace ferry::config {

// Entities are written in the order given, separated by `---`.
std::string ExportYaml(const std::vector<model::Entity>& entities);

}  // namespace ferry::config
