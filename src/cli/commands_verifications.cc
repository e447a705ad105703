// ferry verification EXECUTION_ID: the analyses of an execution's verify steps
// (GET /api/v1/executions/{id}/verifications) — a table of each metric's outcome, p-value,
// effect and both sides' summaries, then the judge's sentences; -o json prints the API's answer.
#include <cmath>
#include <cstdio>
#include <sstream>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "common/json.h"

namespace ferry::cli {

using namespace internal;  // NOLINT: this file implements a command declared in commands.h

namespace {

std::string Text(const Json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? TerminalSafe(it->get<std::string>())
                                               : std::string("-");
}

std::string Number(const Json& object, const char* name, const char* format = "%.4g") {
  auto it = object.find(name);
  if (it == object.end() || !it->is_number()) return "-";
  char buf[40];
  std::snprintf(buf, sizeof(buf), format, it->get<double>());
  return buf;
}

// "median 101 p99 243 (n=60)" or "3/200 (1.5%)".
std::string Summary(const Json& metric, const char* side) {
  auto it = metric.find(side);
  if (it == metric.end() || !it->is_object()) return "-";
  const Json& s = *it;
  if (s.contains("exposure")) {
    const std::string rate = s.value("rate", Json()).is_number()
                                 ? Number(Json{{"r", s["rate"].get<double>() * 100}}, "r", "%.3g")
                                 : "-";
    return Number(s, "events", "%.0f") + "/" + Number(s, "exposure", "%.0f") + " (" + rate + "%)";
  }
  return "median " + Number(s, "median") + " p99 " + Number(s, "p99") +
         " (n=" + Number(s, "values", "%.0f") + ")";
}

std::string Effect(const Json& metric) {
  auto it = metric.find("relativeEffect");
  if (it == metric.end() || !it->is_number()) return "-";
  const double r = it->get<double>() * 100;
  if (!std::isfinite(r)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%+.1f%%", r);
  return buf;
}

}  // namespace

int RunVerifications(const std::string& id, const ClientFlags& flags, CommandIo& io) {
  if (Status s = ValidateName("execution id", id); !s.ok()) return UsageError(io, s.error());
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  auto page = session->client->Get(ApiClient::ApiPath({"executions", id, "verifications"}));
  if (!page.ok()) return RequestFailed(io, page.error());
  if (!page->is_object() || !page->contains("items") || !(*page)["items"].is_array()) {
    return RequestFailed(
        io, Error{ErrorCode::kUnavailable, "the Ferry server at " + session->client->server_url() +
                                               " sent verifications without items"});
  }
  if (session->format == OutputFormat::kJson) {
    PrintJson(io, *page);
    return kExitOk;
  }
  std::ostringstream out;
  if ((*page)["items"].empty()) {
    out << "execution " << TerminalSafe(id) << " has no verification (yet)\n";
  }
  for (const Json& v : (*page)["items"]) {
    if (!v.is_object()) continue;
    const Json analysis = v.value("analysis", Json::object());
    out << "step " << Text(v, "step") << ": " << Text(v, "mode") << " verification, verdict "
        << Text(v, "verdict") << " (" << (v.value("passed", false) ? "passed" : "failed")
        << "), score " << Number(analysis, "score", "%.0f") << "\n";
    const Json canary = analysis.value("canaryWindow", Json::object());
    const Json baseline = analysis.value("baselineWindow", Json::object());
    out << "canary window " << Text(canary, "start") << " to " << Text(canary, "end")
        << "; baseline window " << Text(baseline, "start") << " to " << Text(baseline, "end")
        << "\n";
    out << "METRIC\tOUTCOME\tP-VALUE\tADJUSTED\tEFFECT\tCANARY\tBASELINE\n";
    const Json metrics = analysis.value("metrics", Json::array());
    for (const Json& m : metrics) {
      if (!m.is_object()) continue;
      out << Text(m, "name") << "\t" << Text(m, "outcome") << "\t" << Number(m, "pValue") << "\t"
          << Number(m, "adjustedPValue") << "\t" << Effect(m) << "\t" << Summary(m, "canary")
          << "\t" << Summary(m, "baseline") << "\n";
    }
    for (const Json& m : metrics) {
      if (m.is_object()) out << "  " << Text(m, "sentence") << "\n";
    }
    out << Text(analysis, "summary") << "\n";
  }
  io.out << out.str();
  return kExitOk;
}

}  // namespace ferry::cli
