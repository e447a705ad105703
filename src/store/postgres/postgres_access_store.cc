#include "store/postgres/postgres_access_store.h"

#include <algorithm>

#include "common/crypto.h"
#include "common/json.h"
#include "common/secret_mask.h"
#include "common/strings.h"
#include "store/checks.h"

namespace ferry::store::postgres {
namespace {

constexpr std::string_view kSessionPrefix = "frs_";
constexpr size_t kSecretRandomBytes = 32;

constexpr const char* kSelectAccount =
    "SELECT id, name, kind, disabled, CASE WHEN password_hash IS NULL OR password_hash = '' "
    "THEN 0 ELSE 1 END, "
    "created_by, created_at_ms, password_changed_at_ms FROM accounts ";

Result<std::vector<Account>> SelectAccounts(Statement& select) {
  std::vector<Account> out;
  while (true) {
    FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) return out;
    Account a;
    a.id = select.Text(0);
    a.name = select.Text(1);
    a.kind = select.Text(2) == "service" ? AccountKind::kService : AccountKind::kUser;
    a.disabled = select.Int(3) != 0;
    a.has_password = select.Int(4) != 0;
    a.created_by = select.Text(5);
    a.created_at = FromUnixMillis(select.Int(6));
    if (!select.IsNull(7)) a.password_changed_at = FromUnixMillis(select.Int(7));
    out.push_back(std::move(a));
  }
}

Result<std::optional<Account>> LoadAccount(Connection& c, std::string_view name) {
  FERRY_ASSIGN_OR_RETURN(Statement select,
                         c.Prepare(std::string(kSelectAccount) + "WHERE name = $1"));
  select.Bind(1, name);
  FERRY_ASSIGN_OR_RETURN(std::vector<Account> found, SelectAccounts(select));
  if (found.empty()) return std::optional<Account>();
  return std::optional<Account>(std::move(found.front()));
}

Result<Account> RequireAccount(Connection& c, std::string_view name) {
  FERRY_ASSIGN_OR_RETURN(std::optional<Account> account, LoadAccount(c, name));
  if (!account) return NotFound("no user or service account is named " + QuoteForMessage(name));
  return std::move(*account);
}

Status Audit(Connection& c, Context& context, std::string_view actor, std::string action,
             std::string subject_type, std::string subject_id, Json details = Json::object()) {
  return InsertAudit(c, context,
                     AuditEntry{.actor = std::string(actor),
                                .action = std::move(action),
                                .subject_type = std::move(subject_type),
                                .subject_id = std::move(subject_id),
                                .details_json = DumpJson(details)});
}

Status EndSessions(Connection& c, const std::string& account_id) {
  FERRY_ASSIGN_OR_RETURN(Statement end, c.Prepare("DELETE FROM sessions WHERE account_id = $1"));
  return end.Bind(1, account_id).Run();
}

Result<std::vector<Role>> SelectRoles(Statement& select) {
  std::vector<Role> out;
  while (true) {
    FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) return out;
    Role r;
    r.name = select.Text(0);
    FERRY_ASSIGN_OR_RETURN(r.permissions, FromJsonArray(select.Text(1)));
    r.builtin = select.Int(2) != 0;
    out.push_back(std::move(r));
  }
}

Result<std::optional<Role>> LoadRole(Connection& c, std::string_view name) {
  FERRY_ASSIGN_OR_RETURN(
      Statement select,
      c.Prepare("SELECT name, permissions_json, builtin FROM rbac_roles WHERE name = $1"));
  select.Bind(1, name);
  FERRY_ASSIGN_OR_RETURN(std::vector<Role> found, SelectRoles(select));
  if (found.empty()) return std::optional<Role>();
  return std::optional<Role>(std::move(found.front()));
}

Result<bool> GroupExists(Connection& c, std::string_view name) {
  FERRY_ASSIGN_OR_RETURN(Statement select, c.Prepare("SELECT 1 FROM rbac_groups WHERE name = $1"));
  select.Bind(1, name);
  return select.Step();
}

