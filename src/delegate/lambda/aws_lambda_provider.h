// AwsLambdaApiProvider: the delegate's LambdaApiProvider over the real aws clients. One
// LambdaClient + AwsLambdaApi per (region, endpoint), created on first use and kept; all share the
// process's transport, credentials, rate limiters and retry quota, so every deployment of the
// delegate draws on the same account+region token buckets (F-DEPLOY 9). `retry` sets AWS's
// standard retry mode for every client (max_attempts: 3 by default; a delegate deploying under
// heavy throttling may want more).
//
// Targets naming a cloud provider connection with its own credentials are kUnimplemented for now:
// the delegate's own credential chain is used for every target without one.
// Thread-safe; every collaborator must outlive the provider.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "aws/lambda_client.h"
#include "delegate/lambda/aws_lambda_api.h"
#include "delegate/lambda/lambda_tasks.h"

namespace ferry::delegate::lambda {

class AwsLambdaApiProvider final : public LambdaApiProvider {
 public:
  AwsLambdaApiProvider(aws::HttpTransport& transport, aws::CredentialsProvider& credentials,
                       Clock& clock, IdGenerator& ids, aws::RateLimiterRegistry& limiters,
                       aws::RetryQuota& retry_quota, WaiterOptions waiter = {},
                       aws::RetryOptions retry = {});

  // kInvalidArgument for a malformed region or endpoint.
  Result<LambdaApi*> For(const LambdaTarget& target) override;

 private:
  struct Entry {
    std::unique_ptr<aws::LambdaClient> client;
    std::unique_ptr<AwsLambdaApi> api;
  };

  aws::HttpTransport& transport_;
  aws::CredentialsProvider& credentials_;
  Clock& clock_;
  IdGenerator& ids_;
  aws::RateLimiterRegistry& limiters_;
  aws::RetryQuota& retry_quota_;
  const WaiterOptions waiter_;
  const aws::RetryOptions retry_;
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Entry> apis_;  // Guarded by mu_.
};

}  // namespace ferry::delegate::lambda
