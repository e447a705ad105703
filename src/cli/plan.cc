#include "cli/plan.h"

#include "cli/format.h"
#include "common/json.h"
#include "common/strings.h"

namespace ferry::cli {
namespace {

Error NotAPlan(const std::string& field) {
  return Error{ErrorCode::kUnavailable,
               "the server's plan has no valid " + field + " (is it a Ferry server?)"};
}

std::string StringOr(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

bool BoolOr(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

std::vector<std::string> Strings(const Json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::string Short(const std::string& sha) {
  return sha.size() > 10 ? sha.substr(0, 10) + "…" : sha;
}

std::string Names(const std::vector<std::string>& names) {
  std::vector<std::string> safe;
  for (const auto& n : names) safe.push_back(TerminalSafe(n));
  return Join(safe, ", ");
}

}  // namespace

Result<PlanView> DecodePlan(const Json& json) {
  if (!json.is_object()) return NotAPlan("body");
  PlanView plan;
  plan.id = StringOr(json, "id");
  plan.status = StringOr(json, "status");
  if (plan.id.empty()) return NotAPlan("id");
  if (plan.status.empty()) return NotAPlan("status");
  plan.error = StringOr(json, "error");
  plan.changes = BoolOr(json, "changes");
  auto functions = json.find("functions");
  if (functions == json.end() || functions->is_null()) return plan;
  if (!functions->is_array()) return NotAPlan("functions");
  for (const auto& f : *functions) {
    if (!f.is_object()) return NotAPlan("functions");
    FunctionPlanView v;
    v.function_name = StringOr(f, "functionName");
    if (v.function_name.empty()) return NotAPlan("functionName");
    if (auto e = f.find("error"); e != f.end() && e->is_object()) v.error = StringOr(*e, "message");
    v.create = BoolOr(f, "create");
    v.update_code = BoolOr(f, "updateCode");
    v.code_sha256_from = StringOr(f, "codeSha256From");
    v.code_sha256_to = StringOr(f, "codeSha256To");
    v.configuration_changes = Strings(f, "configurationChanges");
    v.publish = BoolOr(f, "publish");
    v.tags_set = Strings(f, "tagsSet");
    v.tags_removed = Strings(f, "tagsRemoved");
    v.changes = BoolOr(f, "changes");
    if (auto moves = f.find("aliasMoves"); moves != f.end() && moves->is_array()) {
      for (const auto& m : *moves) {
        if (m.is_object()) {
          v.alias_moves.push_back({StringOr(m, "alias"), StringOr(m, "from"), StringOr(m, "to")});
        }
      }
    }
    if (auto calls = f.find("calls"); calls != f.end() && calls->is_array()) {
      for (const auto& c : *calls) {
        if (c.is_object()) {
          v.calls.push_back(
              {StringOr(c, "operation"), StringOr(c, "description"), BoolOr(c, "mutating")});
        }
      }
    }
    v.drift_checked = BoolOr(f, "driftChecked");
    if (auto drift = f.find("drift"); drift != f.end() && drift->is_array()) {
      for (const auto& d : *drift) {
        if (d.is_object()) {
          v.drift.push_back({StringOr(d, "what"), StringOr(d, "recorded"), StringOr(d, "live")});
        }
      }
    }
    plan.functions.push_back(std::move(v));
  }
  return plan;
}

namespace {

std::string DriftLine(const FunctionPlanView::Drift& d) {
  return TerminalSafe(d.what) + ": " + TerminalSafe(d.recorded) + " → " + TerminalSafe(d.live);
}

}  // namespace

bool HasDrift(const PlanView& plan) {
  for (const auto& f : plan.functions) {
    if (!f.drift.empty()) return true;
  }
  return false;
}

std::string FormatDrift(const PlanView& plan, const std::string& what) {
  std::string out = "drift of " + what + " (plan " + TerminalSafe(plan.id) + "):\n";
  int drifted = 0;
  for (const auto& f : plan.functions) {
    out += "  " + TerminalSafe(f.function_name) + ": ";
    if (!f.error.empty()) {
      out += "cannot read: " + TerminalSafe(f.error) + "\n";
    } else if (!f.drift_checked) {
      out += "not recorded (Ferry has no record of what it left this function as; a deploy "
             "records it)\n";
    } else if (f.drift.empty()) {
      out += "no drift\n";
    } else {
      ++drifted;
      out += "changed outside Ferry\n";
      for (const auto& d : f.drift) out += "      " + DriftLine(d) + "\n";
    }
  }
  if (!plan.error.empty() && plan.functions.empty()) {
    out += "  the check failed: " + TerminalSafe(plan.error) + "\n";
  }
  out += drifted == 0 ? "No drift: every function is as Ferry left it.\n"
                      : std::to_string(drifted) + " of " + std::to_string(plan.functions.size()) +
                            " function" + (plan.functions.size() == 1 ? "" : "s") +
                            " changed outside Ferry; the next deploy puts back what the "
                            "configuration declares.\n";
  return out;
}

std::string FormatPlan(const PlanView& plan, const std::string& what, bool calls) {
  std::string out = "plan of " + what + " (" + TerminalSafe(plan.id) + "):\n";
  int changing = 0;
  for (const auto& f : plan.functions) {
    std::vector<std::string> parts;
    if (!f.error.empty()) {
      parts.push_back("cannot plan: " + TerminalSafe(f.error));
    } else {
      if (f.create) parts.push_back("create");
      if (f.update_code) {
        parts.push_back("update code (CodeSha256 " + TerminalSafe(Short(f.code_sha256_from)) +
                        " → " +
                        (f.code_sha256_to.empty() ? std::string("the new package")
                                                  : TerminalSafe(Short(f.code_sha256_to))) +
                        ")");
      }
      if (!f.configuration_changes.empty()) {
        parts.push_back("update configuration: " + Names(f.configuration_changes));
      }
      if (f.publish) parts.push_back("publish a version");
      for (const auto& m : f.alias_moves) {
        const std::string to = m.to.rfind('<', 0) == 0 ? "the new version" : "version " + m.to;
        parts.push_back(m.from.empty()
                            ? "create alias " + TerminalSafe(m.alias) + " at " + TerminalSafe(to)
                            : "move alias " + TerminalSafe(m.alias) + " from version " +
                                  TerminalSafe(m.from) + " to " + TerminalSafe(to));
      }
      if (!f.tags_set.empty()) parts.push_back("set tags " + Names(f.tags_set));
      if (!f.tags_removed.empty()) parts.push_back("remove tags " + Names(f.tags_removed));
    }
    if (f.changes) ++changing;
    out += "  " + TerminalSafe(f.function_name) + ": " +
           (parts.empty() ? std::string("no change") : Join(parts, "; ")) + "\n";
    for (const auto& d : f.drift) {
      out += "      changed outside Ferry: " + DriftLine(d) + "\n";
    }
    if (calls) {
      for (const auto& c : f.calls) {
        out += std::string("      ") + (c.mutating ? "* " : "  ") + TerminalSafe(c.description) +
               "\n";
      }
    }
  }
  if (!plan.error.empty() && plan.functions.empty()) {
    out += "  the plan failed: " + TerminalSafe(plan.error) + "\n";
  }
  const size_t n = plan.functions.size();
  out += changing == 0 ? "No changes: a deploy would change nothing.\n"
                       : std::to_string(changing) + " of " + std::to_string(n) + " function" +
                             (n == 1 ? "" : "s") + " would change.\n";
  return out;
}

}  // namespace ferry::cli
