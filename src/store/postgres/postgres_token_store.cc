#include <algorithm>

#include "common/crypto.h"
#include "common/json.h"
#include "common/secret_mask.h"
#include "common/strings.h"
#include "store/checks.h"
#include "store/postgres/postgres_records.h"

namespace ferry::store::postgres {
namespace {

constexpr std::string_view kTokenPrefix = "fry_";
constexpr size_t kTokenRandomBytes = 32;
// last_used_at is a hint for humans; refreshing it on every request would turn every API read
// into a database write.
constexpr int64_t kLastUsedResolutionMs = 60'000;

constexpr const char* kSelectToken =
    "SELECT id, name, scopes_json, created_by, created_at_ms, expires_at_ms, last_used_at_ms, "
    "revoked_at_ms, revoked_by, owner, delegate_name FROM api_tokens ";

std::optional<TimePoint> OptionalTime(const Statement& row, int column) {
  if (row.IsNull(column)) return std::nullopt;
  return FromUnixMillis(row.Int(column));
}

Result<std::vector<TokenRecord>> SelectTokens(Statement& select) {
  std::vector<TokenRecord> out;
  while (true) {
    FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) return out;
    TokenRecord t;
    t.id = select.Text(0);
    t.name = select.Text(1);
    FERRY_ASSIGN_OR_RETURN(t.scopes, FromJsonArray(select.Text(2)));
    t.created_by = select.Text(3);
    t.created_at = FromUnixMillis(select.Int(4));
    t.expires_at = OptionalTime(select, 5);
    t.last_used_at = OptionalTime(select, 6);
    t.revoked_at = OptionalTime(select, 7);
    t.revoked_by = select.OptionalText(8);
    t.owner = select.OptionalText(9).value_or(t.name);
    t.delegate_name = select.OptionalText(10);
    out.push_back(std::move(t));
  }
}

Result<std::optional<TokenRecord>> LoadBy(Connection& c, std::string_view column,
                                          std::string_view value) {
  FERRY_ASSIGN_OR_RETURN(Statement select, c.Prepare(std::string(kSelectToken) + "WHERE " +
                                                     std::string(column) + " = $1"));
  select.Bind(1, value);
  FERRY_ASSIGN_OR_RETURN(std::vector<TokenRecord> found, SelectTokens(select));
  if (found.empty()) return std::optional<TokenRecord>();
  return std::optional<TokenRecord>(std::move(found.front()));
}

// The built-in role (migration 0004) a token's own service account is bound to.
std::optional<std::string> RoleOfScopes(const std::vector<std::string>& scopes) {
  for (const char* scope : {"admin", "deploy", "read"}) {
    if (std::find(scopes.begin(), scopes.end(), scope) != scopes.end()) {
      return std::string(scope) == "admin"    ? "admin"
             : std::string(scope) == "deploy" ? "deployer"
                                              : "viewer";
    }
  }
  return std::nullopt;
}

// The token's owner: `owner` when given (it must exist and be enabled), else the service account
// named like the token, created (with the role of `scopes`) when missing.
Result<std::string> ResolveOwner(Connection& c, Context& context, const NewToken& token,
                                 std::string_view actor, int64_t now) {
  const std::string& name = token.owner.empty() ? token.name : token.owner;
  FERRY_ASSIGN_OR_RETURN(Statement select,
                         c.Prepare("SELECT kind, disabled FROM accounts WHERE name = $1"));
  select.Bind(1, name);
  FERRY_ASSIGN_OR_RETURN(bool found, select.Step());
  if (found) {
    if (select.Int(1) != 0) {
      return FailedPrecondition("the account " + QuoteForMessage(name) + " is disabled");
    }
    return name;
  }
  if (!token.owner.empty()) {
    return NotFound("no user or service account is named " + QuoteForMessage(name));
  }
  FERRY_ASSIGN_OR_RETURN(
      Statement insert,
      c.Prepare("INSERT INTO accounts (id, name, kind, disabled, created_by, created_at_ms) "
                "VALUES ($1, $2, 'service', 0, $3, $4)"));
  FERRY_RETURN_IF_ERROR(
      insert.Bind(1, context.ids.NewId()).Bind(2, name).Bind(3, actor).Bind(4, now).Run());
  FERRY_RETURN_IF_ERROR(InsertAudit(c, context,
                                    AuditEntry{.actor = std::string(actor),
                                               .action = "account.create",
                                               .subject_type = "account",
                                               .subject_id = name,
                                               .details_json = R"({"kind":"service"})"}));
  if (auto role = RoleOfScopes(token.scopes)) {
    FERRY_ASSIGN_OR_RETURN(Statement last,
                           c.Prepare("SELECT COALESCE(MAX(seq), 0) FROM rbac_bindings"));
    FERRY_ASSIGN_OR_RETURN(bool has_row, last.Step());
    const int64_t seq = has_row ? last.Int(0) + 1 : 1;
    std::string id = context.ids.NewId();
    FERRY_ASSIGN_OR_RETURN(
        Statement bind,
        c.Prepare("INSERT INTO rbac_bindings (id, seq, role, account_name, applications_json, "
                  "environment_types_json, created_by, created_at_ms) "
                  "VALUES ($1, $2, $3, $4, '[]', '[]', $5, $6)"));
    bind.Bind(1, id).Bind(2, seq).Bind(3, *role).Bind(4, name).Bind(5, actor).Bind(6, now);
    FERRY_RETURN_IF_ERROR(bind.Run());
    Json details = {{"role", *role}, {"account", name}};
    FERRY_RETURN_IF_ERROR(InsertAudit(c, context,
                                      AuditEntry{.actor = std::string(actor),
                                                 .action = "binding.add",
                                                 .subject_type = "role-binding",
                                                 .subject_id = id,
                                                 .details_json = DumpJson(details)}));
  }
  return name;
}

Result<bool> OwnerDisabled(Connection& c, const std::string& owner) {
  FERRY_ASSIGN_OR_RETURN(Statement select,
                         c.Prepare("SELECT disabled FROM accounts WHERE name = $1"));
  select.Bind(1, owner);
  FERRY_ASSIGN_OR_RETURN(bool found, select.Step());
  return found && select.Int(0) != 0;
}

Error Unauthenticated() {
  // One message for unknown, revoked and expired tokens: a caller learns nothing by probing.
  return Error{ErrorCode::kUnauthenticated,
               "the API token is not valid (unknown, revoked or "
               "expired); create one with `ferry token create`",
               {}};
}

}  // namespace

