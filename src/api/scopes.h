// API token scopes: what a token may do. Every /api/v1 route needs one scope, and a token's
// scopes grant in a chain: `admin` ⊇ `deploy` ⊇ `read`.
//   read   — every GET: configuration, artifacts, executions, logs, deployments.
//   deploy — read, plus starting deployments and rollbacks, aborting executions and recording
//            artifacts (what a CI job needs).
//   admin  — everything, including changing configuration (entity PUT/DELETE, apply).
// A token created without --scope is admin.
// Apart from the chain, `delegate` (`ferry delegate-token create`) is what a remote `ferry
// delegate` holds: it grants the /api/v1/delegate/... routes and nothing else, and those routes
// grant to nothing else (not even admin). A token that holds `delegate` is a delegate token only.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ferry::api {

enum class Scope { kRead, kDeploy, kAdmin, kDelegate };

std::string_view ScopeName(Scope scope);

// kInvalidArgument naming the valid scopes for anything but "read", "deploy", "admin" (the
// scopes of `ferry token create`; delegate tokens have their own command).
Result<Scope> ParseScope(std::string_view name);

// Whether a token holding `granted` (scope names as stored) may use a route needing `needed`.
// Unknown names grant nothing.
bool Grants(const std::vector<std::string>& granted, Scope needed);

}  // namespace ferry::api
