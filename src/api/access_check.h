// The application/environment half of the permission check, for routes that act on one
// (deployments, rollbacks, plans, aborts, entity writes, secrets). Internal to src/api.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/http_exchange.h"
#include "api/permissions.h"
#include "store/store.h"

namespace ferry::api {

// The type ("production", "non-production") of environment `env` of application `app` as
// stored; nullopt when it does not exist or cannot be read (then only grants for every
// environment type cover it).
std::optional<std::string> EnvironmentTypeOf(store::Store& store, std::string_view app,
                                             std::string_view env);

// Require(request.principal, permission, app, the type of env); env "" = not about one.
Status RequireOn(store::Store& store, const ApiRequest& request, Permission permission,
                 std::string_view app, std::string_view env);

}  // namespace ferry::api
