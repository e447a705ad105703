#include "store/postgres/postgres_trigger_store.h"

#include "common/time.h"
#include "store/checks.h"
#include "store/limits.h"
#include "store/trigger_checks.h"

namespace ferry::store::postgres {
namespace {

constexpr const char* kStateColumns =
    "application, name, hook_id, last_fire_at_ms, last_execution, next_run_at_ms, last_error, "
    "last_error_at_ms, cursor_json, updated_at_ms";
constexpr const char* kFireColumns =
    "application, name, fire_key, status, owner, execution_id, error, claimed_at_ms";

std::optional<TimePoint> OptionalTime(const Statement& row, int column) {
  auto ms = row.OptionalInt(column);
  if (!ms) return std::nullopt;
  return FromUnixMillis(*ms);
}

TriggerState ReadState(const Statement& row) {
  TriggerState s;
  s.application = row.Text(0);
  s.name = row.Text(1);
  s.hook_id = row.OptionalText(2).value_or("");
  s.last_fire_at = OptionalTime(row, 3);
  s.last_execution = row.Text(4);
  s.next_run_at = OptionalTime(row, 5);
  s.last_error = row.Text(6);
  s.last_error_at = OptionalTime(row, 7);
  s.cursor_json = row.Text(8);
  s.updated_at = FromUnixMillis(row.Int(9));
  return s;
}

Result<FireRecord> ReadFire(const Statement& row) {
  FireRecord f;
  f.application = row.Text(0);
  f.name = row.Text(1);
  f.fire_key = row.Text(2);
  FERRY_ASSIGN_OR_RETURN(f.status, ParseFireStatus(row.Text(3)));
  f.owner = row.Text(4);
  f.execution_id = row.Text(5);
  f.error = row.Text(6);
  f.claimed_at = FromUnixMillis(row.Int(7));
  return f;
}

// Creates the trigger's state row when it has none.
Status EnsureState(Connection& c, std::string_view application, std::string_view name,
                   int64_t now_ms) {
  FERRY_ASSIGN_OR_RETURN(
      Statement insert,
      c.Prepare("INSERT INTO trigger_states (application, name, updated_at_ms) "
                "VALUES ($1, $2, $3) ON CONFLICT (application, name) DO NOTHING"));
  return insert.Bind(1, application).Bind(2, name).Bind(3, now_ms).Run();
}

Result<std::optional<TriggerState>> SelectState(Connection& c, const std::string& where,
                                                std::string_view a, std::string_view b) {
  FERRY_ASSIGN_OR_RETURN(Statement select, c.Prepare(std::string("SELECT ") + kStateColumns +
                                                     " FROM trigger_states WHERE " + where));
  select.Bind(1, a);
  if (!b.empty()) select.Bind(2, b);
  FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return std::optional<TriggerState>();
  return std::optional<TriggerState>(ReadState(select));
}

}  // namespace

Result<TriggerState> PostgresTriggerStore::Get(std::string_view application,
                                               std::string_view name) {
  FERRY_RETURN_IF_ERROR(CheckTriggerName(application, name));
  std::optional<TriggerState> out;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(out,
                           SelectState(c, "application = $1 AND name = $2", application, name));
    return Ok();
  }));
  if (!out)
    return NotFound("trigger " + std::string(application) + "/" + std::string(name) +
                    " has no state yet");
  return std::move(*out);
}

Result<std::vector<TriggerState>> PostgresTriggerStore::List(std::string_view application) {
  if (!application.empty()) FERRY_RETURN_IF_ERROR(CheckName(application, "application"));
  std::vector<TriggerState> out;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Statement select,
                           c.Prepare(std::string("SELECT ") + kStateColumns +
                                     " FROM trigger_states WHERE ($1 = '' OR application = $1) "
                                     "ORDER BY application, name LIMIT $2"));
    select.Bind(1, application).Bind(2, kMaxPageSize);
    while (true) {
      FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      out.push_back(ReadState(select));
    }
    return Ok();
  }));
  return out;
}

Result<std::string> PostgresTriggerStore::EnsureHookId(std::string_view application,
                                                       std::string_view name,
                                                       std::string_view candidate) {
  FERRY_RETURN_IF_ERROR(CheckTriggerName(application, name));
  FERRY_RETURN_IF_ERROR(CheckName(candidate, "webhook id"));
  std::string out;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_RETURN_IF_ERROR(EnsureState(c, application, name, context_.NowMs()));
    FERRY_ASSIGN_OR_RETURN(auto state,
                           SelectState(c, "application = $1 AND name = $2", application, name));
    if (state && !state->hook_id.empty()) {
      out = state->hook_id;
      return Ok();
    }
    FERRY_ASSIGN_OR_RETURN(Statement update,
                           c.Prepare("UPDATE trigger_states SET hook_id = $3, updated_at_ms = $4 "
                                     "WHERE application = $1 AND name = $2"));
    update.Bind(1, application).Bind(2, name).Bind(3, candidate).Bind(4, context_.NowMs());
    FERRY_RETURN_IF_ERROR(update.Run());
    out = std::string(candidate);
    return Ok();
  }));
  return out;
}

