// Applying configuration entities to the store: the one write path shared by `ferry apply`
// (YAML files) and the API (PUT of one entity, POST /apply). Callers check the entities first
// (config::LoadConfig or config::CheckEntityDocuments, both against StoredEntities), then write
// them here in one transaction: every entity lands or none does, and re-applying an unchanged
// entity is kUnchanged without a new revision. Thread-safe (the store is).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/entities.h"
#include "store/store.h"

namespace ferry::api {

// Every stored entity, decoded, ordered by kind, application and name. kInternal naming the
// entity when a stored spec no longer decodes.
Result<std::vector<model::Entity>> StoredEntities(store::Store& store);

// The store's key for an entity.
store::EntityKey EntityKeyOf(const model::Entity& entity);

struct AppliedEntity {
  store::EntityKey key;
  store::PutOutcome outcome = store::PutOutcome::kUnchanged;
};

// Writes the (already checked) entities in one transaction, in order. With expected_revision
// (one entity only) the write is guarded: kFailedPrecondition when the stored revision differs
// (0 = must not exist).
Result<std::vector<AppliedEntity>> WriteEntities(const std::vector<model::Entity>& entities,
                                                 store::Store& store, const store::Actor& actor,
                                                 std::optional<int64_t> expected_revision = {});

// "created", "updated", "unchanged".
std::string_view PutOutcomeName(store::PutOutcome outcome);

}  // namespace ferry::api
