// LambdaClient: the Lambda API (rest-json, 2015-03-31) operations Ferry uses, typed.
//
// Every result carries the request id of the response it came from (`request_id`; the
// ResponseMetadata of calls that return no data; ListAll* append every page's id to
// *request_ids). Errors carry the AWS error code, message, HTTP status and request id (see
// service_client.h);
// notable codes: ResourceNotFoundException → kNotFound, ResourceConflictException → kConflict,
// PreconditionFailedException (a RevisionId guard) → kFailedPrecondition,
// TooManyRequestsException → kTooManyRequests, InvalidParameterValueException → kInvalidArgument.
// Malformed, truncated or hostile response bodies give kUnavailable ("malformed response"), never
// a crash.
//
// Retries never cause a double effect. How each write is made safe to repeat:
//   * Idempotent as sent (plain retries): UpdateFunctionCode and UpdateFunctionConfiguration
//     without RevisionId (they set a state), UpdateAlias without RevisionId, TagResource,
//     UntagResource, Invoke with DryRun, and every read.
//   * Creates are idempotent by comparison: CreateFunction/CreateAlias answered with
//     ResourceConflictException (e.g. our earlier attempt created it and its response was lost)
//     read what exists: the same CodeSha256 (zip code), role, handler, runtime and description /
//     the same version, routing and description → success (an identical create is a no-op);
//     something else → kConflict; nothing (a transient conflict) → created again.
//   * Guarded, retried, then reconciled: when an attempt may have taken effect (connection error,
//     timeout, 5xx) and the retry is refused because of that earlier effect, the client checks
//     that what exists is what it sent and then reports success:
//       UpdateFunctionCode/UpdateFunctionConfiguration/UpdateAlias with RevisionId →
//         PreconditionFailedException: the current state holds exactly what was sent → success.
//       DeleteFunction/DeleteAlias → ResourceNotFoundException: already deleted → success.
//   * Checked before repeating: PublishVersion is sent without automatic retries on 5xx or
//     connection errors; after such a failure the client lists the versions and, when the newest
//     one has the requested CodeSha256 (and description), returns it instead of publishing again.
//     (Lambda itself also declines to publish when nothing changed since the last version.)
//   * Never repeated except after throttling (or an in-progress conflict): Invoke
//     (RequestResponse, Event) and UpdateFunctionCode with Publish = true (a repeat could publish
//     a second version; use UpdateFunctionCode then PublishVersion instead).
//   * ResourceConflictException on anything but a create means "another update is in progress":
//     the request was rejected, and it is retried with backoff like throttling.
//
// Thread-safe.
#pragma once

#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "aws/lambda_types.h"
#include "aws/service_client.h"

namespace ferry::aws {

// A ServiceConfig for Lambda at `endpoint` in `region`.
ServiceConfig LambdaServiceConfig(std::string endpoint, std::string region);

class LambdaClient {
 public:
  LambdaClient(ServiceConfig config, ServiceDeps deps);

  // Qualifier: "" ($LATEST), a version number or an alias name.
  Result<GetFunctionResult> GetFunction(const std::string& function_name,
                                        const std::string& qualifier = "",
                                        std::stop_token stop = {});
  Result<FunctionConfiguration> GetFunctionConfiguration(const std::string& function_name,
                                                         const std::string& qualifier = "",
                                                         std::stop_token stop = {});
  Result<FunctionConfiguration> CreateFunction(const CreateFunctionRequest& request,
                                               std::stop_token stop = {});
  Result<FunctionConfiguration> UpdateFunctionCode(const UpdateFunctionCodeRequest& request,
                                                   std::stop_token stop = {});
  Result<FunctionConfiguration> UpdateFunctionConfiguration(
      const UpdateFunctionConfigurationRequest& request, std::stop_token stop = {});
  Result<FunctionConfiguration> PublishVersion(const PublishVersionRequest& request,
                                               std::stop_token stop = {});
  // One page; max_items 0 leaves the page size to Lambda (50).
  Result<VersionsPage> ListVersionsByFunction(const std::string& function_name,
                                              const std::string& marker = "", int max_items = 0,
                                              std::stop_token stop = {});
  // Every page, up to max_items versions in total (kFailedPrecondition past it).
  Result<std::vector<FunctionConfiguration>> ListAllVersions(
      const std::string& function_name, size_t max_items = 100'000, std::stop_token stop = {},
      std::vector<std::string>* request_ids = nullptr);
  Result<ResponseMetadata> DeleteFunction(const std::string& function_name,
                                          const std::string& qualifier = "",
                                          std::stop_token stop = {});

  Result<AliasConfiguration> CreateAlias(const CreateAliasRequest& request,
                                         std::stop_token stop = {});
  Result<AliasConfiguration> GetAlias(const std::string& function_name, const std::string& name,
                                      std::stop_token stop = {});
  Result<AliasConfiguration> UpdateAlias(const UpdateAliasRequest& request,
                                         std::stop_token stop = {});
  Result<ResponseMetadata> DeleteAlias(const std::string& function_name, const std::string& name,
                                       std::stop_token stop = {});
  Result<AliasesPage> ListAliases(const std::string& function_name,
                                  const std::string& function_version = "",
                                  const std::string& marker = "", int max_items = 0,
                                  std::stop_token stop = {});
  Result<std::vector<AliasConfiguration>> ListAllAliases(
      const std::string& function_name, std::stop_token stop = {},
      std::vector<std::string>* request_ids = nullptr);

  // resource_arn: a function ARN (tags live on the unqualified function).
  Result<ResponseMetadata> TagResource(const std::string& resource_arn,
                                       const std::map<std::string, std::string>& tags,
                                       std::stop_token stop = {});
  // No keys: nothing is sent (request_id "").
  Result<ResponseMetadata> UntagResource(const std::string& resource_arn,
                                         const std::vector<std::string>& keys,
                                         std::stop_token stop = {});
  Result<TagList> ListTags(const std::string& resource_arn, std::stop_token stop = {});

  Result<AccountSettings> GetAccountSettings(std::stop_token stop = {});

  // A function error is not a call error: it comes back in InvokeResult::function_error.
  Result<InvokeResult> Invoke(const InvokeRequest& request, std::stop_token stop = {});

  // For waiters: the raw JSON body of GetFunction or GetFunctionConfiguration (and, when
  // request_id is not null, the response's request id).
  Result<std::string> GetRaw(const std::string& operation, const std::string& function_name,
                             const std::string& qualifier, std::stop_token stop = {},
                             std::string* request_id = nullptr);
  // Parses a GetFunction response body (as GetRaw returned it); kUnavailable when malformed.
  static Result<GetFunctionResult> ParseGetFunction(std::string_view body);

  ServiceClient& service() { return service_; }

 private:
  Result<CallResult> RawCall(const std::string& operation, const std::string& function_name,
                             const std::string& qualifier, std::stop_token stop);

  ServiceClient service_;
};

}  // namespace ferry::aws