Result<std::vector<RoleBinding>> SelectBindings(Statement& select) {
  std::vector<RoleBinding> out;
  while (true) {
    FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) return out;
    RoleBinding b;
    b.id = select.Text(0);
    b.role = select.Text(1);
    b.account = select.OptionalText(2).value_or("");
    b.group = select.OptionalText(3).value_or("");
    FERRY_ASSIGN_OR_RETURN(b.applications, FromJsonArray(select.Text(4)));
    FERRY_ASSIGN_OR_RETURN(b.environment_types, FromJsonArray(select.Text(5)));
    b.created_by = select.Text(6);
    b.created_at = FromUnixMillis(select.Int(7));
    out.push_back(std::move(b));
  }
}

constexpr const char* kSelectBinding =
    "SELECT id, role, account_name, group_name, applications_json, environment_types_json, "
    "created_by, created_at_ms FROM rbac_bindings ";

}  // namespace

Result<Account> PostgresAccessStore::CreateAccount(const NewAccount& account,
                                                   std::string_view actor) {
  FERRY_RETURN_IF_ERROR(CheckName(actor, "actor"));
  FERRY_RETURN_IF_ERROR(CheckName(account.name, "account name"));
  if (account.kind == AccountKind::kService && !account.password_hash.empty()) {
    return InvalidArgument("a service account has no password");
  }
  std::optional<Account> created;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(std::optional<Account> existing, LoadAccount(c, account.name));
    if (existing) {
      return Conflict("an account named " + QuoteForMessage(account.name) + " already exists");
    }
    int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(
        Statement insert,
        c.Prepare("INSERT INTO accounts (id, name, kind, password_hash, disabled, created_by, "
                  "created_at_ms, password_changed_at_ms) VALUES ($1, $2, $3, $4, 0, $5, $6, $7)"));
    insert.Bind(1, context_.ids.NewId()).Bind(2, account.name);
    insert.Bind(3, AccountKindName(account.kind));
    if (account.password_hash.empty()) {
      insert.BindNull(4).BindNull(7);
    } else {
      insert.Bind(4, account.password_hash).Bind(7, now);
    }
    FERRY_RETURN_IF_ERROR(insert.Bind(5, actor).Bind(6, now).Run());
    FERRY_RETURN_IF_ERROR(Audit(c, context_, actor, "account.create", "account", account.name,
                                {{"kind", AccountKindName(account.kind)}}));
    FERRY_ASSIGN_OR_RETURN(created, LoadAccount(c, account.name));
    return Ok();
  }));
  return std::move(*created);
}

Result<Account> PostgresAccessStore::GetAccount(std::string_view name) {
  FERRY_RETURN_IF_ERROR(CheckName(name, "account name"));
  std::optional<Account> account;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(account, RequireAccount(c, name));
    return Ok();
  }));
  return std::move(*account);
}

Result<std::vector<Account>> PostgresAccessStore::ListAccounts() {
  std::vector<Account> accounts;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Statement select,
                           c.Prepare(std::string(kSelectAccount) + "ORDER BY name"));
    FERRY_ASSIGN_OR_RETURN(accounts, SelectAccounts(select));
    return Ok();
  }));
  return accounts;
}

Result<Account> PostgresAccessStore::SetDisabled(std::string_view name, bool disabled,
                                                 std::string_view actor) {
  FERRY_RETURN_IF_ERROR(CheckName(actor, "actor"));
  FERRY_RETURN_IF_ERROR(CheckName(name, "account name"));
  std::optional<Account> account;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(account, RequireAccount(c, name));
    FERRY_ASSIGN_OR_RETURN(Statement update,
                           c.Prepare("UPDATE accounts SET disabled = $2 WHERE id = $1"));
    FERRY_RETURN_IF_ERROR(update.Bind(1, account->id).Bind(2, disabled ? 1 : 0).Run());
    if (disabled) FERRY_RETURN_IF_ERROR(EndSessions(c, account->id));
    account->disabled = disabled;
    return Audit(c, context_, actor, disabled ? "account.disable" : "account.enable", "account",
                 account->name);
  }));
  return std::move(*account);
}

