// VerificationStore: the analyses of an execution's verify steps (F-VERIFY) — the mode, the
// windows and queries the step read, each metric's sample summaries, p-values, effects and
// sentences, and the verdict — kept as the analysis JSON the step produced (lambda/verify.h
// defines it; the store does not look inside). One record per (execution, step): recording again
// replaces it (a resumed step re-records). Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace ferry::store {

// The largest analysis a record holds.
inline constexpr size_t kMaxVerificationBytes = 4 * 1024 * 1024;

struct NewVerification {
  std::string execution_id;
  std::string step_name;
  std::string mode;     // "canary", "previous", "fixed-baseline"
  std::string verdict;  // "pass", "marginal", "fail", "no-data"
  bool passed = false;  // whether the step passed (its policy applied to the verdict)
  std::string analysis_json = "{}";
};

struct VerificationRecord {
  std::string execution_id;
  std::string step_name;
  std::string mode;
  std::string verdict;
  bool passed = false;
  std::string analysis_json;
  TimePoint created_at;
};

class VerificationStore {
 public:
  virtual ~VerificationStore() = default;
  // kNotFound when the execution does not exist; kInvalidArgument for an empty name, mode or
  // verdict, or an analysis that is not a JSON object of at most kMaxVerificationBytes.
  virtual Result<VerificationRecord> Record(const NewVerification& verification) = 0;
  // The execution's verifications, oldest first (empty when it has none).
  virtual Result<std::vector<VerificationRecord>> List(std::string_view execution_id) = 0;
};

}  // namespace ferry::store
