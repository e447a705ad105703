// Where a secret of source aws-secrets-manager or aws-ssm-parameter lives, as the delegate needs
// it to read the value: the store, the id (a name or an ARN), the JSON key to pick (Secrets
// Manager) and the connection to read it through. Never carries the value.
//
// Plain values; thread-compatible.
#pragma once

#include <string>

#include "lambda/target.h"

namespace ferry::lambda {

enum class AwsSecretStore { kSecretsManager, kSsmParameter };

struct AwsSecretRef {
  std::string secret;  // the Secret entity's name, for messages
  AwsSecretStore store = AwsSecretStore::kSecretsManager;
  std::string id;        // secret name/ARN, or parameter name (with ":VERSION")
  std::string json_key;  // "" = the whole value (Secrets Manager only)
  LambdaTarget target;   // region, endpoint and credentials of the connection
};

}  // namespace ferry::lambda
