// Ferry's own step kinds, registered in one place (builtin.cc): a new kind is one file in
// engine/steps/ plus one line there.
#pragma once

#include "engine/step_registry.h"

namespace ferry::engine {

// Registers every built-in kind into `registry`. kConflict when one is registered already.
Status RegisterBuiltinSteps(StepRegistry& registry);

}  // namespace ferry::engine
