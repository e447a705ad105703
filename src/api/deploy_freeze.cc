#include "api/deploy_freeze.h"

#include "common/json.h"
#include "common/strings.h"
#include "common/time.h"
#include "model/enums.h"
#include "model/json_codec.h"

namespace ferry::api::deploy {
namespace {

std::string Until(const ActiveFreeze& f) {
  return f.state.until ? f.state.until_text : "further than 400 days ahead";
}

}  // namespace

namespace {

// Every stored window for which `keep` holds, with its state at `now`; only the active ones when
// `only_active`.
template <typename Keep>
Result<std::vector<ActiveFreeze>> Windows(store::EntityStore& entities, TimePoint now,
                                          bool only_active, Keep keep) {
  FERRY_ASSIGN_OR_RETURN(
      auto records, entities.List(model::StoreKindName(model::Kind::kFreezeWindow), std::string()));
  std::vector<ActiveFreeze> out;
  for (const auto& record : records) {
    auto entity = model::EntityFromJson(record.spec_json);
    const auto* window = entity.ok() ? std::get_if<model::FreezeWindow>(&*entity) : nullptr;
    if (window == nullptr) {
      return Error{ErrorCode::kInternal,
                   "the stored freeze window " + record.key.name + " does not decode"};
    }
    if (!keep(*window)) continue;
    FERRY_ASSIGN_OR_RETURN(auto state, model::EvaluateFreezeWindow(*window, now));
    if (!only_active || state.active) out.push_back({*window, std::move(state)});
  }
  return out;
}

}  // namespace

Result<std::vector<ActiveFreeze>> FreezeStates(store::EntityStore& entities, TimePoint now) {
  return Windows(entities, now, false, [](const model::FreezeWindow&) { return true; });
}

Result<std::vector<ActiveFreeze>> ActiveFreezes(store::EntityStore& entities,
                                                const std::string& application,
                                                model::EnvironmentType type, TimePoint now) {
  return Windows(entities, now, true, [&](const model::FreezeWindow& w) {
    return w.enabled && model::FreezeCovers(w, application, type);
  });
}

Error FrozenError(const std::string& application, const std::string& environment,
                  const std::vector<ActiveFreeze>& frozen) {
  std::string message = "deployments to " + application + "/" + environment + " are frozen by ";
  for (size_t i = 0; i < frozen.size(); ++i) {
    if (i > 0) message += i + 1 == frozen.size() ? " and " : ", ";
    // Names are entity names (lower-case letters, digits and '-'), safe to quote as they are.
    message += "window '" + frozen[i].window.name + "' until " + Until(frozen[i]);
  }
  message += "; an admin may override with a reason";
  std::vector<std::string> names;
  for (const auto& f : frozen) names.push_back(f.window.name);
  return Error{ErrorCode::kFailedPrecondition, message, {{"freezeWindows", Join(names, ",")}}};
}

std::string FreezeOverrideJson(const std::string& reason, const std::string& actor,
                               const std::vector<ActiveFreeze>& frozen) {
  Json windows = Json::array();
  for (const auto& f : frozen) {
    windows.push_back({{"name", f.window.name},
                       {"until", f.state.until ? Json(FormatRfc3339(*f.state.until)) : Json()}});
  }
  return DumpJson(Json{{"reason", reason}, {"by", actor}, {"windows", windows}});
}

}  // namespace ferry::api::deploy