Result<Account> PostgresAccessStore::SetPasswordHash(std::string_view name, std::string_view hash,
                                                     std::string_view actor) {
  FERRY_RETURN_IF_ERROR(CheckName(actor, "actor"));
  FERRY_RETURN_IF_ERROR(CheckName(name, "account name"));
  if (hash.empty()) return InvalidArgument("the password hash is empty");
  std::optional<Account> account;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(account, RequireAccount(c, name));
    if (account->kind != AccountKind::kUser) {
      return FailedPrecondition(QuoteForMessage(name) +
                                " is a service account: it signs in with tokens only");
    }
    int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(
        Statement update,
        c.Prepare("UPDATE accounts SET password_hash = $2, password_changed_at_ms = $3 "
                  "WHERE id = $1"));
    FERRY_RETURN_IF_ERROR(update.Bind(1, account->id).Bind(2, hash).Bind(3, now).Run());
    FERRY_RETURN_IF_ERROR(EndSessions(c, account->id));
    account->has_password = true;
    account->password_changed_at = FromUnixMillis(now);
    return Audit(c, context_, actor, "account.set-password", "account", account->name);
  }));
  return std::move(*account);
}

Result<std::string> PostgresAccessStore::PasswordHash(std::string_view name) {
  FERRY_RETURN_IF_ERROR(CheckName(name, "account name"));
  std::optional<std::string> hash;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Statement select,
                           c.Prepare("SELECT password_hash FROM accounts WHERE name = $1"));
    select.Bind(1, name);
    FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) return NotFound("no user or service account is named " + QuoteForMessage(name));
    hash = select.OptionalText(0).value_or("");
    return Ok();
  }));
  return std::move(*hash);
}

Result<IssuedSession> PostgresAccessStore::CreateSession(const NewSession& session) {
  FERRY_RETURN_IF_ERROR(CheckName(session.account, "account name"));
  if (session.lifetime.count() <= 0) return InvalidArgument("a session needs a lifetime");
  IssuedSession issued;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Account account, RequireAccount(c, session.account));
    if (account.disabled) return FailedPrecondition("the account is disabled");
    int64_t now = context_.NowMs();
    int64_t expires =
        now + std::chrono::duration_cast<std::chrono::milliseconds>(session.lifetime).count();
    issued.secret =
        std::string(kSessionPrefix) + HexEncode(context_.ids.RandomBytes(kSecretRandomBytes));
    issued.csrf_token = HexEncode(context_.ids.RandomBytes(kSecretRandomBytes));
    issued.record = SessionRecord{account.name, FromUnixMillis(now), FromUnixMillis(now),
                                  FromUnixMillis(expires), Sha256Hex(issued.csrf_token)};
    FERRY_ASSIGN_OR_RETURN(
        Statement insert,
        c.Prepare("INSERT INTO sessions (id_sha256, account_id, csrf_sha256, created_at_ms, "
                  "last_seen_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $4, $5)"));
    insert.Bind(1, Sha256Hex(issued.secret)).Bind(2, account.id);
    return insert.Bind(3, issued.record.csrf_sha256).Bind(4, now).Bind(5, expires).Run();
  }));
  SecretMasker::Global().Register(issued.secret);
  SecretMasker::Global().Register(issued.csrf_token);
  return issued;
}

Result<SessionRecord> PostgresAccessStore::TouchSession(std::string_view secret, Duration idle) {
  const Error unauthenticated{ErrorCode::kUnauthenticated,
                              "the session is unknown, expired or signed out; sign in again",
                              {}};
  if (secret.size() != kSessionPrefix.size() + 2 * kSecretRandomBytes ||
      !secret.starts_with(kSessionPrefix)) {
    return unauthenticated;
  }
  std::optional<SessionRecord> record;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(
        Statement select,
        c.Prepare("SELECT a.name, s.created_at_ms, s.last_seen_at_ms, s.expires_at_ms, "
                  "s.csrf_sha256, a.disabled FROM sessions s JOIN accounts a ON "
                  "a.id = s.account_id WHERE s.id_sha256 = $1"));
    std::string hash = Sha256Hex(secret);
    select.Bind(1, hash);
    FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) return Ok();
    int64_t now = context_.NowMs();
    int64_t idle_ms = std::chrono::duration_cast<std::chrono::milliseconds>(idle).count();
    bool live = select.Int(3) > now && select.Int(2) + idle_ms > now && select.Int(5) == 0;
    SessionRecord found{select.Text(0), FromUnixMillis(select.Int(1)), FromUnixMillis(now),
                        FromUnixMillis(select.Int(3)), select.Text(4)};
    if (!live) {  // an expired session is of no more use: forget it
      FERRY_ASSIGN_OR_RETURN(Statement end, c.Prepare("DELETE FROM sessions WHERE id_sha256 = $1"));
      return end.Bind(1, hash).Run();
    }
    FERRY_ASSIGN_OR_RETURN(
        Statement touch,
        c.Prepare("UPDATE sessions SET last_seen_at_ms = $2 WHERE id_sha256 = $1"));
    FERRY_RETURN_IF_ERROR(touch.Bind(1, hash).Bind(2, now).Run());
    record = std::move(found);
    return Ok();
  }));
  if (!record) return unauthenticated;
  return std::move(*record);
}

