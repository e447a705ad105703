#include "api/config_apply.h"

#include <algorithm>
#include <tuple>

#include "model/enums.h"
#include "model/json_codec.h"

namespace ferry::api {

Result<std::vector<model::Entity>> StoredEntities(store::Store& store) {
  FERRY_ASSIGN_OR_RETURN(auto records, store.entities().List("", std::nullopt));
  std::vector<model::Entity> out;
  out.reserve(records.size());
  for (const store::EntityRecord& r : records) {
    auto entity = model::EntityFromJson(r.spec_json);
    if (!entity.ok()) {
      Error error = entity.error().WithContext(
          "stored " + r.key.kind + " " +
          (r.key.application.empty() ? "" : r.key.application + "/") + r.key.name);
      error.code = ErrorCode::kInternal;
      return error;
    }
    out.push_back(std::move(*entity));
  }
  std::stable_sort(out.begin(), out.end(), [](const model::Entity& a, const model::Entity& b) {
    return std::make_tuple(model::KindOf(a), model::ApplicationOf(a), model::NameOf(a)) <
           std::make_tuple(model::KindOf(b), model::ApplicationOf(b), model::NameOf(b));
  });
  return out;
}

store::EntityKey EntityKeyOf(const model::Entity& entity) {
  return {std::string(model::StoreKindName(model::KindOf(entity))), model::ApplicationOf(entity),
          model::NameOf(entity)};
}

Result<std::vector<AppliedEntity>> WriteEntities(const std::vector<model::Entity>& entities,
                                                 store::Store& store, const store::Actor& actor,
                                                 std::optional<int64_t> expected_revision) {
  if (expected_revision && entities.size() != 1) {
    return Internal("an expected revision guards exactly one entity");
  }
  std::vector<store::EntityWrite> writes;
  writes.reserve(entities.size());
  for (const model::Entity& e : entities) {
    writes.push_back({EntityKeyOf(e), model::CanonicalJson(e), expected_revision});
  }
  if (writes.empty()) return std::vector<AppliedEntity>{};
  FERRY_ASSIGN_OR_RETURN(auto outcomes, store.entities().PutAll(writes, actor));
  std::vector<AppliedEntity> out;
  out.reserve(writes.size());
  for (size_t i = 0; i < writes.size(); ++i) out.push_back({writes[i].key, outcomes[i]});
  return out;
}

std::string_view PutOutcomeName(store::PutOutcome outcome) {
  switch (outcome) {
    case store::PutOutcome::kCreated:
      return "created";
    case store::PutOutcome::kUpdated:
      return "updated";
    case store::PutOutcome::kUnchanged:
      return "unchanged";
  }
  return "unchanged";
}

}  // namespace ferry::api
