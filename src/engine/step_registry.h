// StepRegistry: the step kinds an engine knows, by name. Built once at start-up (steps/builtin.h
// registers Ferry's own kinds; tests may add their own) and then only read.
//
// Thread-safe once built: Find may be called from any thread; Register is for start-up.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "engine/step_kind.h"

namespace ferry::engine {

class StepRegistry {
 public:
  // kConflict when a kind of that name is registered; kInvalidArgument for an empty name.
  Status Register(std::string name, std::unique_ptr<StepKind> kind);
  // nullptr when no kind has that name.
  StepKind* Find(std::string_view name) const;

 private:
  std::map<std::string, std::unique_ptr<StepKind>, std::less<>> kinds_;
};

}  // namespace ferry::engine
