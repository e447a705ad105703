#include "api/access_check.h"

#include "common/json.h"

namespace ferry::api {

std::optional<std::string> EnvironmentTypeOf(store::Store& store, std::string_view app,
                                             std::string_view env) {
  auto record = store.entities().Get({"environment", std::string(app), std::string(env)});
  if (!record.ok()) return std::nullopt;
  auto spec = ParseJson(record->spec_json);
  if (!spec.ok() || !spec->is_object()) return std::nullopt;
  auto it = spec->find("type");
  if (it == spec->end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

Status RequireOn(store::Store& store, const ApiRequest& request, Permission permission,
                 std::string_view app, std::string_view env) {
  std::optional<std::string> type;
  if (!env.empty()) {
    // Without any grant limited to environment types, the lookup is not needed.
    bool limited = false;
    for (const Grant& g : request.principal.grants) limited |= !g.environment_types.empty();
    if (limited) type = EnvironmentTypeOf(store, app, env);
  }
  if (!env.empty() && !type) {
    // An environment the caller may not see the type of: only unlimited grants cover it.
    return Require(request.principal, permission, app, std::nullopt);
  }
  return Require(request.principal, permission, app, type);
}

}  // namespace ferry::api
