#include "common/json.h"
#include "common/strings.h"
#include "store/checks.h"
#include "store/limits.h"
#include "store/postgres/paging.h"
#include "store/postgres/postgres_records.h"

namespace ferry::store::postgres {
namespace {

constexpr const char* kSelectArtifact =
    "SELECT id, source, key, version, location_json, size_bytes, code_sha256, metadata_json, "
    "first_seen_at_ms, last_seen_at_ms FROM artifacts ";

Result<std::vector<ArtifactRecord>> SelectArtifacts(Statement& select) {
  std::vector<ArtifactRecord> out;
  while (true) {
    FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) return out;
    ArtifactRecord a;
    a.id = select.Text(0);
    a.source = select.Text(1);
    a.key = select.Text(2);
    a.version = select.Text(3);
    a.location_json = select.Text(4);
    a.size_bytes = select.Int(5);
    a.code_sha256 = select.Text(6);
    a.metadata_json = select.Text(7);
    a.first_seen_at = FromUnixMillis(select.Int(8));
    a.last_seen_at = FromUnixMillis(select.Int(9));
    out.push_back(std::move(a));
  }
}

Result<std::optional<ArtifactRecord>> FindIn(Connection& c, std::string_view source,
                                             std::string_view key, std::string_view version) {
  FERRY_ASSIGN_OR_RETURN(
      Statement select,
      c.Prepare(std::string(kSelectArtifact) + "WHERE source = $1 AND key = $2 AND version = $3"));
  select.Bind(1, source).Bind(2, key).Bind(3, version);
  FERRY_ASSIGN_OR_RETURN(std::vector<ArtifactRecord> found, SelectArtifacts(select));
  if (found.empty()) return std::optional<ArtifactRecord>();
  return std::optional<ArtifactRecord>(std::move(found.front()));
}

std::string Describe(std::string_view source, std::string_view key, std::string_view version) {
  return "artifact " + QuoteForMessage(source) + " " + QuoteForMessage(key) + " version " +
         QuoteForMessage(version);
}

}  // namespace

Result<RecordedArtifact> PostgresArtifactStore::Record(const NewArtifact& a,
                                                       const Actor& actor) {
  FERRY_RETURN_IF_ERROR(CheckName(actor.name, "actor"));
  FERRY_RETURN_IF_ERROR(CheckName(a.source, "artifact source"));
  FERRY_RETURN_IF_ERROR(CheckName(a.key, "artifact key"));
  FERRY_RETURN_IF_ERROR(CheckName(a.version, "artifact version"));
  FERRY_RETURN_IF_ERROR(CheckName(a.code_sha256, "artifact CodeSha256"));
  if (a.size_bytes < 0) return InvalidArgument("artifact size is negative");
  FERRY_ASSIGN_OR_RETURN(std::string location,
                         CanonicalJsonObject(a.location_json, kMaxSpecBytes, "artifact location"));
  FERRY_ASSIGN_OR_RETURN(std::string metadata,
                         CanonicalJsonObject(a.metadata_json, kMaxSpecBytes, "artifact metadata"));
  RecordedArtifact recorded;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(std::optional<ArtifactRecord> existing,
                           FindIn(c, a.source, a.key, a.version));
    if (existing) {
      if (existing->code_sha256 != a.code_sha256) {
        return Conflict(Describe(a.source, a.key, a.version) + " was recorded with CodeSha256 " +
                        existing->code_sha256 + ", now " + a.code_sha256 +
                        ": a version must never change; publish a new version");
      }
      FERRY_ASSIGN_OR_RETURN(Statement touch,
                             c.Prepare("UPDATE artifacts SET last_seen_at_ms = $2 WHERE id = $1"));
      FERRY_RETURN_IF_ERROR(touch.Bind(1, existing->id).Bind(2, now).Run());
      existing->last_seen_at = FromUnixMillis(now);
      recorded = RecordedArtifact{std::move(*existing), false};
      return Ok();
    }
    std::string id = context_.ids.NewId();
    FERRY_ASSIGN_OR_RETURN(
        Statement insert,
        c.Prepare("INSERT INTO artifacts (id, source, key, version, location_json, size_bytes, "
                  "code_sha256, metadata_json, first_seen_at_ms, last_seen_at_ms) VALUES "
                  "($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)"));
    insert.Bind(1, id).Bind(2, a.source).Bind(3, a.key).Bind(4, a.version).Bind(5, location);
    insert.Bind(6, a.size_bytes).Bind(7, a.code_sha256).Bind(8, metadata).Bind(9, now);
    FERRY_RETURN_IF_ERROR(insert.Run());
    Json details = {{"source", a.source}, {"key", a.key}, {"version", a.version}};
    FERRY_RETURN_IF_ERROR(InsertAudit(c, context_,
                                      AuditEntry{.actor = actor.name,
 .source = actor.source,
                                                 .action = "artifact.record",
                                                 .subject_type = "artifact",
                                                 .subject_id = id,
                                                 .after_sha256 = HashOf(a.code_sha256),
                                                 .details_json = DumpJson(details)}));
    FERRY_ASSIGN_OR_RETURN(std::optional<ArtifactRecord> created,
                           FindIn(c, a.source, a.key, a.version));
    if (!created) return Internal("artifact vanished after insert");
    recorded = RecordedArtifact{std::move(*created), true};
    return Ok();
  }));
  return recorded;
}

