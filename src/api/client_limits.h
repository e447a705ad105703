// Limits the API keeps per client: failed token authentications per address (token guessing)
// and following log streams per token. Internal to src/api. Both classes are thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.h"

namespace ferry::api {

// Counts failed authentications per client address in a fixed window that starts with the
// address's first failure. Addresses are forgotten when their window ends; at most
// kMaxTrackedAddresses are tracked (the oldest windows are dropped first), so a flood of
// addresses cannot grow it without bound.
class AuthFailureThrottle {
 public:
  static constexpr size_t kMaxTrackedAddresses = 10000;

  AuthFailureThrottle(Clock& clock, int failures_allowed, std::chrono::seconds window);

  // How long the address must wait before trying again; nullopt when it may try now.
  std::optional<std::chrono::seconds> Blocked(const std::string& address);
  void RecordFailure(const std::string& address);

 private:
  struct Window {
    std::chrono::steady_clock::time_point start;
    int failures = 0;
  };
  void ForgetExpired(std::chrono::steady_clock::time_point now);  // mu_ held

  Clock& clock_;
  const int failures_allowed_;
  const std::chrono::seconds window_;
  std::mutex mu_;
  std::map<std::string, Window> windows_;  // guarded by mu_
};

// Open log streams, per token and in all. Take returns a holder that gives the slot back
// when destroyed (null when a limit is reached).
class StreamSlots {
 public:
  StreamSlots(int per_token, int total) : per_token_(per_token), total_(total) {}
  std::shared_ptr<void> Take(const std::string& token);

 private:
  void Give(const std::string& token);

  const int per_token_;
  const int total_;
  std::mutex mu_;
  std::map<std::string, int> open_;  // guarded by mu_
  int open_total_ = 0;               // guarded by mu_
};

}  // namespace ferry::api
