#include "delegate/lambda/aws_lambda_provider.h"

#include "common/json.h"
#include "common/secret_mask.h"
#include "common/strings.h"

namespace ferry::delegate {
namespace {

bool ValidRegion(const std::string& region) {
  if (region.empty() || region.size() > 32) return false;
  for (char c : region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

bool ValidEndpoint(const std::string& endpoint) {
  if (endpoint.size() > 512) return false;
  if (endpoint.rfind("http://", 0) != 0 && endpoint.rfind("https://", 0) != 0) return false;
  for (char c : endpoint) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '\\') return false;
  }
  return endpoint.back() != '/';
}

}  // namespace

AwsLambdaApiProvider::AwsLambdaApiProvider(aws::HttpTransport& transport,
                                           aws::CredentialsProvider& credentials, Clock& clock,
                                           IdGenerator& ids, aws::RateLimiterRegistry& limiters,
                                           aws::RetryQuota& retry_quota, WaiterOptions waiter,
                                           aws::RetryOptions retry, SecretResolver secrets)
    : transport_(transport),
      credentials_(credentials),
      clock_(clock),
      ids_(ids),
      limiters_(limiters),
      retry_quota_(retry_quota),
      waiter_(waiter),
      retry_(retry),
      secrets_(std::move(secrets)) {}

Result<LambdaApi*> AwsLambdaApiProvider::For(const lambda::LambdaTarget& target) {
  FERRY_ASSIGN_OR_RETURN(Entry * entry, EntryFor(target));
  return static_cast<LambdaApi*>(entry->api.get());
}

Result<AlarmReader*> AwsLambdaApiProvider::AlarmsFor(const lambda::LambdaTarget& target) {
  FERRY_ASSIGN_OR_RETURN(Entry * entry, EntryFor(target));
  return static_cast<AlarmReader*>(entry->alarms.get());
}

Result<MetricReader*> AwsLambdaApiProvider::MetricsFor(const lambda::LambdaTarget& target) {
  FERRY_ASSIGN_OR_RETURN(Entry * entry, EntryFor(target));
  return static_cast<MetricReader*>(entry->metrics.get());
}

Result<AwsLambdaApiProvider::Entry*> AwsLambdaApiProvider::EntryFor(
    const lambda::LambdaTarget& target) {
  if (!ValidRegion(target.region)) {
    return Error{ErrorCode::kInvalidArgument, "invalid region " + QuoteForMessage(target.region)};
  }
  if (!target.endpoint.empty() && !ValidEndpoint(target.endpoint)) {
    return Error{ErrorCode::kInvalidArgument,
                 "invalid endpoint " + QuoteForMessage(target.endpoint) +
                     " (http(s)://host[:port] without a trailing slash)"};
  }
  std::string endpoint = target.endpoint.empty()
                             ? "https://lambda." + target.region + ".amazonaws.com"
                             : target.endpoint;
  const lambda::TargetCredentials& spec = target.credentials;
  const bool own = spec.mode == lambda::TargetCredentialsMode::kDelegate && !spec.assume_role;
  std::string secret;
  if (spec.mode == lambda::TargetCredentialsMode::kKeys) {
    if (!secrets_) {
      return Error{ErrorCode::kFailedPrecondition,
                   DescribeConnection(target) +
                       ": this delegate cannot read secrets, so it cannot use a connection in "
                       "mode keys"};
    }
    auto value = secrets_(spec.secret_name);
    if (!value.ok()) {
      return Error{value.error().code,
                   SecretMasker::Global().Mask(DescribeConnection(target) +
                                               ": cannot read the secret access key from " +
                                               "secret " + QuoteForMessage(spec.secret_name) +
                                               ": " + value.error().message)};
    }
    secret = std::move(*value);
    if (secret.empty()) {
      return Error{ErrorCode::kFailedPrecondition, DescribeConnection(target) + ": secret " +
                                                       QuoteForMessage(spec.secret_name) +
                                                       " is empty"};
    }
    SecretMasker::Global().Register(secret);
  }
  Key key{target.region, endpoint, own ? "" : target.cloud_provider,
          own ? lambda::TargetCredentials{} : spec,
          secret.empty() ? 0 : std::hash<std::string>{}(secret)};
  {
    std::lock_guard lock(mu_);
    auto it = apis_.find(key);
    if (it != apis_.end()) return &it->second;
  }
  // Built outside the lock: opening a connection calls STS.
  Entry entry;
  aws::ServiceConfig config = aws::LambdaServiceConfig(endpoint, target.region);
  config.retry = retry_;
  if (!own) {
    FERRY_ASSIGN_OR_RETURN(
        ConnectionCredentials connection,
        OpenConnectionCredentials(target, secret, credentials_, transport_, clock_));
    entry.credentials = std::move(connection.provider);
    config.account = connection.account;
  }
  aws::CredentialsProvider& credentials = own ? credentials_ : *entry.credentials;
  entry.client = std::make_unique<aws::LambdaClient>(
      config, aws::ServiceDeps{transport_, credentials, clock_, ids_, limiters_, retry_quota_});
  entry.api = std::make_unique<AwsLambdaApi>(*entry.client, clock_, waiter_);
  // CloudWatch through the same connection (alarm gates): the connection's endpoint when it
  // names one (an AWS-compatible endpoint such as ferry sandbox serves every service).
  aws::ServiceConfig monitoring = aws::CloudWatchServiceConfig(
      target.endpoint.empty() ? "https://monitoring." + target.region + ".amazonaws.com"
                              : target.endpoint,
      target.region);
  monitoring.retry = retry_;
  monitoring.account = config.account;
  entry.cloudwatch = std::make_unique<aws::CloudWatchClient>(
      monitoring, aws::ServiceDeps{transport_, credentials, clock_, ids_, limiters_, retry_quota_});
  entry.alarms = std::make_unique<AwsAlarmReader>(*entry.cloudwatch);
  entry.metrics = std::make_unique<AwsMetricReader>(*entry.cloudwatch);
  // Secrets Manager and SSM (secrets of the aws-* sources), likewise.
  const aws::ServiceDeps deps{transport_, credentials, clock_, ids_, limiters_, retry_quota_};
  aws::ServiceConfig secrets_manager = aws::SecretsManagerServiceConfig(
      target.endpoint.empty() ? "https://secretsmanager." + target.region + ".amazonaws.com"
                              : target.endpoint,
      target.region);
  secrets_manager.retry = retry_;
  secrets_manager.account = config.account;
  entry.secrets_manager = std::make_unique<aws::SecretsManagerClient>(secrets_manager, deps);
  aws::ServiceConfig ssm = aws::SsmServiceConfig(
      target.endpoint.empty() ? "https://ssm." + target.region + ".amazonaws.com" : target.endpoint,
      target.region);
  ssm.retry = retry_;
  ssm.account = config.account;
  entry.ssm = std::make_unique<aws::SsmClient>(ssm, deps);
  std::lock_guard lock(mu_);
  auto it = apis_.try_emplace(std::move(key), std::move(entry)).first;
  return &it->second;
}

Result<std::string> AwsLambdaApiProvider::ReadAwsSecret(const lambda::AwsSecretRef& ref,
                                                        std::stop_token stop) {
  const bool sm = ref.store == lambda::AwsSecretStore::kSecretsManager;
  const std::string where = "secret " + QuoteForMessage(ref.secret) + " (" +
                            (sm ? "Secrets Manager " : "SSM parameter ") + QuoteForMessage(ref.id) +
                            " in " + ref.target.region +
                            (ref.target.cloud_provider.empty()
                                 ? std::string()
                                 : " through " + QuoteForMessage(ref.target.cloud_provider)) +
                            ")";
  auto fail = [&](const Error& e) {
    return Error{e.code, SecretMasker::Global().Mask(where + ": " + e.message)};
  };
  auto entry = EntryFor(ref.target);
  if (!entry.ok()) return fail(entry.error());
  std::string value;
  if (sm) {
    auto got = (*entry)->secrets_manager->GetSecretValue(ref.id, std::nullopt, stop);
    if (!got.ok()) return fail(got.error());
    value = got->text ? std::move(*got->text) : std::move(*got->binary);
  } else {
    auto got = (*entry)->ssm->GetParameter(ref.id, stop);
    if (!got.ok()) return fail(got.error());
    value = std::move(got->value);
  }
  // The whole value is a secret even when one key is picked from it.
  SecretMasker::Global().Register(value);
  if (!ref.json_key.empty()) {
    auto parsed = ParseJson(value, JsonLimits{64 * 1024, 16});
    if (!parsed.ok() || !parsed->is_object()) {
      return Error{ErrorCode::kFailedPrecondition,
                   where + ": jsonKey " + QuoteForMessage(ref.json_key) +
                       " is set but the value is not a JSON object"};
    }
    auto it = parsed->find(ref.json_key);
    if (it == parsed->end() || it->is_null() || it->is_object() || it->is_array()) {
      return Error{ErrorCode::kFailedPrecondition,
                   where + ": its JSON value has no " +
                       (it == parsed->end() ? "key " : "string or number at key ") +
                       QuoteForMessage(ref.json_key)};
    }
    value = it->is_string() ? it->get<std::string>() : DumpJson(*it);
    SecretMasker::Global().Register(value);
  }
  return value;
}

}  // namespace ferry::delegate
