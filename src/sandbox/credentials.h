// The sandbox's identities: accounts with long-term access keys (default test/test in account
// 000000000000) and the temporary credentials STS AssumeRole issues.
//
// Secrets are registered with the global SecretMasker as they are added. Temporary credentials
// expire by the injected Clock. Thread-safe.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "common/clock.h"
#include "common/ids.h"
#include "common/json_fwd.h"
#include "common/result.h"

namespace ferry::sandbox {

inline constexpr char kDefaultAccountId[] = "000000000000";

struct Principal {
  std::string access_key_id;
  std::string secret_access_key;  // secret
  std::string session_token;      // secret; empty for long-term keys
  std::optional<TimePoint> expiration;
  std::string account_id;
  std::string arn;      // "arn:aws:iam::000000000000:root" or an assumed-role ARN
  std::string user_id;  // GetCallerIdentity's UserId
};

enum class CredentialFailure {
  kUnknownKey,    // no such access key
  kInvalidToken,  // a temporary key without its session token, or with the wrong one
  kExpired,       // temporary credentials past their expiration
};

class CredentialStore {
 public:
  explicit CredentialStore(const Clock& clock);

  // Adds (or replaces) a long-term key. kInvalidArgument for a malformed account id or key.
  Status AddLongTermKey(const std::string& account_id, const std::string& access_key_id,
                        const std::string& secret_access_key);
  // Parses "ACCOUNT:ACCESS_KEY:SECRET" (the --account flag).
  Status AddFromSpec(const std::string& spec);
  // {"accounts": [{"id": "111111111111", "keys": [{"access_key_id": "...",
  //   "secret_access_key": "..."}]}]}
  Status LoadConfigFile(const std::filesystem::path& path);

  // Issues temporary credentials (ASIA… key) valid for `duration` from now.
  Principal IssueTemporary(const std::string& account_id, const std::string& arn,
                           const std::string& user_id, std::chrono::seconds duration,
                           IdGenerator& ids);

  // Resolves the key a request was signed with. session_token is the X-Amz-Security-Token.
  std::variant<Principal, CredentialFailure> Lookup(const std::string& access_key_id,
                                                    const std::string& session_token) const;

  // Temporary credentials that have not expired, for --data snapshots; RestoreTemporary reloads
  // them.
  Json TemporaryToJson() const;
  Status RestoreTemporary(const Json& json);

 private:
  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Principal> keys_;  // Guarded by mu_; by access key id.
};

}  // namespace ferry::sandbox