Result<TriggerState> PostgresTriggerStore::FindByHookId(std::string_view hook_id) {
  FERRY_RETURN_IF_ERROR(CheckName(hook_id, "webhook id"));
  std::optional<TriggerState> out;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(out, SelectState(c, "hook_id = $1", hook_id, ""));
    return Ok();
  }));
  if (!out) return NotFound("no trigger has this webhook id");
  return std::move(*out);
}

Status PostgresTriggerStore::SaveCursor(std::string_view application, std::string_view name,
                                        std::string_view cursor_json) {
  FERRY_RETURN_IF_ERROR(CheckTriggerName(application, name));
  FERRY_ASSIGN_OR_RETURN(
      auto cursor, CanonicalJsonObject(cursor_json, kMaxTriggerCursorBytes, "trigger cursor"));
  return context_.db.Write([&](Connection& c) -> Status {
    FERRY_RETURN_IF_ERROR(EnsureState(c, application, name, context_.NowMs()));
    FERRY_ASSIGN_OR_RETURN(
        Statement update,
        c.Prepare("UPDATE trigger_states SET cursor_json = $3, updated_at_ms = $4 "
                  "WHERE application = $1 AND name = $2"));
    update.Bind(1, application).Bind(2, name).Bind(3, cursor).Bind(4, context_.NowMs());
    return update.Run();
  });
}

Status PostgresTriggerStore::SetNextRun(std::string_view application, std::string_view name,
                                        std::optional<TimePoint> next_run_at) {
  FERRY_RETURN_IF_ERROR(CheckTriggerName(application, name));
  return context_.db.Write([&](Connection& c) -> Status {
    FERRY_RETURN_IF_ERROR(EnsureState(c, application, name, context_.NowMs()));
    FERRY_ASSIGN_OR_RETURN(
        Statement update,
        c.Prepare("UPDATE trigger_states SET next_run_at_ms = $3, updated_at_ms = $4 "
                  "WHERE application = $1 AND name = $2"));
    update.Bind(1, application).Bind(2, name);
    if (next_run_at) {
      update.Bind(3, ToUnixMillis(*next_run_at));
    } else {
      update.BindNull(3);
    }
    return update.Bind(4, context_.NowMs()).Run();
  });
}

Status PostgresTriggerStore::RecordError(std::string_view application, std::string_view name,
                                         std::string_view error) {
  FERRY_RETURN_IF_ERROR(CheckTriggerName(application, name));
  const std::string message = TriggerErrorText(error);
  return context_.db.Write([&](Connection& c) -> Status {
    FERRY_RETURN_IF_ERROR(EnsureState(c, application, name, context_.NowMs()));
    FERRY_ASSIGN_OR_RETURN(
        Statement update,
        c.Prepare("UPDATE trigger_states SET last_error = $3, last_error_at_ms = $4, "
                  "updated_at_ms = $4 WHERE application = $1 AND name = $2"));
    return update.Bind(1, application)
        .Bind(2, name)
        .Bind(3, message)
        .Bind(4, context_.NowMs())
        .Run();
  });
}

Result<bool> PostgresTriggerStore::ClaimFire(std::string_view application, std::string_view name,
                                             std::string_view fire_key, std::string_view owner,
                                             Duration stale) {
  FERRY_RETURN_IF_ERROR(CheckTriggerName(application, name));
  FERRY_RETURN_IF_ERROR(CheckFireKey(fire_key));
  FERRY_RETURN_IF_ERROR(CheckName(owner, "fire owner"));
  bool claimed = false;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    const int64_t now = context_.NowMs();
    FERRY_RETURN_IF_ERROR(EnsureState(c, application, name, now));
    FERRY_ASSIGN_OR_RETURN(
        Statement insert,
        c.Prepare("INSERT INTO trigger_fires (application, name, fire_key, status, owner, "
                  "execution_id, error, claimed_at_ms) VALUES ($1, $2, $3, 'claimed', $4, '', '', "
                  "$5) ON CONFLICT (application, name, fire_key) DO UPDATE SET owner = "
                  "excluded.owner, claimed_at_ms = excluded.claimed_at_ms WHERE "
                  "trigger_fires.status = 'claimed' AND trigger_fires.claimed_at_ms <= $6"));
    insert.Bind(1, application).Bind(2, name).Bind(3, fire_key).Bind(4, owner).Bind(5, now);
    FERRY_RETURN_IF_ERROR(insert.Bind(6, now - stale.count()).Run());
    claimed = c.Changes() > 0;
    return Ok();
  }));
  return claimed;
}

