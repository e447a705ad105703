// AwsLambdaApiProvider: the delegate's LambdaApiProvider over the real aws clients. One
// LambdaClient + AwsLambdaApi per (region, endpoint, connection credentials), created on first
// use and kept; all share the process's transport, rate limiters and retry quota (F-DEPLOY 9).
// `retry` sets AWS's standard retry mode for every client (max_attempts: 3 by default).
//
// Credentials per target (connection_credentials.h): mode delegate without assumeRole uses
// `credentials` (the delegate's own chain); mode keys reads the secret access key by name through
// `secrets` on every For() (a rotated secret gets fresh clients) and assumeRole adds STS
// AssumeRole with ExternalId. A new connection's identity is checked once with GetCallerIdentity
// (wrong key, unknown secret, refused AssumeRole → an error naming the connection and role ARN,
// never a secret), and the account it returns keys that connection's rate limiters, so two
// connections to one account share the account's buckets and two accounts never do. Without a
// resolver, mode keys is kFailedPrecondition.
// For() may call STS (outside the lock); thread-safe; every collaborator must outlive the
// provider.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "aws/cloudwatch_client.h"
#include "aws/lambda_client.h"
#include "aws/secrets_clients.h"
#include "delegate/lambda/aws_alarm_reader.h"
#include "delegate/lambda/aws_lambda_api.h"
#include "delegate/lambda/aws_metric_reader.h"
#include "delegate/lambda/connection_credentials.h"
#include "delegate/lambda/lambda_tasks.h"
#include "lambda/aws_secret.h"

namespace ferry::delegate {

class AwsLambdaApiProvider final : public LambdaApiProvider {
 public:
  AwsLambdaApiProvider(aws::HttpTransport& transport, aws::CredentialsProvider& credentials,
                       Clock& clock, IdGenerator& ids, aws::RateLimiterRegistry& limiters,
                       aws::RetryQuota& retry_quota, WaiterOptions waiter = {},
                       aws::RetryOptions retry = {}, SecretResolver secrets = {});

  // kInvalidArgument for a malformed region or endpoint; the connection's errors (see above).
  Result<LambdaApi*> For(const lambda::LambdaTarget& target) override;
  // CloudWatch over the same connection and credentials (its endpoint when it names one, else
  // monitoring.REGION.amazonaws.com).
  Result<AlarmReader*> AlarmsFor(const lambda::LambdaTarget& target) override;
  // GetMetricData through the same CloudWatch client.
  Result<MetricReader*> MetricsFor(const lambda::LambdaTarget& target) override;
  // The value of a Secrets Manager secret (its AWSCURRENT version; one key of a JSON secret when
  // ref.json_key is set) or of an SSM parameter (decrypted), read through the same connection
  // (its endpoint when it names one, else secretsmanager/ssm.REGION.amazonaws.com), registered
  // with the SecretMasker. Errors name the secret and where it was read, never a value.
  Result<std::string> ReadAwsSecret(const lambda::AwsSecretRef& ref, std::stop_token stop = {});

 private:
  struct Key {
    std::string region, endpoint, connection;
    lambda::TargetCredentials credentials;
    size_t secret_fingerprint = 0;
    auto operator<=>(const Key&) const = default;
  };
  struct Entry {
    std::unique_ptr<aws::CredentialsProvider> credentials;  // null: the delegate's own
    std::unique_ptr<aws::LambdaClient> client;
    std::unique_ptr<AwsLambdaApi> api;
    std::unique_ptr<aws::CloudWatchClient> cloudwatch;
    std::unique_ptr<AwsAlarmReader> alarms;
    std::unique_ptr<AwsMetricReader> metrics;
    std::unique_ptr<aws::SecretsManagerClient> secrets_manager;
    std::unique_ptr<aws::SsmClient> ssm;
  };
  Result<Entry*> EntryFor(const lambda::LambdaTarget& target);

  aws::HttpTransport& transport_;
  aws::CredentialsProvider& credentials_;
  Clock& clock_;
  IdGenerator& ids_;
  aws::RateLimiterRegistry& limiters_;
  aws::RetryQuota& retry_quota_;
  const WaiterOptions waiter_;
  const aws::RetryOptions retry_;
  const SecretResolver secrets_;
  std::mutex mu_;
  std::map<Key, Entry> apis_;  // Guarded by mu_; entries are never removed (pointers handed out).
};

}  // namespace ferry::delegate
