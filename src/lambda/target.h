// Where a Lambda task acts: the region, the endpoint, the connection and how to authenticate.
// Written by whoever starts the work (api, engine), read by the delegate that makes the calls.
// Never carries a secret value: a keys connection names the SecretRef holding its secret key,
// and the delegate resolves it. The JSON form is in target_codec.h.
//
// Plain values; thread-compatible.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::lambda {

enum class TargetCredentialsMode { kDelegate, kKeys };

// "delegate" | "keys".
std::string_view TargetCredentialsModeName(TargetCredentialsMode mode);

// AssumeRole on top of the connection's base credentials. external_id is not a secret in AWS's
// model but is never logged. Empty session_name / zero duration_seconds: the delegate's default.
struct TargetAssumeRole {
  std::string role_arn;
  std::string external_id;
  std::string session_name;
  int64_t duration_seconds = 0;
  auto operator<=>(const TargetAssumeRole&) const = default;
};

// A connection's credentials as the delegate needs them: mode kDelegate (the delegate's own
// chain) or kKeys (access_key_id + the *name* of the SecretRef holding the secret access key),
// optionally with an assumed role.
struct TargetCredentials {
  TargetCredentialsMode mode = TargetCredentialsMode::kDelegate;
  std::string access_key_id;  // kKeys only
  std::string secret_name;    // kKeys only
  std::optional<TargetAssumeRole> assume_role;
  auto operator<=>(const TargetCredentials&) const = default;
};

struct LambdaTarget {
  std::string region;
  std::string endpoint;        // "" = AWS's regional endpoint
  std::string cloud_provider;  // the connection whose credentials to use (for messages)
  TargetCredentials credentials;
  auto operator<=>(const LambdaTarget&) const = default;
};

}  // namespace ferry::lambda
