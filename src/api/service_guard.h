// ServiceGuard: the periodic checks of `ferry server` (F-VERIFY, F-OPERATE; docs/verification.md):
//
// - Service Guard, for every environment whose `serviceGuard` is enabled: every `interval`, the
//   live aliases of the functions Ferry deployed there are judged (lambda.guard, a delegate task,
//   so the metrics are read with the deploy's own target and credentials) for the recent window
//   against the learned baseline (GuardWindowsAt). A metric that fails opens an incident, or
//   updates the one open for that function and metric; a later check where it passes (or is
//   marginal) closes it. A metric without data changes nothing.
// - Periodic drift, for every environment with `driftCheck`: every `interval`, a drift plan of
//   each service Ferry deployed there (DeployService::StartDriftCheck). Drift opens an incident of
//   kind drift per function; a later check without drift (the drift undone, or a deploy that
//   overwrote it and recorded the function again) closes it. The latest report per function is
//   kept.
//
// Each check is one time slot of one environment (slot = now rounded down to the interval). Its
// tasks have idempotency keys derived from the check's key, and the check is claimed in the store
// (IncidentStore::ClaimCheck) after they are enqueued: several replicas on one PostgreSQL store
// enqueue each task once and apply each check once (IncidentStore::ApplyCheck is exactly-once).
// A check whose tasks have not ended `abandon_after` past its slot is applied without findings.
//
// Thread-safe: Tick may run concurrently with itself (in another replica, or here); Run loops
// until its stop token is set; Wake may be called from any thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <vector>

#include "api/deploy_service.h"
#include "common/clock.h"
#include "common/result.h"
#include "lambda/verify.h"
#include "store/store.h"

namespace ferry::api {

inline constexpr Duration kDefaultGuardInterval = std::chrono::minutes(5);
inline constexpr Duration kDefaultGuardTrailing = std::chrono::hours(1);
inline constexpr int kDefaultGuardBaselineDays = 7;
inline constexpr Duration kDefaultDriftInterval = std::chrono::hours(1);

// The windows a Service Guard check at `slot` judges: recent = [slot - interval, slot); the
// baseline = the trailing window [slot - interval - trailing, slot - interval) and, for each of
// the previous `days` days d, [slot - d·24h - trailing, slot - d·24h) (the same hours of day as
// the recent window, given trailing >= interval).
struct GuardWindows {
  lambda::VerifyWindow recent;
  std::vector<lambda::VerifyWindow> baselines;
};
GuardWindows GuardWindowsAt(TimePoint slot, Duration interval, Duration trailing, int days);

struct ServiceGuardOptions {
  std::function<void()> wake_delegate;      // after tasks are enqueued
  Duration poll = std::chrono::seconds(2);  // Run's cadence (real time)
  Duration abandon_after = std::chrono::hours(1);
};

struct GuardTickReport {
  int claimed = 0;  // checks this tick claimed
  int applied = 0;  // checks this tick applied
};

class ServiceGuard {
 public:
  ServiceGuard(store::Store& store, DeployService& deploys, Clock& clock,
               ServiceGuardOptions options);

  // One round: claims the due check of every environment with a guard or a drift check and
  // enqueues its tasks; applies the pending checks whose tasks ended.
  Result<GuardTickReport> Tick();
  // Ticks every `poll` (and when woken) until stop is requested; errors are logged.
  void Run(std::stop_token stop);
  void Wake();

 private:
  struct Impl;
  store::Store& store_;
  DeployService& deploys_;
  Clock& clock_;
  const ServiceGuardOptions options_;
  std::mutex mu_;
  std::condition_variable_any woken_cv_;
  bool woken_ = false;  // guarded by mu_
};

}  // namespace ferry::api
