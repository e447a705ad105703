// AuditLog on SQLite. Thread-safe.
#pragma once

#include "store/audit_log.h"
#include "store/sqlite/context.h"

namespace ferry::store::sqlite {

class SqliteAuditLog final : public AuditLog {
 public:
  explicit SqliteAuditLog(Context& context) : context_(context) {}
  Result<AuditEvent> Append(const AuditEntry& entry) override;
  Result<std::vector<AuditEvent>> List(const AuditQuery& query) override;

 private:
  Context& context_;
};

}  // namespace ferry::store::sqlite