Status PostgresAccessStore::DeleteSession(std::string_view secret) {
  return context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Statement end, c.Prepare("DELETE FROM sessions WHERE id_sha256 = $1"));
    return end.Bind(1, Sha256Hex(secret)).Run();
  });
}

Result<Group> PostgresAccessStore::PutGroup(std::string_view name,
                                            const std::vector<std::string>& members,
                                            std::string_view actor) {
  FERRY_RETURN_IF_ERROR(CheckName(actor, "actor"));
  FERRY_RETURN_IF_ERROR(CheckName(name, "group name"));
  std::vector<std::string> sorted;
  if (!members.empty()) {
    FERRY_ASSIGN_OR_RETURN(sorted, NormalizeNames(members, "member"));
  }
  Group group{std::string(name), sorted, {}};
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    for (const std::string& member : sorted) {
      FERRY_ASSIGN_OR_RETURN(Account exists, RequireAccount(c, member));
      (void)exists;
    }
    int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(
        Statement upsert,
        c.Prepare("INSERT INTO rbac_groups (name, updated_at_ms) VALUES ($1, $2) "
                  "ON CONFLICT (name) DO UPDATE SET updated_at_ms = excluded.updated_at_ms"));
    FERRY_RETURN_IF_ERROR(upsert.Bind(1, name).Bind(2, now).Run());
    FERRY_ASSIGN_OR_RETURN(Statement clear,
                           c.Prepare("DELETE FROM rbac_group_members WHERE group_name = $1"));
    FERRY_RETURN_IF_ERROR(clear.Bind(1, name).Run());
    for (const std::string& member : sorted) {
      FERRY_ASSIGN_OR_RETURN(
          Statement add,
          c.Prepare("INSERT INTO rbac_group_members (group_name, account_name) VALUES ($1, $2)"));
      FERRY_RETURN_IF_ERROR(add.Bind(1, name).Bind(2, member).Run());
    }
    group.updated_at = FromUnixMillis(now);
    return Audit(c, context_, actor, "group.put", "group", group.name, {{"members", sorted}});
  }));
  return group;
}

Status PostgresAccessStore::DeleteGroup(std::string_view name, std::string_view actor) {
  FERRY_RETURN_IF_ERROR(CheckName(actor, "actor"));
  FERRY_RETURN_IF_ERROR(CheckName(name, "group name"));
  return context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(bool exists, GroupExists(c, name));
    if (!exists) return NotFound("no group is named " + QuoteForMessage(name));
    FERRY_ASSIGN_OR_RETURN(Statement unbind,
                           c.Prepare("DELETE FROM rbac_bindings WHERE group_name = $1"));
    FERRY_RETURN_IF_ERROR(unbind.Bind(1, name).Run());
    FERRY_ASSIGN_OR_RETURN(Statement members,
                           c.Prepare("DELETE FROM rbac_group_members WHERE group_name = $1"));
    FERRY_RETURN_IF_ERROR(members.Bind(1, name).Run());
    FERRY_ASSIGN_OR_RETURN(Statement remove, c.Prepare("DELETE FROM rbac_groups WHERE name = $1"));
    FERRY_RETURN_IF_ERROR(remove.Bind(1, name).Run());
    return Audit(c, context_, actor, "group.delete", "group", std::string(name));
  });
}

