#include "sandbox/quota.h"

#include <algorithm>
#include <cmath>

namespace ferry::sandbox {

double LambdaOperationRate(std::string_view operation) {
  if (operation.empty() || operation == "Invoke" || operation == "InvokeAsync" ||
      operation == "InvokeWithResponseStream") {
    return 0;
  }
  if (operation == "GetFunction") return 100;
  return 15;
}

QuotaVerdict QuotaLimiter::Take(const std::string& account_id, const std::string& bucket_name,
                                double rate) {
  if (rate <= 0) return {};
  auto now = clock_.SteadyNow();
  std::lock_guard lock(mu_);
  auto [it, inserted] = buckets_.try_emplace({account_id, bucket_name});
  Bucket& bucket = it->second;
  if (inserted) {
    bucket.tokens = rate;
    bucket.refilled = now;
  } else {
    double elapsed = std::chrono::duration<double>(now - bucket.refilled).count();
    bucket.tokens = std::min(rate, bucket.tokens + elapsed * rate);
    bucket.refilled = now;
  }
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return {};
  }
  double wait = (1.0 - bucket.tokens) / rate;
  return {false, std::max(1, static_cast<int>(std::ceil(wait)))};
}

}  // namespace ferry::sandbox
