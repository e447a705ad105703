// EntityStore: the configuration entities (cloud providers, applications, services,
// environments, infrastructure definitions, workflows, pipelines, triggers, secret references)
// stored as versioned JSON specs keyed by (kind, application, name).
//
// The store knows nothing of each kind's fields: model/ turns structs into canonical JSON and
// back. Put compares the canonical spec with the stored one, so re-applying the same
// configuration changes nothing (kUnchanged) and bumps no revision. Every mutation is recorded
// in the audit trail in the same transaction. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/actor.h"

namespace ferry::store {

struct EntityKey {
  std::string kind;         // "application", "service", "environment", ... (model::Kind names)
  std::string application;  // "" for kinds that are not scoped to an application
  std::string name;
  auto operator<=>(const EntityKey&) const = default;
};

struct EntityRecord {
  EntityKey key;
  std::string spec_json;  // canonical JSON (sorted keys, no insignificant whitespace)
  int64_t revision = 0;   // 1 on create, +1 on each change
  TimePoint created_at;
  TimePoint updated_at;
};

enum class PutOutcome { kCreated, kUpdated, kUnchanged };

struct EntityWrite {
  EntityKey key;
  std::string spec_json;
  // When set, the write fails with kFailedPrecondition unless the stored revision equals it
  // (0 means "must not exist"). Used by the API for optimistic concurrency.
  std::optional<int64_t> expected_revision;
};

class EntityStore {
 public:
  virtual ~EntityStore() = default;
  // Writes all entities in one transaction: either every write lands or none does.
  // Returns one outcome per write, in order. kInvalidArgument when a spec is not valid JSON.
  virtual Result<std::vector<PutOutcome>> PutAll(const std::vector<EntityWrite>& writes,
                                                 const Actor& actor) = 0;
  virtual Result<PutOutcome> Put(const EntityWrite& write, const Actor& actor) = 0;
  // kNotFound when absent.
  virtual Result<EntityRecord> Get(const EntityKey& key) = 0;
  // Ordered by kind, application, name. An empty kind lists every kind; application nullopt
  // lists every application.
  virtual Result<std::vector<EntityRecord>> List(std::string_view kind,
                                                 std::optional<std::string> application) = 0;
  // kNotFound when absent.
  virtual Status Delete(const EntityKey& key, const Actor& actor) = 0;
};

}  // namespace ferry::store
