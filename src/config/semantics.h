// Checks across entities: duplicate names, dangling references (a pipeline stage naming a missing
// workflow, a service naming a missing cloud provider, ...), and `${...}` template names that
// can be checked statically (an undeclared serviceVariable, secret or workflow variable).
//
// Works on entities alone, so the CLI (on YAML files) and the API (on JSON bodies plus the stored
// entities) report the same problems with the same JSON-pointer paths. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "model/entities.h"
#include "model/problem.h"

namespace ferry::config {

struct EntityProblem {
  size_t entity = 0;  // index into the checked entities
  model::Problem problem;
  std::optional<size_t> related;  // another entity involved (the first of a duplicate)
};

// Checks `entities` together. Only the first `checked_count` entities get problems; the rest
// only serve as reference targets (e.g. what the store already holds).
std::vector<EntityProblem> CheckEntities(const std::vector<model::Entity>& entities,
                                         size_t checked_count = SIZE_MAX);

// Template syntax and name checks for every string field of one entity (also run by
// CheckEntities), with the references resolved against `entities`.
void CheckTemplates(const model::Entity& entity, const std::vector<model::Entity>& entities,
                    model::Problems& problems);

}  // namespace ferry::config