Result<ArtifactRecord> PostgresArtifactStore::Get(std::string_view id) {
  FERRY_RETURN_IF_ERROR(CheckName(id, "artifact id"));
  std::vector<ArtifactRecord> found;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Statement select,
                           c.Prepare(std::string(kSelectArtifact) + "WHERE id = $1"));
    select.Bind(1, id);
    FERRY_ASSIGN_OR_RETURN(found, SelectArtifacts(select));
    return Ok();
  }));
  if (found.empty()) return NotFound("artifact " + std::string(id) + " does not exist");
  return std::move(found.front());
}

Result<ArtifactRecord> PostgresArtifactStore::Find(std::string_view source, std::string_view key,
                                                   std::string_view version) {
  FERRY_RETURN_IF_ERROR(CheckName(source, "artifact source"));
  FERRY_RETURN_IF_ERROR(CheckName(key, "artifact key"));
  FERRY_RETURN_IF_ERROR(CheckName(version, "artifact version"));
  std::optional<ArtifactRecord> found;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(found, FindIn(c, source, key, version));
    return Ok();
  }));
  if (!found) return NotFound(Describe(source, key, version) + " has not been recorded");
  return std::move(*found);
}

Result<std::vector<ArtifactRecord>> PostgresArtifactStore::List(const ArtifactFilter& filter) {
  FERRY_RETURN_IF_ERROR(CheckPageLimit(filter.limit));
  if (filter.before_id) FERRY_RETURN_IF_ERROR(CheckName(*filter.before_id, "before id"));
  std::vector<ArtifactRecord> found;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_RETURN_IF_ERROR(CheckCursor(c, "artifacts", filter.before_id, "artifact"));
    FERRY_ASSIGN_OR_RETURN(
        Statement select,
        c.Prepare(std::string(kSelectArtifact) +
                  "WHERE ($1::text IS NULL OR source = $1) AND ($2::text IS NULL OR key = $2) AND "
                  "($3::text IS NULL OR (first_seen_at_ms, id) < (SELECT first_seen_at_ms, id FROM "
                  "artifacts WHERE id = $3)) ORDER BY first_seen_at_ms DESC, id DESC LIMIT $4"));
    select.Bind(1, filter.source).Bind(2, filter.key).Bind(3, filter.before_id);
    select.Bind(4, filter.limit);
    FERRY_ASSIGN_OR_RETURN(found, SelectArtifacts(select));
    return Ok();
  }));
  return found;
}

}  // namespace ferry::store::postgres
