#include "store/sqlite/sqlite_entity_store.h"

#include "store/checks.h"
#include "store/limits.h"

namespace ferry::store::sqlite {
namespace {

struct StoredEntity {
  std::string spec_json;
  int64_t revision = 0;
};

Result<std::optional<StoredEntity>> Lookup(Connection& c, const EntityKey& key) {
  FERRY_ASSIGN_OR_RETURN(Statement select,
                         c.Prepare("SELECT spec_json, revision FROM entities "
                                   "WHERE kind = ?1 AND application = ?2 AND name = ?3"));
  select.Bind(1, key.kind).Bind(2, key.application).Bind(3, key.name);
  FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return std::optional<StoredEntity>();
  return std::optional<StoredEntity>(StoredEntity{select.Text(0), select.Int(1)});
}

// One write inside the caller's transaction. spec is already canonical.
Result<PutOutcome> ApplyWrite(Connection& c, Context& context, const EntityWrite& write,
                              const std::string& spec, const Actor& actor) {
  FERRY_ASSIGN_OR_RETURN(std::optional<StoredEntity> stored, Lookup(c, write.key));
  int64_t current = stored ? stored->revision : 0;
  if (write.expected_revision && *write.expected_revision != current) {
    return FailedPrecondition(EntitySubject(write.key) + " is at revision " +
                              std::to_string(current) +
                              " (0: absent), but the write expected revision " +
                              std::to_string(*write.expected_revision) + "; re-read it and retry");
  }
  if (stored && stored->spec_json == spec) return PutOutcome::kUnchanged;

  int64_t now = context.NowMs();
  AuditEntry audit{.actor = actor.name,
                   .source = actor.source,
                   .application = EntityApplication(write.key),
                   .subject_type = "entity",
                   .subject_id = EntitySubject(write.key),
                   .after_sha256 = HashOf(spec)};
  if (!stored) {
    FERRY_ASSIGN_OR_RETURN(
        Statement insert,
        c.Prepare("INSERT INTO entities (kind, application, name, spec_json, revision, "
                  "created_at_ms, updated_at_ms) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5)"));
    insert.Bind(1, write.key.kind).Bind(2, write.key.application).Bind(3, write.key.name);
    FERRY_RETURN_IF_ERROR(insert.Bind(4, spec).Bind(5, now).Run());
    audit.action = "entity.create";
    audit.details_json = EntityAuditDetails(nullptr, &spec);
    FERRY_RETURN_IF_ERROR(InsertAudit(c, context, audit));
    return PutOutcome::kCreated;
  }
  // The revision guard in the WHERE clause is belt and braces: the transaction already holds
  // the write lock, so the row cannot have moved since Lookup.
  FERRY_ASSIGN_OR_RETURN(
      Statement update,
      c.Prepare("UPDATE entities SET spec_json = ?4, revision = revision + 1, updated_at_ms = ?5 "
                "WHERE kind = ?1 AND application = ?2 AND name = ?3 AND revision = ?6"));
  update.Bind(1, write.key.kind).Bind(2, write.key.application).Bind(3, write.key.name);
  FERRY_RETURN_IF_ERROR(update.Bind(4, spec).Bind(5, now).Bind(6, current).Run());
  if (c.Changes() != 1) return Conflict(EntitySubject(write.key) + " changed concurrently");
  audit.action = "entity.update";
  audit.before_sha256 = HashOf(stored->spec_json);
  audit.details_json = EntityAuditDetails(&stored->spec_json, &spec);
  FERRY_RETURN_IF_ERROR(InsertAudit(c, context, audit));
  return PutOutcome::kUpdated;
}

EntityRecord ReadRecord(const Statement& row) {
  EntityRecord record;
  record.key.kind = row.Text(0);
  record.key.application = row.Text(1);
  record.key.name = row.Text(2);
  record.spec_json = row.Text(3);
  record.revision = row.Int(4);
  record.created_at = FromUnixMillis(row.Int(5));
  record.updated_at = FromUnixMillis(row.Int(6));
  return record;
}

constexpr const char* kSelectRecord =
    "SELECT kind, application, name, spec_json, revision, created_at_ms, updated_at_ms "
    "FROM entities ";

}  // namespace

Result<std::vector<PutOutcome>> SqliteEntityStore::PutAll(const std::vector<EntityWrite>& writes,
                                                          const Actor& actor) {
  FERRY_RETURN_IF_ERROR(CheckName(actor.name, "actor"));
  // Checked and canonicalised before taking the write lock.
  std::vector<std::string> specs;
  specs.reserve(writes.size());
  for (const EntityWrite& write : writes) {
    FERRY_RETURN_IF_ERROR(CheckEntityKey(write.key));
    auto spec = CanonicalJson(write.spec_json, kMaxSpecBytes, EntitySubject(write.key) + " spec");
    if (!spec.ok()) return spec.error();
    specs.push_back(std::move(spec).value());
  }
  std::vector<PutOutcome> outcomes;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    outcomes.clear();
    for (size_t i = 0; i < writes.size(); ++i) {
      FERRY_ASSIGN_OR_RETURN(PutOutcome outcome,
                             ApplyWrite(c, context_, writes[i], specs[i], actor));
      outcomes.push_back(outcome);
    }
    return Ok();
  }));
  return outcomes;
}

