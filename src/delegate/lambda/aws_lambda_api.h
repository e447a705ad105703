// AwsLambdaApi: LambdaApi over ferry::aws::LambdaClient (the real AWS, or ferry sandbox).
//
// Waits run the official FunctionActiveV2 / FunctionUpdatedV2 waiters through aws::RunWaiter
// (botocore's lambda/2015-03-31/waiters-2.json, kept as src/aws/models/lambda-waiters-2.json and
// embedded in the aws module): their operation and acceptors, with this delegate's `delay` (1 s,
// as AWS's) and `max_attempts` (300). A failure acceptor gives kFailedPrecondition naming
// Lambda's reason; no terminal state in max_attempts polls gives kDeadlineExceeded. Sleeping goes
// through `clock`.
//
// Request ids: every call's id (the result's request_id, or a failed call's from its error) is
// appended to the caller's list, in call order (a wait records each GetFunction poll).
//
// Every FunctionConfig field maps to a Lambda member (VpcConfig, TracingConfig, KMSKeyArn and
// DeadLetterConfig included); a configuration update sends exactly the changed fields, and removes
// a setting explicitly (empty VPC lists, PassThrough, KMSKeyArn "", DeadLetterConfig TargetArn "").
//
// Thread-safe (LambdaClient is).
#pragma once

#include <chrono>

#include "aws/lambda_client.h"
#include "delegate/lambda/lambda_api.h"

namespace ferry::delegate {

struct WaiterOptions {
  std::chrono::milliseconds delay{1000};
  int max_attempts = 300;
};

class AwsLambdaApi final : public LambdaApi {
 public:
  AwsLambdaApi(aws::LambdaClient& client, Clock& clock, WaiterOptions waiter = {});

  Result<lambda::ObservedFunction> Observe(const std::string& function_name,
                                           std::vector<std::string>* request_ids,
                                           std::stop_token stop) override;
  Result<lambda::ObservedFunction> ObserveLatest(const std::string& function_name,
                                                 std::vector<std::string>* request_ids,
                                                 std::stop_token stop) override;
  Result<ApiOutcome> Apply(const lambda::DeployAction& action,
                           const lambda::ObservedFunction& current, std::stop_token stop) override;
  Status ApplyRollback(const lambda::RollbackAction& action, std::vector<std::string>* request_ids,
                       std::stop_token stop) override;
  Status DeleteVersion(const std::string& function_name, const std::string& version,
                       std::vector<std::string>* request_ids, std::stop_token stop) override;
  Result<lambda::AliasState> ReadAlias(const std::string& function_name, const std::string& alias,
                                       std::vector<std::string>* request_ids,
                                       std::stop_token stop) override;
  Result<lambda::AliasState> RouteAlias(const std::string& function_name, const std::string& alias,
                                        const lambda::AliasRouting& to,
                                        const std::string& revision_id,
                                        std::vector<std::string>* request_ids,
                                        std::stop_token stop) override;
  Result<InvokeAnswer> Invoke(const std::string& function_name, const std::string& qualifier,
                              const std::string& payload, Duration timeout,
                              std::vector<std::string>* request_ids, std::stop_token stop) override;

 private:
  Result<lambda::ObservedFunction> Wait(const lambda::DeployAction& action,
                                        const lambda::ObservedFunction& current,
                                        std::vector<std::string>* request_ids,
                                        std::stop_token stop);

  aws::LambdaClient& client_;
  Clock& clock_;
  const WaiterOptions waiter_;
};

// Conversions at the edge (exposed for tests).
lambda::FunctionConfig FromAws(const aws::FunctionConfiguration& config);
lambda::AliasState FromAws(const aws::AliasConfiguration& alias);

}  // namespace ferry::delegate
