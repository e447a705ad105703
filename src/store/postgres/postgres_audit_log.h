// AuditLog on PostgreSQL. Thread-safe.
#pragma once

#include "store/audit_log.h"
#include "store/postgres/context.h"

namespace ferry::store::postgres {

class PostgresAuditLog final : public AuditLog {
 public:
  explicit PostgresAuditLog(Context& context) : context_(context) {}
  Result<AuditEvent> Append(const AuditEntry& entry) override;
  Result<std::vector<AuditEvent>> List(const AuditQuery& query) override;

 private:
  Context& context_;
};

}  // namespace ferry::store::postgres
