#include "store/sqlite/sqlite_secret_value_store.h"

#include "common/crypto.h"
#include "common/json.h"
#include "store/checks.h"

namespace ferry::store::sqlite {
namespace {

constexpr size_t kMaxSealedBytes = 128 * 1024;
constexpr char kColumns[] = "name, sealed, key_id, version, updated_at_ms, updated_by";

Status CheckInput(std::string_view name, std::string_view sealed, std::string_view key_id,
                  const Actor& actor) {
  FERRY_RETURN_IF_ERROR(CheckName(name, "secret name"));
  FERRY_RETURN_IF_ERROR(CheckName(actor.name, "actor"));
  FERRY_RETURN_IF_ERROR(CheckName(key_id, "key id"));
  if (sealed.empty() || sealed.size() > kMaxSealedBytes) {
    return InvalidArgument("a sealed secret is 1 to 128 KiB");
  }
  return Ok();
}

Result<SealedSecret> Row(const Statement& s) {
  auto sealed = Base64Decode(s.Text(1));
  if (!sealed.ok()) return Internal("secret_values row " + s.Text(0) + " is not base64");
  return SealedSecret{s.Text(0),  std::move(*sealed), s.Text(2), s.Int(3),
                      FromUnixMillis(s.Int(4)), s.Text(5)};
}

Result<std::optional<SealedSecret>> Load(Connection& c, std::string_view name) {
  FERRY_ASSIGN_OR_RETURN(
      Statement select,
      c.Prepare(std::string("SELECT ") + kColumns + " FROM secret_values WHERE name = ?1"));
  select.Bind(1, name);
  FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return std::optional<SealedSecret>();
  FERRY_ASSIGN_OR_RETURN(SealedSecret out, Row(select));
  return std::optional<SealedSecret>(std::move(out));
}

Status Audit(Connection& c, Context& context, const std::string& action, std::string_view name,
             const Actor& actor, const Json& details) {
  return InsertAudit(c, context,
                     AuditEntry{.actor = actor.name,
 .source = actor.source,
                                .action = action,
                                .subject_type = "secret",
                                .subject_id = "secret/" + std::string(name),
                                .details_json = DumpJson(details)});
}

}  // namespace

Result<SealedSecret> SqliteSecretValueStore::Put(std::string_view name, std::string_view sealed,
                                                 std::string_view key_id,
                                                 const Actor& actor) {
  FERRY_RETURN_IF_ERROR(CheckInput(name, sealed, key_id, actor));
  std::optional<SealedSecret> stored;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(auto before, Load(c, name));
    const int64_t version = before ? before->version + 1 : 1;
    FERRY_ASSIGN_OR_RETURN(
        Statement upsert,
        c.Prepare("INSERT INTO secret_values (name, sealed, key_id, version, updated_at_ms, "
                  "updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (name) DO UPDATE SET "
                  "sealed = excluded.sealed, key_id = excluded.key_id, version = "
                  "excluded.version, updated_at_ms = excluded.updated_at_ms, updated_by = "
                  "excluded.updated_by"));
    FERRY_RETURN_IF_ERROR(upsert.Bind(1, name)
                              .Bind(2, Base64Encode(sealed))
                              .Bind(3, key_id)
                              .Bind(4, version)
                              .Bind(5, context_.NowMs())
                              .Bind(6, actor.name)
                              .Run());
    FERRY_RETURN_IF_ERROR(Audit(c, context_, "secret.set", name, actor,
                                Json{{"version", version}, {"keyId", std::string(key_id)}}));
    FERRY_ASSIGN_OR_RETURN(stored, Load(c, name));
    return Ok();
  }));
  if (!stored) return Internal("secret value vanished after it was written");
  return std::move(*stored);
}

Result<SealedSecret> SqliteSecretValueStore::Get(std::string_view name) {
  FERRY_RETURN_IF_ERROR(CheckName(name, "secret name"));
  std::optional<SealedSecret> found;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(found, Load(c, name));
    return Ok();
  }));
  if (!found) return NotFound("no value is stored for secret '" + std::string(name) + "'");
  return std::move(*found);
}

Status SqliteSecretValueStore::Delete(std::string_view name, const Actor& actor) {
  FERRY_RETURN_IF_ERROR(CheckName(name, "secret name"));
  FERRY_RETURN_IF_ERROR(CheckName(actor.name, "actor"));
  return context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(auto before, Load(c, name));
    if (!before) return NotFound("no value is stored for secret '" + std::string(name) + "'");
    FERRY_ASSIGN_OR_RETURN(Statement remove,
                           c.Prepare("DELETE FROM secret_values WHERE name = ?1"));
    FERRY_RETURN_IF_ERROR(remove.Bind(1, name).Run());
    return Audit(c, context_, "secret.delete", name, actor, Json{{"version", before->version}});
  });
}

Result<std::vector<SealedSecret>> SqliteSecretValueStore::List() {
  std::vector<SealedSecret> out;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(
        Statement select,
        c.Prepare(std::string("SELECT ") + kColumns + " FROM secret_values ORDER BY name"));
    while (true) {
      FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      FERRY_ASSIGN_OR_RETURN(SealedSecret s, Row(select));
      out.push_back(std::move(s));
    }
    return Ok();
  }));
  return out;
}

Result<SealedSecret> SqliteSecretValueStore::Reseal(std::string_view name, int64_t version,
                                                    std::string_view sealed,
                                                    std::string_view key_id,
                                                    const Actor& actor) {
  FERRY_RETURN_IF_ERROR(CheckInput(name, sealed, key_id, actor));
  std::optional<SealedSecret> stored;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(auto before, Load(c, name));
    if (!before) return NotFound("no value is stored for secret '" + std::string(name) + "'");
    if (before->version != version) {
      return Conflict("secret '" + std::string(name) + "' changed meanwhile (version " +
                      std::to_string(before->version) + ", expected " + std::to_string(version) +
                      ")");
    }
    FERRY_ASSIGN_OR_RETURN(
        Statement update,
        c.Prepare("UPDATE secret_values SET sealed = ?2, key_id = ?3, version = ?4, "
                  "updated_at_ms = ?5, updated_by = ?6 WHERE name = ?1"));
    FERRY_RETURN_IF_ERROR(update.Bind(1, name)
                              .Bind(2, Base64Encode(sealed))
                              .Bind(3, key_id)
                              .Bind(4, version + 1)
                              .Bind(5, context_.NowMs())
                              .Bind(6, actor.name)
                              .Run());
    FERRY_RETURN_IF_ERROR(Audit(c, context_, "secret.reseal", name, actor,
                                Json{{"version", version + 1},
                                     {"keyId", std::string(key_id)},
                                     {"previousKeyId", before->key_id}}));
    FERRY_ASSIGN_OR_RETURN(stored, Load(c, name));
    return Ok();
  }));
  if (!stored) return Internal("secret value vanished after it was resealed");
  return std::move(*stored);
}

}  // namespace ferry::store::sqlite
