// DelegateRegistry: the delegates that work for this database — the embedded one of each
// `ferry server` and every remote `ferry delegate` — as they last announced themselves. A delegate
// is recorded (or refreshed) each time it claims or heartbeats, so `last_seen_at` says whether it
// is alive; which tasks it runs is the tasks' lease owner (TaskStore), not kept here.
//
// Kept apart from Store (store.h) on purpose: a Store implementation need not offer it, and the
// composition (apps/ferry) picks one, e.g. OpenSqliteDelegateRegistry (sqlite/sqlite_store.h).
// Thread-safe; safe across processes (several servers may serve one database).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace ferry::store {

struct DelegateSighting {
  std::string name;                    // chosen by the operator (--name); unique per delegate
  std::string instance;                // the lease owner of this process's tasks
  std::vector<std::string> selectors;  // what it offers
  std::string version;                 // its ferry version
};

struct DelegateRecord {
  std::string name;
  std::string instance;
  std::vector<std::string> selectors;  // sorted, unique
  std::string version;
  TimePoint first_seen_at;
  TimePoint last_seen_at;
};

class DelegateRegistry {
 public:
  virtual ~DelegateRegistry() = default;
  // Records the delegate as seen now (a new instance of a name replaces the previous one).
  // kInvalidArgument for an empty or bad name or instance, bad selectors or a version over
  // kMaxNameBytes.
  virtual Result<DelegateRecord> Seen(const DelegateSighting& sighting) = 0;
  // Refreshes last_seen_at of the delegate whose instance this is; nothing when there is none.
  virtual Status Touch(std::string_view instance) = 0;
  // Ordered by name; at most kMaxPageSize.
  virtual Result<std::vector<DelegateRecord>> List() = 0;
};

}  // namespace ferry::store
