// IncidentStore on PostgreSQL (tables guard_checks, incidents, drift_reports; migration 0008).
// Thread-safe.
#pragma once

#include "store/incident_store.h"
#include "store/postgres/context.h"

namespace ferry::store::postgres {

class PostgresIncidentStore final : public IncidentStore {
 public:
  explicit PostgresIncidentStore(Context& context) : context_(context) {}
  Result<bool> CheckExists(std::string_view check_key) override;
  Result<bool> ClaimCheck(const GuardCheck& check) override;
  Result<std::vector<GuardCheck>> PendingChecks(int limit) override;
  Result<bool> ApplyCheck(std::string_view check_key,
                          const std::vector<IncidentObservation>& observations) override;
  Result<std::vector<IncidentRecord>> List(const IncidentFilter& filter) override;
  Result<std::vector<DriftReportRecord>> DriftReports(std::string_view application,
                                                      std::string_view environment) override;

 private:
  Context& context_;
};

}  // namespace ferry::store::postgres
