// The CLI's view of a plan (POST /api/v1/plans, docs/api.md), decoded leniently like
// execution.h, and its text rendering for `ferry plan`. Pure; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json_fwd.h"
#include "common/result.h"

namespace ferry::cli {

struct PlannedCall {
  std::string operation;    // "UpdateFunctionCode"
  std::string description;  // "UpdateFunctionCode fn from s3://bucket/key"
  bool mutating = false;
};

struct FunctionPlanView {
  std::string function_name;
  std::string error;  // the function could not be planned
  bool create = false;
  bool update_code = false;
  std::string code_sha256_from;
  std::string code_sha256_to;
  std::vector<std::string> configuration_changes;
  bool publish = false;
  struct AliasMove {
    std::string alias, from, to;
  };
  std::vector<AliasMove> alias_moves;
  std::vector<std::string> tags_set;
  std::vector<std::string> tags_removed;
  std::vector<PlannedCall> calls;
  bool changes = false;
  // Whether Ferry had a record of the function, and what changed outside Ferry since it last
  // left the function (what a deploy would put back).
  bool drift_checked = false;
  struct Drift {
    std::string what, recorded, live;
  };
  std::vector<Drift> drift;
};

struct PlanView {
  std::string id;
  std::string status;  // queued, running, succeeded, failed
  std::string error;
  bool changes = false;
  std::vector<FunctionPlanView> functions;

  bool ended() const { return status == "succeeded" || status == "failed"; }
};

// kUnavailable naming the field when the reply is not a plan.
Result<PlanView> DecodePlan(const Json& json);

// One paragraph per function: what a deploy would do ("update code (CodeSha256 a… → b…)",
// "update configuration: MemorySize, Environment", "publish a version", "move alias dev 3 → new
// version", "create", "set tags …", "remove tags …") or "no change"; with `calls`, every call it
// would make. Then a summary line. Server text passes through TerminalSafe.
std::string FormatPlan(const PlanView& plan, const std::string& what, bool calls);

// `ferry drift`: per function, what changed outside Ferry ("MemorySize: 256 MB → 512 MB"), "no
// drift", or "not recorded" (Ferry has no record of what it left it as). Server text passes
// through TerminalSafe.
std::string FormatDrift(const PlanView& plan, const std::string& what);

// Whether any function of the plan drifted.
bool HasDrift(const PlanView& plan);

}  // namespace ferry::cli
