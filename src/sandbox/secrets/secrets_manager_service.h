// The sandbox's AWS Secrets Manager (awsJson1_1, X-Amz-Target secretsmanager.*): CreateSecret,
// PutSecretValue, GetSecretValue, DescribeSecret, DeleteSecret — names, ARNs (with AWS's random
// six-character suffix) and partial ARNs as SecretId, versions with staging labels (AWSCURRENT,
// AWSPREVIOUS), idempotent ClientRequestTokens, scheduled and forced deletion. Per account and
// region. Values are sealed with the sandbox's LocalKey in memory and on disk (--data keeps them
// in DATA/secretsmanager/secrets.json).
//
// Thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "common/clock.h"
#include "common/ids.h"
#include "sandbox/secrets/local_key.h"
#include "sandbox/service.h"
#include "sandbox/snapshot.h"

namespace ferry::sandbox::secrets {

class SecretsManagerService final : public Service {
 public:
  // kInvalidArgument when the saved state is corrupt.
  static Result<std::unique_ptr<SecretsManagerService>> Create(
      Clock& clock, IdGenerator& ids, std::shared_ptr<const LocalKey> key,
      const std::optional<std::filesystem::path>& data_dir);

  std::string_view signing_name() const override { return "secretsmanager"; }
  Response Handle(const Request& request, const Caller& caller) override;
  Response RenderError(const Request& request, const WireError& error) override;
  std::string OperationName(const Request& request) override;

  struct Version {
    std::string id;
    std::string sealed;  // LocalKey::Seal of the value
    bool binary = false;
    std::vector<std::string> stages;
    TimePoint created;
  };
  struct Secret {
    std::string name;
    std::string arn;
    std::string description;
    TimePoint created;
    TimePoint last_changed;
    std::optional<TimePoint> deleted;  // scheduled for deletion
    std::vector<Version> versions;
  };

 private:
  SecretsManagerService(Clock& clock, IdGenerator& ids, std::shared_ptr<const LocalKey> key,
                        std::optional<SnapshotFile> snapshot)
      : clock_(clock), ids_(ids), key_(std::move(key)), snapshot_(std::move(snapshot)) {}

  Result<Json> Call(const std::string& operation, const Json& input, const Caller& caller);
  Result<Json> CreateSecret(const Json& input, const Caller& caller);
  Result<Json> PutSecretValue(const Json& input, const Caller& caller);
  Result<Json> GetSecretValue(const Json& input, const Caller& caller);
  Result<Json> DescribeSecret(const Json& input, const Caller& caller);
  Result<Json> DeleteSecret(const Json& input, const Caller& caller);
  // The secret SecretId names in the caller's account and region (guarded by mu_).
  Result<Secret*> Find(const Json& input, const Caller& caller);
  // Adds a version from SecretString/SecretBinary; the existing one for a repeated token.
  Result<Version*> AddVersion(Secret& secret, const Json& input, bool required);
  Status Save();  // guarded by mu_
  Status Load();

  Clock& clock_;
  IdGenerator& ids_;
  const std::shared_ptr<const LocalKey> key_;
  std::optional<SnapshotFile> snapshot_;
  std::mutex mu_;
  std::map<std::string, Secret> secrets_;  // "ACCOUNT/REGION/NAME"; guarded by mu_
};

}  // namespace ferry::sandbox::secrets
