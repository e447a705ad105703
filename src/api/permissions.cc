#include "api/permissions.h"

#include <algorithm>

#include "common/strings.h"
#include "store/access_store.h"

namespace ferry::api {
namespace {

constexpr Permission kAll[] = {Permission::kView,         Permission::kDeploy,
                               Permission::kApprove,      Permission::kRollback,
                               Permission::kManageConfig, Permission::kManageSecrets,
                               Permission::kAdmin,        Permission::kDelegate};

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::string_view PermissionName(Permission permission) {
  switch (permission) {
    case Permission::kView:
      return "view";
    case Permission::kDeploy:
      return "deploy";
    case Permission::kApprove:
      return "approve";
    case Permission::kRollback:
      return "rollback";
    case Permission::kManageConfig:
      return "manage-config";
    case Permission::kManageSecrets:
      return "manage-secrets";
    case Permission::kAdmin:
      return "admin";
    case Permission::kDelegate:
      break;
  }
  return "delegate";
}

Result<Permission> ParseRolePermission(std::string_view name) {
  for (Permission p : kAll) {
    if (p != Permission::kDelegate && name == PermissionName(p)) return p;
  }
  return InvalidArgument("unknown permission " + QuoteForMessage(name, 40) +
                         "; use view, deploy, approve, rollback, manage-config, manage-secrets "
                         "or admin");
}

std::vector<std::string> PermissionNames(PermissionSet set) {
  std::vector<std::string> names;
  for (Permission p : kAll) {
    if (set & Bit(p)) names.emplace_back(PermissionName(p));
  }
  return names;
}

PermissionSet ScopeCap(const std::vector<std::string>& scopes) {
  PermissionSet cap = 0;
  for (const std::string& scope : scopes) {
    if (scope == "admin") cap |= kRolePermissions;
    if (scope == "deploy") {
      cap |= Bit(Permission::kView) | Bit(Permission::kDeploy) | Bit(Permission::kRollback);
    }
    if (scope == "read") cap |= Bit(Permission::kView);
  }
  return cap;
}

std::vector<Grant> ToGrants(const std::vector<store::EffectiveGrant>& grants, PermissionSet cap) {
  std::vector<Grant> out;
  for (const store::EffectiveGrant& g : grants) {
    Grant grant{0, g.applications, g.environment_types};
    for (const std::string& name : g.permissions) {
      if (auto p = ParseRolePermission(name); p.ok()) grant.permissions |= Bit(*p);
    }
    grant.permissions &= cap;
    if (grant.permissions != 0) out.push_back(std::move(grant));
  }
  return out;
}

bool HoldsAnywhere(const Principal& principal, Permission permission) {
  const bool delegate = principal.kind == PrincipalKind::kDelegate;
  if (permission == Permission::kDelegate || delegate) {
    return permission == Permission::kDelegate && delegate;
  }
  return std::any_of(principal.grants.begin(), principal.grants.end(),
                     [&](const Grant& g) { return (g.permissions & Bit(permission)) != 0; });
}

bool Covers(const Principal& principal, Permission permission, std::string_view application,
            const std::optional<std::string>& environment_type) {
  if (!HoldsAnywhere(principal, permission)) return false;
  if (permission == Permission::kDelegate) return true;
  return std::any_of(principal.grants.begin(), principal.grants.end(), [&](const Grant& g) {
    if ((g.permissions & Bit(permission)) == 0) return false;
    if (!g.applications.empty() &&
        (application.empty() || !Contains(g.applications, application))) {
      return false;
    }
    return g.environment_types.empty() ||
           (environment_type && Contains(g.environment_types, *environment_type));
  });
}

Status Require(const Principal& principal, Permission permission, std::string_view application,
               const std::optional<std::string>& environment_type) {
  if (Covers(principal, permission, application, environment_type)) return Ok();
  std::string target = application.empty() ? std::string("every application")
                                           : "application " + QuoteForMessage(application, 64);
  if (environment_type) target += ", environment type " + *environment_type;
  return Error{ErrorCode::kPermissionDenied,
               "permission '" + std::string(PermissionName(permission)) + "' is needed for " +
                   target +
                   ", and no role binding of the caller covers it (see `ferry rbac bindings`)",
               {}};
}

}  // namespace ferry::api
