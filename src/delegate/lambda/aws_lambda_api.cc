#include "delegate/lambda/aws_lambda_api.h"

#include <algorithm>

#include "common/strings.h"
#include "delegate/lambda/config_compare.h"
#include "delegate/lambda/request_id_journal.h"

namespace ferry::delegate::lambda {
namespace {

aws::FunctionCode ToAws(const CodeSource& code) {
  aws::FunctionCode out;
  out.zip_file = code.zip_file;
  out.s3_bucket = code.s3_bucket;
  out.s3_key = code.s3_key;
  out.s3_object_version = code.s3_object_version;
  out.image_uri = code.image_uri;
  return out;
}

// The fields the aws client has no member for yet, when they hold a non-default value.
std::vector<std::string> UnsendableFields(const FunctionConfig& config,
                                          const std::vector<std::string>* only = nullptr) {
  const FunctionConfig n = Normalize(config);
  std::vector<std::string> out;
  auto check = [&](const char* field, bool non_default) {
    if (!non_default) return;
    if (only && std::find(only->begin(), only->end(), field) == only->end()) return;
    out.push_back(field);
  };
  check("VpcConfig", !n.vpc.subnet_ids.empty() || !n.vpc.security_group_ids.empty());
  check("TracingConfig", n.tracing_mode != "PassThrough");
  check("KMSKeyArn", !n.kms_key_arn.empty());
  check("DeadLetterConfig", !n.dead_letter_target.empty());
  return out;
}

Error Unsendable(const std::string& function_name, const std::vector<std::string>& fields) {
  return Error{ErrorCode::kUnimplemented, "function " + function_name +
                                              ": the Lambda client cannot set " +
                                              Join(fields, ", ") + " yet"};
}

// Folds a $LATEST configuration returned by a call into the observed function.
void FoldLatest(const aws::FunctionConfiguration& c, ObservedFunction& f) {
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

FunctionConfig FromAws(const aws::FunctionConfiguration& c) {
  FunctionConfig out;
  out.package_type = c.package_type.empty() ? "Zip" : c.package_type;
  out.runtime = c.runtime;
  out.handler = c.handler;
  out.role = c.role;
  out.description = c.description;
  out.memory_mb = c.memory_size == 0 ? kDefaultMemoryMb : c.memory_size;
  out.timeout_seconds = c.timeout == 0 ? kDefaultTimeoutSeconds : c.timeout;
  out.ephemeral_storage_mb =
      c.ephemeral_storage_mb == 0 ? kDefaultEphemeralStorageMb : c.ephemeral_storage_mb;
  out.architectures = c.architectures;
  out.layers = c.layers;
  out.environment = c.environment;
  out.tracing_mode = c.tracing_mode;
  out.kms_key_arn = c.kms_key_arn;
  return out;
}

AliasState FromAws(const aws::AliasConfiguration& a) {
  return AliasState{a.name, a.function_version, a.routing, a.revision_id, a.alias_arn};
}

AwsLambdaApi::AwsLambdaApi(aws::LambdaClient& client, Clock& clock, WaiterOptions waiter)
    : client_(client), clock_(clock), waiter_(waiter) {}

Result<ObservedFunction> AwsLambdaApi::Observe(const std::string& function_name,
                                               std::vector<std::string>* request_ids,
                                               std::stop_token stop) {
  RequestIdScope scope(request_ids);
  ObservedFunction f;
  f.function_name = function_name;
  auto got = client_.GetFunction(function_name, "", stop);
  if (!got.ok()) {
    if (got.error().code == ErrorCode::kNotFound) return f;
    return got.error();
  }
  FoldLatest(got->configuration, f);
  f.tags = got->tags;
  FERRY_ASSIGN_OR_RETURN(auto versions, client_.ListAllVersions(function_name, 100'000, stop));
  for (const auto& v : versions) {
    if (v.version == kLatest || v.version.empty()) continue;
    f.versions.push_back(VersionInfo{v.version, v.code_sha256, FromAws(v)});
  }
  FERRY_ASSIGN_OR_RETURN(auto aliases, client_.ListAllAliases(function_name, stop));
  for (const auto& a : aliases) f.aliases.push_back(FromAws(a));
  return f;
}

Result<ObservedFunction> AwsLambdaApi::Wait(const DeployAction& action,
                                            const ObservedFunction& current, std::stop_token stop) {
  const bool active = action.kind == DeployActionKind::kWaitUntilActive;
  for (int attempt = 1;; ++attempt) {
    auto got = client_.GetFunction(action.function_name, "", stop);
    if (!got.ok()) return got.error();
    ObservedFunction f = current;
    FoldLatest(got->configuration, f);
    const std::string& status = active ? f.state : f.last_update_status;
    if (status == (active ? "Active" : "Successful")) return f;
    if (status == "Failed") {
      const std::string& reason = active ? f.state_reason : f.last_update_status_reason;
      return Error{ErrorCode::kFailedPrecondition,
                   "function " + action.function_name +
                       (active ? " failed to become Active" : ": the update failed") +
                       (reason.empty() ? "" : ": " + reason)};
    }
    // FunctionActiveV2 retries only on Pending and FunctionUpdatedV2 only on InProgress; any
    // other value matches no acceptor, which the waiter spec also treats as "retry".
    if (attempt >= waiter_.max_attempts) {
      return Error{ErrorCode::kDeadlineExceeded, "function " + action.function_name + " is still " +
                                                     (status.empty() ? "without status" : status) +
                                                     " after " + std::to_string(attempt) +
                                                     " checks"};
    }
    if (!clock_.SleepFor(waiter_.delay, stop)) {
      return Error{ErrorCode::kCancelled, "wait for " + action.function_name + " aborted"};
    }
  }
}

Result<ApiOutcome> AwsLambdaApi::Apply(const DeployAction& a, const ObservedFunction& current,
                                       std::stop_token stop) {
  ApiOutcome out;
  out.function = current;
  RequestIdScope scope(&out.request_ids);
  ObservedFunction& f = out.function;
  switch (a.kind) {
    case DeployActionKind::kCreateFunction: {
      if (auto bad = UnsendableFields(a.config); !bad.empty()) {
        return Unsendable(a.function_name, bad);
      }
      aws::CreateFunctionRequest r;
      r.function_name = a.function_name;
      r.package_type = Normalize(a.config).package_type;
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
      FERRY_ASSIGN_OR_RETURN(auto created, client_.CreateFunction(r, stop));
      FoldLatest(created, f);
      f.tags = a.tags;
      f.versions.clear();
      f.aliases.clear();
      return out;
    }
    case DeployActionKind::kWaitUntilActive:
    case DeployActionKind::kWaitUntilUpdated: {
      FERRY_ASSIGN_OR_RETURN(out.function, Wait(a, current, stop));
      return out;
    }
    case DeployActionKind::kResolveCodeSha: {
      aws::UpdateFunctionCodeRequest r;
      r.function_name = a.function_name;
      r.code = ToAws(a.code);
      r.dry_run = true;
      r.architectures = a.config.architectures;
      FERRY_ASSIGN_OR_RETURN(auto dry, client_.UpdateFunctionCode(r, stop));
      out.resolved_code_sha256 = dry.code_sha256;
      return out;
    }
    case DeployActionKind::kUpdateCode: {
      aws::UpdateFunctionCodeRequest r;
      r.function_name = a.function_name;
      r.code = ToAws(a.code);
      r.revision_id = a.revision_id;
      r.architectures = a.config.architectures;
      FERRY_ASSIGN_OR_RETURN(auto updated, client_.UpdateFunctionCode(r, stop));
      FoldLatest(updated, f);
      return out;
    }
    case DeployActionKind::kUpdateConfiguration: {
      if (auto bad = UnsendableFields(a.config, &a.changed_fields); !bad.empty()) {
        return Unsendable(a.function_name, bad);
      }
      aws::UpdateFunctionConfigurationRequest r;
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
      }
      FERRY_ASSIGN_OR_RETURN(auto updated, client_.UpdateFunctionConfiguration(r, stop));
      FoldLatest(updated, f);
      return out;
    }
    case DeployActionKind::kPublishVersion: {
      aws::PublishVersionRequest r;
      r.function_name = a.function_name;
      r.code_sha256 = a.code_sha256;
      r.revision_id = a.revision_id;
      r.description = a.description;
      FERRY_ASSIGN_OR_RETURN(auto published, client_.PublishVersion(r, stop));
      if (published.version.empty() || published.version == kLatest) {
        return Error{ErrorCode::kUnavailable,
                     "PublishVersion for " + a.function_name + " returned no version number"};
      }
      std::erase_if(f.versions,
                    [&](const VersionInfo& v) { return v.version == published.version; });
      f.versions.push_back(
          VersionInfo{published.version, published.code_sha256, FromAws(published)});
      return out;
    }
    case DeployActionKind::kCreateAlias:
    case DeployActionKind::kUpdateAlias: {
      aws::AliasConfiguration alias;
      if (a.kind == DeployActionKind::kCreateAlias) {
        aws::CreateAliasRequest r{a.function_name, a.alias, a.version, "", a.weights};
        FERRY_ASSIGN_OR_RETURN(alias, client_.CreateAlias(r, stop));
      } else {
        aws::UpdateAliasRequest r;
        r.function_name = a.function_name;
        r.name = a.alias;
        r.function_version = a.version;
        r.routing = a.weights;
        r.revision_id = a.revision_id;
        FERRY_ASSIGN_OR_RETURN(alias, client_.UpdateAlias(r, stop));
      }
      std::erase_if(f.aliases, [&](const AliasState& s) { return s.name == a.alias; });
      f.aliases.push_back(FromAws(alias));
      return out;
    }
    case DeployActionKind::kUntagResource: {
      FERRY_RETURN_IF_ERROR(client_.UntagResource(current.arn, a.tag_keys, stop));
      for (const auto& key : a.tag_keys) f.tags.erase(key);
      return out;
    }
    case DeployActionKind::kTagResource: {
      FERRY_RETURN_IF_ERROR(client_.TagResource(current.arn, a.tags, stop));
      for (const auto& [key, value] : a.tags) f.tags[key] = value;
      return out;
    }
    case DeployActionKind::kDone:
      break;
  }
  return Error{ErrorCode::kInternal, "nothing to apply for " + a.function_name};
}

Status AwsLambdaApi::ApplyRollback(const RollbackAction& a, std::vector<std::string>* request_ids,
                                   std::stop_token stop) {
  RequestIdScope scope(request_ids);
  switch (a.kind) {
    case RollbackActionKind::kUpdateAlias: {
      aws::UpdateAliasRequest r;
      r.function_name = a.function_name;
      r.name = a.alias;
      r.function_version = a.version;
      r.routing = a.weights;
      r.revision_id = a.revision_id;
      auto updated = client_.UpdateAlias(r, stop);
      if (!updated.ok()) return updated.error();
      return Ok();
    }
    case RollbackActionKind::kCreateAlias: {
      aws::CreateAliasRequest r{a.function_name, a.alias, a.version, "", a.weights};
      auto created = client_.CreateAlias(r, stop);
      if (!created.ok()) return created.error();
      return Ok();
    }
    case RollbackActionKind::kDeleteAlias: {
      Status s = client_.DeleteAlias(a.function_name, a.alias, stop);
      if (!s.ok() && s.error().code == ErrorCode::kNotFound) return Ok();
      return s;
    }
    case RollbackActionKind::kDeleteFunction: {
      Status s = client_.DeleteFunction(a.function_name, "", stop);
      if (!s.ok() && s.error().code == ErrorCode::kNotFound) return Ok();
      return s;
    }
  }
  return Error{ErrorCode::kInternal, "unknown rollback action"};
}

Status AwsLambdaApi::DeleteVersion(const std::string& function_name, const std::string& version,
                                   std::vector<std::string>* request_ids, std::stop_token stop) {
  if (!ParseVersionNumber(version)) {
    return Error{ErrorCode::kInvalidArgument,
                 "not a published version: " + QuoteForMessage(version)};
  }
  RequestIdScope scope(request_ids);
  Status s = client_.DeleteFunction(function_name, version, stop);
  if (!s.ok() && s.error().code == ErrorCode::kNotFound) return Ok();
  return s;
}

}  // namespace ferry::delegate::lambda
