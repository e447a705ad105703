// Checks of approval input shared by every ApprovalStore backend (no SQL here), so SQLite and
// PostgreSQL accept and reject the same input. Pure; thread-safe.
#pragma once

#include <string>

#include "common/result.h"
#include "store/approval_store.h"

namespace ferry::store {

// kInvalidArgument naming the field; returns the canonical inputs document.
Result<std::string> CheckNewApproval(const NewApproval& approval);
// kInvalidArgument for an oversized comment or values that are not a JSON object of strings;
// returns the canonical values document.
Result<std::string> CheckApprovalDecision(const ApprovalDecision& decision);
// "approval.approve", "approval.reject", "approval.timeout".
std::string ApprovalDecisionAction(const ApprovalDecision& decision);

}  // namespace ferry::store
