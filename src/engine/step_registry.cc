#include "engine/step_registry.h"

#include "common/strings.h"

namespace ferry::engine {

Status StepRegistry::Register(std::string name, std::unique_ptr<StepKind> kind) {
  if (name.empty() || kind == nullptr) {
    return Error{ErrorCode::kInvalidArgument, "a step kind needs a name and an implementation"};
  }
  if (kinds_.count(name)) {
    return Error{ErrorCode::kConflict,
                 "step kind " + QuoteForMessage(name) + " is registered already"};
  }
  kinds_.emplace(std::move(name), std::move(kind));
  return Ok();
}

StepKind* StepRegistry::Find(std::string_view name) const {
  auto it = kinds_.find(name);
  return it == kinds_.end() ? nullptr : it->second.get();
}

}  // namespace ferry::engine
