// Permissions: what a principal (a user, or a service account through its token) may do, and
// where. Every /api/v1 route needs one permission (router.h); routes that act on one
// application or environment also check that a grant covers it (Require).
//
//   view            every GET: configuration, artifacts, executions, logs, deployments, delegates
//   deploy          start deployments and plans, abort executions, record artifacts
//   approve         approve a gated step (approvals do not exist yet: defined for them)
//   rollback        start rollbacks
//   manage-config   write configuration entities (PUT, DELETE, POST /apply)
//   manage-secrets  set and delete `source: ferry` secret values, rotate their key; write Secret
//                   entities (with manage-config)
//   admin           users, groups, roles, role bindings; deploy from outside an artifact source
//   delegate        only the /api/v1/delegate/... routes (remote delegates' tokens); granted by
//                   the token scope `delegate` alone, and no role grants it
//
// A grant (one role binding, resolved) holds permissions for some applications (none listed:
// every application) and some environment types ("production", "non-production"; none listed:
// every type). A token's grants are its owner's, capped by the token's scopes (read: view;
// deploy: view, deploy, rollback; admin: no cap). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ferry::store {
struct EffectiveGrant;
}

namespace ferry::api {

enum class Permission {
  kView,
  kDeploy,
  kApprove,
  kRollback,
  kManageConfig,
  kManageSecrets,
  kAdmin,
  kDelegate,
};

using PermissionSet = uint32_t;
inline constexpr PermissionSet Bit(Permission p) { return PermissionSet{1} << static_cast<int>(p); }
// The seven permissions a role can hold (all but delegate).
inline constexpr PermissionSet kRolePermissions = (Bit(Permission::kDelegate)) - 1;

std::string_view PermissionName(Permission permission);  // "view", "manage-config", ...
// kInvalidArgument naming the valid permissions (delegate is not one a role can hold).
Result<Permission> ParseRolePermission(std::string_view name);
std::vector<std::string> PermissionNames(PermissionSet set);  // in declaration order

struct Grant {
  PermissionSet permissions = 0;
  std::vector<std::string> applications;       // empty: every application
  std::vector<std::string> environment_types;  // empty: every environment type
};

enum class PrincipalKind { kNone, kUser, kService, kDelegate };

// Who sent a request, as authentication (server.cc) found it.
struct Principal {
  PrincipalKind kind = PrincipalKind::kNone;
  std::string account;  // the user or service account
  std::string token;    // the token's name when it came with a token
  std::string delegate_name;  // a delegate token's bound delegate name ("" while unbound)
  bool by_session = false;
  std::vector<Grant> grants;
};

// The permissions the token scopes allow at most.
PermissionSet ScopeCap(const std::vector<std::string>& scopes);

// The store's grants as permission sets (unknown permission names grant nothing), capped.
std::vector<Grant> ToGrants(const std::vector<store::EffectiveGrant>& grants, PermissionSet cap);

// Whether some grant holds `permission` anywhere (the check every route makes). The delegate
// permission and delegate principals only ever match each other.
bool HoldsAnywhere(const Principal& principal, Permission permission);

// Whether some grant holds `permission` for `application` ("" = something of no application,
// such as a cloud provider or a secret: only grants for every application cover it) and
// `environment_type` (nullopt = not about one environment: only grants for every environment
// type cover it).
bool Covers(const Principal& principal, Permission permission, std::string_view application,
            const std::optional<std::string>& environment_type);

// Covers, or kPermissionDenied naming the permission and the target.
Status Require(const Principal& principal, Permission permission, std::string_view application,
               const std::optional<std::string>& environment_type);

}  // namespace ferry::api
