// The sandbox's AWS Systems Manager Parameter Store (awsJson1_1, X-Amz-Target AmazonSSM.*):
// PutParameter (String, StringList, SecureString; Overwrite; versions), GetParameter and
// GetParameters (WithDecryption; `name:VERSION` selectors), DeleteParameter. Per account and
// region. SecureString values are sealed with the sandbox's LocalKey, and GetParameter without
// WithDecryption answers the sealed text, as AWS answers KMS ciphertext. --data keeps them in
// DATA/ssm/parameters.json.
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

class SsmService final : public Service {
 public:
  // kInvalidArgument when the saved state is corrupt.
  static Result<std::unique_ptr<SsmService>> Create(
      Clock& clock, IdGenerator& ids, std::shared_ptr<const LocalKey> key,
      const std::optional<std::filesystem::path>& data_dir);

  std::string_view signing_name() const override { return "ssm"; }
  Response Handle(const Request& request, const Caller& caller) override;
  Response RenderError(const Request& request, const WireError& error) override;
  std::string OperationName(const Request& request) override;

  struct Version {
    int64_t number = 0;
    std::string type;   // String | StringList | SecureString
    std::string value;  // sealed for SecureString
    std::string description;
    TimePoint modified;
  };
  struct Parameter {
    std::string name;
    std::vector<Version> versions;  // oldest first; at most 100
  };

 private:
  SsmService(Clock& clock, IdGenerator& ids, std::shared_ptr<const LocalKey> key,
             std::optional<SnapshotFile> snapshot)
      : clock_(clock), ids_(ids), key_(std::move(key)), snapshot_(std::move(snapshot)) {}

  Result<Json> Call(const std::string& operation, const Json& input, const Caller& caller);
  Result<Json> PutParameter(const Json& input, const Caller& caller);
  Result<Json> GetParameter(const Json& input, const Caller& caller);
  Result<Json> GetParameters(const Json& input, const Caller& caller);
  Result<Json> DeleteParameter(const Json& input, const Caller& caller);
  // One parameter as GetParameter answers it; `selector` is NAME[:VERSION].
  Result<Json> Describe(const std::string& selector, bool decrypt, const Caller& caller);
  Status Save();  // guarded by mu_
  Status Load();

  Clock& clock_;
  IdGenerator& ids_;
  const std::shared_ptr<const LocalKey> key_;
  std::optional<SnapshotFile> snapshot_;
  std::mutex mu_;
  std::map<std::string, Parameter> parameters_;  // "ACCOUNT/REGION/NAME"; guarded by mu_
};

}  // namespace ferry::sandbox::secrets
