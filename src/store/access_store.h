// AccessStore: who may sign in and what they may do — accounts (people with a password hash,
// and service accounts that only hold API tokens), web-console sessions, groups of accounts,
// roles (named sets of permission names) and role bindings (a role given to an account or a
// group, optionally limited to applications and environment types).
//
// The store keeps what it is given: password hashes are computed (argon2id) and checked by the
// caller; session ids and CSRF tokens are generated here, returned once and kept only as their
// SHA-256 (256-bit random, so a fast hash suffices). Permission and environment-type names are
// the API's vocabulary (api/permissions.h); the store checks only that they are names.
// Built-in roles (viewer, deployer, admin; migration 0007 on SQLite, 0004 on PostgreSQL) cannot
// be changed or deleted. Every change is audited in its transaction, never with a hash or a
// secret. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace ferry::store {

enum class AccountKind { kUser, kService };

struct Account {
  std::string id;
  std::string name;  // unique among accounts of both kinds
  AccountKind kind = AccountKind::kUser;
  bool disabled = false;
  bool has_password = false;
  std::string created_by;
  TimePoint created_at;
  std::optional<TimePoint> password_changed_at;
};

struct NewAccount {
  std::string name;
  AccountKind kind = AccountKind::kUser;
  std::string password_hash;  // users: the encoded argon2id hash; empty: cannot sign in yet
};

struct NewSession {
  std::string account;
  Duration lifetime;  // absolute expiry after creation
};

struct SessionRecord {
  std::string account;
  TimePoint created_at;
  TimePoint last_seen_at;
  TimePoint expires_at;
  std::string csrf_sha256;  // SHA-256 hex of the session's CSRF token
};

struct IssuedSession {
  SessionRecord record;
  std::string secret;      // the session id for the cookie ("frs_" + 64 hex); shown once
  std::string csrf_token;  // 64 hex; shown once
};

struct Group {
  std::string name;
  std::vector<std::string> members;  // account names, sorted
  TimePoint updated_at;
};

struct Role {
  std::string name;
  std::vector<std::string> permissions;  // sorted, unique
  bool builtin = false;
};

struct NewRoleBinding {
  std::string role;
  std::string account;  // exactly one of account and group
  std::string group;
  std::vector<std::string> applications;       // empty: every application
  std::vector<std::string> environment_types;  // empty: every environment type
};

struct RoleBinding {
  std::string id;
  std::string role;
  std::string account;  // "" when bound to a group
  std::string group;    // "" when bound to an account
  std::vector<std::string> applications;
  std::vector<std::string> environment_types;
  std::string created_by;
  TimePoint created_at;
};

// What one binding gives an account (directly or through a group), the role resolved.
struct EffectiveGrant {
  std::string role;
  std::vector<std::string> permissions;
  std::vector<std::string> applications;
  std::vector<std::string> environment_types;
};

class AccessStore {
 public:
  virtual ~AccessStore() = default;

  // kConflict when the name is taken by an account of either kind.
  virtual Result<Account> CreateAccount(const NewAccount& account, std::string_view actor) = 0;
  // kNotFound when no account has that name.
  virtual Result<Account> GetAccount(std::string_view name) = 0;
  virtual Result<std::vector<Account>> ListAccounts() = 0;  // ordered by name
  // Disabling also ends the account's sessions. kNotFound for an unknown account.
  virtual Result<Account> SetDisabled(std::string_view name, bool disabled,
                                      std::string_view actor) = 0;
  // Replaces a user's password hash and ends its sessions; kFailedPrecondition for a service
  // account, kNotFound for an unknown one.
  virtual Result<Account> SetPasswordHash(std::string_view name, std::string_view hash,
                                          std::string_view actor) = 0;
  // The stored hash; "" when the account has none. kNotFound for an unknown account.
  virtual Result<std::string> PasswordHash(std::string_view name) = 0;

  // kNotFound for an unknown account, kFailedPrecondition for a disabled one.
  virtual Result<IssuedSession> CreateSession(const NewSession& session) = 0;
  // The session of `secret` when it exists, has not expired and was seen within `idle`; its
  // last-seen time moves to now. kUnauthenticated otherwise (one answer for all three) and
  // when its account is disabled.
  virtual Result<SessionRecord> TouchSession(std::string_view secret, Duration idle) = 0;
  // Deleting an unknown session is a no-op.
  virtual Status DeleteSession(std::string_view secret) = 0;

  // Creates or replaces a group's members (each must be an existing account: kNotFound).
  virtual Result<Group> PutGroup(std::string_view name, const std::vector<std::string>& members,
                                 std::string_view actor) = 0;
  // Also deletes the group's bindings. kNotFound when there is no such group.
  virtual Status DeleteGroup(std::string_view name, std::string_view actor) = 0;
  virtual Result<std::vector<Group>> ListGroups() = 0;

  // Creates or replaces a role; kFailedPrecondition for a built-in role.
  virtual Result<Role> PutRole(std::string_view name, const std::vector<std::string>& permissions,
                               std::string_view actor) = 0;
  // kFailedPrecondition for a built-in role or one still bound; kNotFound when unknown.
  virtual Status DeleteRole(std::string_view name, std::string_view actor) = 0;
  virtual Result<std::vector<Role>> ListRoles() = 0;

  // kNotFound when the role, account or group does not exist; kInvalidArgument unless exactly
  // one of account and group is given.
  virtual Result<RoleBinding> AddBinding(const NewRoleBinding& binding, std::string_view actor) = 0;
  virtual Status DeleteBinding(std::string_view id, std::string_view actor) = 0;  // kNotFound
  virtual Result<std::vector<RoleBinding>> ListBindings() = 0;  // ordered by creation

  // Every grant of the account: its own bindings and those of its groups. Empty for an
  // unknown account.
  virtual Result<std::vector<EffectiveGrant>> GrantsOf(std::string_view account) = 0;
};

std::string_view AccountKindName(AccountKind kind);  // "user", "service"

}  // namespace ferry::store
