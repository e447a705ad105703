#include "lambda/plan_summary.h"

#include <algorithm>

#include "lambda/deploy_plan.h"

namespace ferry::lambda {

Result<FunctionPlan> PlanFunction(const DesiredFunction& desired, const ObservedFunction& current) {
  FERRY_ASSIGN_OR_RETURN(auto actions, PlanDeploy(desired, current));
  FunctionPlan plan;
  plan.function_name = desired.function_name;
  plan.code_sha256_from = current.exists ? current.code_sha256 : "";
  plan.code_sha256_to = desired.code.code_sha256;
  // A version this deploy publishes has no number yet; PlanDeploy's simulation predicts one.
  std::string published;
  for (const auto& a : actions) {
    if (a.kind == DeployActionKind::kDone) break;
    if (a.kind != DeployActionKind::kResolveCodeSha) {
      plan.calls.push_back(CallRecord{std::string(DeployActionName(a.kind)),
                                      DescribeDeployAction(a),
                                      IsMutating(a.kind),
                                      {},
                                      ""});
    }
    switch (a.kind) {
      case DeployActionKind::kCreateFunction:
        plan.create = true;
        break;
      case DeployActionKind::kUpdateCode:
        plan.update_code = true;
        break;
      case DeployActionKind::kUpdateConfiguration:
        for (const auto& field : a.changed_fields) {
          if (std::find(plan.configuration_changes.begin(), plan.configuration_changes.end(),
                        field) == plan.configuration_changes.end()) {
            plan.configuration_changes.push_back(field);
          }
        }
        break;
      case DeployActionKind::kPublishVersion:
        plan.publish = true;
        published = "<new version>";
        break;
      case DeployActionKind::kCreateAlias:
      case DeployActionKind::kUpdateAlias: {
        const AliasState* before = current.FindAlias(a.alias);
        AliasMove move;
        move.alias = a.alias;
        move.from = before == nullptr ? "" : before->version;
        move.to = plan.publish && ParseVersionNumber(a.version) &&
                          current.FindVersion(a.version) == nullptr
                      ? published
                      : a.version;
        plan.alias_moves.push_back(std::move(move));
        break;
      }
      case DeployActionKind::kTagResource:
        for (const auto& [key, value] : a.tags) plan.tags_set.push_back(key);
        break;
      case DeployActionKind::kUntagResource:
        plan.tags_removed.insert(plan.tags_removed.end(), a.tag_keys.begin(), a.tag_keys.end());
        break;
      default:
        break;
    }
  }
  // A created function's tags are part of CreateFunction.
  if (plan.create) {
    for (const auto& [key, value] : desired.tags) plan.tags_set.push_back(key);
  }
  if (plan.create && !plan.code_sha256_to.empty() && plan.code_sha256_to[0] == '<') {
    plan.code_sha256_to.clear();
  }
  return plan;
}

}  // namespace ferry::lambda