Result<std::vector<Group>> PostgresAccessStore::ListGroups() {
  std::vector<Group> groups;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Statement select,
                           c.Prepare("SELECT name, updated_at_ms FROM rbac_groups ORDER BY name"));
    while (true) {
      FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      groups.push_back(Group{select.Text(0), {}, FromUnixMillis(select.Int(1))});
    }
    FERRY_ASSIGN_OR_RETURN(Statement members,
                           c.Prepare("SELECT group_name, account_name FROM rbac_group_members "
                                     "ORDER BY group_name, account_name"));
    while (true) {
      FERRY_ASSIGN_OR_RETURN(bool row, members.Step());
      if (!row) break;
      std::string group = members.Text(0);
      for (Group& g : groups) {
        if (g.name == group) g.members.push_back(members.Text(1));
      }
    }
    return Ok();
  }));
  return groups;
}

Result<Role> PostgresAccessStore::PutRole(std::string_view name,
                                          const std::vector<std::string>& permissions,
                                          std::string_view actor) {
  FERRY_RETURN_IF_ERROR(CheckName(actor, "actor"));
  FERRY_RETURN_IF_ERROR(CheckName(name, "role name"));
  if (permissions.empty()) return InvalidArgument("a role needs at least one permission");
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> sorted,
                         NormalizeNames(permissions, "permission"));
  Role role{std::string(name), sorted, false};
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(std::optional<Role> existing, LoadRole(c, name));
    if (existing && existing->builtin) {
      return FailedPrecondition("the built-in role " + QuoteForMessage(name) +
                                " cannot be changed; create a role of another name");
    }
    FERRY_ASSIGN_OR_RETURN(
        Statement upsert,
        c.Prepare("INSERT INTO rbac_roles (name, permissions_json, builtin) VALUES ($1, $2, 0) "
                  "ON CONFLICT (name) DO UPDATE SET permissions_json = excluded.permissions_json"));
    FERRY_RETURN_IF_ERROR(upsert.Bind(1, name).Bind(2, ToJsonArray(sorted)).Run());
    return Audit(c, context_, actor, "role.put", "role", role.name, {{"permissions", sorted}});
  }));
  return role;
}

Status PostgresAccessStore::DeleteRole(std::string_view name, std::string_view actor) {
  FERRY_RETURN_IF_ERROR(CheckName(actor, "actor"));
  FERRY_RETURN_IF_ERROR(CheckName(name, "role name"));
  return context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(std::optional<Role> existing, LoadRole(c, name));
    if (!existing) return NotFound("no role is named " + QuoteForMessage(name));
    if (existing->builtin) {
      return FailedPrecondition("the built-in role " + QuoteForMessage(name) +
                                " cannot be deleted");
    }
    FERRY_ASSIGN_OR_RETURN(Statement bound,
                           c.Prepare("SELECT id FROM rbac_bindings WHERE role = $1 LIMIT 1"));
    bound.Bind(1, name);
    FERRY_ASSIGN_OR_RETURN(bool is_bound, bound.Step());
    if (is_bound) {
      return FailedPrecondition("the role " + QuoteForMessage(name) +
                                " is still bound; delete its bindings first");
    }
    FERRY_ASSIGN_OR_RETURN(Statement remove, c.Prepare("DELETE FROM rbac_roles WHERE name = $1"));
    FERRY_RETURN_IF_ERROR(remove.Bind(1, name).Run());
    return Audit(c, context_, actor, "role.delete", "role", std::string(name));
  });
}

Result<std::vector<Role>> PostgresAccessStore::ListRoles() {
  std::vector<Role> roles;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(
        Statement select,
        c.Prepare("SELECT name, permissions_json, builtin FROM rbac_roles ORDER BY name"));
    FERRY_ASSIGN_OR_RETURN(roles, SelectRoles(select));
    return Ok();
  }));
  return roles;
}

