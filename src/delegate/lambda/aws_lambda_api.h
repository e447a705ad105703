// AwsLambdaApi: LambdaApi over ferry::aws::LambdaClient (the real AWS, or ferry sandbox).
//
// Waits implement the official FunctionActiveV2 / FunctionUpdatedV2 waiters
// (shared/aws/models/lambda/2015-03-31/waiters-2.json): GetFunction every `delay` (1 s) up to
// `max_attempts` (300); State/LastUpdateStatus Active/Successful succeeds, Failed fails,
// Pending/InProgress retries. Sleeping goes through `clock`.
//
// Request ids are recorded when the client's transport is wrapped in a RequestIdJournal;
// otherwise only failed calls carry one (from the error details).
//
// Fields the aws client cannot send yet (VpcConfig, TracingConfig, KMSKeyArn, DeadLetterConfig)
// make a create or configuration update that needs them fail with kUnimplemented instead of
// being dropped silently.
//
// Thread-safe (LambdaClient is).
#pragma once

#include <chrono>

#include "aws/lambda_client.h"
#include "delegate/lambda/lambda_api.h"

namespace ferry::delegate::lambda {

struct WaiterOptions {
  std::chrono::milliseconds delay{1000};
  int max_attempts = 300;
};

class AwsLambdaApi final : public LambdaApi {
 public:
  AwsLambdaApi(aws::LambdaClient& client, Clock& clock, WaiterOptions waiter = {});

  Result<ObservedFunction> Observe(const std::string& function_name,
                                   std::vector<std::string>* request_ids,
                                   std::stop_token stop) override;
  Result<ApiOutcome> Apply(const DeployAction& action, const ObservedFunction& current,
                           std::stop_token stop) override;
  Status ApplyRollback(const RollbackAction& action, std::vector<std::string>* request_ids,
                       std::stop_token stop) override;
  Status DeleteVersion(const std::string& function_name, const std::string& version,
                       std::vector<std::string>* request_ids, std::stop_token stop) override;

 private:
  Result<ObservedFunction> Wait(const DeployAction& action, const ObservedFunction& current,
                                std::stop_token stop);

  aws::LambdaClient& client_;
  Clock& clock_;
  const WaiterOptions waiter_;
};

// Conversions at the edge (exposed for tests).
FunctionConfig FromAws(const aws::FunctionConfiguration& config);
AliasState FromAws(const aws::AliasConfiguration& alias);

}  // namespace ferry::delegate::lambda
