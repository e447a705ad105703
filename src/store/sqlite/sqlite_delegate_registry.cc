#include "store/sqlite/sqlite_delegate_registry.h"

#include "common/time.h"
#include "store/checks.h"
#include "store/limits.h"

namespace ferry::store::sqlite {
namespace {

constexpr const char* kColumns =
    "name, instance, selectors_json, version, first_seen_at_ms, last_seen_at_ms";

Result<DelegateRecord> ReadRow(const Statement& row) {
  DelegateRecord r;
  r.name = row.Text(0);
  r.instance = row.Text(1);
  FERRY_ASSIGN_OR_RETURN(r.selectors, FromJsonArray(row.Text(2)));
  r.version = row.Text(3);
  r.first_seen_at = FromUnixMillis(row.Int(4));
  r.last_seen_at = FromUnixMillis(row.Int(5));
  return r;
}

}  // namespace

Result<DelegateRecord> SqliteDelegateRegistry::Seen(const DelegateSighting& s) {
  FERRY_RETURN_IF_ERROR(CheckName(s.name, "delegate name"));
  FERRY_RETURN_IF_ERROR(CheckName(s.instance, "delegate instance"));
  FERRY_RETURN_IF_ERROR(CheckOptionalName(s.version, "delegate version"));
  FERRY_ASSIGN_OR_RETURN(auto selectors, NormalizeNames(s.selectors, "delegate selector"));
  if (selectors.size() > 100) return InvalidArgument("a delegate offers at most 100 selectors");
  const std::string selectors_json = ToJsonArray(selectors);
  DelegateRecord out;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(
        Statement upsert,
        c.Prepare("INSERT INTO delegates (name, instance, selectors_json, version, "
                  "first_seen_at_ms, last_seen_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?5) "
                  "ON CONFLICT (name) DO UPDATE SET instance = excluded.instance, "
                  "selectors_json = excluded.selectors_json, version = excluded.version, "
                  "first_seen_at_ms = CASE WHEN delegates.instance = excluded.instance "
                  "THEN delegates.first_seen_at_ms ELSE excluded.first_seen_at_ms END, "
                  "last_seen_at_ms = excluded.last_seen_at_ms"));
    upsert.Bind(1, s.name).Bind(2, s.instance).Bind(3, selectors_json).Bind(4, s.version);
    FERRY_RETURN_IF_ERROR(upsert.Bind(5, context_.NowMs()).Run());
    FERRY_ASSIGN_OR_RETURN(Statement select, c.Prepare(std::string("SELECT ") + kColumns +
                                                       " FROM delegates WHERE name = ?1"));
    select.Bind(1, s.name);
    FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) return Internal("delegate row vanished after its upsert");
    FERRY_ASSIGN_OR_RETURN(out, ReadRow(select));
    return Ok();
  }));
  return out;
}

Status SqliteDelegateRegistry::Touch(std::string_view instance) {
  FERRY_RETURN_IF_ERROR(CheckName(instance, "delegate instance"));
  return context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(
        Statement update,
        c.Prepare("UPDATE delegates SET last_seen_at_ms = ?1 WHERE instance = ?2"));
    return update.Bind(1, context_.NowMs()).Bind(2, instance).Run();
  });
}

Result<std::vector<DelegateRecord>> SqliteDelegateRegistry::List() {
  std::vector<DelegateRecord> out;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Statement select, c.Prepare(std::string("SELECT ") + kColumns +
                                                       " FROM delegates ORDER BY name LIMIT ?1"));
    select.Bind(1, kMaxPageSize);
    while (true) {
      FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      FERRY_ASSIGN_OR_RETURN(auto record, ReadRow(select));
      out.push_back(std::move(record));
    }
    return Ok();
  }));
  return out;
}

}  // namespace ferry::store::sqlite
