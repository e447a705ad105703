// The idempotency key of the task a step runs in a state (one task per state and attempt), shared
// by the engine's translation units. Not part of the engine's interface.
#pragma once

#include <string>

#include "store/execution_store.h"

namespace ferry::engine {

inline std::string TaskKey(const store::StepRecord& step, const std::string& state) {
  return step.execution_id + "/" + std::to_string(step.index) + "/" + state + "/" +
         std::to_string(step.attempt);
}

}  // namespace ferry::engine
