#include "store/sqlite/sqlite_log_store.h"

#include "common/secret_mask.h"
#include "common/strings.h"
#include "store/checks.h"
#include "store/execution_store.h"
#include "store/limits.h"

namespace ferry::store::sqlite {
namespace {

constexpr std::string_view kTruncated = "…[truncated]";

// Masks secrets, repairs invalid UTF-8 and cuts the line at the limit on a character boundary.
std::string CleanLine(std::string_view text) {
  std::string masked = MaskSecrets(text);
  if (!IsValidUtf8(masked)) {
    std::string repaired;
    for (char ch : masked) {
      repaired += static_cast<unsigned char>(ch) < 0x80 ? ch : '?';
    }
    masked = std::move(repaired);
  }
  if (masked.size() <= kMaxLogLineBytes) return masked;
  size_t cut = kMaxLogLineBytes - kTruncated.size();
  while (cut > 0 && (static_cast<unsigned char>(masked[cut]) & 0xC0) == 0x80) --cut;
  masked.resize(cut);
  masked += kTruncated;
  return masked;
}

}  // namespace

Result<std::vector<std::string>> PrepareLogLines(const std::vector<NewLogLine>& lines) {
  if (lines.size() > static_cast<size_t>(kMaxPageSize)) {
    return InvalidArgument("at most " + std::to_string(kMaxPageSize) + " log lines per append");
  }
  std::vector<std::string> texts;
  texts.reserve(lines.size());
  for (const NewLogLine& line : lines) {
    FERRY_RETURN_IF_ERROR(CheckName(line.source, "log source"));
    if (line.step_index && *line.step_index < 0) return InvalidArgument("step index is negative");
    texts.push_back(CleanLine(line.text));
  }
  return texts;
}

Result<int64_t> InsertLogLines(Connection& c, int64_t now_ms, std::string_view execution_id,
                               const std::vector<NewLogLine>& lines,
                               const std::vector<std::string>& texts) {
  // Gapless per-execution numbering; safe because the transaction holds the write lock.
  FERRY_ASSIGN_OR_RETURN(
      Statement max_seq,
      c.Prepare("SELECT coalesce(max(sequence), 0) FROM log_lines WHERE execution_id = ?1"));
  FERRY_ASSIGN_OR_RETURN(bool row, max_seq.Bind(1, execution_id).Step());
  int64_t last = row ? max_seq.Int(0) : 0;
  max_seq.Reset();
  if (lines.empty()) return last;
  FERRY_ASSIGN_OR_RETURN(
      Statement insert,
      c.Prepare("INSERT INTO log_lines (execution_id, sequence, step_index, level, source, "
                "text, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  for (size_t i = 0; i < lines.size(); ++i) {
    insert.Bind(1, execution_id).Bind(2, ++last);
    if (lines[i].step_index) {
      insert.Bind(3, *lines[i].step_index);
    } else {
      insert.BindNull(3);
    }
    insert.Bind(4, LogLevelName(lines[i].level)).Bind(5, lines[i].source).Bind(6, texts[i]);
    const int64_t at_ms = lines[i].at ? std::min(ToUnixMillis(*lines[i].at), now_ms) : now_ms;
    FERRY_RETURN_IF_ERROR(insert.Bind(7, at_ms).Run());
  }
  return last;
}

Result<int64_t> SqliteLogStore::Append(std::string_view execution_id,
                                       const std::vector<NewLogLine>& lines) {
  FERRY_RETURN_IF_ERROR(CheckName(execution_id, "execution id"));
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> texts, PrepareLogLines(lines));
  int64_t last = 0;
  FERRY_RETURN_IF_ERROR(context_.db.Write([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(
        Statement exists, c.Prepare("SELECT status FROM executions WHERE id = ?1"));
    FERRY_ASSIGN_OR_RETURN(bool found, exists.Bind(1, execution_id).Step());
    if (!found) return NotFound("execution " + std::string(execution_id) + " does not exist");
    std::optional<ExecutionStatus> status = ParseExecutionStatus(exists.Text(0));
    exists.Reset();
    // The execution's final line is written with its terminal transition; a line arriving
    // after it (a delegate's late output after an abort) is dropped, so the final line stays
    // last. The transition holds the write lock, so none slips in between.
    if (status && IsTerminal(*status)) {
      FERRY_ASSIGN_OR_RETURN(
          Statement max, c.Prepare("SELECT coalesce(max(sequence), 0) FROM log_lines "
                                   "WHERE execution_id = ?1"));
      FERRY_ASSIGN_OR_RETURN(bool row, max.Bind(1, execution_id).Step());
      last = row ? max.Int(0) : 0;
      return Ok();
    }
    FERRY_ASSIGN_OR_RETURN(last, InsertLogLines(c, context_.NowMs(), execution_id, lines, texts));
    return Ok();
  }));
  return last;
}

Result<std::vector<LogLine>> SqliteLogStore::Read(const LogQuery& query) {
  FERRY_RETURN_IF_ERROR(CheckName(query.execution_id, "execution id"));
  FERRY_RETURN_IF_ERROR(CheckPageLimit(query.limit));
  std::vector<LogLine> lines;
  FERRY_RETURN_IF_ERROR(context_.db.Read([&](Connection& c) -> Status {
    FERRY_ASSIGN_OR_RETURN(Statement exists, c.Prepare("SELECT 1 FROM executions WHERE id = ?1"));
    FERRY_ASSIGN_OR_RETURN(bool found, exists.Bind(1, query.execution_id).Step());
    exists.Reset();
    if (!found) {
      return NotFound("execution " + query.execution_id + " does not exist");
    }
    FERRY_ASSIGN_OR_RETURN(
        Statement select,
        c.Prepare("SELECT sequence, step_index, level, source, text, at_ms FROM log_lines "
                  "WHERE execution_id = ?1 AND sequence > ?2 AND (?3 IS NULL OR step_index = ?3) "
                  "ORDER BY sequence LIMIT ?4"));
    select.Bind(1, query.execution_id).Bind(2, query.after_sequence);
    if (query.step_index) {
      select.Bind(3, *query.step_index);
    } else {
      select.BindNull(3);
    }
    select.Bind(4, query.limit);
    while (true) {
      FERRY_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) return Ok();
      LogLine line;
      line.execution_id = query.execution_id;
      line.sequence = select.Int(0);
      if (!select.IsNull(1)) line.step_index = static_cast<int>(select.Int(1));
      line.level = ParseLogLevel(select.Text(2)).value_or(LogLevel::kInfo);
      line.source = select.Text(3);
      line.text = select.Text(4);
      line.at = FromUnixMillis(select.Int(5));
      lines.push_back(std::move(line));
    }
  }));
  return lines;
}

}  // namespace ferry::store::sqlite
