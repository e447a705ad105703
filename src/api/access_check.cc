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

ReadScope::ReadScope(store::Store& store, const Principal& principal, Permission permission)
    : store_(store), principal_(principal), permission_(permission) {
  all_ = Covers(principal, permission, "", std::nullopt);
}

bool ReadScope::Application(std::string_view app) const {
  if (all_) return true;
  if (!HoldsAnywhere(principal_, permission_)) return false;
  for (const Grant& g : principal_.grants) {
    if ((g.permissions & Bit(permission_)) == 0) continue;
    if (g.applications.empty()) return true;
    for (const std::string& a : g.applications) {
      if (!app.empty() && a == app) return true;
    }
  }
  return false;
}

std::optional<std::string> ReadScope::TypeOf(std::string_view app, std::string_view env) {
  auto key = std::make_pair(std::string(app), std::string(env));
  auto it = types_.find(key);
  if (it == types_.end()) it = types_.emplace(key, EnvironmentTypeOf(store_, app, env)).first;
  return it->second;
}

bool ReadScope::Environment(std::string_view app, std::string_view env) {
  if (all_) return true;
  if (!Application(app)) return false;
  bool limited = false;
  for (const Grant& g : principal_.grants) limited |= !g.environment_types.empty();
  if (!limited) return true;
  return Covers(principal_, permission_, app, TypeOf(app, env));
}

Status ReadScope::Require(std::string_view app, std::string_view env) {
  if (env.empty() ? Application(app) : Environment(app, env)) return Ok();
  std::optional<std::string> type;
  if (!env.empty()) type = TypeOf(app, env);
  return api::Require(principal_, permission_, app, type);
}

}  // namespace ferry::api
