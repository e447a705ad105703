// IncidentStore: Service Guard's and periodic drift detection's state (F-VERIFY, F-OPERATE):
//
// - checks: one row per periodic check (an environment, a kind, a time slot), keyed by the
//   check's key, which is also its delegate task's idempotency key. ClaimCheck is how several
//   server replicas sharing one database run each check once: the replica whose insert wins
//   enqueues the task; ApplyCheck applies a finished check's findings exactly once.
// - incidents: at most one open incident per (application, environment, function, kind,
//   subject) — a unique index enforces it — updated while the anomaly lasts and closed by the
//   first later check that finds the subject healthy.
// - drift reports: the latest drift report of each function a drift check looked at.
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace ferry::store {

inline constexpr size_t kMaxIncidentSummaryBytes = 4096;
inline constexpr size_t kMaxIncidentDetailsBytes = 256 * 1024;
inline constexpr size_t kMaxObservationsPerCheck = 20000;
// How long an applied check is remembered (ApplyCheck forgets older ones). Longer than any
// interval, so a slot is never claimed twice.
inline constexpr Duration kGuardCheckRetention = std::chrono::hours(24 * 8);

inline constexpr char kIncidentKindMetric[] = "metric";  // Service Guard
inline constexpr char kIncidentKindDrift[] = "drift";    // periodic drift detection

struct GuardCheck {
  std::string key;  // also the task's idempotency key: "guard/metric/APP/ENV/SLOT"
  std::string kind;  // kIncidentKindMetric or kIncidentKindDrift
  std::string application;
  std::string environment;
  TimePoint slot;  // the check's time: its recent window ends here
  // The idempotency keys of the delegate tasks the check waits for (none: nothing to check).
  std::vector<std::string> task_keys;
};

// What one check found for one subject. anomalous: open (or update) the subject's incident;
// healthy: close it if open. A subject a check could not judge (no data) gets no observation.
struct IncidentObservation {
  std::string application;
  std::string environment;
  std::string function;
  std::string kind;     // kIncidentKindMetric or kIncidentKindDrift
  std::string subject;  // the metric's name ("Errors"), or "drift"
  bool anomalous = false;
  std::string summary;              // one sentence (the judge's, or the drift's items)
  std::string details_json = "{}";  // a JSON object: the judge's numbers, the drift items
};

struct IncidentRecord {
  std::string id;
  std::string application;
  std::string environment;
  std::string function;
  std::string kind;
  std::string subject;
  std::string state;  // "open" | "closed"
  std::string summary;       // the newest anomalous check's sentence
  std::string details_json;  // the newest anomalous check's details
  int64_t checks = 0;        // anomalous checks while open
  TimePoint opened_at;
  TimePoint updated_at;
  std::optional<TimePoint> closed_at;
  std::string close_reason;  // the healthy check's sentence
  std::string opened_by;     // the check that opened it
  std::string last_check;    // the newest check that saw it anomalous
};

struct IncidentFilter {
  // Only these applications (nullopt: every application; empty: none).
  std::optional<std::vector<std::string>> applications;
  std::optional<std::string> state;  // "open" | "closed"
  int limit = 100;                   // 1..kMaxPageSize
};

struct DriftReportRecord {
  std::string application;
  std::string environment;
  std::string function;
  bool drifted = false;
  std::string report_json;  // {"items": [{"what", "recorded", "live"}]}
  std::string check_key;
  TimePoint checked_at;
};

class IncidentStore {
 public:
  virtual ~IncidentStore() = default;

  // Whether the check was claimed already (by this or another replica).
  virtual Result<bool> CheckExists(std::string_view check_key) = 0;
  // Records the check as pending. true when this call recorded it, false when it existed
  // already (another replica, or an earlier tick, claimed it). kInvalidArgument for empty names
  // or more than 1,000 task keys.
  virtual Result<bool> ClaimCheck(const GuardCheck& check) = 0;
  // Checks claimed and not yet applied, oldest slot first.
  virtual Result<std::vector<GuardCheck>> PendingChecks(int limit) = 0;
  // Applies a finished check's observations in one transaction and marks it applied; false (and
  // nothing changed) when it was applied already. An observation of kind drift also replaces its
  // function's drift report. kNotFound for an unclaimed check; kInvalidArgument for a malformed
  // observation (empty names, a summary over kMaxIncidentSummaryBytes, details that are not a
  // JSON object of at most kMaxIncidentDetailsBytes, more than kMaxObservationsPerCheck) —
  // then nothing is applied. A check that failed is applied with no observations. Checks applied
  // more than kGuardCheckRetention ago are forgotten.
  virtual Result<bool> ApplyCheck(std::string_view check_key,
                                  const std::vector<IncidentObservation>& observations) = 0;
  // Newest first (opened_at, then id).
  virtual Result<std::vector<IncidentRecord>> List(const IncidentFilter& filter) = 0;
  // The environment's latest drift report per function, by function name.
  virtual Result<std::vector<DriftReportRecord>> DriftReports(std::string_view application,
                                                              std::string_view environment) = 0;
};

}  // namespace ferry::store
