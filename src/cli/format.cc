#include "cli/format.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "common/strings.h"
#include "common/time.h"

namespace ferry::cli {
namespace {

std::string PadRight(std::string_view text, size_t width) {
  std::string out(text);
  // Widths count bytes; names are ASCII (validated by the server), so columns line up.
  if (out.size() < width) out.append(width - out.size(), ' ');
  return out;
}

std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += i + 1 == row.size() ? row[i] : PadRight(row[i], widths[i]) + "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

// "shop/orders"; a pipeline run: "shop/release (pipeline)".
std::string ServiceOf(const ExecutionView& e) {
  if (e.workflow == "pipeline" && !e.pipeline.empty()) {
    return TerminalSafe(e.application) + "/" + TerminalSafe(e.pipeline) + " (pipeline)";
  }
  return TerminalSafe(e.application) + "/" + TerminalSafe(e.service);
}

}  // namespace

std::string FormatTable(const std::vector<std::vector<std::string>>& rows) { return Table(rows); }

std::string TerminalSafe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
      ++i;
      continue;
    }
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (len == 0 || i + len > text.size() || !IsValidUtf8(text.substr(i, len))) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    // C1 control characters (U+0080..U+009F) act like ESC sequences on some terminals.
    if (c == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
  }
  return out;
}

std::string FormatWhen(const std::optional<TimePoint>& t) {
  if (!t) return "-";
  std::string text = FormatRfc3339(*t);  // 2026-11-28T03:30:00.123Z
  if (text.size() >= 19) {
    text = text.substr(0, 19);
    text[10] = ' ';
  }
  return text;
}

std::string FormatElapsed(const std::optional<int64_t>& duration_ms,
                          const std::optional<TimePoint>& started_at, TimePoint now) {
  if (duration_ms) return FormatDuration(Duration(*duration_ms));
  if (started_at) {
    auto d = std::chrono::duration_cast<Duration>(now - *started_at);
    return FormatDuration(std::max(d, Duration(0)));
  }
  return "-";
}

std::string FormatExecutionsTable(const std::vector<ExecutionView>& executions, TimePoint now) {
  if (executions.empty()) return "no executions\n";
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"ID", "APP/SERVICE", "ENV", "STATUS", "STARTED", "DURATION"});
  for (const ExecutionView& e : executions) {
    rows.push_back(
        {TerminalSafe(e.id), ServiceOf(e), TerminalSafe(e.environment), TerminalSafe(e.status),
         FormatWhen(e.started_at ? e.started_at : e.created_at),
         e.terminal() || e.started_at ? FormatElapsed(e.duration_ms, e.started_at, now) : "-"});
  }
  return Table(rows);
}

std::string FormatExecutionDetail(const ExecutionView& e, TimePoint now) {
  std::vector<std::vector<std::string>> fields;
  fields.push_back({"Execution:", TerminalSafe(e.id)});
  fields.push_back({"Service:", ServiceOf(e)});
  fields.push_back({"Environment:", TerminalSafe(e.environment)});
  if (!e.workflow.empty()) fields.push_back({"Workflow:", TerminalSafe(e.workflow)});
  fields.push_back({"Status:", TerminalSafe(e.status)});
  if (!e.error.empty()) fields.push_back({"Error:", TerminalSafe(e.error)});
  if (!e.artifact_id.empty()) fields.push_back({"Artifact:", TerminalSafe(e.artifact_id)});
  if (!e.trigger.empty() || !e.actor.empty()) {
    std::string by = TerminalSafe(e.trigger);
    if (!e.actor.empty()) by += (by.empty() ? "" : " by ") + TerminalSafe(e.actor);
    fields.push_back({"Triggered:", by});
  }
  fields.push_back({"Started:", FormatWhen(e.started_at ? e.started_at : e.created_at)});
  if (e.ended_at) fields.push_back({"Ended:", FormatWhen(e.ended_at)});
  fields.push_back({"Duration:", FormatElapsed(e.duration_ms, e.started_at, now)});
  std::string out = Table(fields);
  if (e.steps.empty()) return out;
  out += "\nSteps:\n";
  for (const StepView& s : e.steps) {
    std::string line = "  " + std::to_string(s.index + 1) + ". " + TerminalSafe(s.name);
    if (!s.kind.empty()) line += " (" + TerminalSafe(s.kind) + ")";
    line += "  " + TerminalSafe(s.status);
    if (!s.state.empty() && s.state != s.status) line += ", " + TerminalSafe(s.state);
    if (s.attempt > 1) line += ", attempt " + std::to_string(s.attempt);
    if (s.started_at) line += "  " + FormatElapsed(s.duration_ms, s.started_at, now);
    out += line + "\n";
    if (!s.error.empty()) out += "     error: " + TerminalSafe(s.error) + "\n";
    if (!s.traffic.empty()) {
      out += "     traffic: " + TerminalSafe(s.traffic);
      if (s.hold_until) {
        out += (s.status == "waiting" ? ", holding until " : ", held until ") +
               FormatWhen(s.hold_until);
      }
      out += "\n";
    }
    for (const FunctionOutput& f : s.functions) {
      std::string fn = "     " + TerminalSafe(f.function_name);
      if (!f.version.empty()) fn += "  version " + TerminalSafe(f.version);
      if (f.created) fn += " (created)";
      if (!f.code_sha256.empty()) fn += "  sha256 " + TerminalSafe(f.code_sha256);
      out += fn + "\n";
      for (const auto& [alias, target] : f.aliases) {
        out += "       alias " + TerminalSafe(alias) + " -> " + TerminalSafe(target) + "\n";
      }
    }
    if (!s.other_outputs.empty()) out += "     outputs: " + TerminalSafe(s.other_outputs) + "\n";
  }
  return out;
}

