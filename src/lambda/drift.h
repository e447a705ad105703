// Drift: what changed on a function outside Ferry since Ferry last left it (its known state,
// records.h) — alias targets and weights, $LATEST's code, the configuration, tags, published
// versions — field by field, for `ferry drift`, `ferry plan` and the deployer's log.
//
// Environment values are never recorded, so only environment keys are compared; a change Ferry
// cannot see field by field (an environment value) still shows as $LATEST's revision changing.
// Values are shown in full except code digests (shortened); tag values are shown (they are not
// secrets in AWS's model either: every reader of the function sees them).
//
// Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "lambda/function_state.h"

namespace ferry::lambda {

// What Ferry last left a function as, as far as it recorded it.
struct RecordedFunction {
  ObservedFunction function;
  // The known state holds $LATEST's configuration (environment keys only) and tags. Records
  // written before Ferry kept them lack both: then neither is compared.
  bool configuration_recorded = false;
};

struct DriftItem {
  std::string what;      // "alias live", "MemorySize", "tag team", "code", "version 7", "function"
  std::string recorded;  // as Ferry left it: "version 3", "256 MB", "absent"
  std::string live;      // as it is now: "version 5", "512 MB", "deleted"
  bool operator==(const DriftItem&) const = default;
};

// The differences, in a fixed order: the function itself, code, configuration, tags, aliases,
// versions. Empty when nothing changed.
std::vector<DriftItem> FindDrift(const RecordedFunction& recorded, const ObservedFunction& live);

// "MemorySize: 256 MB → 512 MB" (recorded → live).
std::string DescribeDrift(const DriftItem& item);

}  // namespace ferry::lambda
