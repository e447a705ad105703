#include "store/postgres/postgres_known_state_store.h"

#include "common/time.h"
#include "store/checks.h"
#include "store/limits.h"

namespace ferry::store::postgres {
namespace {

Status CheckKeys(const std::vector<std::string>& keys) {
  if (keys.size() > static_cast<size_t>(kMaxPageSize)) {
    return InvalidArgument("at most " + std::to_string(kMaxPageSize) + " keys at once");
  }
  for (const auto& key : keys) FERRY_RETURN_IF_ERROR(CheckName(key, "known state key"));
  return Ok();
}

}  // namespace

Result<std::vector<KnownState>> PostgresKnownStateStore::Get(const std::vector<std::string>& keys) {
  FERRY_RETURN_IF_ERROR(CheckKeys(keys));
  std::vector<KnownState> found;
  if (keys.empty()) return found;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(
        Statement select,
        c.Prepare("SELECT key, state_json, execution_id, updated_at_ms FROM known_states "
                  "WHERE key = $1"));
    for (const auto& key : keys) {
      select.Bind(1, key);
      FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
      if (row) {
        found.push_back(KnownState{select.Text(0), select.Text(1), select.OptionalText(2),
                                   FromUnixMillis(select.Int(3))});
      }
      select.Reset();
    }
    return Ok();
  }));
  return found;
}

Status PostgresKnownStateStore::Put(const std::vector<KnownState>& states) {
  std::vector<std::string> documents;
  for (const auto& s : states) {
    FERRY_RETURN_IF_ERROR(CheckName(s.key, "known state key"));
    if (s.execution_id) FERRY_RETURN_IF_ERROR(CheckName(*s.execution_id, "execution id"));
    FERRY_ASSIGN_OR_RETURN(std::string json,
                           CanonicalJsonObject(s.state_json, kMaxDocumentBytes, "known state"));
    documents.push_back(std::move(json));
  }
  if (states.empty()) return Ok();
  return context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(
        Statement upsert,
        c.Prepare("INSERT INTO known_states (key, state_json, execution_id, updated_at_ms) "
                  "VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET state_json = "
                  "excluded.state_json, execution_id = excluded.execution_id, updated_at_ms = "
                  "excluded.updated_at_ms"));
    const int64_t now = context_.NowMs();
    for (size_t i = 0; i < states.size(); ++i) {
      upsert.Bind(1, states[i].key).Bind(2, documents[i]).Bind(3, states[i].execution_id);
      FERRY_RETURN_IF_ERROR(upsert.Bind(4, now).Run());
    }
    return Ok();
  });
}

Status PostgresKnownStateStore::Delete(const std::vector<std::string>& keys) {
  for (const auto& key : keys) FERRY_RETURN_IF_ERROR(CheckName(key, "known state key"));
  if (keys.empty()) return Ok();
  return context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Statement remove, c.Prepare("DELETE FROM known_states WHERE key = $1"));
    for (const auto& key : keys) FERRY_RETURN_IF_ERROR(remove.Bind(1, key).Run());
    return Ok();
  });
}

}  // namespace ferry::store::postgres
