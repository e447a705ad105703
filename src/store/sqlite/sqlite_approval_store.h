// ApprovalStore on SQLite (table approvals, migration 0010). Thread-safe.
#pragma once

#include "store/approval_store.h"
#include "store/sqlite/context.h"

namespace ferry::store::sqlite {

class SqliteApprovalStore final : public ApprovalStore {
 public:
  explicit SqliteApprovalStore(Context& context) : context_(context) {}
  Result<ApprovalRecord> Open(const NewApproval& approval, const Actor& actor) override;
  Result<ApprovalRecord> Get(std::string_view id) override;
  Result<std::optional<ApprovalRecord>> ForStep(std::string_view execution_id,
                                                int step_index) override;
  Result<std::vector<ApprovalRecord>> List(const ApprovalFilter& filter) override;
  Result<ApprovalRecord> Decide(const ApprovalDecision& decision, const Actor& actor) override;

 private:
  Context& context_;
};

}  // namespace ferry::store::sqlite