Status PostgresTriggerStore::CompleteFire(const FireOutcome& o) {
  FERRY_RETURN_IF_ERROR(CheckTriggerName(o.application, o.name));
  FERRY_RETURN_IF_ERROR(CheckFireKey(o.fire_key));
  if (o.execution_id.empty() == o.error.empty()) {
    return InvalidArgument("a fire ends with an execution or an error");
  }
  if (!o.execution_id.empty()) FERRY_RETURN_IF_ERROR(CheckName(o.execution_id, "execution id"));
  const std::string error = TriggerErrorText(o.error);
  return context_.db.Write([&](Connection& c) -> Status {
    const int64_t now = context_.NowMs();
    FERRY_ASSIGN_OR_RETURN(
        Statement fire,
        c.Prepare("UPDATE trigger_fires SET status = $4, execution_id = $5, error = $6 "
                  "WHERE application = $1 AND name = $2 AND fire_key = $3"));
    fire.Bind(1, o.application).Bind(2, o.name).Bind(3, o.fire_key);
    fire.Bind(4, o.error.empty() ? "started" : "failed").Bind(5, o.execution_id).Bind(6, error);
    FERRY_RETURN_IF_ERROR(fire.Run());
    if (c.Changes() == 0) return NotFound("the fire was never claimed");
    if (o.error.empty()) {
      FERRY_ASSIGN_OR_RETURN(
          Statement state,
          c.Prepare("UPDATE trigger_states SET last_fire_at_ms = $3, last_execution = $4, "
                    "last_error = '', last_error_at_ms = NULL, updated_at_ms = $3 "
                    "WHERE application = $1 AND name = $2"));
      return state.Bind(1, o.application)
          .Bind(2, o.name)
          .Bind(3, now)
          .Bind(4, o.execution_id)
          .Run();
    }
    FERRY_ASSIGN_OR_RETURN(
        Statement state,
        c.Prepare("UPDATE trigger_states SET last_error = $3, last_error_at_ms = $4, "
                  "updated_at_ms = $4 WHERE application = $1 AND name = $2"));
    return state.Bind(1, o.application).Bind(2, o.name).Bind(3, error).Bind(4, now).Run();
  });
}

Status PostgresTriggerStore::AddBaseline(std::string_view application, std::string_view name,
                                         const std::vector<std::string>& fire_keys) {
  FERRY_RETURN_IF_ERROR(CheckTriggerName(application, name));
  if (fire_keys.size() > static_cast<size_t>(kMaxPageSize)) {
    return InvalidArgument("at most 1000 baseline fires per call");
  }
  for (const auto& key : fire_keys) FERRY_RETURN_IF_ERROR(CheckFireKey(key));
  return context_.db.Write([&](Connection& c) -> Status {
    const int64_t now = context_.NowMs();
    FERRY_RETURN_IF_ERROR(EnsureState(c, application, name, now));
    FERRY_ASSIGN_OR_RETURN(
        Statement insert,
        c.Prepare("INSERT INTO trigger_fires (application, name, fire_key, status, owner, "
                  "execution_id, error, claimed_at_ms) VALUES ($1, $2, $3, 'baseline', '', '', "
                  "'', $4) ON CONFLICT (application, name, fire_key) DO NOTHING"));
    for (const auto& key : fire_keys) {
      insert.Bind(1, application).Bind(2, name).Bind(3, key).Bind(4, now);
      FERRY_RETURN_IF_ERROR(insert.Run());
    }
    return Ok();
  });
}

Result<FireRecord> PostgresTriggerStore::GetFire(std::string_view application,
                                                 std::string_view name, std::string_view fire_key) {
  FERRY_RETURN_IF_ERROR(CheckTriggerName(application, name));
  FERRY_RETURN_IF_ERROR(CheckFireKey(fire_key));
  std::optional<FireRecord> out;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(
        Statement select,
        c.Prepare(std::string("SELECT ") + kFireColumns +
                  " FROM trigger_fires WHERE application = $1 AND name = $2 AND fire_key = $3"));
    select.Bind(1, application).Bind(2, name).Bind(3, fire_key);
    FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) return Ok();
    FERRY_ASSIGN_OR_RETURN(out, ReadFire(select));
    return Ok();
  }));
  if (!out) return NotFound("the fire was never claimed");
  return std::move(*out);
}

Result<int> PostgresTriggerStore::PruneFires(std::string_view application, std::string_view name,
                                             std::string_view key_prefix, TimePoint before) {
  FERRY_RETURN_IF_ERROR(CheckTriggerName(application, name));
  if (key_prefix.empty()) return InvalidArgument("prune fires by a non-empty key prefix");
  FERRY_RETURN_IF_ERROR(CheckFireKey(key_prefix));
  int removed = 0;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(
        Statement remove,
        c.Prepare("DELETE FROM trigger_fires WHERE application = $1 AND name = $2 AND "
                  "substr(fire_key, 1, length($3::text)) = $3::text AND claimed_at_ms < $4"));
    remove.Bind(1, application).Bind(2, name).Bind(3, key_prefix).Bind(4, ToUnixMillis(before));
    FERRY_RETURN_IF_ERROR(remove.Run());
    removed = static_cast<int>(c.Changes());
    return Ok();
  }));
  return removed;
}

}  // namespace ferry::store::postgres
