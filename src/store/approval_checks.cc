#include "store/approval_checks.h"

#include "common/json.h"
#include "store/checks.h"
#include "store/limits.h"

namespace ferry::store {

std::string_view ApprovalStatusName(ApprovalStatus status) {
  switch (status) {
    case ApprovalStatus::kWaiting:
      return "waiting";
    case ApprovalStatus::kApproved:
      return "approved";
    case ApprovalStatus::kRejected:
      return "rejected";
  }
  return "unknown";
}

std::optional<ApprovalStatus> ParseApprovalStatus(std::string_view name) {
  for (auto s : {ApprovalStatus::kWaiting, ApprovalStatus::kApproved, ApprovalStatus::kRejected}) {
    if (ApprovalStatusName(s) == name) return s;
  }
  return std::nullopt;
}

Result<std::string> CheckNewApproval(const NewApproval& a) {
  FERRY_RETURN_IF_ERROR(CheckName(a.execution_id, "execution id"));
  FERRY_RETURN_IF_ERROR(CheckName(a.step_name, "step name"));
  FERRY_RETURN_IF_ERROR(CheckName(a.application, "application"));
  if (a.step_index < 0) return InvalidArgument("step index must not be negative");
  if (a.message.size() > kMaxApprovalMessageBytes) {
    return InvalidArgument("approval message is longer than " +
                           std::to_string(kMaxApprovalMessageBytes) + " bytes");
  }
  for (const auto& g : a.user_groups) FERRY_RETURN_IF_ERROR(CheckName(g, "user group"));
  FERRY_ASSIGN_OR_RETURN(std::string inputs, CanonicalJson(a.inputs_json, kMaxApprovalDocumentBytes,
                                                           "approval inputs"));
  auto parsed = ParseJson(inputs);
  if (!parsed.ok() || !parsed->is_array()) {
    return InvalidArgument("approval inputs must be a JSON array");
  }
  return inputs;
}

Result<std::string> CheckApprovalDecision(const ApprovalDecision& d) {
  FERRY_RETURN_IF_ERROR(CheckName(d.id, "approval id"));
  if (d.comment && d.comment->size() > kMaxApprovalCommentBytes) {
    return InvalidArgument("comment is longer than " + std::to_string(kMaxApprovalCommentBytes) +
                           " bytes");
  }
  FERRY_ASSIGN_OR_RETURN(
      std::string values,
      CanonicalJsonObject(d.values_json, kMaxApprovalDocumentBytes, "approval values"));
  auto parsed = ParseJson(values);
  for (const auto& [k, v] : parsed->items()) {
    FERRY_RETURN_IF_ERROR(CheckName(k, "approval value name"));
    if (!v.is_string()) return InvalidArgument("approval value " + k + " must be a string");
  }
  return values;
}

std::string ApprovalDecisionAction(const ApprovalDecision& d) {
  if (d.timed_out) return "approval.timeout";
  return d.approve ? "approval.approve" : "approval.reject";
}

}  // namespace ferry::store
