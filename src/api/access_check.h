// The application/environment half of the permission check, for routes that act on one
// (deployments, rollbacks, plans, aborts, entity writes, secrets). Internal to src/api.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

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

// The read half (docs/security.md, "Scoped reads"): what of which application a caller may see.
// Lists keep what it covers (they filter, never refuse); a single item outside it is 403.
//  - Something of an application that is not about one environment (its configuration
//    entities; an Application entity is its own application): a grant of `permission` for that
//    application, whatever its environment types.
//  - Something of one environment (executions with their steps, logs and verifications,
//    deployment records, plans): the grant must also cover the environment's type.
//  - Something of no application ("": cloud providers, secrets, artifacts, delegates, audit
//    events of no application): a grant for every application.
// Not thread-safe (it caches environment types); one per request.
class ReadScope {
 public:
  ReadScope(store::Store& store, const Principal& principal,
            Permission permission = Permission::kView);

  // A grant for every application and every environment type: nothing needs filtering.
  bool All() const { return all_; }
  bool Application(std::string_view app) const;
  bool Environment(std::string_view app, std::string_view env);
  // kPermissionDenied naming the permission and the target, unless Environment(app, env)
  // (env "": Application(app)).
  Status Require(std::string_view app, std::string_view env);

 private:
  std::optional<std::string> TypeOf(std::string_view app, std::string_view env);

  store::Store& store_;
  const Principal& principal_;
  Permission permission_;
  bool all_ = false;
  std::map<std::pair<std::string, std::string>, std::optional<std::string>> types_;
};

}  // namespace ferry::api