Result<PutOutcome> SqliteEntityStore::Put(const EntityWrite& write, const Actor& actor) {
  FERRY_ASSIGN_OR_RETURN(std::vector<PutOutcome> outcomes, PutAll({write}, actor));
  return outcomes.front();
}

Result<EntityRecord> SqliteEntityStore::Get(const EntityKey& key) {
  FERRY_RETURN_IF_ERROR(CheckEntityKey(key));
  std::optional<EntityRecord> record;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Statement select,
                           c.Prepare(std::string(kSelectRecord) +
                                     "WHERE kind = ?1 AND application = ?2 AND name = ?3"));
    select.Bind(1, key.kind).Bind(2, key.application).Bind(3, key.name);
    FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
    if (row) record = ReadRecord(select);
    return Ok();
  }));
  if (!record) return NotFound(EntitySubject(key) + " does not exist");
  return std::move(*record);
}

Result<std::vector<EntityRecord>> SqliteEntityStore::List(std::string_view kind,
                                                          std::optional<std::string> application) {
  FERRY_RETURN_IF_ERROR(CheckOptionalName(kind, "entity kind"));
  if (application) FERRY_RETURN_IF_ERROR(CheckOptionalName(*application, "entity application"));
  std::vector<EntityRecord> records;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(
        Statement select,
        c.Prepare(std::string(kSelectRecord) +
                  "WHERE (?1 = '' OR kind = ?1) AND (?2 IS NULL OR application = ?2) "
                  "ORDER BY kind, application, name"));
    select.Bind(1, kind).Bind(2, application);
    while (true) {
      FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) return Ok();
      records.push_back(ReadRecord(select));
    }
  }));
  return records;
}

Status SqliteEntityStore::Delete(const EntityKey& key, const Actor& actor) {
  FERRY_RETURN_IF_ERROR(CheckName(actor.name, "actor"));
  FERRY_RETURN_IF_ERROR(CheckEntityKey(key));
  return context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(std::optional<StoredEntity> stored, Lookup(c, key));
    if (!stored) return NotFound(EntitySubject(key) + " does not exist");
    FERRY_ASSIGN_OR_RETURN(
        Statement remove,
        c.Prepare("DELETE FROM entities WHERE kind = ?1 AND application = ?2 AND name = ?3"));
    FERRY_RETURN_IF_ERROR(
        remove.Bind(1, key.kind).Bind(2, key.application).Bind(3, key.name).Run());
    return InsertAudit(c, context_,
                       AuditEntry{.actor = actor.name,
 .source = actor.source,
                                  .action = "entity.delete",
                                  .application = EntityApplication(key),
                                  .subject_type = "entity",
                                  .subject_id = EntitySubject(key),
                                  .before_sha256 = HashOf(stored->spec_json),
                                  .details_json = EntityAuditDetails(&stored->spec_json, nullptr)});
  });
}

}  // namespace ferry::store::sqlite