Result<IssuedToken> PostgresTokenStore::Issue(const NewToken& token, const Actor& actor) {
  FERRY_RETURN_IF_ERROR(CheckName(actor.name, "actor"));
  FERRY_RETURN_IF_ERROR(CheckName(token.name, "token name"));
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> scopes, NormalizeNames(token.scopes, "scope"));
  IssuedToken issued;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    int64_t now = context_.NowMs();
    if (token.expires_at && ToUnixMillis(*token.expires_at) <= now) {
      return InvalidArgument("token expiry is in the past");
    }
    FERRY_ASSIGN_OR_RETURN(std::optional<TokenRecord> existing, LoadBy(c, "name", token.name));
    if (existing) return Conflict("a token named '" + token.name + "' already exists");
    FERRY_ASSIGN_OR_RETURN(std::string owner, ResolveOwner(c, context_, token, actor.name, now));
    std::string secret =
        std::string(kTokenPrefix) + HexEncode(context_.ids.RandomBytes(kTokenRandomBytes));
    std::string id = context_.ids.NewId();
    FERRY_ASSIGN_OR_RETURN(
        Statement insert,
        c.Prepare("INSERT INTO api_tokens (id, name, secret_sha256, scopes_json, created_by, "
                  "created_at_ms, expires_at_ms, owner, delegate_name) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"));
    insert.Bind(8, owner);
    if (token.delegate_name) {
      FERRY_RETURN_IF_ERROR(CheckName(*token.delegate_name, "delegate name"));
      insert.Bind(9, *token.delegate_name);
    } else {
      insert.BindNull(9);
    }
    insert.Bind(1, id).Bind(2, token.name).Bind(3, Sha256Hex(secret));
    insert.Bind(4, ToJsonArray(scopes)).Bind(5, actor.name).Bind(6, now);
    if (token.expires_at) {
      insert.Bind(7, ToUnixMillis(*token.expires_at));
    } else {
      insert.BindNull(7);
    }
    FERRY_RETURN_IF_ERROR(insert.Run());
    Json details = {{"name", token.name}, {"scopes", scopes}, {"owner", owner}};
    if (token.delegate_name) details["delegateName"] = *token.delegate_name;
    FERRY_RETURN_IF_ERROR(InsertAudit(c, context_,
                                      AuditEntry{.actor = actor.name,
 .source = actor.source,
                                                 .action = "token.issue",
                                                 .subject_type = "token",
                                                 .subject_id = id,
                                                 .details_json = DumpJson(details)}));
    FERRY_ASSIGN_OR_RETURN(std::optional<TokenRecord> record, LoadBy(c, "id", id));
    if (!record) return Internal("token vanished after insert");
    issued = IssuedToken{std::move(*record), std::move(secret)};
    return Ok();
  }));
  SecretMasker::Global().Register(issued.secret);
  return issued;
}

