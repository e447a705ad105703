// Readers of the two AWS secret stores a function's environment can use (Ferry's
// `aws-secrets-manager` and `aws-ssm-parameter` secret sources), over awsJson1_1:
//   SecretsManagerClient::GetSecretValue (X-Amz-Target secretsmanager.GetSecretValue)
//   SsmClient::GetParameter (AmazonSSM.GetParameter, WithDecryption)
//
// Values are secrets: callers register them with the SecretMasker before anything can print
// them; nothing here logs a response body, and errors carry AWS's code and message only (neither
// service puts a value in an error). Errors as in service_client.h; a response that is not what
// the service promises gives kUnavailable ("malformed … response"), never a crash. Reads,
// retried per the standard mode. Thread-safe.
#pragma once

#include <optional>
#include <stop_token>
#include <string>

#include "aws/service_client.h"

namespace ferry::aws {

// ServiceConfigs at `endpoint` ("https://secretsmanager.us-east-1.amazonaws.com",
// "https://ssm.us-east-1.amazonaws.com", or a sandbox's URL).
ServiceConfig SecretsManagerServiceConfig(std::string endpoint, std::string region);
ServiceConfig SsmServiceConfig(std::string endpoint, std::string region);

struct SecretValue {
  std::string arn;
  std::string name;
  std::string version_id;
  // Exactly one is set: SecretString, or SecretBinary (decoded).
  std::optional<std::string> text;
  std::optional<std::string> binary;
  std::string request_id;
};

class SecretsManagerClient {
 public:
  SecretsManagerClient(ServiceConfig config, ServiceDeps deps);
  // The AWSCURRENT version, or the one `version_stage` labels. `secret_id`: name or ARN.
  Result<SecretValue> GetSecretValue(const std::string& secret_id,
                                     const std::optional<std::string>& version_stage = {},
                                     std::stop_token stop = {});

 private:
  ServiceClient service_;
};

struct ParameterValue {
  std::string name;
  std::string type;  // String | StringList | SecureString
  std::string value;  // decrypted
  int64_t version = 0;
  std::string request_id;
};

class SsmClient {
 public:
  SsmClient(ServiceConfig config, ServiceDeps deps);
  // With decryption; `name` may carry a ":VERSION" selector.
  Result<ParameterValue> GetParameter(const std::string& name, std::stop_token stop = {});

 private:
  ServiceClient service_;
};

}  // namespace ferry::aws
