// Field validation of one entity on its own: names, enums, ranges, patterns, "exactly one of"
// rules, uniqueness inside the entity. Checks that need other entities (references, duplicates
// across files, template names) live in config/semantics.h.
//
// Fields that hold a `${...}` template are checked where the rendered value is known
// (config::ResolveFunctionSpecs) rather than here. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "model/entities.h"
#include "model/problem.h"

namespace ferry::model {

// Appends every problem of `entity` to `problems` (paths relative to the entity document).
void ValidateEntity(const Entity& entity, Problems& problems);

// Checks the Lambda values of a function spec. `path` is the spec's JSON pointer. With
// `complete` the spec must be deployable on its own (runtime and handler for Zip packages);
// otherwise it is a partial layer (defaults, overrides).
void ValidateFunctionFields(const FunctionSpec& spec, const std::string& path, bool complete,
                            Problems& problems);

// Individual checks, exposed for the resolver and the API. Each returns "" when `value` is
// valid, else a message that completes "field: ...".
std::string CheckEntityName(std::string_view value);
std::string CheckVariableName(std::string_view value);
std::string CheckRegion(std::string_view value);
std::string CheckDuration(std::string_view value);
std::string CheckCron(std::string_view value);
std::string CheckTimeZone(std::string_view value);
std::string CheckRegex(std::string_view value);
bool HasTemplate(std::string_view value);

}  // namespace ferry::model
