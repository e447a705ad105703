#include "common/crypto.h"
#include "common/json.h"
#include "common/secret_mask.h"
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
    "revoked_at_ms, revoked_by FROM api_tokens ";

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
    std::string secret =
        std::string(kTokenPrefix) + HexEncode(context_.ids.RandomBytes(kTokenRandomBytes));
    std::string id = context_.ids.NewId();
    FERRY_ASSIGN_OR_RETURN(
        Statement insert,
        c.Prepare("INSERT INTO api_tokens (id, name, secret_sha256, scopes_json, created_by, "
                  "created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)"));
    insert.Bind(1, id).Bind(2, token.name).Bind(3, Sha256Hex(secret));
    insert.Bind(4, ToJsonArray(scopes)).Bind(5, actor.name).Bind(6, now);
    if (token.expires_at) {
      insert.Bind(7, ToUnixMillis(*token.expires_at));
    } else {
      insert.BindNull(7);
    }
    FERRY_RETURN_IF_ERROR(insert.Run());
    Json details = {{"name", token.name}, {"scopes", scopes}};
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
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(record, LoadBy(c, "secret_sha256", hash));
    return Ok();
  }));
  int64_t now = context_.NowMs();
  if (!record || record->revoked_at ||
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

}  // namespace ferry::store::postgres
