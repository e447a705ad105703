// LambdaApi: the calls a Lambda deployment makes, in the planner's own types. The seam between
// the deploy executor and AWS: AwsLambdaApi (aws_lambda_api.h) adapts ferry::aws::LambdaClient;
// tests may substitute an in-memory fake that injects failures at any call.
//
// Every method performs exactly one logical AWS operation (a waiter is one operation of several
// reads) and reports the request ids of the HTTP exchanges it made, for the deployment record.
// Errors keep the aws client's codes: kNotFound, kConflict (ResourceConflictException),
// kFailedPrecondition (a RevisionId/CodeSha256 guard did not hold), kInvalidArgument,
// kTooManyRequests, kUnavailable, kDeadlineExceeded (a waiter gave up), kCancelled.
//
// Implementations are thread-safe: one serves every function of a deployment concurrently.
#pragma once

#include <stop_token>
#include <string>
#include <vector>

#include "common/result.h"
#include "lambda/deploy_plan.h"
#include "lambda/function_state.h"
#include "lambda/rollback_plan.h"
#include "lambda/traffic.h"

namespace ferry::delegate {

struct ApiOutcome {
  // The function after the call: `current` with the response folded in (for a wait, the state
  // the waiter ended on).
  lambda::ObservedFunction function;
  // For kResolveCodeSha: the CodeSha256 Lambda computed for the package.
  std::string resolved_code_sha256;
  std::vector<std::string> request_ids;
};

// What one synchronous invocation answered (a FunctionError is an answer, not an error).
struct InvokeAnswer {
  int status = 0;              // Invoke's HTTP status (200)
  std::string function_error;  // X-Amz-Function-Error: "Unhandled" / "Handled", "" when none
  std::string executed_version;
  std::string payload;
};

class LambdaApi {
 public:
  virtual ~LambdaApi() = default;

  // GetFunction + ListVersionsByFunction + ListAliases (all pages). A function that does not
  // exist is an ObservedFunction with exists == false, not an error.
  virtual Result<lambda::ObservedFunction> Observe(const std::string& function_name,
                                                   std::vector<std::string>* request_ids,
                                                   std::stop_token stop) = 0;

  // GetFunction only: $LATEST's configuration, code, state and tags, with no versions and no
  // aliases (GetFunction is outside Lambda's control-plane request quota; the two lists are not).
  // A function that does not exist has exists == false. The default reads everything.
  virtual Result<lambda::ObservedFunction> ObserveLatest(const std::string& function_name,
                                                         std::vector<std::string>* request_ids,
                                                         std::stop_token stop) {
    return Observe(function_name, request_ids, stop);
  }

  // Performs one deploy action (never kDone). Waits fail with kFailedPrecondition when the
  // function ends Failed (State or LastUpdateStatus), naming Lambda's reason.
  virtual Result<ApiOutcome> Apply(const lambda::DeployAction& action,
                                   const lambda::ObservedFunction& current,
                                   std::stop_token stop) = 0;

  // Performs one rollback action; "already done" (an alias or function already deleted) is
  // success.
  virtual Status ApplyRollback(const lambda::RollbackAction& action,
                               std::vector<std::string>* request_ids, std::stop_token stop) = 0;

  // GetAlias: the alias's version, weights and RevisionId. kNotFound when the function or the
  // alias does not exist. The default (a LambdaApi that cannot shift traffic): kUnimplemented.
  virtual Result<lambda::AliasState> ReadAlias(const std::string& function_name,
                                               const std::string& alias,
                                               std::vector<std::string>* request_ids,
                                               std::stop_token stop) {
    (void)function_name, (void)alias, (void)request_ids, (void)stop;
    return Error{ErrorCode::kUnimplemented, "this Lambda connection cannot read aliases"};
  }

  // UpdateAlias to `to` (FunctionVersion and AdditionalVersionWeights, none = cleared) guarded
  // by `revision_id`: the alias after the call, with its new RevisionId. kFailedPrecondition when
  // the guard did not hold. The default: kUnimplemented.
  virtual Result<lambda::AliasState> RouteAlias(
      const std::string& function_name, const std::string& alias, const lambda::AliasRouting& to,
      const std::string& revision_id, std::vector<std::string>* request_ids, std::stop_token stop) {
    (void)function_name, (void)alias, (void)to, (void)revision_id, (void)request_ids, (void)stop;
    return Error{ErrorCode::kUnimplemented, "this Lambda connection cannot shift traffic"};
  }

  // Invoke (RequestResponse) of `function_name` at `qualifier` ("" = $LATEST) with `payload`
  // (JSON text). No answer within `timeout` (zero = the connection's) is kDeadlineExceeded. Never
  // repeated once it may have reached the function. The default: kUnimplemented.
  virtual Result<InvokeAnswer> Invoke(const std::string& function_name,
                                      const std::string& qualifier, const std::string& payload,
                                      Duration timeout, std::vector<std::string>* request_ids,
                                      std::stop_token stop) {
    (void)function_name, (void)qualifier, (void)payload, (void)timeout, (void)request_ids,
        (void)stop;
    return Error{ErrorCode::kUnimplemented, "this Lambda connection cannot invoke functions"};
  }

  // Deletes one published version (DeleteFunction with a qualifier); already deleted is success.
  virtual Status DeleteVersion(const std::string& function_name, const std::string& version,
                               std::vector<std::string>* request_ids, std::stop_token stop) = 0;
};

}  // namespace ferry::delegate
