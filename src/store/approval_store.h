// ApprovalStore: the approvals executions wait on (a pipeline's approval stage, a workflow's
// approval step; F-PIPELINE). One approval per (execution, step): opening it again returns the
// first (a resumed step re-opens), so a waiting approval survives restarts. The decision is a
// compare-and-set from "waiting": the first decision wins and later ones are kFailedPrecondition
// naming it. Who decided, when, why (the comment) and the input values are kept, and every open
// and decision appends an audit event in the same transaction. The store does not check who may
// decide (the API does, from the approval's user groups and the caller's permissions).
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/actor.h"

namespace ferry::store {

enum class ApprovalStatus { kWaiting, kApproved, kRejected };
// "waiting", "approved", "rejected".
std::string_view ApprovalStatusName(ApprovalStatus status);
std::optional<ApprovalStatus> ParseApprovalStatus(std::string_view name);

// Limits every backend applies.
inline constexpr size_t kMaxApprovalMessageBytes = 16 * 1024;
inline constexpr size_t kMaxApprovalCommentBytes = 4 * 1024;
inline constexpr size_t kMaxApprovalDocumentBytes = 64 * 1024;  // inputs, values

struct NewApproval {
  std::string execution_id;
  int step_index = 0;
  std::string step_name;
  std::string application;
  std::string message;                   // rendered; may be empty
  std::vector<std::string> user_groups;  // empty: anyone holding `approve` on the application
  // The input variables the approver may (or must) fill, as a JSON array of
  // {"name", "description"?, "required"?, "default"?, "allowed"?}; the API checks values
  // against it.
  std::string inputs_json = "[]";
  std::optional<TimePoint> expires_at;  // when the timeout outcome applies
  bool approve_on_timeout = false;      // the outcome at expiry (reject by default)
};

struct ApprovalRecord {
  std::string id;
  std::string execution_id;
  int step_index = 0;
  std::string step_name;
  std::string application;
  std::string message;
  std::vector<std::string> user_groups;
  std::string inputs_json = "[]";
  std::optional<TimePoint> expires_at;
  bool approve_on_timeout = false;
  ApprovalStatus status = ApprovalStatus::kWaiting;
  TimePoint created_at;
  // Set by the decision.
  std::optional<std::string> decided_by;      // the actor; "timeout" when it expired
  std::optional<std::string> decided_source;  // the client address
  std::optional<TimePoint> decided_at;
  std::optional<std::string> comment;
  std::string values_json = "{}";  // the input values the approver gave (name → string)
  bool timed_out = false;
};

struct ApprovalDecision {
  std::string id;
  bool approve = false;
  std::optional<std::string> comment;
  std::string values_json = "{}";
  bool timed_out = false;  // decided by the timeout, not a person
};

struct ApprovalFilter {
  std::optional<ApprovalStatus> status;
  std::optional<std::string> application;
  std::optional<std::string> execution_id;
  int limit = 100;  // 1..kMaxPageSize
};

class ApprovalStore {
 public:
  virtual ~ApprovalStore() = default;

  // Opens the approval of (execution_id, step_index), or returns the one already open (its
  // fields unchanged). kNotFound when the execution does not exist; kInvalidArgument for an
  // empty or malformed name, an oversized message, or inputs that are not a JSON array.
  virtual Result<ApprovalRecord> Open(const NewApproval& approval, const Actor& actor) = 0;
  // kNotFound when there is no such approval.
  virtual Result<ApprovalRecord> Get(std::string_view id) = 0;
  // nullopt when the step has opened none.
  virtual Result<std::optional<ApprovalRecord>> ForStep(std::string_view execution_id,
                                                        int step_index) = 0;
  // Oldest first.
  virtual Result<std::vector<ApprovalRecord>> List(const ApprovalFilter& filter) = 0;
  // Records the decision when the approval still waits. kNotFound; kFailedPrecondition when it
  // was decided already (the message says by whom); kInvalidArgument for an oversized comment
  // or values that are not a JSON object of strings.
  virtual Result<ApprovalRecord> Decide(const ApprovalDecision& decision, const Actor& actor) = 0;
};

}  // namespace ferry::store
