// AWS credentials and the provider interface every credential source implements.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "common/result.h"

namespace ferry::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;  // secret: never logged
  std::string session_token;      // secret: never logged; empty for long-term keys
  std::optional<TimePoint> expiration;  // set for temporary credentials
  std::string source;  // which provider produced them, e.g. "environment", "imds" (for messages)
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Returns current credentials, refreshing cached temporary credentials before they expire.
  // kNotFound when this source is not configured (the chain moves on); other codes when it is
  // configured but failed. Thread-safe.
  virtual Result<Credentials> Resolve() = 0;
};

}  // namespace ferry::aws