std::string FormatLogLine(const LogLineView& line) {
  std::string when = "--:--:--.---";
  if (line.at) {
    std::string text = FormatRfc3339(*line.at);
    if (text.size() >= 23) when = text.substr(11, 12);
  }
  std::string out = when;
  if (!line.step.empty()) out += " " + TerminalSafe(line.step);
  if (!line.level.empty() && line.level != "info") out += " " + ToLower(TerminalSafe(line.level));
  out += "  ";
  // Keep multi-line text readable: continuation lines are indented, never raw control bytes.
  std::string_view text = line.text;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  std::vector<std::string> parts = Split(text, '\n');
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (part.ends_with('\r')) part.remove_suffix(1);
    if (i > 0) out += "\n" + std::string(when.size() + 2, ' ');
    out += TerminalSafe(part);
  }
  return out;
}

std::string FormatProgress(const ExecutionView& e, Duration elapsed) {
  std::string out = TerminalSafe(e.status);
  const StepView* current = nullptr;
  for (const StepView& s : e.steps) {
    if (s.status != "pending" && s.status != "skipped") current = &s;
    if (s.status == "running" || s.status == "waiting") {
      current = &s;
      break;
    }
  }
  if (current) {
    out += "  step " + std::to_string(current->index + 1) + "/" + std::to_string(e.steps.size()) +
           " " + TerminalSafe(current->name);
    if (!current->kind.empty()) out += " (" + TerminalSafe(current->kind) + ")";
    out += ": " + TerminalSafe(current->status);
    if (!current->state.empty() && current->state != current->status) {
      out += ", " + TerminalSafe(current->state);
    }
    if (!current->traffic.empty()) {
      out += " (" + TerminalSafe(current->traffic);
      if (current->hold_until) out += " until " + FormatWhen(current->hold_until);
      out += ")";
    }
  }
  out += "  " + FormatDuration(elapsed);
  return out;
}

std::string FormatOutcome(const ExecutionView& e) {
  const std::string duration =
      e.duration_ms ? FormatDuration(Duration(*e.duration_ms)) : std::string();
  const std::string took = duration.empty() ? "" : " after " + duration;
  const std::string error = e.error.empty() ? "" : ": " + TerminalSafe(e.error);
  if (e.status == "succeeded") return duration.empty() ? "succeeded" : "succeeded in " + duration;
  if (e.status == "rolled_back") {
    return "failed" + took + error +
           "\nthe changes were rolled back: every alias is back where it was before this "
           "execution";
  }
  if (e.status == "rollback_failed") {
    return "failed" + took + error +
           "\nthe rollback FAILED too: aliases may point at new versions; see `ferry executions "
           "get " +
           TerminalSafe(e.id) + "` and roll back with `ferry rollback`";
  }
  if (e.status == "aborted") return "aborted" + took + error;
  return TerminalSafe(e.status) + took + error;
}

}  // namespace ferry::cli