Result<RoleBinding> PostgresAccessStore::AddBinding(const NewRoleBinding& binding,
                                                    std::string_view actor) {
  FERRY_RETURN_IF_ERROR(CheckName(actor, "actor"));
  FERRY_RETURN_IF_ERROR(CheckName(binding.role, "role name"));
  if (binding.account.empty() == binding.group.empty()) {
    return InvalidArgument("a role binding names either an account or a group");
  }
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> apps,
                         NormalizeNames(binding.applications, "application"));
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> env_types,
                         NormalizeNames(binding.environment_types, "environment type"));
  RoleBinding created;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(std::optional<Role> role, LoadRole(c, binding.role));
    if (!role) return NotFound("no role is named " + QuoteForMessage(binding.role));
    if (!binding.account.empty()) {
      FERRY_RETURN_IF_ERROR(CheckName(binding.account, "account name"));
      FERRY_ASSIGN_OR_RETURN(Account exists, RequireAccount(c, binding.account));
      (void)exists;
    } else {
      FERRY_RETURN_IF_ERROR(CheckName(binding.group, "group name"));
      FERRY_ASSIGN_OR_RETURN(bool exists, GroupExists(c, binding.group));
      if (!exists) return NotFound("no group is named " + QuoteForMessage(binding.group));
    }
    int64_t now = context_.NowMs();
    created = RoleBinding{
        context_.ids.NewId(), binding.role,       binding.account, binding.group, apps, env_types,
        std::string(actor),   FromUnixMillis(now)};
    FERRY_ASSIGN_OR_RETURN(Statement last,
                           c.Prepare("SELECT COALESCE(MAX(seq), 0) FROM rbac_bindings"));
    FERRY_ASSIGN_OR_RETURN(bool has_row, last.Step());
    const int64_t seq = has_row ? last.Int(0) + 1 : 1;
    FERRY_ASSIGN_OR_RETURN(
        Statement insert,
        c.Prepare("INSERT INTO rbac_bindings (id, seq, role, account_name, group_name, "
                  "applications_json, environment_types_json, created_by, created_at_ms) "
                  "VALUES ($1, $9, $2, $3, $4, $5, $6, $7, $8)"));
    insert.Bind(1, created.id).Bind(2, created.role).Bind(9, seq);
    if (created.account.empty())
      insert.BindNull(3);
    else
      insert.Bind(3, created.account);
    if (created.group.empty())
      insert.BindNull(4);
    else
      insert.Bind(4, created.group);
    insert.Bind(5, ToJsonArray(apps)).Bind(6, ToJsonArray(env_types)).Bind(7, actor);
    FERRY_RETURN_IF_ERROR(insert.Bind(8, now).Run());
    return Audit(c, context_, actor, "binding.add", "role-binding", created.id,
                 {{"role", created.role},
                  {"account", created.account},
                  {"group", created.group},
                  {"applications", apps},
                  {"environmentTypes", env_types}});
  }));
  return created;
}

Status PostgresAccessStore::DeleteBinding(std::string_view id, std::string_view actor) {
  FERRY_RETURN_IF_ERROR(CheckName(actor, "actor"));
  FERRY_RETURN_IF_ERROR(CheckName(id, "binding id"));
  return context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Statement remove, c.Prepare("DELETE FROM rbac_bindings WHERE id = $1"));
    FERRY_RETURN_IF_ERROR(remove.Bind(1, id).Run());
    if (c.Changes() == 0) return NotFound("no role binding has the id " + QuoteForMessage(id));
    return Audit(c, context_, actor, "binding.delete", "role-binding", std::string(id));
  });
}

Result<std::vector<RoleBinding>> PostgresAccessStore::ListBindings() {
  std::vector<RoleBinding> bindings;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Statement select,
                           c.Prepare(std::string(kSelectBinding) + "ORDER BY seq, id"));
    FERRY_ASSIGN_OR_RETURN(bindings, SelectBindings(select));
    return Ok();
  }));
  return bindings;
}

Result<std::vector<EffectiveGrant>> PostgresAccessStore::GrantsOf(std::string_view account) {
  std::vector<EffectiveGrant> grants;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(
        Statement select,
        c.Prepare("SELECT b.role, r.permissions_json, b.applications_json, "
                  "b.environment_types_json FROM rbac_bindings b JOIN rbac_roles r ON "
                  "r.name = b.role WHERE b.account_name = $1 OR b.group_name IN (SELECT "
                  "group_name FROM rbac_group_members WHERE account_name = $1) "
                  "ORDER BY b.seq, b.id"));
    select.Bind(1, account);
    while (true) {
      FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) return Ok();
      EffectiveGrant g;
      g.role = select.Text(0);
      FERRY_ASSIGN_OR_RETURN(g.permissions, FromJsonArray(select.Text(1)));
      FERRY_ASSIGN_OR_RETURN(g.applications, FromJsonArray(select.Text(2)));
      FERRY_ASSIGN_OR_RETURN(g.environment_types, FromJsonArray(select.Text(3)));
      grants.push_back(std::move(g));
    }
  }));
  return grants;
}

}  // namespace ferry::store::postgres
