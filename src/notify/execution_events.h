// The notification events of an execution's status change, as the engine reports it
// (EngineOptions::on_execution_changed): started when it left queued; succeeded, rolled back or
// failed (failed, rollback_failed, aborted; the status tells which) when it ended, plus one
// verification.failed per verify step whose verification did not pass. Reads the execution's
// environment (for its type) and verifications from the store. Thread-safe.
#pragma once

#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "notify/event.h"
#include "store/store.h"

namespace ferry::notify {

Result<std::vector<Event>> ExecutionEvents(store::Store& store,
                                           const store::ExecutionRecord& execution, TimePoint now);

}  // namespace ferry::notify
