#include "api/client_limits.h"

#include <algorithm>

namespace ferry::api {

AuthFailureThrottle::AuthFailureThrottle(Clock& clock, int failures_allowed,
                                         std::chrono::seconds window)
    : clock_(clock), failures_allowed_(std::max(1, failures_allowed)), window_(window) {}

void AuthFailureThrottle::ForgetExpired(std::chrono::steady_clock::time_point now) {
  std::erase_if(windows_, [&](const auto& entry) { return now - entry.second.start >= window_; });
}

std::optional<std::chrono::seconds> AuthFailureThrottle::Blocked(const std::string& address) {
  const auto now = clock_.SteadyNow();
  std::lock_guard lock(mu_);
  auto it = windows_.find(address);
  if (it == windows_.end()) return std::nullopt;
  const auto ends = it->second.start + window_;
  if (now >= ends) {
    windows_.erase(it);
    return std::nullopt;
  }
  if (it->second.failures < failures_allowed_) return std::nullopt;
  return std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(ends - now));
}

void AuthFailureThrottle::RecordFailure(const std::string& address) {
  const auto now = clock_.SteadyNow();
  std::lock_guard lock(mu_);
  auto it = windows_.find(address);
  if (it != windows_.end() && now - it->second.start >= window_) {
    windows_.erase(it);
    it = windows_.end();
  }
  if (it == windows_.end()) {
    if (windows_.size() >= kMaxTrackedAddresses) ForgetExpired(now);
    while (windows_.size() >= kMaxTrackedAddresses) {
      windows_.erase(std::min_element(windows_.begin(), windows_.end(), [](auto& a, auto& b) {
        return a.second.start < b.second.start;
      }));
    }
    it = windows_.emplace(address, Window{now, 0}).first;
  }
  ++it->second.failures;
}

std::shared_ptr<void> StreamSlots::Take(const std::string& token) {
  {
    std::lock_guard lock(mu_);
    int& open = open_[token];
    if (open >= per_token_ || open_total_ >= total_) {
      if (open == 0) open_.erase(token);
      return nullptr;
    }
    ++open;
    ++open_total_;
  }
  // The holder is a no-op pointer whose deleter gives the slot back.
  return std::shared_ptr<void>(this, [this, token](void*) { Give(token); });
}

void StreamSlots::Give(const std::string& token) {
  std::lock_guard lock(mu_);
  --open_total_;
  auto it = open_.find(token);
  if (it != open_.end() && --it->second <= 0) open_.erase(it);
}

}  // namespace ferry::api
