#include "store/execution_store.h"

namespace ferry::store {

ExecutionVersion VersionOf(const ExecutionRecord& execution, const std::vector<StepRecord>& steps) {
  ExecutionVersion version;
  version.revision = execution.revision;
  version.steps = static_cast<int64_t>(steps.size());
  for (const StepRecord& s : steps) version.step_revisions += s.revision;
  return version;
}

}  // namespace ferry::store
