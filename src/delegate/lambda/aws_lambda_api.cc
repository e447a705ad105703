#include "delegate/lambda/aws_lambda_api.h"

#include <algorithm>

#include "aws/waiter.h"
#include "common/strings.h"
#include "lambda/config_compare.h"

namespace ferry::delegate {
namespace {

aws::FunctionCode ToAws(const lambda::CodeSource& code) {
  aws::FunctionCode out;
  out.zip_file = code.zip_file;
  out.s3_bucket = code.s3_bucket;
  out.s3_key = code.s3_key;
  out.s3_object_version = code.s3_object_version;
  out.image_uri = code.image_uri;
  return out;
}

// Appends a call's request id to *ids (when not null): the result's, or for a failed call the one
// AWS put on the error (none when no response came).
void Record(std::vector<std::string>* ids, const std::string& request_id) {
  if (ids != nullptr && !request_id.empty()) ids->push_back(request_id);
}
void Record(std::vector<std::string>* ids, const Error& error) {
  auto it = error.details.find("request_id");
  if (it != error.details.end()) Record(ids, it->second);
}
template <typename T>
Result<T> Recorded(Result<T> result, std::vector<std::string>* ids) {
  if (result.ok()) {
    Record(ids, result->request_id);
  } else {
    Record(ids, result.error());
  }
  return result;
}

aws::VpcConfig ToAws(const lambda::VpcConfig& vpc) {
  return aws::VpcConfig{vpc.subnet_ids, vpc.security_group_ids};
}

// Folds a $LATEST configuration returned by a call into the observed function.
void FoldLatest(const aws::FunctionConfiguration& c, lambda::ObservedFunction& f) {
  f.exists = true;
  f.function_name = c.function_name.empty() ? f.function_name : c.function_name;
  if (!c.function_arn.empty()) {
    // A qualified ARN ends in ":$LATEST" or ":N"; the function's own ARN has no qualifier.
    std::string arn = c.function_arn;
    if (std::count(arn.begin(), arn.end(), ':') > 6) arn = arn.substr(0, arn.rfind(':'));
    f.arn = arn;
  }
  f.config = FromAws(c);
  f.code_sha256 = c.code_sha256;
  f.revision_id = c.revision_id;
  f.state = c.state;
  f.state_reason = c.state_reason;
  f.last_update_status = c.last_update_status;
  f.last_update_status_reason = c.last_update_status_reason;
}

}  // namespace

lambda::FunctionConfig FromAws(const aws::FunctionConfiguration& c) {
  lambda::FunctionConfig out;
  out.package_type = c.package_type.empty() ? "Zip" : c.package_type;
  out.runtime = c.runtime;
  out.handler = c.handler;
  out.role = c.role;
  out.description = c.description;
  out.memory_mb = c.memory_size == 0 ? lambda::kDefaultMemoryMb : c.memory_size;
  out.timeout_seconds = c.timeout == 0 ? lambda::kDefaultTimeoutSeconds : c.timeout;
  out.ephemeral_storage_mb =
      c.ephemeral_storage_mb == 0 ? lambda::kDefaultEphemeralStorageMb : c.ephemeral_storage_mb;
  out.architectures = c.architectures;
  out.layers = c.layers;
  out.environment = c.environment;
  out.vpc = lambda::VpcConfig{c.vpc_config.subnet_ids, c.vpc_config.security_group_ids};
  out.tracing_mode = c.tracing_mode;
  out.kms_key_arn = c.kms_key_arn;
  out.dead_letter_target = c.dead_letter_target_arn;
  return out;
}

lambda::AliasState FromAws(const aws::AliasConfiguration& a) {
  return lambda::AliasState{a.name, a.function_version, a.routing, a.revision_id, a.alias_arn};
}

AwsLambdaApi::AwsLambdaApi(aws::LambdaClient& client, Clock& clock, WaiterOptions waiter)
    : client_(client), clock_(clock), waiter_(waiter) {}

Result<lambda::ObservedFunction> AwsLambdaApi::ObserveLatest(const std::string& function_name,
                                                             std::vector<std::string>* request_ids,
                                                             std::stop_token stop) {
  lambda::ObservedFunction f;
  f.function_name = function_name;
  auto got = Recorded(client_.GetFunction(function_name, "", stop), request_ids);
  if (!got.ok()) {
    if (got.error().code == ErrorCode::kNotFound) return f;
    return got.error();
  }
  FoldLatest(got->configuration, f);
  f.tags = got->tags;
  return f;
}

Result<lambda::ObservedFunction> AwsLambdaApi::Observe(const std::string& function_name,
                                                       std::vector<std::string>* request_ids,
                                                       std::stop_token stop) {
  FERRY_ASSIGN_OR_RETURN(lambda::ObservedFunction f,
                         ObserveLatest(function_name, request_ids, stop));
  if (!f.exists) return f;
  auto versions = client_.ListAllVersions(function_name, 100'000, stop, request_ids);
  if (!versions.ok()) {
    Record(request_ids, versions.error());
    return versions.error();
  }
  for (const auto& v : *versions) {
    if (v.version == lambda::kLatest || v.version.empty()) continue;
    f.versions.push_back(lambda::VersionInfo{v.version, v.code_sha256, FromAws(v)});
  }
  auto aliases = client_.ListAllAliases(function_name, stop, request_ids);
  if (!aliases.ok()) {
    Record(request_ids, aliases.error());
    return aliases.error();
  }
  for (const auto& a : *aliases) f.aliases.push_back(FromAws(a));
  return f;
}

Result<lambda::ObservedFunction> AwsLambdaApi::Wait(const lambda::DeployAction& action,
                                                    const lambda::ObservedFunction& current,
                                                    std::vector<std::string>* request_ids,
                                                    std::stop_token stop) {
  const bool active = action.kind == lambda::DeployActionKind::kWaitUntilActive;
  // The official definition (operation, acceptors) with this delegate's polling interval.
  FERRY_ASSIGN_OR_RETURN(
      aws::WaiterDefinition waiter,
      aws::LambdaWaiterDefinition(active ? "FunctionActiveV2" : "FunctionUpdatedV2"));
  waiter.delay = waiter_.delay;
  waiter.max_attempts = waiter_.max_attempts;
  std::string last_body;
  int polls = 0;
  const auto poll = [&]() -> Result<std::string> {
    ++polls;
    std::string request_id;
    auto body = client_.GetRaw(waiter.operation, action.function_name, "", stop, &request_id);
    if (body.ok()) {
      Record(request_ids, request_id);
      last_body = *body;
    } else {
      Record(request_ids, body.error());
    }
    return body;
  };
  auto waited = aws::RunWaiter(waiter, poll, clock_, stop);
  lambda::ObservedFunction f = current;
  if (!last_body.empty()) {
    auto parsed = aws::LambdaClient::ParseGetFunction(last_body);
    if (!parsed.ok()) return parsed.error();
    FoldLatest(parsed->configuration, f);
  }
  if (waited.ok()) return f;
  const Error& error = waited.error();
  const std::string& status = active ? f.state : f.last_update_status;
  if (error.code == ErrorCode::kFailedPrecondition && error.details.count("waiter") != 0) {
    const std::string& reason = active ? f.state_reason : f.last_update_status_reason;
    return Error{ErrorCode::kFailedPrecondition,
                 "function " + action.function_name +
                     (active ? " failed to become Active" : ": the update failed") +
                     (reason.empty() ? "" : ": " + reason)};
  }
  if (error.code == ErrorCode::kDeadlineExceeded && error.details.count("aws_code") == 0) {
    return Error{ErrorCode::kDeadlineExceeded, "function " + action.function_name + " is still " +
                                                   (status.empty() ? "without status" : status) +
                                                   " after " + std::to_string(polls) + " checks"};
  }
  return error;
}

Result<ApiOutcome> AwsLambdaApi::Apply(const lambda::DeployAction& a,
                                       const lambda::ObservedFunction& current,
                                       std::stop_token stop) {
  ApiOutcome out;
  out.function = current;
  std::vector<std::string>* ids = &out.request_ids;
  lambda::ObservedFunction& f = out.function;
  switch (a.kind) {
    case lambda::DeployActionKind::kCreateFunction: {
      aws::CreateFunctionRequest r;
      r.function_name = a.function_name;
      r.package_type = lambda::Normalize(a.config).package_type;
      r.runtime = a.config.runtime;
      r.handler = a.config.handler;
      r.role = a.config.role;
      r.description = a.config.description;
      r.code = ToAws(a.code);
      r.timeout = a.config.timeout_seconds;
      r.memory_size = a.config.memory_mb;
      r.architectures = a.config.architectures;
      r.layers = a.config.layers;
      r.ephemeral_storage_mb = a.config.ephemeral_storage_mb;
      r.environment = a.config.environment;
      r.tags = a.tags;
      if (!a.config.vpc.subnet_ids.empty() || !a.config.vpc.security_group_ids.empty()) {
        r.vpc_config = ToAws(a.config.vpc);
      }
      r.tracing_mode = a.config.tracing_mode;
      r.kms_key_arn = a.config.kms_key_arn;
      r.dead_letter_target_arn = a.config.dead_letter_target;
      FERRY_ASSIGN_OR_RETURN(auto created, Recorded(client_.CreateFunction(r, stop), ids));
      FoldLatest(created, f);
      f.tags = a.tags;
      f.versions.clear();
      f.aliases.clear();
      return out;
    }
    case lambda::DeployActionKind::kWaitUntilActive:
    case lambda::DeployActionKind::kWaitUntilUpdated: {
      FERRY_ASSIGN_OR_RETURN(out.function, Wait(a, current, ids, stop));
      return out;
    }
    case lambda::DeployActionKind::kResolveCodeSha: {
      aws::UpdateFunctionCodeRequest r;
      r.function_name = a.function_name;
      r.code = ToAws(a.code);
      r.dry_run = true;
      r.architectures = a.config.architectures;
      FERRY_ASSIGN_OR_RETURN(auto dry, Recorded(client_.UpdateFunctionCode(r, stop), ids));
      out.resolved_code_sha256 = dry.code_sha256;
      return out;
    }
    case lambda::DeployActionKind::kUpdateCode: {
      aws::UpdateFunctionCodeRequest r;
      r.function_name = a.function_name;
      r.code = ToAws(a.code);
      r.revision_id = a.revision_id;
      r.architectures = a.config.architectures;
      FERRY_ASSIGN_OR_RETURN(auto updated, Recorded(client_.UpdateFunctionCode(r, stop), ids));
      FoldLatest(updated, f);
      return out;
    }
    case lambda::DeployActionKind::kUpdateConfiguration: {
      aws::UpdateFunctionConfigurationRequest r;
      const lambda::FunctionConfig normalized = lambda::Normalize(a.config);
      r.function_name = a.function_name;
      r.revision_id = a.revision_id;
      for (const auto& field : a.changed_fields) {
        if (field == "Runtime") r.runtime = a.config.runtime;
        if (field == "Handler") r.handler = a.config.handler;
        if (field == "Role") r.role = a.config.role;
        if (field == "Description") r.description = a.config.description;
        if (field == "MemorySize") r.memory_size = a.config.memory_mb;
        if (field == "Timeout") r.timeout = a.config.timeout_seconds;
        if (field == "EphemeralStorage") r.ephemeral_storage_mb = a.config.ephemeral_storage_mb;
        if (field == "Layers") r.layers = a.config.layers;
        if (field == "Environment") r.environment = a.config.environment;
        // Removal is explicit: empty VPC lists, PassThrough, KMSKeyArn "", TargetArn "".
        if (field == "VpcConfig") r.vpc_config = ToAws(a.config.vpc);
        if (field == "TracingConfig") r.tracing_mode = normalized.tracing_mode;
        if (field == "KMSKeyArn") r.kms_key_arn = a.config.kms_key_arn;
        if (field == "DeadLetterConfig") r.dead_letter_target_arn = a.config.dead_letter_target;
      }
      FERRY_ASSIGN_OR_RETURN(auto updated,
                             Recorded(client_.UpdateFunctionConfiguration(r, stop), ids));
      FoldLatest(updated, f);
      return out;
    }
    case lambda::DeployActionKind::kPublishVersion: {
      aws::PublishVersionRequest r;
      r.function_name = a.function_name;
      r.code_sha256 = a.code_sha256;
      r.revision_id = a.revision_id;
      r.description = a.description;
      FERRY_ASSIGN_OR_RETURN(auto published, Recorded(client_.PublishVersion(r, stop), ids));
      if (published.version.empty() || published.version == lambda::kLatest) {
        return Error{ErrorCode::kUnavailable,
                     "PublishVersion for " + a.function_name + " returned no version number"};
      }
      std::erase_if(f.versions,
                    [&](const lambda::VersionInfo& v) { return v.version == published.version; });
      f.versions.push_back(
          lambda::VersionInfo{published.version, published.code_sha256, FromAws(published)});
      return out;
    }
    case lambda::DeployActionKind::kCreateAlias:
    case lambda::DeployActionKind::kUpdateAlias: {
      aws::AliasConfiguration alias;
      if (a.kind == lambda::DeployActionKind::kCreateAlias) {
        aws::CreateAliasRequest r{a.function_name, a.alias, a.version, "", a.weights};
        FERRY_ASSIGN_OR_RETURN(alias, Recorded(client_.CreateAlias(r, stop), ids));
      } else {
        aws::UpdateAliasRequest r;
        r.function_name = a.function_name;
        r.name = a.alias;
        r.function_version = a.version;
        r.routing = a.weights;
        r.revision_id = a.revision_id;
        FERRY_ASSIGN_OR_RETURN(alias, Recorded(client_.UpdateAlias(r, stop), ids));
      }
      std::erase_if(f.aliases, [&](const lambda::AliasState& s) { return s.name == a.alias; });
      f.aliases.push_back(FromAws(alias));
      return out;
    }
    case lambda::DeployActionKind::kUntagResource: {
      FERRY_RETURN_IF_ERROR(Recorded(client_.UntagResource(current.arn, a.tag_keys, stop), ids));
      for (const auto& key : a.tag_keys) f.tags.erase(key);
      return out;
    }
    case lambda::DeployActionKind::kTagResource: {
      FERRY_RETURN_IF_ERROR(Recorded(client_.TagResource(current.arn, a.tags, stop), ids));
      for (const auto& [key, value] : a.tags) f.tags[key] = value;
      return out;
    }
    case lambda::DeployActionKind::kDone:
      break;
  }
  return Error{ErrorCode::kInternal, "nothing to apply for " + a.function_name};
}

Status AwsLambdaApi::ApplyRollback(const lambda::RollbackAction& a,
                                   std::vector<std::string>* request_ids, std::stop_token stop) {
  switch (a.kind) {
    case lambda::RollbackActionKind::kUpdateAlias: {
      aws::UpdateAliasRequest r;
      r.function_name = a.function_name;
      r.name = a.alias;
      r.function_version = a.version;
      r.routing = a.weights;
      r.revision_id = a.revision_id;
      auto updated = Recorded(client_.UpdateAlias(r, stop), request_ids);
      if (!updated.ok()) return updated.error();
      return Ok();
    }
    case lambda::RollbackActionKind::kCreateAlias: {
      aws::CreateAliasRequest r{a.function_name, a.alias, a.version, "", a.weights};
      auto created = Recorded(client_.CreateAlias(r, stop), request_ids);
      if (!created.ok()) return created.error();
      return Ok();
    }
    case lambda::RollbackActionKind::kDeleteAlias: {
      auto s = Recorded(client_.DeleteAlias(a.function_name, a.alias, stop), request_ids);
      if (!s.ok() && s.error().code != ErrorCode::kNotFound) return s.error();
      return Ok();
    }
    case lambda::RollbackActionKind::kDeleteFunction: {
      auto s = Recorded(client_.DeleteFunction(a.function_name, "", stop), request_ids);
      if (!s.ok() && s.error().code != ErrorCode::kNotFound) return s.error();
      return Ok();
    }
  }
  return Error{ErrorCode::kInternal, "unknown rollback action"};
}

Result<lambda::AliasState> AwsLambdaApi::ReadAlias(const std::string& function_name,
                                                   const std::string& alias,
                                                   std::vector<std::string>* request_ids,
                                                   std::stop_token stop) {
  FERRY_ASSIGN_OR_RETURN(auto got,
                         Recorded(client_.GetAlias(function_name, alias, stop), request_ids));
  return FromAws(got);
}

Result<lambda::AliasState> AwsLambdaApi::RouteAlias(
    const std::string& function_name, const std::string& alias, const lambda::AliasRouting& to,
    const std::string& revision_id, std::vector<std::string>* request_ids, std::stop_token stop) {
  aws::UpdateAliasRequest r;
  r.function_name = function_name;
  r.name = alias;
  r.function_version = to.version;
  r.routing = to.weights;
  r.revision_id = revision_id;
  FERRY_ASSIGN_OR_RETURN(auto updated, Recorded(client_.UpdateAlias(r, stop), request_ids));
  return FromAws(updated);
}

Result<InvokeAnswer> AwsLambdaApi::Invoke(const std::string& function_name,
                                          const std::string& qualifier, const std::string& payload,
                                          Duration timeout, std::vector<std::string>* request_ids,
                                          std::stop_token stop) {
  aws::InvokeRequest r;
  r.function_name = function_name;
  r.qualifier = qualifier;
  r.payload = payload;
  r.timeout = timeout;
  FERRY_ASSIGN_OR_RETURN(auto got, Recorded(client_.Invoke(r, stop), request_ids));
  return InvokeAnswer{got.status_code, std::move(got.function_error),
                      std::move(got.executed_version), std::move(got.payload)};
}

Status AwsLambdaApi::DeleteVersion(const std::string& function_name, const std::string& version,
                                   std::vector<std::string>* request_ids, std::stop_token stop) {
  if (!lambda::ParseVersionNumber(version)) {
    return Error{ErrorCode::kInvalidArgument,
                 "not a published version: " + QuoteForMessage(version)};
  }
  auto s = Recorded(client_.DeleteFunction(function_name, version, stop), request_ids);
  if (!s.ok() && s.error().code != ErrorCode::kNotFound) return s.error();
  return Ok();
}

}  // namespace ferry::delegate
