// AWS Lambda's control-plane request quotas, enforced per account when `--quota` is on:
// GetFunction 100 requests/s, every other control-plane operation (mutations, listings and the
// other reads) 15 requests/s, Invoke not counted (it has concurrency limits instead). Buckets
// refill continuously and hold one second of burst, like AWS's token buckets.
//
// Uses the injected Clock's steady time. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "common/clock.h"

namespace ferry::sandbox {

struct QuotaVerdict {
  bool allowed = true;
  int retry_after_seconds = 0;
};

// Requests per second for a Lambda operation; 0 when the operation has no rate quota.
double LambdaOperationRate(std::string_view operation);

class QuotaLimiter {
 public:
  explicit QuotaLimiter(const Clock& clock) : clock_(clock) {}

  // Takes one token from the bucket of (account, bucket name) holding `rate` tokens per second.
  QuotaVerdict Take(const std::string& account_id, const std::string& bucket, double rate);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point refilled;
  };
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Bucket> buckets_;  // Guarded by mu_.
};

}  // namespace ferry::sandbox