Result<TokenRecord> PostgresTokenStore::Authenticate(std::string_view secret) {
  if (secret.size() != kTokenPrefix.size() + 2 * kTokenRandomBytes ||
      secret.substr(0, kTokenPrefix.size()) != kTokenPrefix) {
    return Unauthenticated();
  }
  std::string hash = Sha256Hex(secret);
  std::optional<TokenRecord> record;
  bool owner_disabled = false;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(record, LoadBy(c, "secret_sha256", hash));
    if (record) {
      FERRY_ASSIGN_OR_RETURN(owner_disabled, OwnerDisabled(c, record->owner));
    }
    return Ok();
  }));
  int64_t now = context_.NowMs();
  if (!record || record->revoked_at || owner_disabled ||
      (record->expires_at && ToUnixMillis(*record->expires_at) <= now)) {
    return Unauthenticated();
  }
  if (!record->last_used_at || now - ToUnixMillis(*record->last_used_at) >= kLastUsedResolutionMs) {
    FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
      FERRY_ASSIGN_OR_RETURN(Statement touch,
                             c.Prepare("UPDATE api_tokens SET last_used_at_ms = $2 WHERE id = $1"));
      return touch.Bind(1, record->id).Bind(2, now).Run();
    }));
    record->last_used_at = FromUnixMillis(now);
  }
  return std::move(*record);
}

Result<TokenRecord> PostgresTokenStore::Revoke(std::string_view name, const Actor& actor) {
  FERRY_RETURN_IF_ERROR(CheckName(actor.name, "actor"));
  FERRY_RETURN_IF_ERROR(CheckName(name, "token name"));
  std::optional<TokenRecord> record;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(record, LoadBy(c, "name", name));
    if (!record) return NotFound("no token is named '" + std::string(name) + "'");
    if (record->revoked_at) return Ok();
    int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(
        Statement revoke,
        c.Prepare("UPDATE api_tokens SET revoked_at_ms = $2, revoked_by = $3 WHERE id = $1"));
    FERRY_RETURN_IF_ERROR(revoke.Bind(1, record->id).Bind(2, now).Bind(3, actor.name).Run());
    FERRY_RETURN_IF_ERROR(InsertAudit(c, context_,
                                      AuditEntry{.actor = actor.name,
 .source = actor.source,
                                                 .action = "token.revoke",
                                                 .subject_type = "token",
                                                 .subject_id = record->id}));
    record->revoked_at = FromUnixMillis(now);
    record->revoked_by = actor.name;
    return Ok();
  }));
  return std::move(*record);
}

Result<std::vector<TokenRecord>> PostgresTokenStore::List() {
  std::vector<TokenRecord> tokens;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Statement select,
                           c.Prepare(std::string(kSelectToken) + "ORDER BY name"));
    FERRY_ASSIGN_OR_RETURN(tokens, SelectTokens(select));
    return Ok();
  }));
  return tokens;
}

Result<DelegateBinding> PostgresTokenStore::BindDelegateName(std::string_view token_name,
                                                             std::string_view delegate_name,
                                                             const Actor& actor) {
  FERRY_RETURN_IF_ERROR(CheckName(actor.name, "actor"));
  FERRY_RETURN_IF_ERROR(CheckName(token_name, "token name"));
  FERRY_RETURN_IF_ERROR(CheckName(delegate_name, "delegate name"));
  DelegateBinding binding;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    // Only an unbound token is bound: the row's own check, so a concurrent binding cannot be
    // overwritten.
    FERRY_ASSIGN_OR_RETURN(Statement bind, c.Prepare("UPDATE api_tokens SET delegate_name = $2 "
                                                     "WHERE name = $1 AND delegate_name IS NULL"));
    FERRY_RETURN_IF_ERROR(bind.Bind(1, token_name).Bind(2, delegate_name).Run());
    binding.bound_now = c.Changes() > 0;
    FERRY_ASSIGN_OR_RETURN(std::optional<TokenRecord> record, LoadBy(c, "name", token_name));
    if (!record) return NotFound("no token is named '" + std::string(token_name) + "'");
    if (!record->delegate_name) return Internal("the token's delegate name was not kept");
    binding.delegate_name = *record->delegate_name;
    if (!binding.bound_now) return Ok();
    return InsertAudit(c, context_,
                       AuditEntry{.actor = actor.name,
                                  .source = actor.source,
                                  .action = "token.bind-delegate",
                                  .subject_type = "token",
                                  .subject_id = record->id,
                                  .details_json = DumpJson(Json{{"name", record->name},
                                                                {"delegateName", delegate_name}})});
  }));
  return binding;
}

}  // namespace ferry::store::postgres
